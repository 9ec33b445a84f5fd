/**
 * The cloud's part of a path: instance state, public address, network ACL (both legs: it is stateless),
 * security groups (stateful: the reply of an allowed flow is allowed), VPC routes and the way out to the internet.
 * Hops whose facts are missing are NOT_CHECKED with why — never OK.
 */
import type { CloudFacts, Fact, Finding, Hop, Instance, Intent } from '../../model/index.js';
import { inCidr, isPrivateIp } from '../../net/ip.js';
import { evaluateInternetEgress, evaluatePublicIngress, type InternetFacts } from '../evaluate/internet.js';
import { evaluateNacl, type NaclLegDecision } from '../evaluate/nacl.js';
import { evaluateSg, type SgDecision, type SgPool } from '../evaluate/security-group.js';
import type { HopDecision } from '../evaluate/types.js';
import { evaluateVpcRoute } from '../evaluate/vpc-route.js';
import type { Segment } from './guest.js';
import { findingFrom, hopFrom, notChecked, ok } from './hop.js';

export interface CloudCtx {
  cloud: CloudFacts;
  inst: Instance;
  pool?: SgPool;
  /** The public address the operator asked about (TARGET given as an IP). */
  expected?: string[];
  /** The guest's own ephemeral range when known (for stateless return legs). */
  ephemeral?: [number, number];
}

function why(f: Fact<unknown> | undefined, what: string): string {
  return `${what} could not be read${f?.error ? `: ${f.error.code} — ${f.error.message}` : ''}`;
}

export function internetFacts(ctx: CloudCtx): InternetFacts {
  const f: InternetFacts = { instance: ctx.inst };
  if (ctx.cloud.eips.value) f.eips = ctx.cloud.eips.value;
  if (ctx.cloud.vSwitch.value) f.vSwitch = ctx.cloud.vSwitch.value;
  if (ctx.cloud.routeTables.value) f.routeTables = ctx.cloud.routeTables.value;
  if (ctx.cloud.natGateways.value) f.natGateways = ctx.cloud.natGateways.value;
  return f;
}

function seg(): Segment {
  return { hops: [], findings: [] };
}

function push(s: Segment, intent: Intent, hop: Hop, d: HopDecision, remedies?: string[], key?: string): void {
  s.hops.push(hop);
  if (d.code && hop.state !== 'OK') s.findings.push(findingFrom(intent, hop, d.code, { remedies, key }));
}

/** Remedies for a security-group decision: revoke the winning drop, or allow the flow with the narrowest rule. */
function sgRemedies(d: SgDecision, intent: Intent, direction: 'ingress' | 'egress'): string[] {
  const out: string[] = [];
  const rule = d.primary.by === 'rule' ? d.primary.rule : undefined;
  if (rule?.policy === 'drop') out.push(`sg-revoke:${rule.groupId}:${rule.id}`);
  const peer = direction === 'ingress' ? (intent.from ?? '0.0.0.0/0') : (intent.to ?? '0.0.0.0/0');
  if (rule?.policy !== 'drop')
    out.push(`sg-allow:${direction}:${intent.protocol}:${intent.port ?? -1}:${peer}`);
  return out;
}

export function sgHop(
  intent: Intent,
  ctx: CloudCtx,
  direction: 'ingress' | 'egress',
  peer: string,
  peerGroupIds?: string[],
): { hop: Hop; d?: SgDecision; findings: Finding[] } {
  const hopId = direction === 'ingress' ? 'sg-in' : 'sg-out';
  if (!ctx.pool)
    return {
      hop: notChecked(hopId, 'forward', 'cloud-network', why(ctx.cloud.securityGroups, 'security groups')),
      findings: [],
    };
  const proto = intent.protocol === 'icmp' ? 'icmp' : intent.protocol;
  const d = evaluateSg(ctx.pool, { direction, protocol: proto, port: intent.port, peer, peerGroupIds });
  const hop = hopFrom(hopId, 'forward', 'cloud-network', d);
  if (d.primary.by === 'rule') hop.evidence.resource ??= d.primary.rule.groupId;
  else if (d.primary.by === 'inner-access') hop.evidence.resource ??= d.primary.groupId;
  const findings =
    d.code && hop.state !== 'OK'
      ? [
          findingFrom(intent, hop, d.code, {
            remedies: d.code === 'PLATFORM_PORT_BLOCKED' ? [] : sgRemedies(d, intent, direction),
          }),
        ]
      : [];
  return { hop, d, findings };
}

