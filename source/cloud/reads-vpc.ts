/** Typed VPC reads: EIPs, vSwitch, route tables and entries, network ACL, NAT gateways and SNAT entries. */
import type { Eip, NatGateway, NetworkAcl, RouteEntry, RouteTable, VSwitch } from '../model/index.js';
import type { CloudClient } from './client.js';
import { CloudError } from './errors.js';
import { pagesByNumber, pagesByToken } from './paginate.js';
import {
  parseEipAddresses,
  parseNatGateways,
  parseNetworkAclAttributes,
  parseNetworkAcls,
  parseRouteEntries,
  parseRouteTableList,
  parseSnatTableEntries,
  parseVSwitches,
  type RouteTableSummary,
  vSwitchRouteTableType,
} from './parse/vpc.js';
import { type Res, resOf } from './reads-ecs.js';

export async function eipsWhere(client: CloudClient, filter: Record<string, unknown>): Promise<Res<Eip[]>> {
  const p = await pagesByNumber(
    client,
    'vpc',
    'DescribeEipAddresses',
    { RegionId: client.region, ...filter },
    parseEipAddresses,
    { pageSize: 100, maxPages: 20 },
  );
  return resOf(client, p.items, p);
}

export function eipsOfInstance(client: CloudClient, instanceId: string): Promise<Res<Eip[]>> {
  return eipsWhere(client, { AssociatedInstanceType: 'EcsInstance', AssociatedInstanceId: instanceId });
}

export interface VSwitchRead extends VSwitch {
  /** `RouteTable.RouteTableType` as the vSwitch reports it. */
  routeTableType?: string;
}

export async function vSwitchById(client: CloudClient, id: string): Promise<Res<VSwitchRead>> {
  const body = await client.call('vpc', 'DescribeVSwitches', {
    RegionId: client.region,
    VSwitchId: id,
    PageSize: 50,
  });
  const v = parseVSwitches(body).items.find((x) => x.id === id);
  if (!v)
    throw new CloudError({
      code: 'InvalidVSwitchId.NotFound',
      message: `vSwitch ${id} was not found in region ${client.region}.`,
      hint: 'The instance references a vSwitch the API does not return; check the region and the RAM scope (vpc:DescribeVSwitches).',
    });
  const out: VSwitchRead = { ...v };
  const t = vSwitchRouteTableType(body, id);
  if (t) out.routeTableType = t;
  return { value: out, call: client.callIdOf(body) };
}

export async function routeTablesOfVpc(
  client: CloudClient,
  vpcId: string,
): Promise<Res<RouteTableSummary[]>> {
  const p = await pagesByNumber(
    client,
    'vpc',
    'DescribeRouteTableList',
    { RegionId: client.region, VpcId: vpcId },
    parseRouteTableList,
    { pageSize: 50, maxPages: 10 },
  );
  return resOf(client, p.items, p);
}

export async function routeEntries(client: CloudClient, routeTableId: string): Promise<Res<RouteEntry[]>> {
  const p = await pagesByToken(
    client,
    'vpc',
    'DescribeRouteEntryList',
    { RegionId: client.region, RouteTableId: routeTableId },
    (b) => parseRouteEntries(b, routeTableId),
    { pageSize: 100, sizeParam: 'MaxResult', maxPages: 20 },
  );
  return resOf(client, p.items, p);
}

export async function routeTableWithEntries(
  client: CloudClient,
  summary: Omit<RouteTable, 'entries'>,
): Promise<Res<RouteTable>> {
  const e = await routeEntries(client, summary.id);
  const t: RouteTable = {
    id: summary.id,
    vpcId: summary.vpcId,
    type: summary.type,
    vSwitchIds: summary.vSwitchIds,
    entries: e.value,
  };
  return { value: t, call: e.call, truncated: e.truncated };
}

/**
 * The network ACL bound to a vSwitch, entries included (null when none is bound). DescribeNetworkAcls by
 * resource returns the whole ACL; if a body ever lacks the entry lists, DescribeNetworkAclAttributes fills them.
 */
export async function networkAclOfVSwitch(
  client: CloudClient,
  vSwitchId: string,
): Promise<Res<NetworkAcl | null>> {
  const p = await pagesByNumber(
    client,
    'vpc',
    'DescribeNetworkAcls',
    { RegionId: client.region, ResourceId: vSwitchId, ResourceType: 'VSwitch' },
    parseNetworkAcls,
    { pageSize: 50, maxPages: 2 },
  );
  const raws = p.bodies.flatMap((b) => {
    const l = b?.NetworkAcls?.NetworkAcl;
    return Array.isArray(l) ? l : [];
  });
  const acl = p.items.find((a) => a.vSwitchIds.includes(vSwitchId)) ?? p.items[0];
  if (!acl) return resOf(client, null, p);
  const raw = raws.find((r) => r?.NetworkAclId === acl.id) ?? {};
  if (raw.IngressAclEntries === undefined && raw.EgressAclEntries === undefined) {
    const body = await client.call(
      'vpc',
      'DescribeNetworkAclAttributes',
      { RegionId: client.region, NetworkAclId: acl.id },
      { parent: p.bodies },
    );
    const full = parseNetworkAclAttributes(body);
    if (!full.vSwitchIds.length) full.vSwitchIds = acl.vSwitchIds;
    return { value: full, call: client.callIdOf(body) };
  }
  return resOf(client, acl, p);
}

/** NAT gateways of a VPC with their SNAT entries (one DescribeSnatTableEntries walk per SNAT table, in parallel). */
export async function natGatewaysOfVpc(client: CloudClient, vpcId: string): Promise<Res<NatGateway[]>> {
  const p = await pagesByNumber(
    client,
    'vpc',
    'DescribeNatGateways',
    { RegionId: client.region, VpcId: vpcId },
    parseNatGateways,
    { pageSize: 50, maxPages: 10 },
  );
  const gws = p.items;
  const calls: (number | undefined)[] = [client.latest(p.bodies)];
  await client.withParent(p.bodies, () =>
    Promise.all(
      gws.flatMap((g) =>
        g.snatTableIds.map(async (t) => {
          const s = await pagesByNumber(
            client,
            'vpc',
            'DescribeSnatTableEntries',
            { RegionId: client.region, SnatTableId: t },
            parseSnatTableEntries,
            { pageSize: 50, maxPages: 20 },
          );
          g.snat.push(...s.items.map((e) => ({ ...e, tableId: e.tableId || t })));
          calls.push(client.latest(s.bodies));
        }),
      ),
    ),
  );
  return { value: gws, call: client.latest(calls.filter((c): c is number => c !== undefined)) };
}
