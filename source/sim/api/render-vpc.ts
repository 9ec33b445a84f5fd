/**
 * World → the official VPC 2016-04-28 JSON shapes, quirks kept: EIP `Bandwidth` a string, VPC tags as
 * `Key`/`Value`, `RouterTableList.RouterTableListType`, `GatewayIds.GatewayIds`, `RouteEntrys`, numeric
 * next-hop `Enabled`, lower-case ACL `Policy` (reference §3 "VPC").
 */
import type {
  AclEntry,
  Eip,
  NatGateway,
  NetworkAcl,
  RouteEntry,
  RouteTable,
  SnatEntry,
  VSwitch,
} from '../../model/index.js';
import { cidrSize, parseCidr } from '../../net/ip.js';
import type { World, WorldVpc } from '../world.js';
import { isoSeconds, stableId } from './format.js';

function created(world: World, daysAgo: number): string {
  return isoSeconds((world.epoch ?? Date.now()) - daysAgo * 86_400_000);
}

export function routerId(world: World, vpcId: string): string {
  return stableId('vrt', world.region, `router:${vpcId}`);
}

export function renderVpc(world: World, vpc: WorldVpc): Record<string, unknown> {
  return {
    VpcId: vpc.id,
    RegionId: world.region,
    Status: 'Available',
    VpcName: vpc.name ?? '',
    CreationTime: created(world, 420),
    CidrBlock: vpc.cidr,
    Ipv6CidrBlock: '',
    VRouterId: routerId(world, vpc.id),
    Description: '',
    IsDefault: false,
    NetworkAclNum: String(world.networkAcls.filter((a) => a.vpcId === vpc.id).length),
    ResourceGroupId: '',
    CenStatus: 'Detached',
    OwnerId: Number(world.account.id) || world.account.id,
    SupportIpv4Gateway: true,
    Ipv4GatewayId: '',
    DhcpOptionsSetId: '',
    DhcpOptionsSetStatus: '',
    DnsHostnameStatus: 'DISABLED',
    AdvancedResource: true,
    VSwitchIds: { VSwitchId: world.vswitches.filter((v) => v.vpcId === vpc.id).map((v) => v.id) },
    RouterTableIds: { RouterTableIds: world.routeTables.filter((t) => t.vpcId === vpc.id).map((t) => t.id) },
    NatGatewayIds: { NatGatewayIds: world.natGateways.filter((n) => n.vpcId === vpc.id).map((n) => n.id) },
    UserCidrs: { UserCidr: [] },
    SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
    Tags: { Tag: [] },
  };
}

export function renderEip(world: World, e: Eip): Record<string, unknown> {
  return {
    AllocationId: e.allocationId,
    IpAddress: e.ip,
    Status: e.status,
    InstanceId: e.instanceId ?? '',
    InstanceType: e.instanceId ? (e.instanceType ?? 'EcsInstance') : '',
    InstanceRegionId: e.instanceId ? world.region : '',
    PrivateIpAddress: e.privateIp ?? '',
    Bandwidth: String(e.bandwidth),
    InternetChargeType: e.chargeType ?? 'PayByTraffic',
    ChargeType: 'PostPaid',
    ISP: 'BGP',
    Netmode: 'public',
    Mode: 'NAT',
    BusinessStatus: e.businessStatus ?? 'Normal',
    RegionId: world.region,
    AllocationTime: created(world, 200),
    ExpiredTime: '',
    BandwidthPackageId: '',
    BandwidthPackageType: '',
    BandwidthPackageBandwidth: '',
    Name: e.name ?? '',
    Description: '',
    ResourceGroupId: '',
    DeletionProtection: false,
    HasReservationData: 'false',
    SecondLimited: false,
    OperationLocks: { LockReason: e.locks.map((l) => ({ LockReason: l.reason })) },
    Tags: { Tag: [] },
  };
}

function availableIps(world: World, v: VSwitch): number {
  const c = parseCidr(v.cidr);
  const size = c ? Number(cidrSize(c)) : 256;
  const used = world.instances
    .flatMap((i) => i.enis.map((e) => ({ vsw: e.vSwitchId ?? i.vSwitchId, n: e.privateIps.length })))
    .filter((x) => x.vsw === v.id)
    .reduce((a, x) => a + x.n, 0);
  // Alibaba reserves the first and the last three addresses of every vSwitch CIDR.
  return Math.max(0, size - 4 - used);
}

export function renderVSwitch(world: World, v: VSwitch): Record<string, unknown> {
  const rt = world.routeTables.find((t) => t.id === v.routeTableId || t.vSwitchIds.includes(v.id));
  return {
    VSwitchId: v.id,
    VpcId: v.vpcId,
    Status: v.status ?? 'Available',
    CidrBlock: v.cidr,
    Ipv6CidrBlock: '',
    ZoneId: v.zoneId,
    AvailableIpAddressCount: availableIps(world, v),
    NetworkAclId: v.networkAclId ?? '',
    IsDefault: false,
    RouteTable: { RouteTableId: rt?.id ?? '', RouteTableType: rt?.type ?? 'System' },
    VSwitchName: v.name ?? '',
    Description: '',
    CreationTime: created(world, 410),
    ResourceGroupId: '',
    OwnerId: Number(world.account.id) || world.account.id,
    ShareType: '',
    EnabledIpv6: false,
    Tags: { Tag: [] },
  };
}

