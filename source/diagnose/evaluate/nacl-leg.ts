/**
 * One leg of a flow through a network ACL: the entry list compiled once per snapshot, the peer's addresses cut
 * into elementary intervals, and a first-match sweep per interval over the leg's destination ports ([N1]–[N5],
 * see nacl.ts). Pure.
 */
import type { AclEntry, NetworkAcl } from '../../model/index.js';
import {
  type AddrSet,
  cidrSet,
  describeSet,
  formatPorts,
  intersectPortSpans,
  intersectSpans,
  normaliseSpans,
  type PortSpan,
  parseCidrCached,
  portCount,
  portSpan,
  portSpanOverlaps,
  type Span,
  spansEqual,
  spansSize,
  subtractPortSpan,
  subtractSpans,
  unionSpans,
} from './addr-set.js';
import { deciderKey, legDetail } from './nacl-describe.js';
import {
  NACL_ALWAYS_ALLOWED,
  type NaclDecider,
  type NaclLegDecision,
  type NaclPart,
  type NaclShadow,
} from './nacl-types.js';
import { type Coverage, type FlowProtocol, type Reach, reachState } from './types.js';

interface CompiledEntry {
  entry: AclEntry;
  index: number;
  decider: NaclDecider;
  drop: boolean;
  proto: string;
  ports: PortSpan;
  set?: AddrSet;
}

const DEFAULT_DECIDER: NaclDecider = { by: 'default' };

const compiled = new WeakMap<AclEntry[], CompiledEntry[]>();

/** A list's entries compiled once per snapshot: every intent evaluates both legs against the same lists. */
function compile(list: AclEntry[]): CompiledEntry[] {
  let c = compiled.get(list);
  if (!c) {
    c = compileList(list);
    compiled.set(list, c);
  }
  return c;
}

function compileList(list: AclEntry[]): CompiledEntry[] {
  return list.map((entry, index) => {
    const c = parseCidrCached(entry.cidr);
    return {
      entry,
      index,
      decider: { by: 'entry', entry, index },
      drop: String(entry.policy).toLowerCase() === 'drop',
      proto: String(entry.protocol).toLowerCase(),
      ports: portSpan(entry.ports),
      ...(c ? { set: cidrSet(c) } : {}),
    };
  });
}

export interface LegSpec {
  leg: 'forward' | 'return';
  list: 'ingress' | 'egress';
  proto: FlowProtocol;
  /** Destination ports of the leg's packets; undefined for protocols without ports. */
  ports?: PortSpan;
  label: string;
}

/** A piece of the decision: one decider over an address interval and the ports it settled there. */
interface Piece {
  decider: NaclDecider;
  policy: 'accept' | 'drop';
  span: Span;
  ports: PortSpan[];
}

/**
 * Elementary address intervals of `rest`: cut at every entry boundary, so that each interval lies wholly inside or
 * wholly outside every entry's CIDR. The first-match walk then runs once per interval over plain-number port sets,
 * instead of once per port piece over big address sets.
 */
function addressIntervals(rest: Span[], entries: CompiledEntry[]): Span[] {
  const cuts: bigint[] = [];
  for (const e of entries) for (const s of e.set!.spans) cuts.push(s.lo, s.hi + 1n);
  cuts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Span[] = [];
  let k = 0;
  for (const r of rest) {
    let lo = r.lo;
    while (k < cuts.length && cuts[k] <= lo) k++;
    let j = k;
    while (j < cuts.length && cuts[j] <= r.hi) {
      if (cuts[j] > lo) {
        out.push({ lo, hi: cuts[j] - 1n });
        lo = cuts[j];
      }
      j++;
    }
    out.push({ lo, hi: r.hi });
  }
  return out;
}

