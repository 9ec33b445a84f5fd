/**
 * Pieces: sets of packets that behave alike so far, the unit the iptables and nftables evaluators carry through a
 * ruleset. Address and port fields are exact interval sets, so a rule that matches part of a piece splits it; an
 * undecidable match forks it under an explicit {@link Assumption}. Also the address texts a piece is built from
 * (`internet`, CIDRs). Pure.
 */
import { parseCidr, SPECIAL_V4, unmapV4 } from '../../net/ip.js';
import { type Span, spansSize, subtractSpans } from './addr-set.js';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** Something the evaluator could not know and had to assume to go on. */
export interface Assumption {
  /** What was assumed, in words (`-m limit … (rate-dependent): assumed to match`). */
  text: string;
  /** Why the match cannot be decided. */
  why: string;
  /** Assumed to match (true) or not (false). */
  matched: boolean;
  rule?: unknown;
  /** The rule as an operator reads it, filled in by the stage that evaluated it. */
  line?: string;
}

export function assume(why: string, matched: boolean, rule: unknown): Assumption {
  return { text: `${why}: assumed ${matched ? '' : 'not '}to match`, why, matched, rule };
}

export interface NatNote {
  rule: unknown;
  /** What the rule does, e.g. `REDIRECT to port 8080` or `DNAT to 10.0.0.5:80`. */
  text: string;
  /** New destination port when the rule rewrites it (the listener to check is then this one). */
  dport?: number;
  dst?: string;
}

/** A set of packets that behave alike so far. Address and port fields are interval sets. */
export interface Piece {
  family: 4 | 6;
  proto: number;
  direction: 'in' | 'out';
  src: Span[];
  dst: Span[];
  sport: Span[];
  dport: Span[];
  iif?: string;
  oif?: string;
  ct: CtState;
  /** conntrack status bits known to be set (`DNAT` once a DNAT rule applied). */
  ctStatus: string[];
  tcpFlags: string[];
  icmpType?: number;
  icmpCode?: number;
  local: Span[];
  /** undefined: a MARK/CONNMARK target may have changed it, so it is unknown. */
  mark: number | undefined;
  ctmark: number | undefined;
  uid?: number;
  gid?: number;
  assumptions: Assumption[];
  /** Softer caveats that lower a certain verdict to likely (an ingress device assumed, two views tied). */
  caveats: string[];
  nat: NatNote[];
}

/** Every address of a family. */
export const FULL: Record<4 | 6, Span[]> = {
  4: [{ lo: 0n, hi: (1n << 32n) - 1n }],
  6: [{ lo: 0n, hi: (1n << 128n) - 1n }],
};

/**
 * Blocks that never appear as a public internet peer (RFC 6890 special-purpose, minus test/doc ranges): the
 * private and special blocks `isPrivateIp` knows, and multicast/reserved above 224.0.0.0.
 */
const NOT_INTERNET_V4 = [...SPECIAL_V4, '224.0.0.0/3'];

let internetV4: Span[] | undefined;

/** addrSpans by text: every packet of every intent names the guest's and the peer's addresses again. */
const parsedAddrs = new Map<string, { family: 4 | 6; spans: Span[] } | null>();

export function addrSpans(s: string): { family: 4 | 6; spans: Span[] } | undefined {
  if (s === 'internet') {
    if (!internetV4) {
      let spans = FULL[4];
      for (const c of NOT_INTERNET_V4) spans = subtractSpans(spans, addrSpans(c)!.spans);
      internetV4 = spans;
    }
    return { family: 4, spans: internetV4 };
  }
  if (s === 'internet6') return addrSpans('2000::/3');
  let r = parsedAddrs.get(s);
  if (r === undefined) {
    if (parsedAddrs.size > 10_000) parsedAddrs.clear();
    const c = parseCidr(unmapV4(s));
    const size = c ? 1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix) : 0n;
    // Shared between calls like the internet's spans (and frozen, so a caller that changed them would throw).
    r = c
      ? Object.freeze({
          family: c.family,
          spans: Object.freeze([Object.freeze({ lo: c.base, hi: c.base + size - 1n })]) as Span[],
        })
      : null;
    parsedAddrs.set(s, r);
  }
  return r ?? undefined;
}

export function clonePiece(p: Piece, patch: Partial<Piece> = {}): Piece {
  return {
    ...p,
    ctStatus: p.ctStatus.slice(),
    assumptions: p.assumptions.slice(),
    caveats: p.caveats.slice(),
    nat: p.nat.slice(),
    ...patch,
  };
}

/**
 * A piece as a DNAT or REDIRECT rule leaves it: the rewrite noted, the destination port replaced when the rule
 * names one, and conntrack's DNAT status set (later packets of the connection are rewritten the same way).
 */
export function natRewrite(
  p: Piece,
  rule: unknown,
  text: string,
  to: { port?: number; addr?: string },
): Piece {
  const { port, addr } = to;
  const q = clonePiece(p);
  q.nat.push({
    rule,
    text,
    ...(port ? { dport: port } : {}),
    ...(addr ? { dst: addr } : {}),
  });
  if (port) q.dport = [{ lo: BigInt(port), hi: BigInt(port) }];
  q.ctStatus.push('DNAT');
  return q;
}

/** Does each span of `spans` lie inside one span of `known`? (A NAT target address that is this machine's.) */
export function spansWithin(spans: readonly Span[], known: readonly Span[]): boolean {
  return spans.every((s) => known.some((k) => k.lo <= s.lo && s.hi <= k.hi));
}

/** Fraction of the original piece's (src × sport × dst × dport) space a piece covers. */
export function shareOf(piece: Piece, whole: Piece): number {
  let s = 1;
  for (const f of ['src', 'dst', 'sport', 'dport'] as const) {
    const w = Number(spansSize(whole[f]));
    if (w > 0) s *= Number(spansSize(piece[f])) / w;
  }
  return s;
}
