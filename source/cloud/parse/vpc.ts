/** Pure parsers: VPC (2016-04-28) response bodies → model types. */
import type {
  AclEntry,
  Eip,
  NatGateway,
  NetworkAcl,
  RouteEntry,
  RouteNextHop,
  RouteTable,
  SnatEntry,
  VSwitch,
} from '../../model/index.js';
import {
  assignDefined,
  bool,
  list,
  locks,
  num,
  obj,
  type Page,
  page,
  portRange,
  protocol,
  type Raw,
  str,
  strings,
} from './util.js';

/** DescribeEipAddresses. `Bandwidth` is a string in this API ("5"). */
export function parseEipAddresses(body: Raw): Page<Eip> {
  const items = list(body, 'EipAddresses', 'EipAddress').map((e) => {
    const eip: Eip = {
      allocationId: str(e.AllocationId) ?? '',
      ip: str(e.IpAddress) ?? '',
      status: str(e.Status) ?? '',
      bandwidth: num(e.Bandwidth) ?? 0,
      locks: locks(e),
    };
    return assignDefined(eip, {
      instanceId: str(e.InstanceId),
      instanceType: str(e.InstanceType),
      privateIp: str(e.PrivateIpAddress),
      chargeType: str(e.InternetChargeType),
      businessStatus: str(e.BusinessStatus),
      name: str(e.Name),
    });
  });
  return page(body, items);
}

export function parseVSwitches(body: Raw): Page<VSwitch> {
  const items = list(body, 'VSwitches', 'VSwitch').map((v) => {
    const rt = obj(v.RouteTable);
    return assignDefined<VSwitch>(
      {
        id: str(v.VSwitchId) ?? '',
        vpcId: str(v.VpcId) ?? '',
        cidr: str(v.CidrBlock) ?? '',
        zoneId: str(v.ZoneId) ?? '',
      },
      {
        name: str(v.VSwitchName),
        routeTableId: str(rt.RouteTableId),
        networkAclId: str(v.NetworkAclId),
        status: str(v.Status),
      },
    );
  });
  return page(body, items);
}

/** The route table type a vSwitch reports (`RouteTable.RouteTableType`), for when the table list is unavailable. */
export function vSwitchRouteTableType(body: Raw, vSwitchId: string): string | undefined {
  const v = list(body, 'VSwitches', 'VSwitch').find((x) => x.VSwitchId === vSwitchId);
  return v ? str(obj(v.RouteTable).RouteTableType) : undefined;
}

export interface RouteTableSummary extends Omit<RouteTable, 'entries'> {
  /** VSwitch or Gateway (an IPv4 gateway's ingress table). */
  associateType?: string;
}

/** DescribeRouteTableList (note the wrapper names `RouterTableList.RouterTableListType`). */
export function parseRouteTableList(body: Raw): Page<RouteTableSummary> {
  const items = list(body, 'RouterTableList', 'RouterTableListType').map((t) =>
    assignDefined<RouteTableSummary>(
      {
        id: str(t.RouteTableId) ?? '',
        vpcId: str(t.VpcId) ?? '',
        type: str(t.RouteTableType) ?? 'System',
        vSwitchIds: strings(t, 'VSwitchIds', 'VSwitchId'),
      },
      { associateType: str(t.AssociateType) },
    ),
  );
  return page(body, items);
}