export function renderRouteTable(world: World, t: RouteTable): Record<string, unknown> {
  return {
    RouteTableId: t.id,
    RouteTableType: t.type,
    AssociateType: 'VSwitch',
    VpcId: t.vpcId,
    RouterId: routerId(world, t.vpcId),
    RouterType: 'VRouter',
    Status: 'Available',
    VSwitchIds: { VSwitchId: [...t.vSwitchIds] },
    GatewayIds: { GatewayIds: [] },
    Description: '',
    RouteTableName: '',
    CreationTime: created(world, 420),
    ResourceGroupId: '',
    OwnerId: Number(world.account.id) || world.account.id,
    RoutePropagationEnable: true,
    Tags: { Tag: [] },
  };
}

export function renderRouteEntry(world: World, e: RouteEntry): Record<string, unknown> {
  return {
    RouteEntryId: e.id,
    RouteTableId: e.routeTableId,
    DestinationCidrBlock: e.destination,
    Type: e.type,
    Status: e.status,
    IpVersion: e.destination.includes(':') ? 'IPv6' : 'IPv4',
    RouteEntryName: e.name ?? '',
    Description: e.description ?? '',
    Origin: e.type === 'System' ? 'SystemCreate' : 'CustomCreate',
    ServiceType: '',
    GmtModified: created(world, 30),
    NextHops: {
      NextHop: e.nextHops.map((h) => ({
        NextHopType: h.type,
        NextHopId: h.id,
        Enabled: h.enabled ? 1 : 0,
        Weight: h.weight ?? 100,
        NextHopRegionId: world.region,
        NextHopRelatedInfo: { InstanceId: '', InstanceType: '', RegionId: '' },
      })),
    },
  };
}

function aclEntry(e: AclEntry, ingress: boolean): Record<string, unknown> {
  return {
    NetworkAclEntryId: e.id,
    EntryType: e.entryType ?? 'custom',
    NetworkAclEntryName: e.name ?? '',
    Policy: e.policy,
    [ingress ? 'SourceCidrIp' : 'DestinationCidrIp']: e.cidr,
    IpVersion: e.cidr.includes(':') ? 'IPv6' : 'IPv4',
    Protocol: e.protocol,
    Port: `${e.ports.from}/${e.ports.to}`,
    Description: e.description ?? '',
  };
}

export function renderNetworkAcl(world: World, a: NetworkAcl): Record<string, unknown> {
  return {
    NetworkAclId: a.id,
    NetworkAclName: a.name ?? '',
    VpcId: a.vpcId,
    Status: 'Available',
    RegionId: world.region,
    Description: '',
    CreationTime: created(world, 90),
    OwnerId: Number(world.account.id) || world.account.id,
    IngressAclEntries: { IngressAclEntry: a.ingress.map((e) => aclEntry(e, true)) },
    EgressAclEntries: { EgressAclEntry: a.egress.map((e) => aclEntry(e, false)) },
    Resources: {
      Resource: a.vSwitchIds.map((id) => ({ ResourceId: id, ResourceType: 'VSwitch', Status: 'BINDED' })),
    },
    Tags: { Tag: [] },
  };
}

export function renderNatGateway(world: World, n: NatGateway): Record<string, unknown> {
  const vsw = world.vswitches.find((v) => v.vpcId === n.vpcId);
  const snatIps = new Set(n.snat.map((s) => s.snatIp));
  return {
    NatGatewayId: n.id,
    VpcId: n.vpcId,
    Name: '',
    Description: '',
    Status: n.status,
    BusinessStatus: 'Normal',
    NatType: 'Enhanced',
    NetworkType: n.networkType,
    Spec: 'Small',
    InternetChargeType: 'PayByLcu',
    InstanceChargeType: 'PostPaid',
    RegionId: world.region,
    CreationTime: created(world, 300),
    ExpiredTime: '',
    DeletionProtection: false,
    EcsMetricEnabled: false,
    IcmpReplyEnabled: true,
    SecurityProtectionEnabled: false,
    ResourceGroupId: '',
    IpLists: {
      IpList: n.ips.map((ip) => ({
        AllocationId: world.eips.find((e) => e.ip === ip)?.allocationId ?? '',
        IpAddress: ip,
        UsingStatus: snatIps.has(ip) ? 'UsedBySnatTable' : 'Idle',
        SnatEntryEnabled: snatIps.has(ip),
        PrivateIpAddress: '',
      })),
    },
    SnatTableIds: { SnatTableId: [...n.snatTableIds] },
    ForwardTableIds: { ForwardTableId: [stableId('ftb', world.region, `ftb:${n.id}`)] },
    FullNatTableIds: { FullNatTableId: [] },
    NatGatewayPrivateInfo: {
      VswitchId: vsw?.id ?? '',
      EniInstanceId: stableId('eni', world.region, `nat-eni:${n.id}`),
      PrivateIpAddress: '',
      IzNo: vsw?.zoneId ?? '',
      MaxBandwidth: 5120,
      EniType: 'Standard',
    },
    Tags: { Tag: [] },
  };
}

export function renderSnatEntry(world: World, n: NatGateway, s: SnatEntry): Record<string, unknown> {
  const vsw = s.sourceVSwitchId ? world.vswitches.find((v) => v.id === s.sourceVSwitchId) : undefined;
  return {
    SnatEntryId: s.id,
    SnatTableId: s.tableId,
    NatGatewayId: n.id,
    SourceVSwitchId: s.sourceVSwitchId ?? '',
    SourceCIDR: s.sourceCidr ?? vsw?.cidr ?? '',
    SnatIp: s.snatIp,
    Status: s.status,
    SnatEntryName: '',
    EipAffinity: '0',
  };
}
