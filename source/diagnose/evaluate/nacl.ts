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
import type { NetworkAcl } from '../../model/index.js';
import { formatCidr } from '../../net/ip.js';
import { cidrSet, formatPorts, parseCidrCached, portSpan, type Span, unionSpans } from './addr-set.js';
import { evaluateLeg } from './nacl-leg.js';
import { NACL_ALWAYS_ALLOWED, type NaclDecision, type NaclFlow, type NaclLegDecision } from './nacl-types.js';
import { ANY_CLIENT_EPHEMERAL, type FlowProtocol, flowLabel, LINUX_EPHEMERAL } from './types.js';

export {
  NACL_ALWAYS_ALLOWED,
  type NaclDecider,
  type NaclDecision,
  type NaclFlow,
  type NaclLegDecision,
  type NaclPart,
  type NaclShadow,
} from './nacl-types.js';

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