/** DescribeRouteEntryList (`RouteEntrys.RouteEntry[]`; `Enabled` is a number). */
export function parseRouteEntries(body: Raw, routeTableId?: string): Page<RouteEntry> {
  const items = list(body, 'RouteEntrys', 'RouteEntry').map((r) => {
    const hops: RouteNextHop[] = list(r.NextHops, 'NextHop').map((h) =>
      assignDefined<RouteNextHop>(
        {
          type: str(h.NextHopType) ?? '',
          id: str(h.NextHopId) ?? '',
          enabled: bool(h.Enabled) ?? true,
        },
        { weight: num(h.Weight) },
      ),
    );
    // Older bodies carry a single next hop at the top level.
    if (!hops.length && (str(r.NextHopType) || str(r.InstanceId) || str(r.NextHopId)))
      hops.push({
        type: str(r.NextHopType) ?? '',
        id: str(r.NextHopId) ?? str(r.InstanceId) ?? '',
        enabled: true,
      });
    const e: RouteEntry = {
      id: str(r.RouteEntryId) ?? '',
      routeTableId: str(r.RouteTableId) ?? routeTableId ?? '',
      destination: str(r.DestinationCidrBlock) ?? '',
      type: str(r.Type) ?? 'Custom',
      status: str(r.Status) ?? '',
      nextHops: hops,
    };
    return assignDefined(e, { name: str(r.RouteEntryName), description: str(r.Description) });
  });
  return page(body, items);
}

function aclEntry(e: Raw, ingress: boolean): AclEntry {
  const entry: AclEntry = {
    id: str(e.NetworkAclEntryId) ?? '',
    policy: /drop/i.test(String(e.Policy)) ? 'drop' : 'accept',
    protocol: protocol(e.Protocol),
    ports: portRange(e.Port),
    cidr: str(ingress ? e.SourceCidrIp : e.DestinationCidrIp) ?? '',
  };
  return assignDefined(entry, {
    name: str(e.NetworkAclEntryName),
    entryType: str(e.EntryType),
    description: str(e.Description),
  });
}

/** One NetworkAcl object (DescribeNetworkAclAttributes' `NetworkAclAttribute` or a DescribeNetworkAcls item). */
export function parseNetworkAcl(a: Raw): NetworkAcl {
  const acl: NetworkAcl = {
    id: str(a.NetworkAclId) ?? '',
    vpcId: str(a.VpcId) ?? '',
    // List order is evaluation order (there is no priority field).
    ingress: list(a.IngressAclEntries, 'IngressAclEntry').map((e) => aclEntry(e, true)),
    egress: list(a.EgressAclEntries, 'EgressAclEntry').map((e) => aclEntry(e, false)),
    vSwitchIds: list(a.Resources, 'Resource')
      .filter((r) => !str(r.ResourceType) || /vswitch/i.test(String(r.ResourceType)))
      .map((r) => str(r.ResourceId))
      .filter((x): x is string => !!x),
  };
  return assignDefined(acl, { name: str(a.NetworkAclName) });
}

export function parseNetworkAcls(body: Raw): Page<NetworkAcl> {
  return page(body, list(body, 'NetworkAcls', 'NetworkAcl').map(parseNetworkAcl));
}

export function parseNetworkAclAttributes(body: Raw): NetworkAcl {
  return parseNetworkAcl(obj(body.NetworkAclAttribute));
}

export function parseNatGateways(body: Raw): Page<NatGateway> {
  const items = list(body, 'NatGateways', 'NatGateway').map((g) => ({
    id: str(g.NatGatewayId) ?? '',
    vpcId: str(g.VpcId) ?? '',
    status: str(g.Status) ?? '',
    networkType: str(g.NetworkType) ?? 'internet',
    snatTableIds: strings(g, 'SnatTableIds', 'SnatTableId'),
    ips: list(g.IpLists, 'IpList')
      .map((i) => str(i.IpAddress))
      .filter((x): x is string => !!x),
    snat: [] as SnatEntry[],
  }));
  return page(body, items);
}

export function parseSnatTableEntries(body: Raw): Page<SnatEntry> {
  const items = list(body, 'SnatTableEntries', 'SnatTableEntry').map((s) =>
    assignDefined<SnatEntry>(
      {
        id: str(s.SnatEntryId) ?? '',
        tableId: str(s.SnatTableId) ?? '',
        // Several addresses arrive comma-separated in one string.
        snatIp: str(s.SnatIp) ?? '',
        status: str(s.Status) ?? '',
      },
      { sourceVSwitchId: str(s.SourceVSwitchId), sourceCidr: str(s.SourceCIDR) },
    ),
  );
  return page(body, items);
}
