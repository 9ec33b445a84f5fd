/**
 * VPC route evaluator: which entry of the vSwitch's route table carries traffic to a destination, and where it
 * leads. Pure. Alibaba behaviour modelled ("Route table overview" / "路由表概述", vpc/user-guide/route-table-overview;
 * DescribeRouteEntryList API):
 *
 * [V1] A vSwitch uses the custom route table bound to it, else the VPC's system route table (one per VPC).
 * [V2] Longest prefix match over the table's entries; `System` entries (the vSwitch CIDRs, next hop local, and
 *      the 100.64.0.0/10 cloud-service route) deliver inside the VPC. Custom tables carry the system routes too.
 * [V3] Only entries in status `Available` forward. `Pending`/`Creating` are not effective yet (ignored, noted);
 *      `Modifying`/`Deleting` still forward but may stop any moment (kept, confidence lowered).
 * [V4] An entry with several next hops is ECMP (traffic hashed over the enabled ones; `Enabled: 0` hops take
 *      none). A custom entry whose next hops are all disabled, or that has none, forwards nothing (blackhole).
 * [V5] Next-hop types: Instance / HaVip / NetworkInterface (an appliance in the VPC), NatGateway, Ipv4Gateway,
 *      VpnGateway / RouterInterface / CenBasic / Attachment (TR) / Ecr (leave the VPC), GatewayEndpoint,
 *      IPv6Gateway, local. Past an appliance or a gateway to another network, netdoctor cannot see: the hop is
 *      OK at most `likely` (GCP Connectivity Tests calls this FORWARD).
 * Internet-bound traffic is judged with the instance's public address and NAT facts in internet.ts, which uses
 * {@link lookupRoute} from here.
 */
import type { RouteEntry, RouteNextHop, RouteTable, VSwitch } from '../../model/index.js';
import { cidrContains } from '../../net/ip.js';
import { parseCidrCached } from './addr-set.js';
import type { HopDecision } from './types.js';

export type RouteCarrier =
  | 'local'
  | 'appliance'
  | 'nat-gateway'
  | 'ipv4-gateway'
  | 'ipv6-gateway'
  | 'other-network'
  | 'endpoint'
  | 'blackhole'
  | 'none'
  | 'unknown';

export interface RouteCandidate {
  entry: RouteEntry;
  prefix: number;
  /** Why this entry does not forward (status not effective, no enabled next hop). */
  ignored?: string;
}

export interface RouteLookup {
  table: RouteTable;
  destination: string;
  /** The forwarding entry (longest effective prefix); undefined when nothing covers the destination. */
  best?: RouteCandidate;
  /** Enabled next hops of `best` (several: ECMP). */
  hops: RouteNextHop[];
  disabledHops: RouteNextHop[];
  carrier: RouteCarrier;
  /** Every entry covering the destination, longest prefix first (the ignored ones say why). */
  candidates: RouteCandidate[];
  /** For a CIDR destination: more specific entries that take part of it (e.g. 8.8.8.0/24 → VPN inside 0.0.0.0/0). */
  moreSpecific: RouteEntry[];
  notes: string[];
}

const NOT_YET = new Set(['pending', 'creating']);
const GOING = new Set(['modifying', 'deleting']);

function nextHopCarrier(type: string): RouteCarrier {
  switch (type.toLowerCase()) {
    case 'local':
      return 'local';
    case 'instance':
    case 'havip':
    case 'networkinterface':
      return 'appliance';
    case 'natgateway':
      return 'nat-gateway';
    case 'ipv4gateway':
      return 'ipv4-gateway';
    case 'ipv6gateway':
      return 'ipv6-gateway';
    case 'gatewayendpoint':
      return 'endpoint';
    case 'vpngateway':
    case 'routerinterface':
    case 'cenbasic':
    case 'attachment':
    case 'ecr':
    case 'vbr':
      return 'other-network';
    default:
      return 'unknown';
  }
}

function isSystem(e: RouteEntry): boolean {
  return String(e.type).toLowerCase() === 'system';
}

