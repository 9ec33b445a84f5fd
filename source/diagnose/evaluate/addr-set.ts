/**
 * Address and port sets as sorted, disjoint, closed integer intervals. The cloud evaluators answer for a whole
 * peer CIDR at once ("is every address of 0.0.0.0/0 allowed?"), so they carve sets instead of testing addresses:
 * a rule's CIDR is subtracted from what is still undecided, and what is left over falls to the default.
 * Pure; builds on the CIDR arithmetic of source/net/ip.ts.
 */
import { type Cidr, cidrLast, formatCidr, parseCidr } from '../../net/ip.js';

export interface Span {
  lo: bigint;
  hi: bigint;
}

/** A set of addresses of one family; `spans` are sorted, disjoint and never adjacent (always merged). */
export interface AddrSet {
  family: 4 | 6;
  spans: readonly Span[];
}

const BITS = { 4: 32, 6: 128 } as const;

export function emptySet(family: 4 | 6): AddrSet {
  return { family, spans: [] };
}

export function cidrSet(c: Cidr): AddrSet {
  return { family: c.family, spans: [{ lo: c.base, hi: cidrLast(c) }] };
}

/** Parses a CIDR or a bare address into a set; undefined when it does not parse. */
export function parseAddrSet(s: string): AddrSet | undefined {
  const c = parseCidr(s);
  return c ? cidrSet(c) : undefined;
}

export function isEmpty(a: AddrSet): boolean {
  return a.spans.length === 0;
}

/** Normalises a list of spans: sorted, overlapping and adjacent ones merged. */
export function normaliseSpans(list: Span[]): Span[] {
  if (list.length < 2) return list.slice();
  const s = list.slice().sort((x, y) => (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0));
  const out: Span[] = [{ ...s[0] }];
  for (let i = 1; i < s.length; i++) {
    const last = out[out.length - 1];
    if (s[i].lo <= last.hi + 1n) {
      if (s[i].hi > last.hi) last.hi = s[i].hi;
    } else out.push({ ...s[i] });
  }
  return out;
}

export function unionSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  return normaliseSpans([...a, ...b]);
}

export function intersectSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = a[i].lo > b[j].lo ? a[i].lo : b[j].lo;
    const hi = a[i].hi < b[j].hi ? a[i].hi : b[j].hi;
    if (lo <= hi) out.push({ lo, hi });
    if (a[i].hi < b[j].hi) i++;
    else j++;
  }
  return out;
}

export function subtractSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  if (a.length === 0 || b.length === 0) return a.slice();
  const out: Span[] = [];
  let j = 0;
  for (const s of a) {
    let lo = s.lo;
    const hi = s.hi;
    while (j < b.length && b[j].hi < lo) j++;
    let k = j;
    while (k < b.length && b[k].lo <= hi) {
      if (b[k].lo > lo) out.push({ lo, hi: b[k].lo - 1n });
      if (b[k].hi >= hi) {
        lo = hi + 1n;
        break;
      }
      lo = b[k].hi + 1n;
      k++;
    }
    if (lo <= hi) out.push({ lo, hi });
  }
  return out;
}

export function spansSize(a: readonly Span[]): bigint {
  let n = 0n;
  for (const s of a) n += s.hi - s.lo + 1n;
  return n;
}

export function spansEqual(a: readonly Span[], b: readonly Span[]): boolean {
  return a.length === b.length && a.every((s, i) => s.lo === b[i].lo && s.hi === b[i].hi);
}

/** Is every element of `inner` in `outer`? */
export function spansContain(outer: readonly Span[], inner: readonly Span[]): boolean {
  return subtractSpans(inner, outer).length === 0;
}

export function spansOverlap(a: readonly Span[], b: readonly Span[]): boolean {
  return intersectSpans(a, b).length > 0;
}

