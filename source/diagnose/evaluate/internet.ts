/**
 * The internet path of one instance: can the internet reach it (instance state and locks, a public address bound
 * to *this* instance, bandwidth), and can it reach the internet (public address, or SNAT on a NAT gateway the
 * route table actually sends it to). Pure; every decision names the resource and the exact API field.
 *
 * [I1] Inbound needs a public IP (`PublicIpAddress`, bandwidth `InternetMaxBandwidthOut` > 0) or an EIP bound to
 *      this instance (DescribeEipAddresses `Status` = InUse and `InstanceId` = the instance; `Bandwidth` > 0).
 *      An EIP the operator expects may be `Available` (unbound) or bound elsewhere.
 * [I2] `OperationLocks.LockReason` (financial, security, Recycling, …) on the instance or the EIP, an EIP
 *      `BusinessStatus` other than Normal, or a non-Running instance stop traffic whatever the rules say.
 * [I3] Outbound: by default "a VPC resource with a public IP talks to the internet directly" (IPv4 gateway
 *      overview); an EIP/public IP is used before NAT gateway SNAT ("SNAT lets instances *without* a public IP
 *      reach the internet", NAT Gateway docs; EIP preferred when both exist). Once an IPv4 gateway is active in
 *      the VPC, only vSwitches whose table routes 0.0.0.0/0 to it ("public vSwitches") reach the internet.
 *      Whether a custom 0.0.0.0/0 to an appliance (Instance/HaVip/VPN…) captures the traffic of an instance that
 *      has its own public address is not documented: that case is reported UNCERTAIN, never guessed.
 * [I4] Without a public address, traffic must be routed to an internet NAT gateway (status Available) holding an
 *      Available SNAT entry for the instance's vSwitch (`SourceVSwitchId`) or a CIDR containing its address
 *      (`SourceCIDR`). SNAT on one gateway with the route to another, or no route at all, carries nothing.
 */
import type {
  Eip,
  Instance,
  NatGateway,
  RouteNextHop,
  RouteTable,
  SnatEntry,
  VSwitch,
} from '../../model/index.js';
import { inCidr } from '../../net/ip.js';
import type { HopDecision } from './types.js';
import { describeRoute, lookupRoute, type RouteLookup, selectRouteTable } from './vpc-route.js';

export interface InternetFacts {
  instance: Instance;
  /** DescribeEipAddresses for the region (the bound ones are enough); undefined when that source failed. */
  eips?: Eip[];
  vSwitch?: VSwitch;
  /** Route tables of the instance's VPC. */
  routeTables?: RouteTable[];
  natGateways?: NatGateway[];
}

export interface PublicAddress {
  ip: string;
  kind: 'eip' | 'public-ip' | 'eni-public';
  /** The resource that holds it: `eip-…`, or the instance / ENI for an auto-assigned address. */
  resource: string;
  bandwidthMbps?: number;
  /** The exact field the bandwidth comes from. */
  bandwidthField: string;
  eip?: Eip;
}

export interface PublicIngressDecision {
  instance: HopDecision;
  /** The `public-ip` hop. */
  publicIp: HopDecision & { address?: PublicAddress; addresses: PublicAddress[] };
}

export type EgressCarrier = 'public-ip' | 'snat' | 'appliance' | 'none' | 'unknown';

export interface InternetEgressDecision {
  instance: HopDecision;
  /** The `vpc-route` hop for internet-bound traffic. */
  route: HopDecision & { lookup?: RouteLookup; tableId?: string };
  /** The `internet-egress` hop. */
  egress: HopDecision & {
    carrier: EgressCarrier;
    address?: PublicAddress;
    snat?: { gateway: NatGateway; entry: SnatEntry };
  };
}

const ok = (
  detail: string,
  evidence: HopDecision['evidence'],
  confidence: HopDecision['confidence'] = 'certain',
): HopDecision => ({
  state: 'OK',
  confidence,
  detail,
  evidence,
});

