/**
 * Matches over pieces: what one match of a rule says about a piece (all of it, none, a split, or "cannot tell"),
 * the interval-set and interface primitives both firewall views build their matches from, and the left-to-right
 * conjunction of a rule's matches. Pure.
 */
import { firstReaching, intersectSpans, type Span, subtractSpans } from './addr-set.js';
import { addrSpans, assume, clonePiece, FULL, type Piece } from './piece.js';

export type SpanField = 'src' | 'dst' | 'sport' | 'dport';

/** What a match says about a piece: all of it, none of it, a split, or "cannot tell". */
export type MatchResult =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'split'; yes: Piece; no: Piece }
  | { kind: 'unknown'; why: string };

export const ALL: MatchResult = { kind: 'all' };
export const NONE: MatchResult = { kind: 'none' };
export const unknown = (why: string): MatchResult => ({ kind: 'unknown', why });
export const bool = (b: boolean): MatchResult => (b ? ALL : NONE);

/** One match of a rule, as a function over pieces (both firewall views build their rules from these). */
export type Matcher = (p: Piece) => MatchResult;

/**
 * `a ∩ b` and `a − b`. A piece carved by thousands of blocklist rules holds thousands of spans while each rule
 * names a few: only the stretch of `a` that `b` touches is recomputed, the rest is copied (or, when `b` touches
 * nothing, not even that).
 */
function cut(a: Span[], b: readonly Span[]): { inside: Span[]; outside: Span[] } {
  // Disjoint bounds (a blocklist address against one client): nothing to carve, nothing to allocate.
  if (a.length === 0 || b.length === 0 || b[b.length - 1].hi < a[0].lo || b[0].lo > a[a.length - 1].hi)
    return { inside: [], outside: a };
  if (a.length < 16) return { inside: intersectSpans(a, b), outside: subtractSpans(a, b) };
  const from = firstReaching(a, b[0].lo);
  let to = firstReaching(a, b[b.length - 1].hi);
  if (to < a.length && a[to].lo <= b[b.length - 1].hi) to++;
  if (from >= to) return { inside: [], outside: a };
  const mid = a.slice(from, to);
  const inside = intersectSpans(mid, b);
  if (inside.length === 0) return { inside, outside: a };
  return { inside, outside: a.slice(0, from).concat(subtractSpans(mid, b), a.slice(to)) };
}

/** Do sorted, disjoint `a` and sorted `b` share an element? (What `cut(a, b).inside.length > 0` says, unallocated.) */
export function spansMeet(a: readonly Span[], b: readonly Span[]): boolean {
  for (const y of b) {
    const i = firstReaching(a, y.lo);
    if (i < a.length && a[i].lo <= y.hi) return true;
  }
  return false;
}

/** Splits a piece on an interval-set field: the part inside `set` (or outside when negated) matches. */
export function matchSpans(p: Piece, field: SpanField, set: readonly Span[], negated = false): MatchResult {
  const { inside, outside } = cut(p[field], set);
  const yes = negated ? outside : inside;
  const no = negated ? inside : outside;
  if (no.length === 0) return ALL;
  if (yes.length === 0) return NONE;
  return { kind: 'split', yes: clonePiece(p, { [field]: yes }), no: clonePiece(p, { [field]: no }) };
}

export function negate(r: MatchResult): MatchResult {
  if (r.kind === 'all') return NONE;
  if (r.kind === 'none') return ALL;
  if (r.kind === 'split') return { kind: 'split', yes: r.no, no: r.yes };
  return r;
}

/** Interface name patterns: iptables `eth+` and nft `eth*` are prefix wildcards. */
export function ifaceMatches(name: string | undefined, pattern: string): boolean | undefined {
  if (name === undefined) return undefined;
  if (pattern.endsWith('+') || pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

/** Address type as the kernel's route lookup classes it (`-m addrtype`, `fib … type`). */
export function addrTypeSpans(p: Piece, type: string): Span[] | undefined {
  const t = type.toUpperCase();
  const v4 = p.family === 4;
  const c = (s: string) => addrSpans(s)!.spans;
  const multicast = v4 ? c('224.0.0.0/4') : c('ff00::/8');
  const broadcast = v4 ? c('255.255.255.255/32') : [];
  const loop = v4 ? c('127.0.0.0/8') : c('::1/128');
  const local = [...p.local, ...loop].sort((a, b) => (a.lo < b.lo ? -1 : 1));
  const unspec = v4 ? c('0.0.0.0/32') : c('::/128');
  if (t === 'LOCAL') return local;
  if (t === 'MULTICAST') return multicast;
  if (t === 'BROADCAST') return broadcast;
  if (t === 'UNSPEC') return unspec;
  if (t === 'UNICAST') {
    let u = FULL[p.family];
    for (const s of [multicast, broadcast, local, unspec]) u = subtractSpans(u, s);
    return u;
  }
  return undefined;
}

/**
 * Conjunction of matches over a piece, left to right as netfilter evaluates them: a definite "no" ends the
 * rule even when a later match is undecidable; an undecidable match forks the piece under an assumption.
 */
export function conjoin(
  piece: Piece,
  matchers: ((p: Piece) => MatchResult)[],
  rule: unknown,
): { yes: Piece[]; no: Piece[] } {
  let cand = [piece];
  const no: Piece[] = [];
  for (const m of matchers) {
    const next: Piece[] = [];
    for (const p of cand) {
      const r = m(p);
      if (r.kind === 'all') next.push(p);
      else if (r.kind === 'none') no.push(p);
      else if (r.kind === 'split') {
        next.push(r.yes);
        no.push(r.no);
      } else {
        next.push(clonePiece(p, { assumptions: [...p.assumptions, assume(r.why, true, rule)] }));
        no.push(clonePiece(p, { assumptions: [...p.assumptions, assume(r.why, false, rule)] }));
      }
    }
    cand = next;
    if (cand.length === 0) break;
  }
  return { yes: cand, no };
}
