/**
 * nft `match` expressions (from `nft -j list ruleset`) as functions over pieces: the left-hand side read from the
 * piece (addresses and ports as interval fields; protocol, interfaces, marks, owner and ICMP type as scalars;
 * conntrack state and TCP flags as flag sets; `fib … type`), the right-hand side as values, ranges, anonymous or
 * named sets. An expression not modelled is undecidable (`unknown`), never guessed. Pure.
 */
import type { NftSet } from '../../model/index.js';
import { type Span, unionSpans } from './addr-set.js';
import { type J, valText } from './nft-text.js';
import { PROTO_NUM } from './packet.js';
import { addrSpans, type Piece } from './piece.js';
import {
  ALL,
  addrTypeSpans,
  bool,
  ifaceMatches,
  type Matcher,
  type MatchResult,
  matchSpans,
  NONE,
  type SpanField,
  unknown,
} from './piece-match.js';

const L4: Record<string, number[]> = {
  tcp: [6],
  udp: [17],
  sctp: [132],
  udplite: [136],
  th: [6, 17, 132, 136],
};

/** Elements of a set expression, with `elem` wrappers (dynamic sets, timeouts) removed. */
function elements(right: J, ctx: RuleCtx): { items: J[]; why?: string } {
  if (right && typeof right === 'object' && !Array.isArray(right) && 'set' in right) {
    return {
      items: (right.set as J[]).map((e) => (e && typeof e === 'object' && 'elem' in e ? e.elem.val : e)),
    };
  }
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = ctx.sets.find(
      (s) => s.name === right.slice(1) && s.table === ctx.table && s.family === ctx.family,
    );
    if (!set) return { items: [], why: `named set ${right} is not in the ruleset` };
    if (Array.isArray(set.type)) return { items: [], why: `set ${right} holds concatenated keys` };
    const dynamic = (set.flags ?? []).some((f) => f === 'dynamic' || f === 'timeout');
    return {
      items: (set.elem ?? []).map((e: J) => (e && typeof e === 'object' && 'elem' in e ? e.elem.val : e)),
      ...(dynamic ? { why: `set ${right} is filled at run time (its members change)` } : {}),
    };
  }
  return { items: Array.isArray(right) ? right : [right] };
}

function valueSpans(v: J, kind: 'addr' | 'port'): Span[] | undefined {
  if (typeof v === 'number') return kind === 'port' ? [{ lo: BigInt(v), hi: BigInt(v) }] : undefined;
  if (typeof v === 'string') {
    if (kind === 'port') return /^\d+$/.test(v) ? valueSpans(Number(v), 'port') : undefined;
    return addrSpans(v)?.spans;
  }
  if (v && typeof v === 'object' && 'prefix' in v)
    return addrSpans(`${v.prefix.addr}/${v.prefix.len}`)?.spans;
  if (v && typeof v === 'object' && 'range' in v) {
    const [a, b] = v.range.map((x: J) => valueSpans(x, kind));
    return a && b ? [{ lo: a[0].lo, hi: b[0].hi }] : undefined;
  }
  return undefined;
}

export interface RuleCtx {
  family: string;
  table: string;
  sets: NftSet[];
}

/** A left-hand side: an interval field of the piece, or a scalar read from it. */
type Left =
  | { kind: 'span'; field: SpanField; need: (p: Piece) => MatchResult; what: 'addr' | 'port' }
  | { kind: 'scalar'; get: (p: Piece) => J; norm?: (v: J) => J }
  | { kind: 'flags'; get: (p: Piece) => string[] }
  | { kind: 'fibtype'; field: 'src' | 'dst' }
  | { kind: 'unknown'; why: string };

const protoNum = (v: J) => (typeof v === 'number' ? v : (PROTO_NUM[String(v)] ?? v));

