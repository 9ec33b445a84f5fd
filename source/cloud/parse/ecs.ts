/** Pure parsers: ECS (2014-05-26) response bodies → model types. */
import type {
  AssistantStatus,
  Eni,
  Instance,
  InstanceEip,
  SecurityGroup,
  SgDirection,
  SgRule,
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
  tags,
} from './util.js';

export type { Page } from './util.js';

function eniFromInstance(n: Raw): Eni {
  const primaryIp = str(n.PrimaryIpAddress) ?? '';
  const ips = list(n.PrivateIpSets, 'PrivateIpSet')
    .map((p) => str(p.PrivateIpAddress))
    .filter((x): x is string => !!x);
  const eni: Eni = {
    id: str(n.NetworkInterfaceId) ?? '',
    type: str(n.Type) ?? 'Primary',
    primaryIp,
    privateIps: ips.length ? ips : primaryIp ? [primaryIp] : [],
  };
  return assignDefined(eni, { mac: str(n.MacAddress) });
}

/** One item of DescribeInstances, or a DescribeInstanceAttribute body. */
export function parseInstance(raw: Raw): Instance {
  const vpc = obj(raw.VpcAttributes);
  const eipRaw = obj(raw.EipAddress);
  const privateIps = [
    ...strings(vpc, 'PrivateIpAddress', 'IpAddress'),
    ...strings(raw, 'InnerIpAddress', 'IpAddress'),
  ];
  const inst: Instance = {
    id: str(raw.InstanceId) ?? '',
    name: str(raw.InstanceName) ?? '',
    regionId: str(raw.RegionId) ?? '',
    zoneId: str(raw.ZoneId) ?? '',
    status: str(raw.Status) ?? 'Unknown',
    locks: locks(raw),
    networkType: str(raw.InstanceNetworkType) ?? (str(vpc.VpcId) ? 'vpc' : 'classic'),
    privateIps: [...new Set(privateIps)],
    publicIps: strings(raw, 'PublicIpAddress', 'IpAddress'),
    internetMaxBandwidthOut: num(raw.InternetMaxBandwidthOut) ?? 0,
    securityGroupIds: strings(raw, 'SecurityGroupIds', 'SecurityGroupId'),
    enis: list(raw.NetworkInterfaces, 'NetworkInterface').map(eniFromInstance),
  };
  const eipIp = str(eipRaw.IpAddress);
  const eipId = str(eipRaw.AllocationId);
  let eip: InstanceEip | undefined;
  if (eipIp || eipId) {
    eip = { allocationId: eipId ?? '', ip: eipIp ?? '' };
    assignDefined(eip, { bandwidth: num(eipRaw.Bandwidth), chargeType: str(eipRaw.InternetChargeType) });
  }
  return assignDefined(inst, {
    instanceType: str(raw.InstanceType),
    cpu: num(raw.Cpu),
    memoryMiB: num(raw.Memory),
    osName: str(raw.OSNameEn) ?? str(raw.OSName),
    osType: str(raw.OSType),
    chargeType: str(raw.InstanceChargeType),
    expiredTime: str(raw.ExpiredTime),
    creationTime: str(raw.CreationTime),
    startTime: str(raw.StartTime),
    vpcId: str(vpc.VpcId),
    vSwitchId: str(vpc.VSwitchId),
    eip,
    internetMaxBandwidthIn: num(raw.InternetMaxBandwidthIn),
    internetChargeType: str(raw.InternetChargeType),
    tags: tags(raw),
    hostName: str(raw.HostName),
  });
}

export function parseDescribeInstances(body: Raw): Page<Instance> {
  return page(body, list(body, 'Instances', 'Instance').map(parseInstance));
}

export interface OwnedEni {
  instanceId?: string;
  eni: Eni;
}

/** DescribeNetworkInterfaces: ENIs with their vSwitch, security groups and associated public address. */
export function parseNetworkInterfaces(body: Raw): Page<OwnedEni> {
  const items = list(body, 'NetworkInterfaceSets', 'NetworkInterfaceSet').map((n) => {
    const primaryIp = str(n.PrivateIpAddress) ?? '';
    const sets = list(n.PrivateIpSets, 'PrivateIpSet');
    const ips = sets.map((p) => str(p.PrivateIpAddress)).filter((x): x is string => !!x);
    const eni: Eni = {
      id: str(n.NetworkInterfaceId) ?? '',
      type: str(n.Type) ?? 'Primary',
      primaryIp,
      privateIps: ips.length ? ips : primaryIp ? [primaryIp] : [],
    };
    const publicIp =
      str(obj(n.AssociatedPublicIp).PublicIpAddress) ??
      sets.map((p) => str(obj(p.AssociatedPublicIp).PublicIpAddress)).find((x) => !!x);
    const sgs = strings(n, 'SecurityGroupIds', 'SecurityGroupId');
    assignDefined(eni, {
      mac: str(n.MacAddress),
      vSwitchId: str(n.VSwitchId),
      securityGroupIds: sgs.length ? sgs : undefined,
      publicIp,
    });
    const owner = str(n.InstanceId) ?? str(obj(n.Attachment).InstanceId);
    return { instanceId: owner === 'null' ? undefined : owner, eni };
  });
  return page(body, items);
}