export function evaluateLeg(
  acl: NetworkAcl,
  spec: LegSpec,
  peerSet: AddrSet,
  exempt: Span[],
): NaclLegDecision {
  const fam = peerSet.family;
  const entries = compile(spec.list === 'ingress' ? acl.ingress : acl.egress);
  // ICMPv6 is its own protocol in ACL entries (`icmpv6`); an `icmp` entry covers IPv4 only.
  const protoOk = (p: string) => p === 'all' || p === spec.proto;
  // [N5] An exempt peer (a same-vSwitch instance, the DNS server) is let through whole. A wider peer (the
  // internet) merely contains those addresses; they are not what the operator asks about, so they drop out.
  const inside = intersectSpans(exempt, peerSet.spans);
  const exemptAll = inside.length > 0 && spansEqual(inside, peerSet.spans);
  const rest = exemptAll ? [] : subtractSpans(peerSet.spans, inside);
  // Protocols without ports are swept over one pseudo-port.
  const legPorts: PortSpan = spec.ports ?? { from: 0, to: 0 };
  const portsOf = (e: CompiledEntry): PortSpan =>
    spec.ports && (e.proto === 'tcp' || e.proto === 'udp') ? e.ports : legPorts;
  const relevant = entries.filter(
    (e) =>
      protoOk(e.proto) &&
      e.set?.family === fam &&
      intersectSpans(e.set.spans, rest).length > 0 &&
      portSpanOverlaps(portsOf(e), legPorts),
  );

  const pieces: Piece[] = [];
  const shadowed = new Map<string, NaclShadow>();
  const known = new Uint8Array(entries.length);
  // Every (address, port) of the rest is decided exactly once.
  let total = spansSize(rest) * BigInt(portCount([legPorts]));
  let allowedWeight = 0n;
  let allowedEverywhere: Span[] = [];
  let deniedSomewhere: Span[] = [];
  // Sweep line: entries enter at their first address; each interval only walks the entries covering it, in
  // list order (an entry covering an elementary interval's start covers all of it).
  const byLo = relevant.slice().sort((a, b) => (a.set!.spans[0].lo < b.set!.spans[0].lo ? -1 : 1));
  let next = 0;
  let active: CompiledEntry[] = [];
  for (const iv of addressIntervals(rest, relevant)) {
    let changed = false;
    while (next < byLo.length && byLo[next].set!.spans[0].lo <= iv.lo) {
      active.push(byLo[next++]);
      changed = true;
    }
    active = active.filter((e) => e.set!.spans[0].hi >= iv.lo);
    if (changed) active.sort((a, b) => a.index - b.index);
    let remaining: PortSpan[] = [legPorts];
    let acceptedPorts = 0;
    const taken: { policy: 'accept' | 'drop'; ports: PortSpan[]; decider: NaclDecider }[] = [];
    let denied = false;
    for (const e of active) {
      const mine = portsOf(e);
      const policy = e.drop ? 'drop' : 'accept';
      // Once an entry's id is in `shadowed` it stays there: remember that by position, skip the lookup.
      if (!known[e.index]) {
        if (shadowed.has(e.entry.id)) known[e.index] = 1;
        else {
          const lostTo = taken.find(
            (t) => t.policy !== policy && t.ports.some((p) => portSpanOverlaps(p, mine)),
          );
          if (lostTo) {
            shadowed.set(e.entry.id, { entry: e.entry, index: e.index, by: lostTo.decider });
            known[e.index] = 1;
          }
        }
      }
      if (!remaining.length) continue;
      const got = intersectPortSpans(remaining, mine);
      if (!got.length) continue;
      remaining = subtractPortSpan(remaining, mine);
      taken.push({ policy, ports: got, decider: e.decider });
      pieces.push({ decider: e.decider, policy, span: iv, ports: got });
      if (policy === 'accept') acceptedPorts += portCount(got);
      else denied = true;
    }
    if (remaining.length) {
      pieces.push({ decider: DEFAULT_DECIDER, policy: 'drop', span: iv, ports: remaining });
      denied = true;
    }
    if (acceptedPorts) allowedWeight += (iv.hi - iv.lo + 1n) * BigInt(acceptedPorts);
    if (denied) deniedSomewhere.push(iv);
    else allowedEverywhere.push(iv);
  }
  allowedEverywhere = normaliseSpans(allowedEverywhere);
  deniedSomewhere = normaliseSpans(deniedSomewhere);
  if (exemptAll) {
    allowedEverywhere = peerSet.spans.slice();
    total = allowedWeight = spansSize(peerSet.spans) * BigInt(portCount([legPorts]));
    for (const d of exemptDecider(peerSet.spans.slice(), fam))
      for (const span of d.spans)
        pieces.push({ decider: d.decider, policy: 'accept', span, ports: [legPorts] });
  }
  const parts = pieces;

  const allowedShare = total === 0n ? 0 : Number((allowedWeight * 1_000_000n) / total) / 1_000_000;
  const reach: Reach = allowedWeight === total ? 'allow' : allowedWeight === 0n ? 'deny' : 'partial';
  const coverage: Coverage = {
    allowed: describeSet({ family: fam, spans: allowedEverywhere }),
    denied: describeSet({ family: fam, spans: deniedSomewhere }),
    unknown: [],
    allowedShare,
  };
  const firstDrop = parts.find((p) => p.policy === 'drop' && p.decider.by === 'entry');
  const primaryPart =
    reach === 'allow'
      ? (parts.find((p) => p.decider.by === 'entry') ?? parts[0])
      : (firstDrop ?? parts.find((p) => p.policy === 'drop'));
  const primary: NaclDecider = primaryPart?.decider ?? { by: 'default' };
  const state = reachState(reach, allowedShare);
  const hop = spec.list === 'ingress' ? 'nacl-in' : 'nacl-out';
  const code =
    state === 'BLOCKED'
      ? spec.list === 'ingress'
        ? 'NACL_INGRESS_DENIED'
        : 'NACL_EGRESS_DENIED'
      : undefined;
  const decidedBy = mergeParts(parts, fam, !!spec.ports);
  const shadowList = [...shadowed.values()];
  return {
    leg: spec.leg,
    hop,
    list: spec.list,
    state,
    confidence: reach === 'partial' && state === 'OK' ? 'likely' : 'certain',
    detail: legDetail(acl, spec, reach, primary, decidedBy, coverage, shadowList),
    evidence: {
      resource: acl.id,
      ...(primary.by === 'entry' ? { rule: primary.entry, position: primary.index + 1 } : {}),
      decider: primary.by,
      list: spec.list,
      ...(spec.ports ? { ports: formatPorts(spec.ports) } : {}),
      coverage,
    },
    ...(code ? { code } : {}),
    reach,
    coverage,
    ...(spec.ports ? { ports: spec.ports } : {}),
    decidedBy,
    primary,
    shadowed: shadowList,
  };
}

