/**
 * What every guest parser shares. Parsers are pure `text → facts`: no I/O, no clock, no exceptions.
 * Tool output arrives over SSH, Cloud Assistant (base64, sometimes CRLF) or a local pipe, possibly cut
 * short by a timeout, so every parser normalises line endings, skips what it cannot read, and reports
 * what it skipped as a warning instead of throwing.
 */

export interface Parsed<T> {
  value: T;
  /** Lines or tokens the parser could not read, in words an operator can act on. */
  warnings: string[];
}

/** Splits text into lines: CRLF/CR normalised, NULs and a trailing empty line dropped. */
export function lines(text: string | undefined | null): string[] {
  if (!text) return [];
  const out = String(text).replace(/\0/g, '').replace(/\r\n?/g, '\n').split('\n');
  if (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** Normalised text (CRLF → LF, NUL removed). */
export function normalise(text: string | undefined | null): string {
  return lines(text).join('\n');
}

/** A non-negative integer or undefined (never NaN). */
export function toInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Splits on runs of whitespace, ignoring leading/trailing blanks. */
export function fields(line: string): string[] {
  const t = line.trim();
  return t ? t.split(/\s+/) : [];
}

/** Shortens a line for a warning so a garbage megabyte never ends up in a message. */
export function clip(s: string, max = 120): string {
  const t = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Adds a warning, keeping the list bounded (garbage input must not make a huge fact). */
export function warn(warnings: string[], message: string, limit = 50): void {
  if (warnings.length < limit) warnings.push(message);
  else if (warnings.length === limit) warnings.push('further warnings omitted');
}

/** Parses JSON that may be preceded or followed by junk (a banner, a shell prompt, a cut-off tail). */
export function parseJsonLoose(text: string): { value?: unknown; error?: string } {
  const t = normalise(text).trim();
  if (!t) return { error: 'empty output' };
  try {
    return { value: JSON.parse(t) };
  } catch {
    // Look for the outermost array/object and retry; a truncated document still fails (and says so).
    const start = t.search(/[[{]/);
    const endA = t.lastIndexOf(']');
    const endO = t.lastIndexOf('}');
    const end = Math.max(endA, endO);
    if (start >= 0 && end > start) {
      try {
        return { value: JSON.parse(t.slice(start, end + 1)) };
      } catch (e) {
        return { error: `not valid JSON (${(e as Error).message})` };
      }
    }
    return { error: 'not JSON' };
  }
}

/** Splits `host:port` as ss/netstat print it: `1.2.3.4:22`, `[::1]:22`, `:::22`, `*:22`, `1.2.3.4%eth0:53`. */
export function splitHostPort(s: string): { address: string; port: string; iface?: string } | undefined {
  let t = s.trim();
  if (!t) return undefined;
  let iface: string | undefined;
  let address: string;
  let port: string;
  const br = /^\[([^\]]*)\](%[^:]+)?:([^:]*)$/.exec(t);
  if (br) {
    address = br[1];
    if (br[2]) iface = br[2].slice(1);
    port = br[3];
  } else {
    const i = t.lastIndexOf(':');
    if (i < 0) return undefined;
    address = t.slice(0, i);
    port = t.slice(i + 1);
    t = address;
  }
  const pct = address.indexOf('%');
  if (pct >= 0) {
    iface = address.slice(pct + 1);
    address = address.slice(0, pct);
  }
  if (address === '') address = '*';
  const r: { address: string; port: string; iface?: string } = { address, port };
  if (iface) r.iface = iface;
  return r;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') return toInt(v);
  return undefined;
}