const blocked = (
  code: NonNullable<HopDecision['code']>,
  detail: string,
  evidence: HopDecision['evidence'],
  confidence: HopDecision['confidence'] = 'certain',
): HopDecision => ({ state: 'BLOCKED', confidence, detail, evidence, code });

/** [I2] The `instance` hop: Running and not locked. */
export function evaluateInstanceState(inst: Instance): HopDecision {
  if (inst.status !== 'Running')
    return blocked(
      'INSTANCE_NOT_RUNNING',
      `${inst.id} is ${inst.status}, not Running: nothing answers and nothing leaves.`,
      {
        resource: inst.id,
        field: 'Status',
        value: inst.status,
      },
    );
  if (inst.locks.length)
    return blocked(
      'INSTANCE_LOCKED',
      `${inst.id} is locked (OperationLocks.LockReason = ${inst.locks.map((l) => l.reason).join(', ')}): the platform restricts its traffic.`,
      { resource: inst.id, field: 'OperationLocks.LockReason', rule: inst.locks },
      'likely',
    );
  return ok(`${inst.id} is Running with no operation lock.`, {
    resource: inst.id,
    field: 'Status',
    value: inst.status,
  });
}

/** An EIP is ours when bound to the instance or to one of its ENIs (NetworkInterface mode: InstanceId = eni-…). */
function ownedBy(e: Eip, inst: Instance): boolean {
  return !!e.instanceId && (e.instanceId === inst.id || inst.enis.some((n) => n.id === e.instanceId));
}

function eipProblem(e: Eip, inst: Instance): HopDecision | undefined {
  const ev = { resource: e.allocationId, rule: e };
  if (e.status === 'InUse' && e.instanceId && !ownedBy(e, inst))
    return blocked(
      'EIP_ASSOCIATED_ELSEWHERE',
      `EIP ${e.ip} (${e.allocationId}) is bound to ${e.instanceType ?? 'resource'} ${e.instanceId}, not to ${inst.id} (InstanceId).`,
      { ...ev, field: 'InstanceId', value: e.instanceId },
    );
  if (e.status === 'Available')
    return blocked(
      'EIP_NOT_ASSOCIATED',
      `EIP ${e.ip} (${e.allocationId}) is Available: bound to nothing (Status).`,
      {
        ...ev,
        field: 'Status',
        value: e.status,
      },
    );
  if (e.status !== 'InUse')
    return {
      state: 'UNCERTAIN',
      confidence: 'likely',
      detail: `EIP ${e.ip} (${e.allocationId}) is ${e.status}: its binding is changing; check again in a minute.`,
      evidence: { ...ev, field: 'Status', value: e.status },
    };
  if (e.locks.length || (e.businessStatus && e.businessStatus !== 'Normal'))
    return blocked(
      'INSTANCE_LOCKED',
      `EIP ${e.ip} (${e.allocationId}) is locked (${[...e.locks.map((l) => l.reason), e.businessStatus && e.businessStatus !== 'Normal' ? `BusinessStatus ${e.businessStatus}` : ''].filter(Boolean).join(', ')}): the address carries no traffic.`,
      { ...ev, field: e.locks.length ? 'OperationLocks.LockReason' : 'BusinessStatus' },
    );
  if (!(e.bandwidth > 0))
    return blocked(
      'PUBLIC_BANDWIDTH_ZERO',
      `EIP ${e.ip} (${e.allocationId}) has Bandwidth ${e.bandwidth} Mbit/s.`,
      {
        ...ev,
        field: 'Bandwidth',
        value: e.bandwidth,
      },
    );
  return undefined;
}

