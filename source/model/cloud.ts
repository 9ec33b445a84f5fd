/** Cloud facts, normalised from the Alibaba OpenAPI responses (ECS, VPC, CMS, ActionTrail). */
import type { Fact } from './common.js';

export type InstanceStatus = 'Pending' | 'Running' | 'Starting' | 'Stopping' | 'Stopped' | string;

/** `OperationLocks.LockReason[]`: financial, security, Recycling, dedicatedhostfinancial, refunded, … */
export interface OperationLock {
  reason: string;
  message?: string;
}

export interface Eni {
  id: string;
  type: 'Primary' | 'Secondary' | string;
  mac?: string;
  primaryIp: string;
  privateIps: string[];
  vSwitchId?: string;
  securityGroupIds?: string[];
  /** Public address associated with this ENI (EIP in NetworkInterface mode, or an EIP on a secondary ENI). */
  publicIp?: string;
}

export interface InstanceEip {
  allocationId: string;
  ip: string;
  /** Mbit/s; 0 means no public bandwidth. */
  bandwidth?: number;
  chargeType?: string;
}

export interface Instance {
  id: string;
  name: string;
  regionId: string;
  zoneId: string;
  status: InstanceStatus;
  locks: OperationLock[];
  instanceType?: string;
  cpu?: number;
  memoryMiB?: number;
  osName?: string;
  osType?: string;
  chargeType?: string;
  /** ISO time; pay-as-you-go instances carry a far-future expiry. */
  expiredTime?: string;
  creationTime?: string;
  startTime?: string;
  networkType: 'vpc' | 'classic' | string;
  vpcId?: string;
  vSwitchId?: string;
  privateIps: string[];
  /** Auto-assigned public IP (not an EIP). */
  publicIps: string[];
  eip?: InstanceEip;
  /** Mbit/s of the auto-assigned public IP; 0 when none. */
  internetMaxBandwidthOut: number;
  internetMaxBandwidthIn?: number;
  internetChargeType?: string;
  securityGroupIds: string[];
  enis: Eni[];
  tags?: Record<string, string>;
  hostName?: string;
}

export type SgDirection = 'ingress' | 'egress';
export type SgPolicy = 'accept' | 'drop';
export type Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'gre' | 'all';

export interface PortRange {
  from: number;
  to: number;
}

export interface SgRule {
  /** `sgr-…` when the API gives one; otherwise a stable synthetic id `groupId#index`. */
  id: string;
  groupId: string;
  direction: SgDirection;
  policy: SgPolicy;
  /** 1 (highest) … 100. */
  priority: number;
  protocol: Protocol;
  /** `-1/-1` (all) becomes {from: -1, to: -1}. */
  ports: PortRange;
  /** Peer for the rule: ingress → source, egress → destination. */
  peerCidr?: string;
  peerIpv6Cidr?: string;
  peerGroupId?: string;
  peerPrefixListId?: string;
  sourcePorts?: PortRange;
  nicType?: string;
  description: string;
  createTime?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  type: 'normal' | 'enterprise';
  vpcId?: string;
  /** Accept: members talk to each other freely; Drop: isolated. */
  innerAccessPolicy: 'Accept' | 'Drop';
  rules: SgRule[];
  description?: string;
}

export interface Eip {
  allocationId: string;
  ip: string;
  status: 'Associating' | 'Unassociating' | 'InUse' | 'Available' | 'Releasing' | string;
  instanceId?: string;
  instanceType?: string;
  privateIp?: string;
  bandwidth: number;
  chargeType?: string;
  businessStatus?: string;
  locks: OperationLock[];
  name?: string;
}

export interface VSwitch {
  id: string;
  vpcId: string;
  cidr: string;
  zoneId: string;
  name?: string;
  routeTableId?: string;
  networkAclId?: string;
  status?: string;
}

export type RouteNextHopType =
  | 'Instance'
  | 'HaVip'
  | 'VpnGateway'
  | 'NatGateway'
  | 'NetworkInterface'
  | 'RouterInterface'
  | 'IPv6Gateway'
  | 'Attachment'
  | 'Ipv4Gateway'
  | 'GatewayEndpoint'
  | 'CenBasic'
  | 'local'
  | string;

export interface RouteNextHop {
  type: RouteNextHopType;
  id: string;
  enabled: boolean;
  weight?: number;
}

export interface RouteEntry {
  id: string;
  routeTableId: string;
  destination: string;
  type: 'System' | 'Custom' | 'BGP' | 'CEN' | 'ECR' | string;
  status: string;
  name?: string;
  description?: string;
  nextHops: RouteNextHop[];
}

export interface RouteTable {
  id: string;
  vpcId: string;
  type: 'System' | 'Custom' | string;
  vSwitchIds: string[];
  entries: RouteEntry[];
}

export interface AclEntry {
  id: string;
  name?: string;
  policy: 'accept' | 'drop';
  protocol: Protocol;
  ports: PortRange;
  /** Source CIDR for ingress, destination CIDR for egress. */
  cidr: string;
  entryType?: string;
  description?: string;
}

export interface NetworkAcl {
  id: string;
  name?: string;
  vpcId: string;
  /** In evaluation order (list order = priority; first match wins). */
  ingress: AclEntry[];
  egress: AclEntry[];
  vSwitchIds: string[];
}

export interface SnatEntry {
  id: string;
  tableId: string;
  sourceVSwitchId?: string;
  sourceCidr?: string;
  snatIp: string;
  status: string;
}

export interface NatGateway {
  id: string;
  vpcId: string;
  status: string;
  networkType: 'internet' | 'intranet' | string;
  snatTableIds: string[];
  ips: string[];
  snat: SnatEntry[];
}

export interface MetricPoint {
  /** Epoch ms. */
  t: number;
  avg: number;
  max?: number;
  min?: number;
}

export interface MetricSeries {
  /** CMS metric name, e.g. `VPC_PublicIP_InternetOutRate`, `net_tcpconnection`. */
  name: string;
  unit: string;
  /** Extra dimension (e.g. state=ESTABLISHED for net_tcpconnection, ip=… for public rates). */
  dims?: Record<string, string>;
  points: MetricPoint[];
}

export interface AuditEvent {
  id: string;
  /** Epoch ms. */
  time: number;
  name: string;
  service: string;
  rw?: 'Read' | 'Write' | string;
  user: string;
  userType?: string;
  sourceIp?: string;
  userAgent?: string;
  /** Resource ids the event touched (instance, sg, eip, route table, acl). */
  resources: string[];
  params: Record<string, unknown>;
  errorCode?: string;
}

export interface AssistantStatus {
  online: boolean;
  version?: string;
  lastHeartbeat?: string;
}

export interface CloudFacts {
  regionId: string;
  instance: Fact<Instance>;
  securityGroups: Fact<SecurityGroup[]>;
  eips: Fact<Eip[]>;
  vSwitch: Fact<VSwitch>;
  routeTables: Fact<RouteTable[]>;
  networkAcl: Fact<NetworkAcl | null>;
  natGateways: Fact<NatGateway[]>;
  metrics: Fact<MetricSeries[]>;
  events: Fact<AuditEvent[]>;
  assistant: Fact<AssistantStatus>;
  /** Other instances of the region that matter (peers of an instance-to-instance intent, scope members). */
  peers?: Fact<Instance[]>;
}