/** Joins the instance's own ENI list with DescribeNetworkInterfaces detail (vSwitch, groups, public IP). */
export function mergeEnis(fromInstance: Eni[], detail: Eni[]): Eni[] {
  const byId = new Map(detail.map((e) => [e.id, e]));
  const out = fromInstance.map((e) => {
    const d = byId.get(e.id);
    byId.delete(e.id);
    if (!d) return e;
    return assignDefined(
      { ...d, ...e, privateIps: e.privateIps.length ? e.privateIps : d.privateIps },
      {
        vSwitchId: d.vSwitchId,
        securityGroupIds: d.securityGroupIds,
        publicIp: d.publicIp,
        mac: e.mac ?? d.mac,
      },
    );
  });
  return [...out, ...byId.values()];
}

function sgRule(p: Raw, groupId: string, index: number): SgRule {
  const direction: SgDirection = /egress/i.test(String(p.Direction)) ? 'egress' : 'ingress';
  const ing = direction === 'ingress';
  const rule: SgRule = {
    id: str(p.SecurityGroupRuleId) ?? `${groupId}#${index}`,
    groupId,
    direction,
    policy: /drop/i.test(String(p.Policy ?? 'accept')) ? 'drop' : 'accept',
    // Real bodies give a number (`1`), the metadata says string (`"1"`); the API default is 1.
    priority: num(p.Priority) ?? 1,
    protocol: protocol(p.IpProtocol),
    ports: portRange(p.PortRange),
    description: str(p.Description) ?? '',
  };
  const src = str(p.SourcePortRange);
  return assignDefined(rule, {
    peerCidr: str(ing ? p.SourceCidrIp : p.DestCidrIp),
    peerIpv6Cidr: str(ing ? p.Ipv6SourceCidrIp : p.Ipv6DestCidrIp),
    peerGroupId: str(ing ? p.SourceGroupId : p.DestGroupId),
    peerPrefixListId: str(ing ? p.SourcePrefixListId : p.DestPrefixListId),
    sourcePorts: src ? portRange(src) : undefined,
    nicType: str(p.NicType),
    createTime: str(p.CreateTime),
  });
}

/** DescribeSecurityGroupAttribute (one page). The group type comes from DescribeSecurityGroups. */
export function parseSecurityGroupAttribute(body: Raw, type?: 'normal' | 'enterprise'): SecurityGroup {
  const id = str(body.SecurityGroupId) ?? '';
  const sg: SecurityGroup = {
    id,
    name: str(body.SecurityGroupName) ?? '',
    type: type ?? 'normal',
    innerAccessPolicy: /drop/i.test(String(body.InnerAccessPolicy ?? 'Accept')) ? 'Drop' : 'Accept',
    rules: list(body, 'Permissions', 'Permission').map((p, i) => sgRule(p, id, i)),
  };
  return assignDefined(sg, { vpcId: str(body.VpcId), description: str(body.Description) });
}

export interface SecurityGroupSummary {
  id: string;
  name: string;
  type: 'normal' | 'enterprise';
  vpcId?: string;
  description?: string;
}

export function parseSecurityGroups(body: Raw): Page<SecurityGroupSummary> {
  const items = list(body, 'SecurityGroups', 'SecurityGroup').map((g) =>
    assignDefined<SecurityGroupSummary>(
      {
        id: str(g.SecurityGroupId) ?? '',
        name: str(g.SecurityGroupName) ?? '',
        type: /enterprise/i.test(String(g.SecurityGroupType)) ? 'enterprise' : 'normal',
      },
      { vpcId: str(g.VpcId), description: str(g.Description) },
    ),
  );
  return page(body, items);
}

/** DescribeCloudAssistantStatus → per instance. `CloudAssistantStatus` is the string "true"/"false". */
export function parseCloudAssistantStatus(body: Raw): Map<string, AssistantStatus> {
  const out = new Map<string, AssistantStatus>();
  for (const s of list(body, 'InstanceCloudAssistantStatusSet', 'InstanceCloudAssistantStatus')) {
    const id = str(s.InstanceId);
    if (!id) continue;
    out.set(
      id,
      assignDefined<AssistantStatus>(
        { online: bool(s.CloudAssistantStatus) ?? false },
        { version: str(s.CloudAssistantVersion), lastHeartbeat: str(s.LastHeartbeatTime) },
      ),
    );
  }
  return out;
}

export interface Region {
  id: string;
  endpoint?: string;
  localName?: string;
}

export function parseRegions(body: Raw): Region[] {
  return list(body, 'Regions', 'Region').map((r) =>
    assignDefined<Region>(
      { id: str(r.RegionId) ?? '' },
      { endpoint: str(r.RegionEndpoint), localName: str(r.LocalName) },
    ),
  );
}

export interface InstanceFullStatus {
  instanceId: string;
  status: string;
  /** Ok, Impaired, Insufficient-Data, … */
  health: string;
  events: { id?: string; type?: string; cycleStatus?: string; notBefore?: string; reason?: string }[];
}

export function parseInstanceFullStatus(body: Raw): Page<InstanceFullStatus> {
  const items = list(body, 'InstanceFullStatusSet', 'InstanceFullStatusType').map((s) => ({
    instanceId: str(s.InstanceId) ?? '',
    status: str(obj(s.Status).Name) ?? '',
    health: str(obj(s.HealthStatus).Name) ?? '',
    events: list(s.ScheduledSystemEventSet, 'ScheduledSystemEventType').map((e) =>
      assignDefined(
        {},
        {
          id: str(e.EventId),
          type: str(obj(e.EventType).Name),
          cycleStatus: str(obj(e.EventCycleStatus).Name),
          notBefore: str(e.NotBefore),
          reason: str(e.Reason),
        },
      ),
    ),
  }));
  return page(body, items);
}
