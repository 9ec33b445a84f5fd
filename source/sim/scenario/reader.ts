/**
 * Reading an authoring document with validation: every accessor knows the file and the path it reads, so a
 * problem is reported as `storefront.yaml: instances[0].securityGroups[1]: "sg-x" is not a security group`.
 */
import { parseCidr, parseIp } from '../../net/ip.js';
import { parseTime } from './time.js';

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`scenario ${file}: ${path ? `${path}: ` : ''}${problem}`);
    this.name = 'ScenarioError';
  }
}

type Obj = Record<string, unknown>;

export class Reader {
  constructor(
    readonly file: string,
    readonly epoch: number,
  ) {}

  fail(path: string, problem: string): never {
    throw new ScenarioError(this.file, path, problem);
  }

  obj(v: unknown, path: string, known?: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(path, `must be a mapping, got ${show(v)}`);
    const o = v as Obj;
    if (known) {
      for (const k of Object.keys(o))
        if (!known.includes(k)) this.fail(join(path, k), `unknown field (known here: ${known.join(', ')})`);
    }
    return o;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, `must be a list, got ${show(v)}`);
    return v;
  }

  /** The first of `keys` that is present (aliases: `zone` or `zoneId`). */
  pick(o: Obj, keys: string[]): [string, unknown] {
    for (const k of keys) if (o[k] !== undefined && o[k] !== null) return [k, o[k]];
    return [keys[0], undefined];
  }

  str(o: Obj, keys: string | string[], path: string, def?: string): string {
    const v = this.optStr(o, keys, path);
    if (v !== undefined) return v;
    if (def !== undefined) return def;
    const ks = Array.isArray(keys) ? keys : [keys];
    return this.fail(join(path, ks[0]), 'is required');
  }

  optStr(o: Obj, keys: string | string[], path: string): string | undefined {
    const [k, v] = this.pick(o, Array.isArray(keys) ? keys : [keys]);
    if (v === undefined) return undefined;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') this.fail(join(path, k), `must be text, got ${show(v)}`);
    return v;
  }

  num(o: Obj, keys: string | string[], path: string, def?: number): number {
    const [k, v] = this.pick(o, Array.isArray(keys) ? keys : [keys]);
    if (v === undefined) {
      if (def !== undefined) return def;
      return this.fail(join(path, k), 'is required');
    }
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n))
      this.fail(join(path, k), `must be a number, got ${show(v)}`);
    return n;
  }

  bool(o: Obj, keys: string | string[], path: string, def: boolean): boolean {
    const [k, v] = this.pick(o, Array.isArray(keys) ? keys : [keys]);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.fail(join(path, k), `must be true or false, got ${show(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Obj, keys: string | string[], path: string, values: readonly T[], def?: T): T {
    const ks = Array.isArray(keys) ? keys : [keys];
    const v = this.optStr(o, ks, path);
    if (v === undefined) {
      if (def !== undefined) return def;
      return this.fail(join(path, ks[0]), `is required (one of ${values.join(', ')})`);
    }
    const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
    if (!hit) this.fail(join(path, this.pick(o, ks)[0]), `"${v}" is not one of ${values.join(', ')}`);
    return hit;
  }

  strs(o: Obj, keys: string | string[], path: string): string[] {
    const [k, v] = this.pick(o, Array.isArray(keys) ? keys : [keys]);
    if (v === undefined) return [];
    const list = typeof v === 'string' ? [v] : this.list(v, join(path, k));
    return list.map((x, i) => {
      if (typeof x !== 'string' && typeof x !== 'number') this.fail(`${join(path, k)}[${i}]`, 'must be text');
      return String(x);
    });
  }

  cidr(v: string, path: string): string {
    if (!parseCidr(v)) this.fail(path, `"${v}" is not a CIDR (e.g. 172.16.1.0/24)`);
    return v;
  }

  ip(v: string, path: string): string {
    if (!parseIp(v)) this.fail(path, `"${v}" is not an IP address`);
    return v;
  }

  id(v: string, prefix: string, path: string): string {
    if (!v.startsWith(prefix)) this.fail(path, `"${v}" should start with "${prefix}"`);
    return v;
  }

  /** A relative (`-25m`) or absolute time → epoch ms. */
  time(v: unknown, path: string): number {
    const t = parseTime(v, this.epoch);
    if (t === undefined) this.fail(path, `${show(v)} is not a time: use -25m, -2h, -3d, now or an ISO time`);
    return t;
  }

  /** A relative offset only, in ms (metric steps). */
  offset(v: unknown, path: string): number {
    return this.time(v, path) - this.epoch;
  }

  iso(v: unknown, path: string): string {
    return new Date(this.time(v, path)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s && s.length > 60 ? `${s.slice(0, 57)}…` : String(s);
}
