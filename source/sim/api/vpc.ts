/** VPC 2016-04-28 read actions (reference §3 "VPC"), answered from the world. */
import type { Handler } from './context.js';
import { ApiError, missingParameter } from './errors.js';
import { paginate, tokenPage } from './paging.js';
import { inWorldRegion } from './regions.js';
import {
  renderEip,
  renderNatGateway,
  renderNetworkAcl,
  renderRouteEntry,
  renderRouteTable,
  renderSnatEntry,
  renderVpc,
  renderVSwitch,
  routerId,
} from './render-vpc.js';

const eq = (want: string | undefined, have: string | undefined) => want === undefined || want === have;

const DescribeVpcs: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = (p.str('VpcId') ?? '').split(',').filter(Boolean);
  const list = (here ? world.vpcs : []).filter(
    (v) => (!ids.length || ids.includes(v.id)) && eq(p.str('VpcName'), v.name),
  );
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50 });
  return { ...page.fields, Vpcs: { Vpc: page.items.map((v) => renderVpc(world, v)) } };
};

const DescribeEipAddresses: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = (p.str('AllocationId') ?? '').split(',').filter(Boolean);
  const list = (here ? world.eips : []).filter(
    (e) =>
      (!ids.length || ids.includes(e.allocationId)) &&
      eq(p.str('EipAddress'), e.ip) &&
      eq(p.str('Status'), e.status) &&
      eq(p.str('AssociatedInstanceId'), e.instanceId) &&
      eq(p.str('AssociatedInstanceType'), e.instanceId ? (e.instanceType ?? 'EcsInstance') : undefined) &&
      eq(p.str('EipName'), e.name),
  );
  const page = paginate(list, p, { defaultSize: 10, maxSize: 100 });
  return { ...page.fields, EipAddresses: { EipAddress: page.items.map((e) => renderEip(world, e)) } };
};

const DescribeVSwitches: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region, false);
  const list = (here ? world.vswitches : []).filter((v) => {
    const rt = world.routeTables.find((t) => t.id === v.routeTableId || t.vSwitchIds.includes(v.id));
    return (
      eq(p.str('VpcId'), v.vpcId) &&
      eq(p.str('VSwitchId'), v.id) &&
      eq(p.str('ZoneId'), v.zoneId) &&
      eq(p.str('VSwitchName'), v.name) &&
      eq(p.str('RouteTableId'), rt?.id)
    );
  });
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50 });
  return { ...page.fields, VSwitches: { VSwitch: page.items.map((v) => renderVSwitch(world, v)) } };
};

const DescribeRouteTableList: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const list = (here ? world.routeTables : []).filter(
    (t) =>
      eq(p.str('VpcId'), t.vpcId) &&
      eq(p.str('RouteTableId'), t.id) &&
      eq(p.str('RouteTableType'), t.type) &&
      eq(p.str('RouterId'), routerId(world, t.vpcId)),
  );
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50 });
  return {
    ...page.fields,
    RouterTableList: { RouterTableListType: page.items.map((t) => renderRouteTable(world, t)) },
  };
};

const DescribeRouteEntryList: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const id = p.req('RouteTableId');
  const table = here ? world.routeTables.find((t) => t.id === id) : undefined;
  if (!table)
    throw new ApiError(
      'InvalidRouteTable.NotFound',
      400,
      `The specified route table (${id}) does not exist.`,
    );
  const entries = table.entries.filter(
    (e) =>
      eq(p.str('DestinationCidrBlock'), e.destination) &&
      eq(p.str('RouteEntryType'), e.type) &&
      eq(p.str('RouteEntryId'), e.id) &&
      eq(p.str('RouteEntryName'), e.name) &&
      eq(p.str('IpVersion'), e.destination.includes(':') ? 'IPv6' : 'IPv4') &&
      (!p.has('NextHopId') || e.nextHops.some((h) => h.id === p.str('NextHopId'))) &&
      (!p.has('NextHopType') || e.nextHops.some((h) => h.type === p.str('NextHopType'))),
  );
  // `MaxResult` (singular) is the real parameter name here.
  const page = tokenPage(entries, p, 'MaxResult', { defaultSize: 10, min: 1, max: 100 });
  return {
    NextToken: page.next,
    RouteEntrys: { RouteEntry: page.items.map((e) => renderRouteEntry(world, e)) },
  };
};