/** [I1] Every public address of the instance, with where it comes from. */
export function publicAddresses(facts: InternetFacts): PublicAddress[] {
  const inst = facts.instance;
  const out: PublicAddress[] = [];
  const seen = new Set<string>();
  const add = (a: PublicAddress) => {
    if (a.ip && !seen.has(a.ip)) {
      seen.add(a.ip);
      out.push(a);
    }
  };
  for (const e of facts.eips ?? [])
    if (ownedBy(e, inst))
      add({
        ip: e.ip,
        kind: 'eip',
        resource: e.allocationId,
        bandwidthMbps: e.bandwidth,
        bandwidthField: 'Bandwidth',
        eip: e,
      });
  if (inst.eip?.ip) {
    const listed = facts.eips?.find((e) => e.allocationId === inst.eip?.allocationId);
    add({
      ip: inst.eip.ip,
      kind: 'eip',
      resource: inst.eip.allocationId,
      bandwidthMbps: listed?.bandwidth ?? inst.eip.bandwidth,
      bandwidthField: listed ? 'Bandwidth' : 'EipAddress.Bandwidth',
      ...(listed ? { eip: listed } : {}),
    });
  }
  for (const ip of inst.publicIps)
    add({
      ip,
      kind: 'public-ip',
      resource: inst.id,
      bandwidthMbps: inst.internetMaxBandwidthOut,
      bandwidthField: 'InternetMaxBandwidthOut',
    });
  for (const eni of inst.enis)
    if (eni.publicIp) {
      const e = facts.eips?.find((x) => x.ip === eni.publicIp);
      add({
        ip: eni.publicIp,
        kind: e ? 'eip' : 'eni-public',
        resource: e?.allocationId ?? eni.id,
        ...(e ? { bandwidthMbps: e.bandwidth, eip: e } : {}),
        bandwidthField: e ? 'Bandwidth' : 'AssociatedPublicIp',
      });
    }
  return out;
}

function addressProblem(a: PublicAddress, inst: Instance): HopDecision | undefined {
  if (a.eip) return eipProblem(a.eip, inst);
  if (a.bandwidthMbps !== undefined && !(a.bandwidthMbps > 0))
    return blocked(
      'PUBLIC_BANDWIDTH_ZERO',
      `Public IP ${a.ip} of ${inst.id} has ${a.bandwidthField} = ${a.bandwidthMbps} Mbit/s: no public traffic passes.`,
      { resource: a.resource, field: a.bandwidthField, value: a.bandwidthMbps },
    );
  return undefined;
}

function describeAddress(a: PublicAddress): string {
  const bw = a.bandwidthMbps !== undefined ? `, ${a.bandwidthMbps} Mbit/s` : '';
  return a.kind === 'eip' ? `EIP ${a.ip} (${a.resource}${bw})` : `public IP ${a.ip} (${a.resource}${bw})`;
}

/**
 * [I1][I2] Inbound from the internet. `expected`: the public address(es) the operator is trying (the target they
 * typed, an EIP named after the instance); each must be usable on this instance.
 */
export function evaluatePublicIngress(
  facts: InternetFacts,
  opts: { expected?: string[] } = {},
): PublicIngressDecision {
  const inst = facts.instance;
  const instance = evaluateInstanceState(inst);
  const addresses = publicAddresses(facts);
  for (const ip of opts.expected ?? []) {
    if (addresses.some((a) => a.ip === ip)) continue;
    const e = facts.eips?.find((x) => x.ip === ip);
    const problem = e ? eipProblem(e, inst) : undefined;
    if (problem) return { instance, publicIp: { ...problem, addresses } };
    return {
      instance,
      publicIp: {
        ...blocked(
          'NO_PUBLIC_ADDRESS',
          `${ip} is not a public address of ${inst.id} (its public addresses: ${addresses.map((a) => a.ip).join(', ') || 'none'}).`,
          { resource: inst.id, field: 'PublicIpAddress/EipAddress', value: ip },
          facts.eips ? 'certain' : 'likely',
        ),
        addresses,
      },
    };
  }
  const wanted = opts.expected?.length ? addresses.filter((a) => opts.expected?.includes(a.ip)) : addresses;
  if (wanted.length === 0)
    return {
      instance,
      publicIp: {
        ...blocked(
          'NO_PUBLIC_ADDRESS',
          `${inst.id} has no public IP and no EIP bound (PublicIpAddress and EipAddress are empty): the internet cannot reach it directly.`,
          { resource: inst.id, field: 'PublicIpAddress/EipAddress' },
        ),
        addresses,
      },
    };
  const problems = wanted.map((a) => ({ a, p: addressProblem(a, inst) }));
  const good = problems.find((x) => !x.p);
  if (good && (!opts.expected?.length || problems.every((x) => !x.p)))
    return {
      instance,
      publicIp: {
        ...ok(`Reachable at ${describeAddress(good.a)}, bound to ${inst.id}.`, {
          resource: good.a.resource,
          field: good.a.kind === 'eip' ? 'Status/InstanceId' : 'PublicIpAddress',
          address: good.a.ip,
        }),
        address: good.a,
        addresses,
      },
    };
  const bad = problems.find((x) => x.p)!;
  return { instance, publicIp: { ...bad.p!, address: bad.a, addresses } };
}