/** [V1] The route table a vSwitch uses. */
export function selectRouteTable(
  tables: RouteTable[],
  vSwitch: VSwitch,
): { table?: RouteTable; how: 'bound' | 'system' | 'missing'; detail: string } {
  // A custom table naming the vSwitch wins over a system table that (stale or not) also lists it.
  const isCustom = (t: RouteTable) => String(t.type).toLowerCase() !== 'system';
  const bound =
    (vSwitch.routeTableId ? tables.find((t) => t.id === vSwitch.routeTableId) : undefined) ??
    tables.find((t) => isCustom(t) && t.vSwitchIds.includes(vSwitch.id)) ??
    tables.find((t) => t.vSwitchIds.includes(vSwitch.id));
  if (bound) {
    const custom = isCustom(bound);
    return {
      table: bound,
      how: custom ? 'bound' : 'system',
      detail: custom
        ? `${vSwitch.id} uses custom route table ${bound.id}`
        : `${vSwitch.id} uses the VPC's system route table ${bound.id}`,
    };
  }
  const system = tables.find((t) => String(t.type).toLowerCase() === 'system' && t.vpcId === vSwitch.vpcId);
  if (system)
    return {
      table: system,
      how: 'system',
      detail: `${vSwitch.id} has no custom table: it uses system table ${system.id}`,
    };
  return {
    how: 'missing',
    detail: `No route table of ${vSwitch.vpcId} was found for ${vSwitch.id} (DescribeRouteTableList returned none)`,
  };
}

/** [V2]–[V4] Longest-prefix lookup of one destination (address or CIDR) in a table. */
export function lookupRoute(table: RouteTable, destination: string): RouteLookup {
  const dest = parseCidrCached(destination);
  const notes: string[] = [];
  const base = { table, destination, hops: [], disabledHops: [], candidates: [], moreSpecific: [], notes };
  if (!dest) return { ...base, carrier: 'unknown', notes: [`"${destination}" is not an address or CIDR`] };
  const candidates: RouteCandidate[] = [];
  const moreSpecific: RouteEntry[] = [];
  for (const entry of table.entries) {
    const c = parseCidrCached(entry.destination);
    if (!c || c.family !== dest.family) continue;
    if (cidrContains(c, dest)) candidates.push({ entry, prefix: c.prefix });
    else if (cidrContains(dest, c)) moreSpecific.push(entry);
  }
  candidates.sort((a, b) => b.prefix - a.prefix);
  let best: RouteCandidate | undefined;
  for (const cand of candidates) {
    const status = String(cand.entry.status ?? '').toLowerCase();
    if (NOT_YET.has(status)) {
      cand.ignored = `status ${cand.entry.status}: not effective yet`;
      continue;
    }
    if (!best) {
      best = cand;
      if (GOING.has(status))
        notes.push(`${cand.entry.id} is ${cand.entry.status}: it forwards now but may stop`);
    }
  }
  for (const c of candidates)
    if (c !== best && !c.ignored) c.ignored = `shorter prefix than ${best?.entry.id}`;
  if (!best) return { ...base, candidates, moreSpecific, carrier: 'none' };
  const hops = best.entry.nextHops.filter((h) => h.enabled !== false);
  const disabledHops = best.entry.nextHops.filter((h) => h.enabled === false);
  let carrier: RouteCarrier;
  if (isSystem(best.entry) && best.entry.nextHops.length === 0) carrier = 'local';
  else if (hops.length === 0) carrier = 'blackhole';
  else {
    const kinds = new Set(hops.map((h) => nextHopCarrier(String(h.type))));
    carrier = kinds.size === 1 ? [...kinds][0] : 'unknown';
    if (kinds.size > 1) notes.push(`ECMP over mixed next-hop types: ${[...kinds].join(', ')}`);
  }
  if (disabledHops.length)
    notes.push(
      `disabled next hop(s) ${disabledHops.map((h) => `${h.type} ${h.id}`).join(', ')} carry nothing`,
    );
  return { table, destination, best, hops, disabledHops, carrier, candidates, moreSpecific, notes };
}

export function describeRoute(e: RouteEntry): string {
  const hops = e.nextHops.length
    ? e.nextHops.map((h) => `${h.type} ${h.id}${h.enabled === false ? ' (disabled)' : ''}`).join(' + ')
    : 'local';
  return `${e.id} (${e.type}, ${e.destination} → ${hops}${e.status && e.status !== 'Available' ? `, ${e.status}` : ''})`;
}

export interface VpcRouteInput {
  tables: RouteTable[];
  vSwitch: VSwitch;
  /** A private destination: another instance of the VPC, a peer VPC, on-premises. */
  destination: string;
  /** `vpc`: inside this VPC (a system route must cover it); `external`: a peer VPC, on-premises, another region. */
  kind: 'vpc' | 'external';
  /** Health of next-hop resources when known (instance stopped, VPN gateway down…); undefined = unknown. */
  nextHopHealth?: (hop: RouteNextHop) => { ok: boolean; detail: string } | undefined;
}

export interface VpcRouteDecision extends HopDecision {
  tableId?: string;
  lookup?: RouteLookup;
  route?: RouteEntry;
  carrier: RouteCarrier;
  ecmp: boolean;
}

