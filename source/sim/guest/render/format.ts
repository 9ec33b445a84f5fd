/** Formatting shared by the renderers: C-style padding, ctime dates, nft's JSON layout, stable pseudo-ids. */

export const padEnd = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));
export const padStart = (s: string, w: number) => (s.length >= w ? s : ' '.repeat(w - s.length) + s);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `Thu Nov 26 03:14:25 2026` (ctime(3), as iptables-save prints it; UTC). */
export function ctime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `Wed 2025-11-26 11:40:02 UTC` (systemd's timestamp format). */
export function systemdTime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

/** `Nov 26 11:40:02` (syslog / journalctl short; UTC). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** JSON the way libnftables (jansson) prints it: `", "` and `": "` separators, one line. */
export function nftJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(nftJson).join(', ')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}: ${nftJson(o[k])}`)
    .join(', ')}}`;
}

/** A stable number from a string (pids, inodes, ports that must not change between refreshes). */
export function stableHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Splits `0.0.0.0:22`, `[::]:22`, `*:8443`, `127.0.0.1:8080` into address and port. */
export function splitSpec(spec: string): { address: string; port: number } {
  const t = spec.trim();
  const br = /^\[([^\]]*)\]:(\d+|\*)$/.exec(t);
  if (br) return { address: br[1], port: br[2] === '*' ? 0 : Number(br[2]) };
  const i = t.lastIndexOf(':');
  if (i < 0) return { address: t, port: 0 };
  const port = t.slice(i + 1);
  return { address: t.slice(0, i) || '*', port: port === '*' ? 0 : Number(port) || 0 };
}
