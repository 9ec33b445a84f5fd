/**
 * Network ACL evaluator: a vSwitch's ACL, for both legs of a flow, over every address of the peer CIDR and, for
 * the reply leg, every port the replies may go to. Pure. Alibaba behaviour modelled ("网络ACL" / "Network ACL"
 * user guide, help.aliyun.com/document_detail/116626 and vpc/network-acl-overview):
 *
 * [N1] Entries are evaluated in list order ("生效顺序" 1 first; the API has no priority field, the array index is
 *      the order); the first entry whose IP version, protocol, address and port range match decides.
 * [N2] For both directions the port range matches the *destination* port of the packet.
 * [N3] No matching entry → denied ("网络ACL无任何规则时, 会拒绝所有出入方向的访问"). System entries the API returns
 *      (EntryType `system`) are evaluated where they sit in the list like any other.
 * [N4] Stateless: a reply needs its own entry. Inbound service → an egress entry to the clients' ephemeral ports
 *      (the doc recommends 1024–65535 so every client OS works); outbound connection → an ingress entry to the
 *      instance's ephemeral ports (its ip_local_port_range when the guest told us, else Linux's 32768–60999).
 * [N5] Traffic between instances of the same vSwitch is not filtered ("不过滤同一交换机内的ECS实例间的流量"), and
 *      the cloud DNS servers (100.100.2.136/32, 100.100.2.138/32; newer docs 100.100.2.128/28, 100.100.2.112/28)
 *      and the metadata server 100.100.100.200/32 are always let through.
 * [N6] A dropped packet gets no answer: the client times out.
 */
import type { AclEntry, HopId, NetworkAcl } from '../../model/index.js';
import { formatCidr } from '../../net/ip.js';
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
import {
  ANY_CLIENT_EPHEMERAL,
  type Coverage,
  type FlowProtocol,
  flowLabel,
  type HopDecision,
  LINUX_EPHEMERAL,
  type PortRangeSpec,
  type Reach,
  reachState,
} from './types.js';

export interface NaclFlow {
  /** inbound: the peer opens the connection to the instance; outbound: the instance opens it. */
  direction: 'inbound' | 'outbound';
  protocol: FlowProtocol;
  /** The service port: the instance's for inbound, the peer's for outbound. */
  port?: number;
  /** The remote side as a CIDR or address. */
  peer: string;
  /** CIDR of the instance's vSwitch: traffic inside it is not filtered [N5]. */
  vSwitchCidr?: string;
  /** Ephemeral source-port range of the side that opens the connection [N4]. */
  clientPorts?: PortRangeSpec;
  /** Where `clientPorts` comes from, for the detail (e.g. `the guest's net.ipv4.ip_local_port_range`). */
  clientPortsSource?: string;
}

export type NaclDecider =
  | { by: 'entry'; entry: AclEntry; index: number }
  | { by: 'default' }
  | { by: 'same-vswitch'; cidr: string }
  | { by: 'cloud-service' };

export interface NaclPart {
  decider: NaclDecider;
  policy: 'accept' | 'drop';
  addresses: string[];
  ports?: string;
}

export interface NaclShadow {
  entry: AclEntry;
  index: number;
  /** The earlier entry of the opposite policy that took (part of) its traffic. */
  by: NaclDecider;
}

export interface NaclLegDecision extends HopDecision {
  leg: 'forward' | 'return';
  hop: Extract<HopId, 'nacl-in' | 'nacl-out'>;
  /** Which entry list decides this leg. */
  list: 'ingress' | 'egress';
  reach: Reach;
  coverage: Coverage;
  /** Destination ports of this leg's packets (the service port, or the clients' ephemeral range). */
  ports?: PortSpan;
  decidedBy: NaclPart[];
  primary: NaclDecider;
  shadowed: NaclShadow[];
}

export interface NaclDecision {
  /** false: no network ACL is bound to the vSwitch (nothing to evaluate; both legs OK). */
  applicable: boolean;
  aclId?: string;
  forward: NaclLegDecision;
  return: NaclLegDecision;
}