function snatCovers(entry: SnatEntry, vSwitchId: string | undefined, ip: string): boolean {
  if (String(entry.status) !== 'Available') return false;
  if (entry.sourceVSwitchId && entry.sourceVSwitchId === vSwitchId) return true;
  return !!entry.sourceCidr && inCidr(ip, entry.sourceCidr);
}

/** SNAT entries on internet NAT gateways that would translate this instance. */
export function snatFor(facts: InternetFacts): { gateway: NatGateway; entry: SnatEntry }[] {
  const ip = facts.instance.privateIps[0] ?? facts.instance.enis[0]?.primaryIp;
  if (!ip) return [];
  const out: { gateway: NatGateway; entry: SnatEntry }[] = [];
  for (const g of facts.natGateways ?? [])
    for (const entry of g.snat)
      if (snatCovers(entry, facts.vSwitch?.id ?? facts.instance.vSwitchId, ip))
        out.push({ gateway: g, entry });
  return out;
}

/** Is an IPv4 gateway steering internet traffic in this VPC (some table routes to one)? [I3] */
function ipv4GatewayIn(tables: RouteTable[]): RouteNextHop | undefined {
  for (const t of tables)
    for (const e of t.entries) {
      const h = e.nextHops.find((x) => String(x.type).toLowerCase() === 'ipv4gateway');
      if (h) return h;
    }
  return undefined;
}

/**
 * [I3][I4] Outbound to the internet (`destination`: the resolved address when the intent names a host; default
 * the internet as a whole, looked up as 0.0.0.0/0). Answers the `vpc-route` and `internet-egress` hops.
 */
