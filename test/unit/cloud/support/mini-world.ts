/**
 * The data of the loopback mini region (see mini-region.ts), in the official response shapes of reference §3:
 * a storefront instance with two ENIs, three security groups, EIPs, a custom route table plus a gateway
 * table, a network ACL, a NAT gateway with SNAT and audit events — and optionally a fleet of instances
 * sharing a few groups, and noise events of a busy account.
 */
import type { ApiReply } from './api-server.js';

export interface MiniRegionOptions {
  now: number;
  latencyMs?: number;
  /** Per-action calls per second (token bucket holding one second's worth). */
  throttle?: Record<string, number>;
  /** action → reply to give instead (every time). */
  fail?: Record<string, ApiReply>;
  /** Fleet size and group count sharing the storefront's vSwitch. */
  fleet?: { instances: number; groups: number };
  /** Unrelated write events to add (a busy account: the region-wide page no longer holds every write). */
  noiseEvents?: number;
  /** Refuse LookupEvents with two attributes (InvalidParameterCombination). */
  rejectAttributePairs?: boolean;
}

export type Obj = Record<string, any>;

const REGION = 'cn-hangzhou';
const VPC = 'vpc-shop01';
const VSW = 'vsw-web01';

function inst(id: string, name: string, ip: string, sgs: string[], extra: Obj = {}): Obj {
  return {
    InstanceId: id,
    InstanceName: name,
    RegionId: REGION,
    ZoneId: 'cn-hangzhou-h',
    Status: 'Running',
    InstanceNetworkType: 'vpc',
    InstanceType: 'ecs.g7.large',
    Cpu: 2,
    Memory: 8192,
    OSType: 'linux',
    OSNameEn: 'Alibaba Cloud Linux  3.2104 LTS 64 bit',
    ExpiredTime: '2099-12-31T15:59Z',
    InstanceChargeType: 'PostPaid',
    PublicIpAddress: { IpAddress: [] },
    InnerIpAddress: { IpAddress: [] },
    EipAddress: { AllocationId: '', IpAddress: '', InternetChargeType: '' },
    VpcAttributes: { PrivateIpAddress: { IpAddress: [ip] }, VpcId: VPC, VSwitchId: VSW, NatIpAddress: '' },
    SecurityGroupIds: { SecurityGroupId: sgs },
    NetworkInterfaces: {
      NetworkInterface: [
        {
          Type: 'Primary',
          PrimaryIpAddress: ip,
          MacAddress: '00:16:3e:00:00:01',
          NetworkInterfaceId: `eni-${id.slice(2)}p`,
          PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: ip, Primary: true }] },
        },
      ],
    },
    OperationLocks: { LockReason: [] },
    InternetMaxBandwidthOut: 0,
    InternetMaxBandwidthIn: -1,
    InternetChargeType: 'PayByTraffic',
    ...extra,
  };
}

function rule(
  id: string,
  dir: string,
  prio: number,
  proto: string,
  ports: string,
  peer: string,
  policy = 'Accept',
): Obj {
  const ing = dir === 'ingress';
  return {
    SecurityGroupRuleId: id,
    Direction: dir,
    Policy: policy,
    Priority: prio,
    IpProtocol: proto,
    PortRange: ports,
    SourceCidrIp: ing ? peer : '',
    DestCidrIp: ing ? '' : peer,
    SourceGroupId: '',
    DestGroupId: '',
    NicType: 'intranet',
    Description: '',
    CreateTime: '2024-05-01T00:00:00Z',
  };
}

export interface MiniWorld {
  instances: Obj[];
  groups: Obj[];
  enis: Obj[];
  eips: Obj[];
  tables: Obj[];
  entries: Record<string, Obj[]>;
  acl: Obj;
  events: Obj[];
}

export const MINI = { REGION, VPC, VSW };