function leftOf(l: J): Left {
  if (l?.payload) {
    const { protocol, field } = l.payload;
    if (!protocol) return { kind: 'unknown', why: 'raw payload offsets are not modelled' };
    if ((protocol === 'ip' || protocol === 'ip6') && (field === 'saddr' || field === 'daddr')) {
      const fam = protocol === 'ip' ? 4 : 6;
      return {
        kind: 'span',
        field: field === 'saddr' ? 'src' : 'dst',
        need: (p) => bool(p.family === fam),
        what: 'addr',
      };
    }
    if ((protocol === 'ip' && field === 'protocol') || (protocol === 'ip6' && field === 'nexthdr'))
      return {
        kind: 'scalar',
        get: (p) => (p.family === (protocol === 'ip' ? 4 : 6) ? p.proto : null),
        norm: protoNum,
      };
    if (L4[protocol] && (field === 'sport' || field === 'dport')) {
      const protos = L4[protocol];
      return { kind: 'span', field, need: (p) => bool(protos.includes(p.proto)), what: 'port' };
    }
    if ((protocol === 'icmp' || protocol === 'icmpv6') && (field === 'type' || field === 'code')) {
      const n = protocol === 'icmp' ? 1 : 58;
      return {
        kind: 'scalar',
        get: (p) => (p.proto !== n ? null : field === 'type' ? p.icmpType : p.icmpCode),
        norm: (v) => (typeof v === 'number' ? v : (ICMP_TYPES[protocol][v] ?? v)),
      };
    }
    return { kind: 'unknown', why: `${protocol} ${field} depends on packet contents` };
  }
  if (l?.meta) {
    const key = l.meta.key;
    if (key === 'iifname' || key === 'iif') return { kind: 'scalar', get: (p) => p.iif, norm: String };
    if (key === 'oifname' || key === 'oif') return { kind: 'scalar', get: (p) => p.oif, norm: String };
    if (key === 'l4proto') return { kind: 'scalar', get: (p) => p.proto, norm: protoNum };
    if (key === 'nfproto' || key === 'protocol')
      return {
        kind: 'scalar',
        get: (p) => (p.family === 4 ? 'ipv4' : 'ipv6'),
        norm: (v) => (v === 'ip' ? 'ipv4' : v === 'ip6' ? 'ipv6' : v),
      };
    if (key === 'mark') return { kind: 'scalar', get: (p) => p.mark };
    if (key === 'skuid') return { kind: 'scalar', get: (p) => p.uid };
    if (key === 'skgid') return { kind: 'scalar', get: (p) => p.gid };
    return { kind: 'unknown', why: `meta ${key} is not modelled` };
  }
  if (l?.ct) {
    const key = l.ct.key;
    if (key === 'state') return { kind: 'flags', get: (p) => [p.ct.toLowerCase()] };
    if (key === 'status') return { kind: 'flags', get: (p) => p.ctStatus.map((s) => s.toLowerCase()) };
    if (key === 'mark') return { kind: 'scalar', get: (p) => p.ctmark };
    if (key === 'direction') return { kind: 'scalar', get: (p) => (p.ct === 'NEW' ? 'original' : undefined) };
    return { kind: 'unknown', why: `ct ${key} is not modelled` };
  }
  if (l?.fib && l.fib.result === 'type') {
    const flags: string[] = l.fib.flags ?? [];
    const field = flags.includes('daddr') ? 'dst' : flags.includes('saddr') ? 'src' : undefined;
    if (field && flags.length === 1) return { kind: 'fibtype', field };
  }
  if (l?.['&']) {
    const [inner, mask] = l['&'];
    if (inner?.payload?.protocol === 'tcp' && inner.payload.field === 'flags' && Array.isArray(mask))
      return {
        kind: 'flags',
        get: (p) =>
          p.proto === 6 ? p.tcpFlags.map((f) => f.toLowerCase()).filter((f) => mask.includes(f)) : [],
      };
    if (inner?.payload?.field === 'frag-off') return { kind: 'scalar', get: () => 0 };
  }
  return { kind: 'unknown', why: `the expression ${JSON.stringify(l).slice(0, 80)} is not modelled` };
}

