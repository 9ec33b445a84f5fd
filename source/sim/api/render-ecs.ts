/**
 * World → the official ECS 2014-05-26 JSON shapes, quirks kept: list wrappers (`Instances.Instance[]`), minute
 * precision times in DescribeInstances, `IoOptimized` a boolean there but `"optimized"` in
 * DescribeInstanceAttribute, numeric `Priority` and capitalised `Policy` in security group rules
 * (field sets from the recorded bodies in /work/shared/alicloud-fixtures and reference §3).
 */
import { createHash } from 'node:crypto';
import type { Eni, SecurityGroup, SgRule } from '../../model/index.js';
import type { World, WorldInstance } from '../world.js';
import { isoMinutes, isoSeconds, reformat } from './format.js';
import { boundEip } from './world-ops.js';

function serial(id: string): string {
  const h = createHash('sha1').update(id).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function eipAddress(world: World, inst: WorldInstance): Record<string, unknown> {
  const e = boundEip(world, inst.id);
  if (e?.status !== 'InUse') return { AllocationId: '', IpAddress: '', InternetChargeType: '' };
  return {
    Bandwidth: e.bandwidth,
    AllocationId: e.allocationId,
    IpAddress: e.ip,
    IsSupportUnassociate: true,
    InternetChargeType: e.chargeType === 'PayByBandwidth' ? 'PayByBandwidth' : 'PayByTraffic',
  };
}

function locks(inst: WorldInstance): Record<string, unknown> {
  return {
    LockReason: inst.locks.map((l) =>
      l.message ? { LockReason: l.reason, LockMsg: l.message } : { LockReason: l.reason },
    ),
  };
}

function stoppedMode(inst: WorldInstance): string {
  return inst.status === 'Stopped' ? 'KeepCharging' : 'Not-applicable';
}

function privateIps(inst: WorldInstance): string[] {
  const primary = inst.enis.find((e) => e.type === 'Primary');
  return primary ? [primary.primaryIp] : inst.privateIps.slice(0, 1);
}

function tags(inst: WorldInstance): Record<string, unknown> | undefined {
  const t = Object.entries(inst.tags ?? {});
  return t.length ? { Tag: t.map(([k, v]) => ({ TagKey: k, TagValue: v })) } : undefined;
}

function family(type?: string): string {
  const m = /^(ecs\.[a-z0-9-]+)\./.exec(type ?? '');
  return m ? m[1] : '';
}

/** One item of DescribeInstances `Instances.Instance[]`. */
export function renderInstance(world: World, inst: WorldInstance): Record<string, unknown> {
  const cpu = inst.cpu ?? 2;
  const out: Record<string, unknown> = {
    ResourceGroupId: '',
    Memory: inst.memoryMiB ?? 4096,
    InstanceChargeType: inst.chargeType ?? 'PostPaid',
    Cpu: cpu,
    OSName: inst.osName ?? '',
    InstanceNetworkType: inst.networkType,
    InnerIpAddress: { IpAddress: [] },
    ExpiredTime: reformat(inst.expiredTime, isoMinutes),
    ImageId: imageId(inst),
    EipAddress: eipAddress(world, inst),
    ImageOptions: {},
    HostName: inst.hostName ?? '',
    VlanId: '',
    Status: inst.status,
    HibernationOptions: { Configured: false },
    MetadataOptions: { HttpTokens: '', HttpEndpoint: '' },
    InstanceId: inst.id,
    StoppedMode: stoppedMode(inst),
    CpuOptions: { ThreadsPerCore: 2, Numa: 'ON', CoreCount: Math.max(1, Math.floor(cpu / 2)) },
    StartTime: reformat(inst.startTime, isoMinutes),
    PrivateDnsNameOptions: {},
    DeletionProtection: false,
    SecurityGroupIds: { SecurityGroupId: [...inst.securityGroupIds] },
    VpcAttributes: {
      PrivateIpAddress: { IpAddress: privateIps(inst) },
      VpcId: inst.vpcId ?? '',
      VSwitchId: inst.vSwitchId ?? '',
      NatIpAddress: '',
    },
    InternetChargeType: inst.internetChargeType ?? 'PayByTraffic',
    InstanceName: inst.name,
    DeploymentSetId: '',
    InternetMaxBandwidthOut: inst.internetMaxBandwidthOut,
    SerialNumber: serial(inst.id),
    OSType: inst.osType ?? 'linux',
    CreationTime: reformat(inst.creationTime, isoMinutes),
    AutoReleaseTime: '',
    Description: '',
    InstanceTypeFamily: family(inst.instanceType),
    DedicatedInstanceAttribute: { Tenancy: '', Affinity: '' },
    PublicIpAddress: { IpAddress: [...inst.publicIps] },
    GPUSpec: '',
    NetworkInterfaces: { NetworkInterface: inst.enis.map(renderInstanceEni) },
    SpotPriceLimit: 0,
    DeviceAvailable: true,
    SaleCycle: '',
    InstanceType: inst.instanceType ?? '',
    SpotStrategy: 'NoSpot',
    OSNameEn: (inst.osName ?? '').replace(/位$/, 'bit'),
    IoOptimized: true,
    ZoneId: inst.zoneId,
    ClusterId: '',
    EcsCapacityReservationAttr: { CapacityReservationPreference: '', CapacityReservationId: '' },
    DedicatedHostAttribute: { DedicatedHostId: '', DedicatedHostName: '', DedicatedHostClusterId: '' },
    GPUAmount: 0,
    OperationLocks: locks(inst),
    InternetMaxBandwidthIn: inst.internetMaxBandwidthIn ?? -1,
    Recyclable: false,
    RegionId: inst.regionId,
    CreditSpecification: '',
  };
  const t = tags(inst);
  if (t) out.Tags = t;
  return out;
}

function imageId(inst: WorldInstance): string {
  const os = (inst.osName ?? '').toLowerCase();
  if (os.includes('debian')) return 'debian_12_8_x64_20G_alibase_20241201.vhd';
  if (os.includes('ubuntu')) return 'ubuntu_22_04_x64_20G_alibase_20240926.vhd';
  if (os.includes('centos')) return 'centos_7_9_x64_20G_alibase_20240628.vhd';
  return 'aliyun_3_x64_20G_alibase_20240819.vhd';
}

function renderInstanceEni(e: Eni): Record<string, unknown> {
  return {
    Type: e.type,
    PrimaryIpAddress: e.primaryIp,
    MacAddress: e.mac ?? '',
    NetworkInterfaceId: e.id,
    PrivateIpSets: {
      PrivateIpSet: e.privateIps.map((ip) => ({ PrivateIpAddress: ip, Primary: ip === e.primaryIp })),
    },
  };
}

/** The body of DescribeInstanceAttribute (its own field set: see the recorded fixture). */
export function renderInstanceAttribute(world: World, inst: WorldInstance): Record<string, unknown> {
  return {
    Description: '',
    Memory: inst.memoryMiB ?? 4096,
    InstanceChargeType: inst.chargeType ?? 'PostPaid',
    Cpu: inst.cpu ?? 2,
    InstanceNetworkType: inst.networkType,
    PublicIpAddress: { IpAddress: [...inst.publicIps] },
    InnerIpAddress: { IpAddress: [] },
    EnableJumboFrame: false,
    ExpiredTime: reformat(inst.expiredTime, isoMinutes),
    ImageId: imageId(inst),
    EipAddress: eipAddress(world, inst),
    InstanceType: inst.instanceType ?? '',
    VlanId: '',
    HostName: inst.hostName ?? '',
    Status: inst.status,
    IoOptimized: 'optimized',
    ZoneId: inst.zoneId,
    ClusterId: '',
    InstanceId: inst.id,
    StoppedMode: stoppedMode(inst),
    DedicatedHostAttribute: { DedicatedHostId: '', DedicatedHostName: '' },
    SecurityGroupIds: { SecurityGroupId: [...inst.securityGroupIds] },
    VpcAttributes: {
      PrivateIpAddress: { IpAddress: privateIps(inst) },
      VpcId: inst.vpcId ?? '',
      VSwitchId: inst.vSwitchId ?? '',
      NatIpAddress: '',
    },
    OperationLocks: locks(inst),
    InternetChargeType: inst.internetChargeType ?? 'PayByTraffic',
    InstanceName: inst.name,
    InternetMaxBandwidthOut: inst.internetMaxBandwidthOut,
    SerialNumber: serial(inst.id),
    InternetMaxBandwidthIn: inst.internetMaxBandwidthIn ?? -1,
    CreationTime: reformat(inst.creationTime, isoSeconds),
    RegionId: inst.regionId,
    CreditSpecification: '',
  };
}

export function portRange(r: { from: number; to: number }): string {
  return `${r.from}/${r.to}`;
}

/** One `Permissions.Permission[]` item (DescribeSecurityGroupAttribute); `Priority` is a number as in real data. */
export function renderPermission(rule: SgRule): Record<string, unknown> {
  const ingress = rule.direction === 'ingress';
  const peer = (v: string | undefined, mine: boolean) => (mine ? (v ?? '') : '');
  return {
    SecurityGroupRuleId: rule.id,
    SourceGroupId: peer(rule.peerGroupId, ingress),
    Policy: rule.policy === 'drop' ? 'Drop' : 'Accept',
    Description: rule.description,
    SourcePortRange: rule.sourcePorts ? portRange(rule.sourcePorts) : '',
    Priority: rule.priority,
    CreateTime: rule.createTime ?? '',
    DestPrefixListName: '',
    Ipv6SourceCidrIp: peer(rule.peerIpv6Cidr, ingress),
    NicType: rule.nicType ?? 'intranet',
    DestGroupId: peer(rule.peerGroupId, !ingress),
    Direction: rule.direction,
    SourceGroupName: '',
    PortRange: portRange(rule.ports),
    DestGroupOwnerAccount: '',
    DestPrefixListId: peer(rule.peerPrefixListId, !ingress),
    SourceCidrIp: peer(rule.peerCidr, ingress),
    SourcePrefixListName: '',
    IpProtocol: rule.protocol.toUpperCase(),
    DestCidrIp: peer(rule.peerCidr, !ingress),
    DestGroupName: '',
    SourceGroupOwnerAccount: '',
    Ipv6DestCidrIp: peer(rule.peerIpv6Cidr, !ingress),
    SourcePrefixListId: peer(rule.peerPrefixListId, ingress),
    PortRangeListId: '',
    PortRangeListName: '',
  };
}

/** One `SecurityGroups.SecurityGroup[]` item (DescribeSecurityGroups). */
export function renderSecurityGroupItem(world: World, sg: SecurityGroup): Record<string, unknown> {
  const members = world.instances.filter((i) => i.securityGroupIds.includes(sg.id)).length;
  return {
    SecurityGroupId: sg.id,
    SecurityGroupName: sg.name,
    Description: sg.description ?? '',
    SecurityGroupType: sg.type,
    VpcId: sg.vpcId ?? '',
    CreationTime: sgCreation(world, sg),
    EcsCount: members,
    AvailableInstanceAmount: (sg.type === 'enterprise' ? 65536 : 2000) - members,
    ResourceGroupId: '',
    ServiceManaged: false,
    RuleCount: sg.rules.length,
    GroupToGroupRuleCount: sg.rules.filter((r) => r.peerGroupId).length,
    Tags: { Tag: [] },
  };
}

function sgCreation(world: World, sg: SecurityGroup): string {
  const times = sg.rules.map((r) => Date.parse(r.createTime ?? '')).filter((t) => !Number.isNaN(t));
  const first = times.length ? Math.min(...times) : (world.epoch ?? Date.now()) - 400 * 86_400_000;
  return isoSeconds(first);
}

/** One `NetworkInterfaceSets.NetworkInterfaceSet[]` item (DescribeNetworkInterfaces). */
export function renderNetworkInterface(
  world: World,
  inst: WorldInstance,
  eni: Eni,
  index: number,
): Record<string, unknown> {
  const e = world.eips.find(
    (x) =>
      x.status === 'InUse' &&
      ((x.instanceType === 'NetworkInterface' && x.instanceId === eni.id) ||
        ((x.instanceType ?? 'EcsInstance') === 'EcsInstance' &&
          x.instanceId === inst.id &&
          eni.type === 'Primary')),
  );
  const publicIp = e?.ip ?? (eni.type === 'Primary' ? inst.publicIps[0] : undefined);
  const assoc = publicIp ? { PublicIpAddress: publicIp, AllocationId: e?.allocationId ?? '' } : {};
  return {
    NetworkInterfaceId: eni.id,
    NetworkInterfaceName: '',
    Description: '',
    Type: eni.type,
    Status: 'InUse',
    InstanceId: inst.id,
    VpcId: inst.vpcId ?? '',
    VSwitchId: eni.vSwitchId ?? inst.vSwitchId ?? '',
    ZoneId: inst.zoneId,
    MacAddress: eni.mac ?? '',
    PrivateIpAddress: eni.primaryIp,
    SecurityGroupIds: { SecurityGroupId: [...(eni.securityGroupIds ?? inst.securityGroupIds)] },
    AssociatedPublicIp: assoc,
    PrivateIpSets: {
      PrivateIpSet: eni.privateIps.map((ip) => ({
        PrivateIpAddress: ip,
        Primary: ip === eni.primaryIp,
        AssociatedPublicIp: ip === eni.primaryIp ? assoc : {},
      })),
    },
    Ipv6Sets: { Ipv6Set: [] },
    Ipv4PrefixSets: { Ipv4PrefixSet: [] },
    Attachment: { DeviceIndex: index, InstanceId: inst.id, NetworkCardIndex: 0 },
    Tags: { Tag: [] },
    DeleteOnRelease: eni.type === 'Primary',
    ServiceManaged: false,
    QueueNumber: 2,
    CreationTime: reformat(inst.creationTime, isoSeconds),
    ResourceGroupId: '',
    OwnerId: world.account.id,
  };
}