function naclHops(
  intent: Intent,
  ctx: CloudCtx,
  direction: 'inbound' | 'outbound',
  peer: string,
): { forward?: Hop; ret?: Hop; findings: Finding[] } {
  const aclFact = ctx.cloud.networkAcl;
  const fwdId = direction === 'inbound' ? 'nacl-in' : 'nacl-out';
  const retId = direction === 'inbound' ? 'nacl-out' : 'nacl-in';
  if (aclFact.value === undefined) {
    const w = why(aclFact, 'the network ACL');
    return {
      forward: notChecked(fwdId, 'forward', 'cloud-network', w),
      ret: notChecked(retId, 'return', 'cloud-network', w),
      findings: [],
    };
  }
  const clientPorts =
    direction === 'outbound' && ctx.ephemeral ? { from: ctx.ephemeral[0], to: ctx.ephemeral[1] } : undefined;
  const d = evaluateNacl(
    aclFact.value,
    {
      direction,
      protocol: intent.protocol === 'icmp' ? 'icmp' : intent.protocol,
      port: intent.port,
      peer,
      vSwitchCidr: ctx.cloud.vSwitch.value?.cidr,
      ...(clientPorts ? { clientPorts, clientPortsSource: "the guest's net.ipv4.ip_local_port_range" } : {}),
    },
    ctx.inst.vSwitchId,
  );
  const findings: Finding[] = [];
  const mk = (leg: NaclLegDecision, which: 'forward' | 'return') => {
    const hop = hopFrom(leg.hop, which, 'cloud-network', leg);
    hop.evidence.resource ??= d.aclId;
    if (leg.code && hop.state !== 'OK')
      findings.push(
        findingFrom(intent, hop, leg.code, {
          remedies: d.aclId
            ? [
                `nacl-allow:${d.aclId}:${leg.list}:${intent.protocol}:${leg.ports ? `${leg.ports.from}-${leg.ports.to}` : (intent.port ?? -1)}:${peer}`,
              ]
            : [],
        }),
      );
    return hop;
  };
  return { forward: mk(d.forward, 'forward'), ret: mk(d.return, 'return'), findings };
}

/** Inbound from the internet (or `me`, or a CIDR): instance → public IP → NACL in → SG in; return: SG (stateful) → NACL out → route back out. */
export function cloudInbound(
  intent: Intent,
  ctx: CloudCtx,
  peer: string,
): { forward: Segment; ret: Segment } {
  const fwd = seg();
  const ret = seg();
  const ing = evaluatePublicIngress(internetFacts(ctx), { expected: ctx.expected });
  push(
    fwd,
    intent,
    hopFrom('instance', 'forward', 'platform', ing.instance),
    ing.instance,
    ing.instance.code === 'INSTANCE_NOT_RUNNING' ? [`start-instance:${ctx.inst.id}`] : [],
    ctx.inst.id,
  );
  const pubHop = hopFrom('public-ip', 'forward', 'platform', ing.publicIp);
  if (ctx.cloud.eips.error && pubHop.state === 'OK') pubHop.confidence = 'likely';
  push(fwd, intent, pubHop, ing.publicIp, [], ing.publicIp.address?.resource ?? ctx.inst.id);
  const n = naclHops(intent, ctx, 'inbound', peer);
  if (n.forward) fwd.hops.push(n.forward);
  const sg = sgHop(intent, ctx, 'ingress', peer);
  fwd.hops.push(sg.hop);
  fwd.findings.push(...n.findings.filter((f) => f.hop === 'nacl-in'), ...sg.findings);

  ret.hops.push(
    sg.hop.state === 'OK'
      ? ok(
          'sg-out',
          'return',
          'cloud-network',
          'Security groups are stateful: the reply of an allowed connection is allowed.',
        )
      : notChecked('sg-out', 'return', 'cloud-network', 'no allowed connection to reply to'),
  );
  if (n.ret) ret.hops.push(n.ret);
  ret.findings.push(...n.findings.filter((f) => f.hop === 'nacl-out'));
  ret.hops.push(
    pubHop.state === 'OK'
      ? ok(
          'vpc-route',
          'return',
          'cloud-network',
          `Replies leave through ${ing.publicIp.address?.ip ?? 'the public address'}, the address the request came to (NAT is symmetric).`,
          { resource: ing.publicIp.address?.resource },
        )
      : notChecked('vpc-route', 'return', 'cloud-network', 'no public address to reply from'),
  );
  return { forward: fwd, ret };
}