const ICMP_TYPES: Record<string, Record<string, number>> = {
  icmp: {
    'echo-reply': 0,
    'destination-unreachable': 3,
    redirect: 5,
    'echo-request': 8,
    'time-exceeded': 11,
    'parameter-problem': 12,
  },
  icmpv6: {
    'destination-unreachable': 1,
    'packet-too-big': 2,
    'time-exceeded': 3,
    'parameter-problem': 4,
    'echo-request': 128,
    'echo-reply': 129,
    'nd-router-solicit': 133,
    'nd-router-advert': 134,
    'nd-neighbor-solicit': 135,
    'nd-neighbor-advert': 136,
  },
};

export function matchOf(m: J, ctx: RuleCtx): Matcher {
  const op: string = m.op ?? '==';
  const neg = op === '!=';
  const left = leftOf(m.left);
  const els = elements(m.right, ctx);
  if (els.why) return () => unknown(els.why!);
  if (left.kind === 'unknown') return () => unknown(left.why);
  if (left.kind === 'span') {
    let spans: Span[] = [];
    for (const v of els.items) {
      const s = valueSpans(v, left.what);
      if (!s) return () => unknown(`value ${JSON.stringify(v)} is not understood`);
      spans = unionSpans(spans, s);
    }
    if (['<', '>', '<=', '>='].includes(op) && spans.length === 1) {
      const v = spans[0].lo;
      const max = left.what === 'port' ? 65535n : (1n << 128n) - 1n;
      spans = [
        op === '<'
          ? { lo: 0n, hi: v - 1n }
          : op === '<='
            ? { lo: 0n, hi: v }
            : op === '>'
              ? { lo: v + 1n, hi: max }
              : { lo: v, hi: max },
      ];
    }
    return (p) => {
      const need = left.need(p);
      if (need.kind === 'none') return NONE;
      return matchSpans(p, left.field, spans, neg);
    };
  }
  if (left.kind === 'flags') {
    const want = els.items.flatMap((v) => (Array.isArray(v) ? v : [v])).map(String);
    // `tcp flags & (fin|syn|rst|ack) == syn` compares exactly; `ct state { a, b }` / `ct state a,b` is any-of.
    const exact = !!m.left['&'] && !m.right?.set;
    return (p) => {
      const have = left.get(p);
      const hit = exact
        ? have.length === want.length && want.every((w) => have.includes(w))
        : want.some((w) => have.includes(w));
      return bool(hit !== neg);
    };
  }
  if (left.kind === 'fibtype') {
    const f = left.field;
    return (p) => {
      let spans: Span[] = [];
      for (const w of els.items) {
        const s = addrTypeSpans(p, String(w));
        if (!s) return unknown(`fib type ${w} is not modelled`);
        spans = unionSpans(spans, s);
      }
      // This machine's own address, even when the caller did not list the local addresses.
      if (p.local.length === 0 && els.items.includes('local') && f === (p.direction === 'in' ? 'dst' : 'src'))
        return neg ? NONE : ALL;
      return matchSpans(p, f, spans, neg);
    };
  }
  const norm = left.norm ?? ((v: J) => v);
  const wanted = els.items.map(norm);
  return (p) => {
    const v = left.get(p);
    if (v === null) return NONE; // the packet lacks this header (ip protocol on an IPv6 packet)
    if (v === undefined) return unknown(`${valText(m.left)} is not known for this packet`);
    const hit = wanted.some((w) => {
      if (typeof w === 'string' && typeof v === 'string') return ifaceMatches(v, w) ?? false;
      if (w && typeof w === 'object' && 'range' in w) return v >= w.range[0] && v <= w.range[1];
      return w === v;
    });
    if (['<', '>', '<=', '>='].includes(op)) {
      const w = wanted[0];
      return bool(op === '<' ? v < w : op === '<=' ? v <= w : op === '>' ? v > w : v >= w);
    }
    return bool(hit !== neg);
  };
}