function exemptDecider(spans: Span[], fam: 4 | 6): { decider: NaclDecider; spans: Span[] }[] {
  const cloud = NACL_ALWAYS_ALLOWED.map((c) => cidrSet(parseCidrCached(c)!));
  let svc: Span[] = [];
  for (const c of cloud) if (c.family === fam) svc = unionSpans(svc, intersectSpans(c.spans, spans));
  const vsw = subtractSpans(spans, svc);
  const out: { decider: NaclDecider; spans: Span[] }[] = [];
  if (vsw.length)
    out.push({
      decider: { by: 'same-vswitch', cidr: describeSet({ family: fam, spans: vsw }).join(', ') },
      spans: vsw,
    });
  if (svc.length) out.push({ decider: { by: 'cloud-service' }, spans: svc });
  return out;
}

/** One row per decider and port set, with the address intervals it decided merged. */
function mergeParts(pieces: Piece[], fam: 4 | 6, withPorts: boolean): NaclPart[] {
  const rows = new Map<
    string,
    { decider: NaclDecider; policy: 'accept' | 'drop'; spans: Span[]; ports: PortSpan[] }
  >();
  for (const p of pieces) {
    const key = `${deciderKey(p.decider)}|${p.ports.map(formatPorts).join(',')}`;
    const row = rows.get(key);
    if (row) row.spans.push(p.span);
    else rows.set(key, { decider: p.decider, policy: p.policy, spans: [p.span], ports: p.ports });
  }
  return [...rows.values()].map((r) => ({
    decider: r.decider,
    policy: r.policy,
    addresses: describeSet({ family: fam, spans: normaliseSpans(r.spans) }),
    ...(withPorts ? { ports: r.ports.map(formatPorts).join(', ') } : {}),
  }));
}