/** Inbound from another instance of the VPC: its SGs and the system route; no public address involved. */
export function cloudInternal(
  intent: Intent,
  ctx: CloudCtx,
  peerIp: string,
  peerGroupIds: string[],
): { forward: Segment; ret: Segment } {
  const fwd = seg();
  const ret = seg();
  const inst = hopFrom('instance', 'forward', 'platform', evaluatePublicIngress(internetFacts(ctx)).instance);
  fwd.hops.push(inst);
  const vsw = ctx.cloud.vSwitch.value;
  if (vsw && ctx.cloud.routeTables.value) {
    const d = evaluateVpcRoute({
      tables: ctx.cloud.routeTables.value,
      vSwitch: vsw,
      destination: peerIp,
      kind: 'vpc',
    });
    push(fwd, intent, hopFrom('vpc-route', 'forward', 'cloud-network', d), d);
  } else
    fwd.hops.push(
      notChecked('vpc-route', 'forward', 'cloud-network', why(ctx.cloud.routeTables, 'route tables')),
    );
  const n = naclHops(intent, ctx, 'inbound', `${peerIp}/32`);
  if (n.forward) fwd.hops.push(n.forward);
  const sg = sgHop(intent, ctx, 'ingress', `${peerIp}/32`, peerGroupIds);
  fwd.hops.push(sg.hop);
  fwd.findings.push(...n.findings.filter((f) => f.hop === 'nacl-in'), ...sg.findings);
  ret.hops.push(
    ok('sg-out', 'return', 'cloud-network', 'Security groups are stateful: replies are allowed.'),
  );
  if (n.ret) ret.hops.push(n.ret);
  ret.findings.push(...n.findings.filter((f) => f.hop === 'nacl-out'));
  return { forward: fwd, ret };
}

/** Outbound to the internet or an external host: SG out → NACL out → route → the carrier (public IP or SNAT); return: NACL in. */
export function cloudOutbound(
  intent: Intent,
  ctx: CloudCtx,
  dest: string,
  internal?: { peerIp: string; peerGroupIds: string[] },
): { forward: Segment; ret: Segment } {
  const fwd = seg();
  const ret = seg();
  const sg = sgHop(intent, ctx, 'egress', internal ? `${internal.peerIp}/32` : dest, internal?.peerGroupIds);
  fwd.hops.push(sg.hop);
  fwd.findings.push(...sg.findings);
  const n = naclHops(intent, ctx, 'outbound', internal ? `${internal.peerIp}/32` : dest);
  if (n.forward) fwd.hops.push(n.forward);
  fwd.findings.push(...n.findings.filter((f) => f.hop === 'nacl-out'));
  if (internal) {
    const vsw = ctx.cloud.vSwitch.value;
    if (vsw && ctx.cloud.routeTables.value) {
      const d = evaluateVpcRoute({
        tables: ctx.cloud.routeTables.value,
        vSwitch: vsw,
        destination: internal.peerIp,
        kind: 'vpc',
      });
      push(fwd, intent, hopFrom('vpc-route', 'forward', 'cloud-network', d), d);
    } else
      fwd.hops.push(
        notChecked('vpc-route', 'forward', 'cloud-network', why(ctx.cloud.routeTables, 'route tables')),
      );
  } else if (dest !== '0.0.0.0/0' && isPrivateIp(dest.replace(/\/\d+$/, ''))) {
    fwd.hops.push(...privateRoute(intent, ctx, dest.replace(/\/\d+$/, ''), fwd));
  } else {
    const eg = evaluateInternetEgress(internetFacts(ctx), {
      destination: dest === '0.0.0.0/0' ? undefined : dest,
    });
    push(fwd, intent, hopFrom('vpc-route', 'forward', 'cloud-network', eg.route), eg.route);
    if (intent.protocol === 'tcp' && intent.port === 25 && eg.egress.state === 'OK')
      fwd.hops.push(port25Hop(intent, ctx, eg.egress.address?.resource, fwd));
    else push(fwd, intent, hopFrom('internet-egress', 'forward', 'platform', eg.egress), eg.egress);
  }
  if (n.ret) ret.hops.push(n.ret);
  ret.findings.push(...n.findings.filter((f) => f.hop === 'nacl-in'));
  return { forward: fwd, ret };
}

