/**
 * Reading API parameters the way Alibaba's RPC gateway does: query string and form body merged into one flat
 * map, repeat lists as `Name.1`, `Name.2` (what `OpenApiUtil.query` produces), nested lists as
 * `Permissions.1.PortRange`, and the newer JSON-array-string parameters (`InstanceIds='["i-1","i-2"]'`).
 */
import { ApiError, invalidParameter, missingParameter } from './errors.js';

/** Parameters that belong to the signing protocol, not to the action. */
export const PROTOCOL_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'Timestamp',
  'SignatureNonce',
  'SignatureMethod',
  'SignatureVersion',
  'Signature',
  'AccessKeyId',
  'SecurityToken',
  'SignatureType',
  'BearerToken',
]);

export class Params {
  constructor(readonly flat: Record<string, string>) {}

  has(name: string): boolean {
    return this.flat[name] !== undefined && this.flat[name] !== '';
  }

  str(name: string): string | undefined {
    const v = this.flat[name];
    return v === undefined || v === '' ? undefined : v;
  }

  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  int(name: string, opts: { def?: number; min?: number; max?: number } = {}): number | undefined {
    const v = this.str(name);
    if (v === undefined) return opts.def;
    if (!/^-?\d+$/.test(v.trim())) throw invalidParameter(name, `"${v}" is not an integer.`);
    const n = Number(v);
    if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max))
      throw invalidParameter(name, `It must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}.`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw invalidParameter(name, 'It must be true or false.');
  }

  oneOf<T extends string>(name: string, values: readonly T[], def?: T): T | undefined {
    const v = this.str(name);
    if (v === undefined) return def;
    const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
    if (!hit) throw invalidParameter(name, `It must be one of ${values.join(', ')}.`);
    return hit;
  }

  /** `Name.1`, `Name.2`, … in index order (a repeat list). */
  repeat(name: string): string[] {
    const out: [number, string][] = [];
    const re = new RegExp(`^${escapeRe(name)}\\.(\\d+)$`);
    for (const [k, v] of Object.entries(this.flat)) {
      const m = re.exec(k);
      if (m && v !== '') out.push([Number(m[1]), v]);
    }
    return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** A JSON-array-string parameter (`'["i-1","i-2"]'`); a bare value counts as a one-element list. */
  jsonList(name: string): string[] {
    const v = this.str(name);
    if (v === undefined) return [];
    const t = v.trim();
    if (!t.startsWith('[')) return [t];
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      throw invalidParameter(name, 'It must be a JSON array of strings, e.g. ["i-1","i-2"].');
    }
    if (!Array.isArray(parsed)) throw invalidParameter(name, 'It must be a JSON array.');
    return parsed.map((x) => String(x));
  }

  /** Either the repeat list `single.N` or the JSON-array string `plural`, whichever was given. */
  list(single: string, plural?: string): string[] {
    const r = this.repeat(single);
    if (r.length) return r;
    if (this.has(single)) return [this.flat[single]];
    return plural ? this.jsonList(plural) : [];
  }

  /** `Prefix.N.Field` → [{Field: …}] in index order (nested repeat list of objects). */
  objects(prefix: string): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    const re = new RegExp(`^${escapeRe(prefix)}\\.(\\d+)\\.(.+)$`);
    for (const [k, v] of Object.entries(this.flat)) {
      const m = re.exec(k);
      if (!m) continue;
      const i = Number(m[1]);
      const o = byIndex.get(i) ?? {};
      o[m[2]] = v;
      byIndex.set(i, o);
    }
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
  }

  /** The action's own parameters (signing parameters removed), as the audit trail records them. */
  actionParams(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.flat)) if (!PROTOCOL_PARAMS.has(k)) out[k] = v;
    return out;
  }
}

/** Un-flattens `a.1.b=x` keys into nested objects and arrays (1-based indexes become array positions). */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node: any = root;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const last = i === parts.length - 1;
      const idx = /^\d+$/.test(p) ? Number(p) - 1 : undefined;
      const k: string | number = idx !== undefined && Array.isArray(node) ? idx : p;
      if (last) {
        node[k] = value;
        break;
      }
      const nextIsIndex = /^\d+$/.test(parts[i + 1]);
      if (node[k] === undefined || typeof node[k] !== 'object') node[k] = nextIsIndex ? [] : {};
      node = node[k];
    }
  }
  return compactArrays(root) as Record<string, unknown>;
}

function compactArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compactArrays);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compactArrays(x)]));
  return v;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * CloudMonitor and ActionTrail times: epoch ms, `YYYY-MM-DDThh:mm:ssZ`, or `YYYY-MM-DD hh:mm:ss` (read as UTC:
 * the simulator has no user time zone).
 */
export function parseApiTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = v.trim();
  if (/^\d{10,13}$/.test(t)) return t.length === 10 ? Number(t) * 1000 : Number(t);
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)
    ? Date.parse(t.replace(' ', 'T') + (/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? '' : 'Z'))
    : Number.NaN;
  if (Number.isNaN(iso))
    throw new ApiError(
      `InvalidParameter${name}`,
      400,
      `The specified ${name} "${v}" is not a valid time: use epoch milliseconds or YYYY-MM-DDThh:mm:ssZ.`,
    );
  return iso;
}
