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

const parsed = new Map<string, Cidr | null>();

/**
 * parseCidr, memoised: the same rule and route CIDRs are parsed for every intent and every refresh. The memo only
 * trades memory for time (results are immutable values); it is dropped when it grows past 50,000 strings.
 */
export function parseCidrCached(s: string): Cidr | undefined {
  let c = parsed.get(s);
  if (c === undefined) {
    if (parsed.size > 50_000) parsed.clear();
    c = parseCidr(s) ?? null;
    parsed.set(s, c);
  }
  return c ?? undefined;
}

const parsedSets = new Map<string, AddrSet | null>();

/**
 * Parses a CIDR or a bare address into a set; undefined when it does not parse. Memoised like
 * {@link parseCidrCached}; the sets are frozen, so sharing them between rules and calls is safe.
 */
export function parseAddrSet(s: string): AddrSet | undefined {
  let set = parsedSets.get(s);
  if (set === undefined) {
    if (parsedSets.size > 50_000) parsedSets.clear();
    const c = parseCidrCached(s);
    set = c
      ? Object.freeze({
          family: c.family,
          spans: Object.freeze([Object.freeze({ lo: c.base, hi: cidrLast(c) })]),
        })
      : null;
    parsedSets.set(s, set);
  }
  return set ?? undefined;
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

// Math.min/max throw on bigint.
function bigMax(x: bigint, y: bigint): bigint {
  return x > y ? x : y;
}

function bigMin(x: bigint, y: bigint): bigint {
  return x < y ? x : y;
}

export function intersectSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = bigMax(a[i].lo, b[j].lo);
    const hi = bigMin(a[i].hi, b[j].hi);
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

/** Index of the first span whose `hi` is ≥ `v` (binary search; spans are sorted and disjoint). */
export function firstReaching(spans: readonly Span[], v: bigint): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].hi < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `spans ∩ [lo, hi]` in O(log n + k): the hot path, since a rule's peer is one CIDR. */
export function intersectRange(spans: readonly Span[], lo: bigint, hi: bigint): Span[] {
  const out: Span[] = [];
  for (let i = firstReaching(spans, lo); i < spans.length && spans[i].lo <= hi; i++) {
    const s = spans[i];
    out.push({ lo: s.lo > lo ? s.lo : lo, hi: s.hi < hi ? s.hi : hi });
  }
  return out;
}

/** `spans \ [lo, hi]`: copies the untouched spans, splits at most two. */
export function subtractRange(spans: readonly Span[], lo: bigint, hi: bigint): Span[] {
  const i = firstReaching(spans, lo);
  if (i === spans.length || spans[i].lo > hi) return spans.slice();
  const out = spans.slice(0, i);
  let j = i;
  for (; j < spans.length && spans[j].lo <= hi; j++) {
    const s = spans[j];
    if (s.lo < lo) out.push({ lo: s.lo, hi: lo - 1n });
    if (s.hi > hi) out.push({ lo: hi + 1n, hi: s.hi });
  }
  for (; j < spans.length; j++) out.push(spans[j]);
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

/**
 * The smallest list of CIDRs whose union is exactly the set (what an operator reads and what rules are written in).
 * `limit` stops early: a set carved by hundreds of rules can take thousands of CIDRs and only a few are shown.
 */
export function toCidrs(a: AddrSet, limit = Number.POSITIVE_INFINITY): Cidr[] {
  const bits = BITS[a.family];
  const out: Cidr[] = [];
  for (const s of a.spans) {
    let lo = s.lo;
    while (lo <= s.hi) {
      if (out.length >= limit) return out;
      // Largest block aligned at `lo` that does not pass `hi`: limited by lo's trailing zero bits and by the
      // length left (bit tricks on bigint: a handful of native ops instead of a loop per bit).
      const align = lo === 0n ? bits : (lo & -lo).toString(2).length - 1;
      const fit = (s.hi - lo + 1n).toString(2).length - 1;
      const size = Math.min(align, fit, bits);
      out.push({ family: a.family, base: lo, prefix: bits - size });
      lo += 1n << BigInt(size);
    }
  }
  return out;
}

/** CIDR strings for display, at most `max` of them (then "… and more"). */
export function describeSet(a: AddrSet, max = 4): string[] {
  const some = toCidrs(a, max + 1).map(formatCidr);
  return some.length <= max ? some : [...some.slice(0, max), '… and more'];
}

/** A cheap identity for a set (map keys), without building CIDRs. */
export function setKey(a: AddrSet): string {
  return `${a.family}:${a.spans.map((s) => `${s.lo.toString(36)}-${s.hi.toString(36)}`).join(',')}`;
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

/** Parts of the sorted, disjoint `spans` that fall inside `r`. */
export function intersectPortSpans(spans: readonly PortSpan[], r: PortSpan): PortSpan[] {
  const out: PortSpan[] = [];
  for (const s of spans) {
    const from = Math.max(s.from, r.from);
    const to = Math.min(s.to, r.to);
    if (from <= to) out.push({ from, to });
  }
  return out;
}

/** `spans` without the ports of `r`. */
export function subtractPortSpan(spans: readonly PortSpan[], r: PortSpan): PortSpan[] {
  const out: PortSpan[] = [];
  for (const s of spans) {
    if (s.to < r.from || s.from > r.to) {
      out.push(s);
      continue;
    }
    if (s.from < r.from) out.push({ from: s.from, to: r.from - 1 });
    if (s.to > r.to) out.push({ from: r.to + 1, to: s.to });
  }
  return out;
}

export function portCount(spans: readonly PortSpan[]): number {
  let n = 0;
  for (const s of spans) n += s.to - s.from + 1;
  return n;
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