/** The `vpc-route` hop for traffic to a private destination. Internet-bound: see internet.ts. */
export function evaluateVpcRoute(input: VpcRouteInput): VpcRouteDecision {
  const sel = selectRouteTable(input.tables, input.vSwitch);
  if (!sel.table)
    return {
      state: 'UNCERTAIN',
      confidence: 'uncertain',
      detail: `${sel.detail}; the route to ${input.destination} cannot be checked.`,
      evidence: { resource: input.vSwitch.id },
      carrier: 'unknown',
      ecmp: false,
    };
  const lk = lookupRoute(sel.table, input.destination);
  const base = { tableId: sel.table.id, lookup: lk, carrier: lk.carrier, ecmp: lk.hops.length > 1 };
  const ev = (extra: Record<string, unknown> = {}) => ({
    resource: sel.table!.id,
    ...(lk.best ? { rule: lk.best.entry } : {}),
    table: sel.table!.id,
    tableType: sel.table!.type,
    ...(lk.notes.length ? { notes: lk.notes } : {}),
    ...extra,
  });
  const dest = parseCidrCached(input.destination);
  const pending = lk.candidates.some((c) => c.ignored?.startsWith('status'));
  const sure = pending || lk.notes.some((n) => n.includes('may stop')) ? 'likely' : 'certain';

  if (!lk.best) {
    const vsw = parseCidrCached(input.vSwitch.cidr);
    if (dest && vsw && cidrContains(vsw, dest))
      return {
        ...base,
        carrier: 'local',
        state: 'OK',
        confidence: 'likely',
        detail: `${input.destination} is inside ${input.vSwitch.id} (${input.vSwitch.cidr}): delivered locally (the table lists no system route for it).`,
        evidence: ev(),
      };
    return {
      ...base,
      state: 'BLOCKED',
      confidence: input.kind === 'vpc' ? 'likely' : sure,
      code: 'VPC_ROUTE_MISSING',
      detail:
        input.kind === 'vpc'
          ? `No route in ${sel.table.id} covers ${input.destination}: a vSwitch of this VPC always has a system route, so the address is probably outside the VPC.`
          : `No route in ${sel.table.id} covers ${input.destination}: traffic to it is dropped. Add a route via the VPN gateway, CEN/transit router or peering that reaches that network.`,
      evidence: ev({ candidates: lk.candidates.map((c) => c.entry.id) }),
    };
  }
  const entry = lk.best.entry;
  const via = describeRoute(entry);
  if (lk.carrier === 'blackhole')
    return {
      ...base,
      route: entry,
      state: 'BLOCKED',
      confidence: sure,
      code: 'VPC_ROUTE_MISSING',
      detail: `${via} matches ${input.destination} but has no enabled next hop: traffic is dropped (blackhole).`,
      evidence: ev(),
    };
  const sick = input.nextHopHealth
    ? lk.hops.map((h) => ({ h, health: input.nextHopHealth?.(h) })).filter((x) => x.health && !x.health.ok)
    : [];
  if (sick.length && sick.length === lk.hops.length)
    return {
      ...base,
      route: entry,
      state: 'BLOCKED',
      confidence: sure,
      code: 'VPC_ROUTE_MISDIRECTED',
      detail: `${via} sends ${input.destination} to ${sick.map((s) => `${s.h.id} (${s.health!.detail})`).join(', ')}: nothing forwards it.`,
      evidence: ev({ nextHops: sick.map((s) => ({ ...s.h, health: s.health })) }),
    };
  switch (lk.carrier) {
    case 'local':
      return {
        ...base,
        route: entry,
        state: 'OK',
        confidence: sure,
        detail: `Delivered inside the VPC by ${via}.`,
        evidence: ev(),
      };
    case 'ipv4-gateway':
    case 'ipv6-gateway':
      return {
        ...base,
        route: entry,
        state: 'BLOCKED',
        confidence: 'likely',
        code: 'VPC_ROUTE_MISDIRECTED',
        detail: `${via} sends private destination ${input.destination} to the internet gateway, where private addresses go nowhere.`,
        evidence: ev(),
      };
    default: {
      if (input.kind === 'vpc' && !isSystem(entry) && lk.carrier === 'other-network')
        return {
          ...base,
          route: entry,
          state: 'BLOCKED',
          confidence: 'likely',
          code: 'VPC_ROUTE_MISDIRECTED',
          detail: `${via} is more specific than the system route and sends ${input.destination}, an address of this VPC, out of the VPC.`,
          evidence: ev(),
        };
      const ecmp = lk.hops.length > 1 ? ` (ECMP over ${lk.hops.length} next hops)` : '';
      return {
        ...base,
        route: entry,
        state: 'OK',
        confidence: 'likely',
        detail: `Forwarded by ${via}${ecmp}; past ${lk.hops.map((h) => h.id).join(', ')} netdoctor cannot see.`,
        evidence: ev(),
      };
    }
  }
}