/** [N5] Alibaba service addresses a network ACL never blocks. */
export const NACL_ALWAYS_ALLOWED = [
  '100.100.2.136/32',
  '100.100.2.138/32',
  '100.100.2.128/28',
  '100.100.2.112/28',
  '100.100.100.200/32',
];

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

function describeEntry(list: 'ingress' | 'egress', e: AclEntry, index: number): string {
  const proto = String(e.protocol).toUpperCase();
  const ports = e.protocol === 'tcp' || e.protocol === 'udp' ? ` ${formatPorts(portSpan(e.ports))}` : '';
  const dir = list === 'ingress' ? 'from' : 'to';
  const sys = e.entryType && e.entryType !== 'custom' ? `, ${e.entryType}` : '';
  return `${list} entry #${index + 1} ${e.id}${e.name ? ` "${e.name}"` : ''} (${e.policy} ${proto}${ports} ${dir} ${e.cidr}${sys})`;
}

interface LegSpec {
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

function evaluateLeg(acl: NetworkAcl, spec: LegSpec, peerSet: AddrSet, exempt: Span[]): NaclLegDecision {
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

function deciderKey(d: NaclDecider): string {
  return d.by === 'entry' ? `e${d.index}` : d.by;
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

function describeDecider(acl: NetworkAcl, list: 'ingress' | 'egress', d: NaclDecider): string {
  switch (d.by) {
    case 'entry':
      return `${acl.id} ${describeEntry(list, d.entry, d.index)}`;
    case 'default':
      return `${acl.id}'s implicit deny (no ${list} entry matches)`;
    case 'same-vswitch':
      return `the vSwitch itself (traffic inside ${d.cidr} is not filtered by the network ACL)`;
    case 'cloud-service':
      return 'the platform (Alibaba DNS and metadata addresses are never filtered by network ACLs)';
  }
}

function legDetail(
  acl: NetworkAcl,
  spec: LegSpec,
  reach: Reach,
  primary: NaclDecider,
  parts: NaclPart[],
  coverage: Coverage,
  shadowed: NaclShadow[],
): string {
  const what = spec.leg === 'forward' ? spec.label : `Replies (${spec.label})`;
  const who = describeDecider(acl, spec.list, primary);
  const later = shadowed.filter(
    (s) => deciderKey(s.by) === deciderKey(primary) && s.entry.policy === 'accept',
  );
  const after = later.length
    ? `; ${later.map((s) => `entry #${s.index + 1} ${s.entry.id}`).join(', ')} would accept but comes later (first match wins)`
    : '';
  const stateless = spec.leg === 'return' ? ' Network ACLs are stateless: replies need their own entry.' : '';
  if (reach === 'allow') return `${what}: allowed by ${who}.`;
  const gaps = parts
    .filter((p) => p.policy === 'drop')
    .slice(0, 3)
    .map((p) => `${p.addresses.join(', ')}${p.ports ? ` ports ${p.ports}` : ''}`)
    .join('; ');
  if (reach === 'deny')
    return primary.by === 'default'
      ? `${what}: denied, no ${spec.list} entry of ${acl.id} matches (a network ACL drops what no entry accepts).${stateless}`
      : `${what}: dropped by ${who}${after}.${stateless}`;
  return (
    `${what}: only ${(coverage.allowedShare * 100).toFixed(1)}% get through; dropped: ${gaps} ` +
    `(first: ${who})${after}.${stateless}`
  );
}

function notApplicable(
  vSwitchId: string | undefined,
  leg: 'forward' | 'return',
  list: 'ingress' | 'egress',
): NaclLegDecision {
  return {
    leg,
    hop: list === 'ingress' ? 'nacl-in' : 'nacl-out',
    list,
    state: 'OK',
    confidence: 'certain',
    detail: `No network ACL is bound to ${vSwitchId ?? 'the vSwitch'}: nothing filters here.`,
    evidence: { resource: vSwitchId, networkAcl: null },
    reach: 'allow',
    coverage: { allowed: [], denied: [], unknown: [], allowedShare: 1 },
    decidedBy: [],
    primary: { by: 'default' },
    shadowed: [],
  };
}

/**
 * Evaluates both legs of a flow against the vSwitch's network ACL. `acl` null means "no ACL bound" (facts say
 * so); a caller that could not read the ACL must mark the hop NOT_CHECKED instead of calling this.
 */
export function evaluateNacl(acl: NetworkAcl | null, flow: NaclFlow, vSwitchId?: string): NaclDecision {
  const fwdList = flow.direction === 'inbound' ? 'ingress' : 'egress';
  const retList = flow.direction === 'inbound' ? 'egress' : 'ingress';
  if (!acl)
    return {
      applicable: false,
      forward: notApplicable(vSwitchId, 'forward', fwdList),
      return: notApplicable(vSwitchId, 'return', retList),
    };
  const peer = parseCidrCached(flow.peer);
  if (!peer) {
    const bad = (leg: 'forward' | 'return', list: 'ingress' | 'egress'): NaclLegDecision => ({
      ...notApplicable(vSwitchId, leg, list),
      state: 'UNCERTAIN',
      confidence: 'uncertain',
      reach: 'unknown',
      detail: `"${flow.peer}" is not an address or CIDR: ${acl.id} cannot be evaluated for it.`,
      evidence: { resource: acl.id },
    });
    return {
      applicable: true,
      aclId: acl.id,
      forward: bad('forward', fwdList),
      return: bad('return', retList),
    };
  }
  const peerSet = cidrSet(peer);
  const proto: FlowProtocol = flow.protocol === 'icmp' && peer.family === 6 ? 'icmpv6' : flow.protocol;
  const withPorts = proto === 'tcp' || proto === 'udp';
  const clientDefault = flow.direction === 'inbound' ? ANY_CLIENT_EPHEMERAL : LINUX_EPHEMERAL;
  const client = portSpan(flow.clientPorts ?? clientDefault);
  const clientSource =
    flow.clientPortsSource ??
    (flow.clientPorts
      ? 'given'
      : flow.direction === 'inbound'
        ? 'any client OS, as Alibaba recommends'
        : 'Linux default ip_local_port_range; the guest range is unknown');

  let exempt: Span[] = [];
  const vsw = flow.vSwitchCidr ? parseCidrCached(flow.vSwitchCidr) : undefined;
  if (vsw && vsw.family === peer.family) exempt = cidrSet(vsw).spans.slice();
  for (const c of NACL_ALWAYS_ALLOWED) {
    const s = cidrSet(parseCidrCached(c)!);
    if (s.family === peer.family) exempt = unionSpans(exempt, s.spans);
  }

  const service =
    withPorts && flow.port !== undefined ? portSpan({ from: flow.port, to: flow.port }) : undefined;
  const svcLabel = flowLabel(proto, flow.port);
  const inbound = flow.direction === 'inbound';
  const forward = evaluateLeg(
    acl,
    {
      leg: 'forward',
      list: fwdList,
      proto,
      ...(withPorts ? { ports: service ?? portSpan(undefined) } : {}),
      label: `${svcLabel} ${inbound ? 'from' : 'to'} ${formatCidr(peer)}`,
    },
    peerSet,
    exempt,
  );
  const back = evaluateLeg(
    acl,
    {
      leg: 'return',
      list: retList,
      proto,
      ...(withPorts ? { ports: client } : {}),
      label: withPorts
        ? `${proto} from port ${flow.port ?? '?'} ${inbound ? 'to' : 'back from'} ${formatCidr(peer)} ` +
          `${inbound ? "at the clients'" : "to the instance's"} ports ${formatPorts(client)} (${clientSource})`
        : `${proto} ${inbound ? 'to' : 'from'} ${formatCidr(peer)}`,
    },
    peerSet,
    exempt,
  );
  // The guest's own range was not known: the reply leg is judged on Linux's default, so it is only likely.
  if (!flow.clientPorts && !inbound && withPorts && back.confidence === 'certain') back.confidence = 'likely';
  return { applicable: true, aclId: acl.id, forward, return: back };
}
