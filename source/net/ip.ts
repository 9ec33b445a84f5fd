/**
 * IPv4/IPv6 address and CIDR arithmetic on bigint, shared by every evaluator. Pure.
 * A CIDR is normalised to its network address; `0.0.0.0/0` is the whole IPv4 internet.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** Network address as an integer (host bits cleared). */
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseV4(s: string): bigint | undefined {
  if (!isIPv4(s)) return undefined;
  return s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

function parseV6(s: string): bigint | undefined {
  const a = s.replace(/%.*$/, '');
  if (!isIPv6(a)) return undefined;
  let head = a;
  let v4tail: bigint | undefined;
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (m) {
    v4tail = parseV4(m[1]);
    head = a.slice(0, -m[1].length) + '0:0';
  }
  const [l, r] = head.split('::');
  const left = l ? l.split(':') : [];
  const right = r !== undefined ? (r ? r.split(':') : []) : [];
  const fill = r !== undefined ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array(fill).fill('0'), ...right];
  let v = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | v4tail;
  return v;
}

/** Parses an address; returns family and integer value, or undefined. `::ffff:1.2.3.4` stays IPv6. */
export function parseIp(s: string): { family: 4 | 6; value: bigint } | undefined {
  const t = s.trim().replace(/^\[|\]$/g, '');
  const v4 = parseV4(t);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(t);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function unmapV4(s: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s.trim());
  return m ? m[1] : s.trim();
}

/** Parses `a.b.c.d/n`, `a.b.c.d` (a /32), `x::/n`, `x::`; host bits are cleared. */
export function parseCidr(s: string): Cidr | undefined {
  const [addr, len, extra] = s.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = BITS[ip.family];
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (len !== undefined && !/^\d+$/.test(len)))
    return undefined;
  const hostBits = BigInt(max - prefix);
  const base = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, base, prefix };
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(BITS[c.family] - c.prefix);
}

export function cidrLast(c: Cidr): bigint {
  return c.base + cidrSize(c) - 1n;
}

/** Does CIDR `outer` contain every address of `inner`? */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefix <= inner.prefix &&
    inner.base >= outer.base &&
    cidrLast(inner) <= cidrLast(outer)
  );
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= cidrLast(b) && b.base <= cidrLast(a);
}

/** Does the CIDR contain the address? Accepts strings for convenience; false when either fails to parse. */
export function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIp(unmapV4(ip));
  if (!c || !a || c.family !== a.family) return false;
  return cidrContains(c, { family: a.family, base: a.value, prefix: BITS[a.family] });
}

export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.prefix}`;
}

/** IPv4 blocks that are never a public internet address (the firewall evaluators' `internet` omits them). */
export const SPECIAL_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
];

/** RFC 1918, CGNAT (Alibaba's 100.64/10 service range), loopback, link-local, ULA and the like. */
export function isPrivateIp(ip: string): boolean {
  const a = parseIp(unmapV4(ip));
  if (!a) return false;
  if (a.family === 4) return SPECIAL_V4.some((c) => inCidr(ip, c));
  return inCidr(ip, 'fc00::/7') || inCidr(ip, 'fe80::/10') || inCidr(ip, '::1/128');
}

export function isLoopback(ip: string): boolean {
  const u = unmapV4(ip);
  return inCidr(u, '127.0.0.0/8') || u === '::1';
}

/** Wildcard bind addresses: `0.0.0.0`, `::`, `*`, `[::]`. */
export function isWildcard(ip: string): boolean {
  const t = ip.trim().replace(/^\[|\]$/g, '');
  return t === '0.0.0.0' || t === '::' || t === '*' || t === '';
}
