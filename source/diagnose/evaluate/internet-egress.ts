/**
 * Outbound to the internet ([I3], [I4], see internet.ts): the `instance`, `vpc-route` and `internet-egress`
 * hops. A usable public address carries the traffic unless the VPC routes it elsewhere; without one, only SNAT
 * on an internet NAT gateway the route table actually reaches does. Pure.
 */
import type { NatGateway, RouteNextHop, RouteTable, SnatEntry } from '../../model/index.js';
import { inCidr } from '../../net/ip.js';
import {
  addressProblem,
  blocked,
  describeAddress,
  evaluateInstanceState,
  type InternetFacts,
  ok,
  type PublicAddress,
  publicAddresses,
} from './internet-address.js';
import type { HopDecision } from './types.js';
import { describeRoute, lookupRoute, type RouteLookup, selectRouteTable } from './vpc-route.js';

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