/**
 * A private destination is not internet traffic: Alibaba's service addresses (100.64.0.0/10: the VPC DNS resolvers,
 * metadata, yum mirrors) are reached inside the region; other private addresses go by the VPC's routes — a system
 * route inside the VPC, or a custom route to a peer VPC, VPN or on-premises network.
 */
function privateRoute(intent: Intent, ctx: CloudCtx, ip: string, into: Segment): Hop[] {
  if (inCidr(ip, '100.64.0.0/10'))
    return [
      ok(
        'vpc-route',
        'forward',
        'cloud-network',
        `${ip} is an Alibaba Cloud service address (100.64.0.0/10), reached inside the region without internet access.`,
        { address: ip },
      ),
    ];
  const vsw = ctx.cloud.vSwitch.value;
  const tables = ctx.cloud.routeTables.value;
  if (!vsw || !tables)
    return [notChecked('vpc-route', 'forward', 'cloud-network', why(ctx.cloud.routeTables, 'route tables'))];
  const system = tables.some((t) =>
    t.entries.some((e) => String(e.type).toLowerCase() === 'system' && inCidr(ip, e.destination)),
  );
  const d = evaluateVpcRoute({
    tables,
    vSwitch: vsw,
    destination: ip,
    kind: system || (vsw.cidr && inCidr(ip, vsw.cidr)) ? 'vpc' : 'external',
  });
  const hop = hopFrom('vpc-route', 'forward', 'cloud-network', d);
  if (d.code && hop.state !== 'OK') into.findings.push(findingFrom(intent, hop, d.code));
  return [hop];
}

/** [R8] Outbound TCP 25 is restricted by the platform by default, whatever the groups say. */
function port25Hop(intent: Intent, ctx: CloudCtx, resource: string | undefined, into: Segment): Hop {
  const d: HopDecision = {
    state: 'BLOCKED',
    confidence: 'likely',
    code: 'PLATFORM_PORT_BLOCKED',
    detail:
      'Alibaba Cloud blocks outbound TCP 25 by default (anti-spam), whatever the security groups allow. Use 465/587 with TLS, or apply to lift it (ECS console › Security Control).',
    evidence: { resource: resource ?? ctx.inst.id, field: 'platform: outbound tcp/25' },
  };
  const hop = hopFrom('internet-egress', 'forward', 'platform', d);
  into.findings.push(
    findingFrom(intent, hop, 'PLATFORM_PORT_BLOCKED', {
      key: ctx.inst.id,
      advice: [
        'Send mail through port 465 or 587 (SMTP over TLS), or apply to unblock port 25 in the ECS console (Security Control).',
      ],
    }),
  );
  return hop;
}

/** Cloud hops when the cloud side cannot be seen (no account, or the instance fact failed). */
export function cloudUnseen(
  inbound: boolean,
  reason: string,
  internet: boolean,
): { forward: Segment; ret: Segment } {
  const f = inbound
    ? internet
      ? ['instance', 'public-ip', 'nacl-in', 'sg-in']
      : ['instance', 'vpc-route', 'nacl-in', 'sg-in']
    : internet
      ? ['sg-out', 'nacl-out', 'vpc-route', 'internet-egress']
      : ['sg-out', 'nacl-out', 'vpc-route'];
  const r = inbound ? ['sg-out', 'nacl-out', ...(internet ? ['vpc-route'] : [])] : ['nacl-in'];
  const layer = (h: string) =>
    (h === 'instance' || h === 'public-ip' || h === 'internet-egress'
      ? 'platform'
      : 'cloud-network') as Hop['layer'];
  return {
    forward: { hops: f.map((h) => notChecked(h as Hop['hop'], 'forward', layer(h), reason)), findings: [] },
    ret: { hops: r.map((h) => notChecked(h as Hop['hop'], 'return', layer(h), reason)), findings: [] },
  };
}