/** Set operations on address sets; mixing families yields the neutral answer (nothing in common). */
export function union(a: AddrSet, b: AddrSet): AddrSet {
  return a.family === b.family ? { family: a.family, spans: unionSpans(a.spans, b.spans) } : a;
}

export function intersect(a: AddrSet, b: AddrSet): AddrSet {
  return a.family === b.family
    ? { family: a.family, spans: intersectSpans(a.spans, b.spans) }
    : emptySet(a.family);
}

export function subtract(a: AddrSet, b: AddrSet): AddrSet {
  return a.family === b.family ? { family: a.family, spans: subtractSpans(a.spans, b.spans) } : a;
}

export function setSize(a: AddrSet): bigint {
  return spansSize(a.spans);
}

export function containsAddr(a: AddrSet, value: bigint): boolean {
  let lo = 0;
  let hi = a.spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = a.spans[mid];
    if (value < s.lo) hi = mid - 1;
    else if (value > s.hi) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The smallest list of CIDRs whose union is exactly the set (what an operator reads and what rules are written in). */
export function toCidrs(a: AddrSet): Cidr[] {
  const bits = BITS[a.family];
  const out: Cidr[] = [];
  for (const s of a.spans) {
    let lo = s.lo;
    while (lo <= s.hi) {
      // Largest block aligned at `lo` that does not pass `hi`.
      let size = 0;
      while (size < bits && ((lo >> BigInt(size)) & 1n) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= s.hi)
        size++;
      out.push({ family: a.family, base: lo, prefix: bits - size });
      lo += 1n << BigInt(size);
    }
  }
  return out;
}

/** CIDR strings for display, at most `max` of them (the rest summarised as "… and N more"). */
export function describeSet(a: AddrSet, max = 4): string[] {
  const all = toCidrs(a).map(formatCidr);
  if (all.length <= max) return all;
  return [...all.slice(0, max), `… and ${all.length - max} more`];
}

/** Share of `part` in `whole` as a float in [0, 1] (sizes can reach 2^128, so divide as bigints first). */
export function share(part: AddrSet, whole: AddrSet): number {
  const w = setSize(whole);
  if (w === 0n) return 0;
  const p = setSize(part);
  return Number((p * 1_000_000n) / w) / 1_000_000;
}

// ── ports ─────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface PortSpan {
  from: number;
  to: number;
}

/** Every port, as `-1/-1` and `1/65535` mean in Alibaba rules. */
export const ALL_PORTS: PortSpan = { from: 1, to: 65535 };

/** `{-1,-1}` (Alibaba's "all ports") becomes 1–65535; inverted or out-of-range bounds are clamped. */
export function portSpan(r: { from: number; to: number } | undefined): PortSpan {
  if (!r || r.from === -1 || r.to === -1) return ALL_PORTS;
  const from = Math.max(1, Math.min(r.from, r.to));
  const to = Math.min(65535, Math.max(r.from, r.to));
  return { from, to };
}

export function portSpanContains(outer: PortSpan, inner: PortSpan): boolean {
  return outer.from <= inner.from && inner.to <= outer.to;
}

export function portSpanOverlaps(a: PortSpan, b: PortSpan): boolean {
  return a.from <= b.to && b.from <= a.to;
}

export function formatPorts(p: PortSpan): string {
  if (p.from === 1 && p.to === 65535) return 'all ports';
  return p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`;
}

/**
 * Cuts `range` into elementary pieces at every bound of `cuts`, so that each piece is either inside or outside
 * every cut range: a stateless ACL's verdict is then constant over a piece.
 */
export function elementaryPortPieces(range: PortSpan, cuts: PortSpan[]): PortSpan[] {
  const points = new Set<number>([range.from, range.to + 1]);
  for (const c of cuts) {
    if (c.from > range.from && c.from <= range.to) points.add(c.from);
    if (c.to + 1 > range.from && c.to + 1 <= range.to) points.add(c.to + 1);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const out: PortSpan[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push({ from: sorted[i], to: sorted[i + 1] - 1 });
  return out;
}