const DescribeNetworkAcls: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const list = (here ? world.networkAcls : []).filter(
    (a) =>
      eq(p.str('NetworkAclId'), a.id) &&
      eq(p.str('NetworkAclName'), a.name) &&
      eq(p.str('VpcId'), a.vpcId) &&
      (!p.has('ResourceId') || a.vSwitchIds.includes(p.str('ResourceId')!)),
  );
  const page = paginate(list, p, { defaultSize: 10, maxSize: 100 });
  // This API's paging fields are strings ("10"), unlike its siblings.
  return {
    TotalCount: String(page.fields.TotalCount),
    PageNumber: String(page.fields.PageNumber),
    PageSize: String(page.fields.PageSize),
    NetworkAcls: { NetworkAcl: page.items.map((a) => renderNetworkAcl(world, a)) },
  };
};

const DescribeNetworkAclAttributes: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const id = p.req('NetworkAclId');
  const acl = here ? world.networkAcls.find((a) => a.id === id) : undefined;
  if (!acl)
    throw new ApiError(
      'InvalidNetworkAcl.NotFound',
      400,
      `The specified network ACL (${id}) does not exist.`,
    );
  return { NetworkAclAttribute: renderNetworkAcl(world, acl) };
};

const DescribeNatGateways: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const list = (here ? world.natGateways : []).filter(
    (n) =>
      eq(p.str('VpcId'), n.vpcId) &&
      eq(p.str('NatGatewayId'), n.id) &&
      eq(p.str('NetworkType'), n.networkType) &&
      eq(p.str('Status'), n.status),
  );
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50 });
  return {
    ...page.fields,
    NatGateways: { NatGateway: page.items.map((n) => renderNatGateway(world, n)) },
  };
};

const DescribeSnatTableEntries: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const tableId = p.str('SnatTableId');
  const natId = p.str('NatGatewayId');
  if (!tableId && !natId) throw missingParameter('SnatTableId');
  const nat = here
    ? world.natGateways.find((n) => (tableId ? n.snatTableIds.includes(tableId) : n.id === natId))
    : undefined;
  if (!nat)
    throw new ApiError(
      tableId ? 'InvalidSnatTableId.NotFound' : 'InvalidNatGatewayId.NotFound',
      404,
      tableId
        ? `The specified SNAT table (${tableId}) does not exist.`
        : `The specified NAT gateway (${natId}) does not exist.`,
    );
  const rows = nat.snat
    .filter((s) => !tableId || s.tableId === tableId)
    .map((s) => renderSnatEntry(world, nat, s))
    .filter(
      (r) =>
        eq(p.str('SourceVSwitchId'), r.SourceVSwitchId as string) &&
        eq(p.str('SourceCIDR'), r.SourceCIDR as string) &&
        eq(p.str('SnatIp'), r.SnatIp as string) &&
        eq(p.str('SnatEntryId'), r.SnatEntryId as string),
    );
  const page = paginate(rows, p, { defaultSize: 10, maxSize: 100 });
  return { ...page.fields, SnatTableEntries: { SnatTableEntry: page.items } };
};

export const VPC_READS: Record<string, Handler> = {
  DescribeVpcs,
  DescribeEipAddresses,
  DescribeVSwitches,
  DescribeRouteTableList,
  DescribeRouteEntryList,
  DescribeNetworkAcls,
  DescribeNetworkAclAttributes,
  DescribeNatGateways,
  DescribeSnatTableEntries,
};