export function evaluateInternetEgress(
  facts: InternetFacts,
  opts: { destination?: string } = {},
): InternetEgressDecision {
  const inst = facts.instance;
  const instance = evaluateInstanceState(inst);
  const dest = opts.destination ?? '0.0.0.0/0';
  const addresses = publicAddresses(facts);
  let usable = addresses.find((a) => !addressProblem(a, inst));
  const zeroBw = addresses
    .map((a) => addressProblem(a, inst))
    .find((p) => p?.code === 'PUBLIC_BANDWIDTH_ZERO');
  const viaPublic = (a: PublicAddress, confidence: HopDecision['confidence'] = 'certain') => ({
    ...ok(
      `Leaves via ${describeAddress(a)} bound to ${inst.id}.`,
      { resource: a.resource, address: a.ip, field: a.bandwidthField },
      confidence,
    ),
    carrier: 'public-ip' as const,
    address: a,
  });
  const tables = facts.routeTables ?? [];
  const sel = facts.vSwitch ? selectRouteTable(tables, facts.vSwitch) : undefined;
  if (!sel?.table) {
    const route: InternetEgressDecision['route'] = {
      state: 'UNCERTAIN',
      confidence: 'uncertain',
      detail: sel
        ? `${sel.detail}: the route for internet traffic cannot be checked.`
        : 'The vSwitch facts are missing: routes cannot be checked.',
      evidence: { resource: facts.vSwitch?.id ?? inst.id },
    };
    const egress: InternetEgressDecision['egress'] = usable
      ? viaPublic(usable, 'likely')
      : {
          state: 'UNCERTAIN',
          confidence: 'uncertain',
          detail: 'No public address; without the route table the NAT path cannot be checked.',
          evidence: { resource: inst.id },
          carrier: 'unknown',
        };
    return { instance, route, egress };
  }

  const table = sel.table;
  const lk = lookupRoute(table, dest);
  const routeEv = (extra: Record<string, unknown> = {}) => ({
    resource: table.id,
    table: table.id,
    ...(lk.best ? { rule: lk.best.entry } : {}),
    ...(lk.notes.length ? { notes: lk.notes } : {}),
    ...extra,
  });
  const answer = (route: HopDecision, egress: InternetEgressDecision['egress']): InternetEgressDecision => ({
    instance,
    route: { ...route, lookup: lk, tableId: table.id },
    egress,
  });
  const via = lk.best ? describeRoute(lk.best.entry) : '';
  const custom = !!lk.best && String(lk.best.entry.type).toLowerCase() !== 'system';
  const toGateway = lk.carrier === 'ipv4-gateway' || lk.carrier === 'nat-gateway';
  const hopIds = lk.hops.map((h) => h.id).join(', ');
  // [I3] With an IPv4 gateway active, a vSwitch not routed to it is private: its public addresses are unusable,
  // but SNAT through a NAT gateway (which sits in a public vSwitch) still works.
  const gw = ipv4GatewayIn(tables);
  const privateVsw = !!gw && lk.carrier !== 'ipv4-gateway';
  if (usable && privateVsw && lk.carrier === 'nat-gateway') usable = undefined;

  if (usable) {
    const egress = viaPublic(usable);
    if (gw && privateVsw)
      return answer(
        blocked(
          'VPC_ROUTE_MISSING',
          `The VPC steers internet traffic through IPv4 gateway ${gw.id}, but ${table.id} (used by ` +
            `${facts.vSwitch?.id}) has no route to it: this is a private vSwitch and its public addresses ` +
            'cannot reach the internet.',
          routeEv({ ipv4Gateway: gw.id }),
          'likely',
        ),
        egress,
      );
    if (custom && !toGateway && lk.best && lk.best.prefix > 0)
      return answer(
        lk.carrier === 'blackhole'
          ? blocked(
              'VPC_ROUTE_MISSING',
              `${via} covers ${dest} but has no enabled next hop: dropped.`,
              routeEv(),
            )
          : blocked(
              'VPC_ROUTE_MISDIRECTED',
              `${via} is more specific than the default route and sends ${dest} to ${hopIds}, not out ` +
                `through ${usable.ip}.`,
              routeEv(),
              'likely',
            ),
        egress,
      );
    if (custom && !toGateway)
      return answer(
        {
          state: 'UNCERTAIN',
          confidence: 'uncertain',
          code: 'VPC_ROUTE_MISDIRECTED',
          detail:
            `${via} points the default route at ${hopIds}. ${inst.id} has ${describeAddress(usable)}, which ` +
            'normally carries its internet traffic directly; Alibaba does not document whether a custom ' +
            `0.0.0.0/0 to ${lk.best?.entry.nextHops[0]?.type ?? 'this next hop'} overrides that. Check with a ` +
            'traceroute from the instance.',
          evidence: routeEv(),
        },
        egress,
      );
    const nat =
      lk.carrier === 'nat-gateway'
        ? ` ${via} points at a NAT gateway, but an instance with its own public address uses that address first.`
        : '';
    return answer(
      ok(
        `Internet traffic of ${inst.id} leaves through its public address; no VPC route is needed for it.${nat}`,
        routeEv({ publicAddress: usable.ip }),
      ),
      egress,
    );
  }

  // [I4] No usable public address: a NAT gateway with SNAT, reached by the route, is the only way out.
  const snat = snatFor(facts);
  const snatText = snat.map((x) => `${x.entry.id} on ${x.gateway.id}`).join(', ');
  const snatEv = () => routeEv({ snat: snat.map((x) => x.entry.id) });
  const none = (detail: string, ev: Record<string, unknown>): InternetEgressDecision['egress'] => ({
    ...(zeroBw ?? blocked('NO_INTERNET_EGRESS', detail, ev)),
    carrier: 'none',
  });
  const beyond: InternetEgressDecision['egress'] = {
    state: 'UNCERTAIN',
    confidence: 'uncertain',
    detail: `Internet access depends on ${hopIds}; netdoctor cannot see past it.`,
    evidence: { resource: hopIds },
    carrier: 'appliance',
  };
  const who = `${facts.vSwitch?.id} / ${inst.privateIps[0]}`;
  switch (lk.carrier) {
    case 'nat-gateway': {
      const target = snat.find((x) => lk.hops.some((h) => h.id === x.gateway.id));
      const routed = ok(`${via} sends internet traffic to ${hopIds}.`, routeEv());
      if (!target && snat.length)
        return answer(
          blocked(
            'VPC_ROUTE_MISDIRECTED',
            `${via} sends internet traffic to ${hopIds}, but the SNAT entry for ${inst.id} is ${snatText}.`,
            snatEv(),
          ),
          none(`${hopIds} has no SNAT entry for ${who}: it drops the traffic.`, { resource: hopIds }),
        );
      if (!target)
        return answer(
          routed,
          none(
            `${hopIds} has no SNAT entry covering ${who}, and ${inst.id} has no public address: nothing ` +
              'translates its traffic.',
            { resource: hopIds, field: 'SnatTableEntries' },
          ),
        );
      const g = target.gateway;
      const intranet = String(g.networkType).toLowerCase() === 'intranet';
      if (String(g.status) !== 'Available' || intranet)
        return answer(
          routed,
          none(
            `${g.id} is ${g.status}${intranet ? ' and an intranet (VPC) NAT gateway' : ''}: it does not ` +
              'translate to the internet.',
            { resource: g.id, field: 'Status/NetworkType', rule: g },
          ),
        );
      return answer(routed, {
        ...ok(
          `Leaves through ${g.id}: SNAT entry ${target.entry.id} translates it to ${target.entry.snatIp}.`,
          { resource: g.id, rule: target.entry, field: 'SnatTableEntries' },
        ),
        carrier: 'snat',
        snat: target,
      });
    }
    case 'appliance':
    case 'other-network':
    case 'unknown':
    case 'endpoint':
      return snat.length
        ? answer(
            blocked(
              'VPC_ROUTE_MISDIRECTED',
              `${via} sends internet traffic to ${hopIds} instead of ${snat[0].gateway.id}, which holds the ` +
                `SNAT entry for ${inst.id} (${snatText}).`,
              snatEv(),
            ),
            beyond,
          )
        : answer(
            ok(
              `${via} forwards internet traffic to ${hopIds} (a NAT instance, firewall or another network).`,
              routeEv(),
              'likely',
            ),
            beyond,
          );
    case 'blackhole':
      return answer(
        blocked(
          'VPC_ROUTE_MISSING',
          `${via} covers ${dest} but has no enabled next hop: dropped.`,
          routeEv(),
        ),
        none(`No path out: ${inst.id} has no public address and the default route is a blackhole.`, {
          resource: table.id,
        }),
      );
    default: {
      if (snat.length)
        return answer(
          blocked(
            'VPC_ROUTE_MISSING',
            `${snatText} would translate ${inst.id}, but ${table.id} has no route sending ${dest} to ` +
              `${snat[0].gateway.id} (add 0.0.0.0/0 → ${snat[0].gateway.id}).`,
            snatEv(),
          ),
          none(`No route reaches the NAT gateway ${snat[0].gateway.id}.`, { resource: snat[0].gateway.id }),
        );
      const why =
        `${inst.id} has no public IP or EIP, and ${table.id} routes ${dest} ` +
        `${lk.best ? `only via ${via}` : 'nowhere'}: no NAT gateway or IPv4 path carries it to the internet.`;
      return answer(
        blocked('NO_INTERNET_EGRESS', why, routeEv()),
        none(why, { resource: inst.id, field: 'PublicIpAddress/EipAddress' }),
      );
    }
  }
}