export function miniWorld(opts: MiniRegionOptions): MiniWorld {
  const now = opts.now;
  const web = inst('i-web01', 'storefront-web-1', '172.16.1.10', ['sg-web01', 'sg-shared1'], {
    EipAddress: {
      AllocationId: 'eip-web01',
      IpAddress: '47.96.1.10',
      Bandwidth: 5,
      InternetChargeType: 'PayByTraffic',
    },
  });
  web.NetworkInterfaces.NetworkInterface.push({
    Type: 'Secondary',
    PrimaryIpAddress: '172.16.1.11',
    MacAddress: '00:16:3e:00:00:02',
    NetworkInterfaceId: 'eni-web01s',
    PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: '172.16.1.11', Primary: true }] },
  });
  const other = inst('i-other1', 'billing', '172.16.1.20', ['sg-shared1'], {
    EipAddress: {
      AllocationId: 'eip-old01',
      IpAddress: '47.96.1.99',
      Bandwidth: 1,
      InternetChargeType: 'PayByTraffic',
    },
  });
  const instances: Obj[] = [web, other];
  const groups: Obj[] = [
    {
      SecurityGroupId: 'sg-web01',
      SecurityGroupName: 'web',
      SecurityGroupType: 'normal',
      InnerAccessPolicy: 'Accept',
      rules: [
        rule('sgr-w22', 'ingress', 1, 'TCP', '22/22', '203.0.113.7/32'),
        rule('sgr-w80', 'ingress', 100, 'TCP', '80/80', '0.0.0.0/0'),
        rule('sgr-wout', 'egress', 100, 'ALL', '-1/-1', '0.0.0.0/0'),
      ],
    },
    {
      SecurityGroupId: 'sg-shared1',
      SecurityGroupName: 'shared',
      SecurityGroupType: 'enterprise',
      InnerAccessPolicy: 'Drop',
      rules: [rule('sgr-s443', 'ingress', '10' as unknown as number, 'TCP', '443/443', '0.0.0.0/0', 'Drop')],
    },
    {
      SecurityGroupId: 'sg-eni01',
      SecurityGroupName: 'eni',
      SecurityGroupType: 'normal',
      InnerAccessPolicy: 'Accept',
      rules: [],
    },
  ];
  if (opts.fleet) {
    for (let g = 0; g < opts.fleet.groups; g++)
      groups.push({
        SecurityGroupId: `sg-fleet${g}`,
        SecurityGroupName: `fleet-${g}`,
        SecurityGroupType: 'normal',
        InnerAccessPolicy: 'Accept',
        rules: [rule(`sgr-f${g}`, 'ingress', 100, 'TCP', '443/443', '0.0.0.0/0')],
      });
    for (let k = 0; k < opts.fleet.instances; k++)
      instances.push(
        inst(`i-fleet${String(k).padStart(4, '0')}`, `fleet-${k}`, `172.16.2.${(k % 250) + 2}`, [
          `sg-fleet${k % opts.fleet.groups}`,
        ]),
      );
  }
  const enis: Obj[] = [
    {
      NetworkInterfaceId: 'eni-web01p',
      Type: 'Primary',
      InstanceId: 'i-web01',
      VSwitchId: VSW,
      MacAddress: '00:16:3e:00:00:01',
      PrivateIpAddress: '172.16.1.10',
      SecurityGroupIds: { SecurityGroupId: ['sg-web01', 'sg-shared1'] },
      PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: '172.16.1.10', Primary: true }] },
    },
    {
      NetworkInterfaceId: 'eni-web01s',
      Type: 'Secondary',
      InstanceId: 'i-web01',
      VSwitchId: VSW,
      MacAddress: '00:16:3e:00:00:02',
      PrivateIpAddress: '172.16.1.11',
      SecurityGroupIds: { SecurityGroupId: ['sg-eni01'] },
      PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: '172.16.1.11', Primary: true }] },
    },
  ];
  const eips: Obj[] = [
    {
      AllocationId: 'eip-web01',
      IpAddress: '47.96.1.10',
      Status: 'InUse',
      InstanceId: 'i-web01',
      InstanceType: 'EcsInstance',
      Bandwidth: '5',
      InternetChargeType: 'PayByTraffic',
      OperationLocks: { LockReason: [] },
    },
    {
      AllocationId: 'eip-old01',
      IpAddress: '47.96.1.99',
      Status: 'InUse',
      InstanceId: 'i-other1',
      InstanceType: 'EcsInstance',
      Bandwidth: '1',
      InternetChargeType: 'PayByTraffic',
      OperationLocks: { LockReason: [] },
    },
  ];
  const tables: Obj[] = [
    {
      RouteTableId: 'vtb-sys01',
      RouteTableType: 'System',
      AssociateType: 'VSwitch',
      VpcId: VPC,
      VSwitchIds: { VSwitchId: [] },
    },
    {
      RouteTableId: 'vtb-web01',
      RouteTableType: 'Custom',
      AssociateType: 'VSwitch',
      VpcId: VPC,
      VSwitchIds: { VSwitchId: [VSW] },
    },
    {
      RouteTableId: 'vtb-gw01',
      RouteTableType: 'Custom',
      AssociateType: 'Gateway',
      VpcId: VPC,
      VSwitchIds: { VSwitchId: [] },
    },
  ];
  const entries: Record<string, Obj[]> = {
    'vtb-web01': [
      {
        RouteEntryId: 'rte-local1',
        RouteTableId: 'vtb-web01',
        DestinationCidrBlock: '172.16.1.0/24',
        Type: 'System',
        Status: 'Available',
        NextHops: { NextHop: [{ NextHopType: 'local', NextHopId: '', Enabled: 1 }] },
      },
      ...Array.from({ length: 14 }, (_, i) => ({
        RouteEntryId: `rte-c${i}`,
        RouteTableId: 'vtb-web01',
        DestinationCidrBlock: `10.${i}.0.0/16`,
        Type: 'Custom',
        Status: 'Available',
        NextHops: { NextHop: [{ NextHopType: 'Instance', NextHopId: 'i-other1', Enabled: 1, Weight: 100 }] },
      })),
      {
        RouteEntryId: 'rte-def01',
        RouteTableId: 'vtb-web01',
        DestinationCidrBlock: '0.0.0.0/0',
        Type: 'Custom',
        Status: 'Available',
        NextHops: {
          NextHop: [{ NextHopType: 'NatGateway', NextHopId: 'ngw-shop01', Enabled: 1, Weight: 100 }],
        },
      },
    ],
    'vtb-sys01': [],
    'vtb-gw01': [
      {
        RouteEntryId: 'rte-gw1',
        RouteTableId: 'vtb-gw01',
        DestinationCidrBlock: '172.16.1.0/24',
        Type: 'Custom',
        Status: 'Available',
        NextHops: { NextHop: [{ NextHopType: 'NetworkInterface', NextHopId: 'eni-fw', Enabled: 1 }] },
      },
    ],
  };
  const acl = {
    NetworkAclId: 'nacl-web01',
    NetworkAclName: 'web-acl',
    VpcId: VPC,
    Status: 'Available',
    IngressAclEntries: {
      IngressAclEntry: [
        {
          NetworkAclEntryId: 'nae-i1',
          Policy: 'accept',
          Protocol: 'tcp',
          Port: '80/443',
          SourceCidrIp: '0.0.0.0/0',
          EntryType: 'custom',
        },
        {
          NetworkAclEntryId: 'nae-i2',
          Policy: 'drop',
          Protocol: 'all',
          Port: '-1/-1',
          SourceCidrIp: '0.0.0.0/0',
          EntryType: 'system',
        },
      ],
    },
    EgressAclEntries: {
      EgressAclEntry: [
        {
          NetworkAclEntryId: 'nae-e1',
          Policy: 'accept',
          Protocol: 'all',
          Port: '-1/-1',
          DestinationCidrIp: '0.0.0.0/0',
          EntryType: 'system',
        },
      ],
    },
    Resources: { Resource: [{ ResourceId: VSW, ResourceType: 'VSwitch', Status: 'BINDED' }] },
  };
  const ev = (id: string, name: string, agoMs: number, rw: string, params: Obj, refs: Obj): Obj => ({
    eventId: id,
    eventName: name,
    eventTime: new Date(now - agoMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventRW: rw,
    serviceName: name.includes('Eip') ? 'Vpc' : 'Ecs',
    eventSource: 'ecs.aliyuncs.com',
    requestParameters: params,
    referencedResources: refs,
    userIdentity: { type: 'ram-user', userName: 'deploy-bot', principalId: '1' },
  });
  const events: Obj[] = [
    ev(
      'ev-1',
      'RevokeSecurityGroup',
      25 * 60_000,
      'Write',
      { SecurityGroupId: 'sg-web01', 'Permissions.1.PortRange': '443/443' },
      { 'ACS::ECS::SecurityGroup': ['sg-web01'] },
    ),
    ev(
      'ev-2',
      'UnassociateEipAddress',
      2 * 86_400_000,
      'Write',
      { AllocationId: 'eip-old01', InstanceId: 'i-web01' },
      { 'ACS::VPC::EIP': ['eip-old01'], 'ACS::ECS::Instance': ['i-web01'] },
    ),
    ev(
      'ev-3',
      'DescribeInstances',
      60_000,
      'Read',
      { InstanceIds: '["i-web01"]' },
      { 'ACS::ECS::Instance': ['i-web01'] },
    ),
    ev('ev-4', 'DeleteVSwitch', 3 * 86_400_000, 'Write', { VSwitchId: 'vsw-elsewhere' }, {}),
    ev('ev-5', 'CreateRouteEntry', 40 * 86_400_000, 'Write', { RouteTableId: 'vtb-web01' }, {}),
  ];

  for (let k = 0; k < (opts.noiseEvents ?? 0); k++)
    events.push(
      ev(
        `noise-${k}`,
        'ModifyInstanceAttribute',
        (k + 1) * 60_000,
        'Write',
        { InstanceId: `i-noise${k}` },
        {},
      ),
    );
  events.sort((a, b) => Date.parse(b.eventTime) - Date.parse(a.eventTime));

  return { instances, groups, enis, eips, tables, entries, acl, events };
}
