/**
 * A small, coherent region answered over the loopback test API (support/api-server.ts), in the official
 * response shapes of reference §3, for testing collection before/independently of the full simulator: one
 * storefront instance with two ENIs, three security groups, an EIP, a custom route table plus a gateway table,
 * a network ACL, a NAT gateway with SNAT, metrics and audit events — and optionally a fleet of instances
 * sharing a few groups. Paging, per-action latency, token-bucket throttling and scripted failures included.
 */
import type { ApiCall, ApiHandler, ApiReply } from './api-server.js';
import { apiError } from './api-server.js';
import { MINI, type MiniRegionOptions, miniWorld, type Obj } from './mini-world.js';

export type { MiniRegionOptions } from './mini-world.js';

export function miniRegion(opts: MiniRegionOptions): ApiHandler {
  const now = opts.now;
  const { instances, groups, enis, eips, tables, entries, acl, events } = miniWorld(opts);
  const { REGION, VPC, VSW } = MINI;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const admit = (action: string): boolean => {
    const qps = opts.throttle?.[action];
    if (!qps) return true;
    const t = performance.now();
    const b = buckets.get(action) ?? { tokens: qps, at: t };
    b.tokens = Math.min(qps, b.tokens + ((t - b.at) / 1000) * qps);
    b.at = t;
    buckets.set(action, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const byPage = (c: ApiCall, key: [string, string], items: Obj[], sizeDefault = 10): Obj => {
    const n = Number(c.params.PageNumber ?? 1);
    const size = Number(c.params.PageSize ?? sizeDefault);
    return {
      TotalCount: items.length,
      PageNumber: n,
      PageSize: size,
      [key[0]]: { [key[1]]: items.slice((n - 1) * size, n * size) },
    };
  };
  const byToken = (
    c: ApiCall,
    key: [string, string],
    items: Obj[],
    sizeParam: string,
    sizeDefault: number,
  ): Obj => {
    const off = Number(c.params.NextToken ?? 0);
    const size = Number(c.params[sizeParam] ?? sizeDefault);
    return {
      NextToken: off + size < items.length ? String(off + size) : '',
      [key[0]]: { [key[1]]: items.slice(off, off + size) },
    };
  };
  const ids = (s: string | undefined): string[] | undefined => (s ? (JSON.parse(s) as string[]) : undefined);
  const indexed = (c: ApiCall, name: string): string[] =>
    Object.entries(c.params)
      .filter(([k]) => k === name || k.startsWith(`${name}.`))
      .map(([, v]) => v);

  // Keyed by action name with a lower-case first letter (PascalCase function keys read as React components to the linter).
  const handlers: Record<string, (c: ApiCall) => Obj> = {
    describeInstances: (c) => {
      const want = ids(c.params.InstanceIds);
      const priv = ids(c.params.PrivateIpAddresses);
      const eipAddrs = ids(c.params.EipAddresses);
      const list = instances.filter(
        (i) =>
          (!want || want.includes(i.InstanceId)) &&
          (!priv || priv.some((p) => i.VpcAttributes.PrivateIpAddress.IpAddress.includes(p))) &&
          (!eipAddrs || eipAddrs.includes(i.EipAddress.IpAddress)) &&
          (!c.params.PublicIpAddresses ||
            ids(c.params.PublicIpAddresses)!.some((p) => i.PublicIpAddress.IpAddress.includes(p))) &&
          (!c.params.InstanceName ||
            new RegExp(`^${c.params.InstanceName.replace(/\*/g, '.*')}$`).test(i.InstanceName)),
      );
      return byPage(c, ['Instances', 'Instance'], list);
    },
    describeNetworkInterfaces: (c) =>
      byToken(
        c,
        ['NetworkInterfaceSets', 'NetworkInterfaceSet'],
        enis.filter((e) => !c.params.InstanceId || e.InstanceId === c.params.InstanceId),
        'MaxResults',
        10,
      ),
    describeSecurityGroupAttribute: (c) => {
      const g = groups.find((x) => x.SecurityGroupId === c.params.SecurityGroupId);
      if (!g)
        throw apiError(
          404,
          'InvalidSecurityGroupId.NotFound',
          'The specified SecurityGroupId does not exist.',
        );
      const { rules, SecurityGroupType: _t, ...head } = g;
      return {
        ...head,
        RegionId: REGION,
        VpcId: VPC,
        Description: '',
        ...byToken(c, ['Permissions', 'Permission'], rules, 'MaxResults', 500),
      };
    },
    describeSecurityGroups: (c) => {
      const want = ids(c.params.SecurityGroupIds);
      const list = groups
        .filter((g) => !want || want.includes(g.SecurityGroupId))
        .map(({ rules: _r, InnerAccessPolicy: _p, ...g }) => ({ ...g, VpcId: VPC }));
      return byPage(c, ['SecurityGroups', 'SecurityGroup'], list);
    },
    describeCloudAssistantStatus: (c) => ({
      InstanceCloudAssistantStatusSet: {
        InstanceCloudAssistantStatus: indexed(c, 'InstanceId').map((id) => ({
          InstanceId: id,
          CloudAssistantStatus: id === 'i-web01' ? 'true' : 'false',
          CloudAssistantVersion: '2.2.3.309',
          LastHeartbeatTime: '2024-06-01T00:00:00Z',
        })),
      },
    }),
    describeEipAddresses: (c) =>
      byPage(
        c,
        ['EipAddresses', 'EipAddress'],
        eips.filter(
          (e) =>
            (!c.params.AssociatedInstanceId || e.InstanceId === c.params.AssociatedInstanceId) &&
            (!c.params.AllocationId || e.AllocationId === c.params.AllocationId) &&
            (!c.params.EipAddress || e.IpAddress === c.params.EipAddress),
        ),
      ),
    describeVSwitches: (c) =>
      byPage(
        c,
        ['VSwitches', 'VSwitch'],
        [
          {
            VSwitchId: VSW,
            VpcId: VPC,
            CidrBlock: '172.16.0.0/20',
            ZoneId: 'cn-hangzhou-h',
            VSwitchName: 'web',
            Status: 'Available',
            NetworkAclId: 'nacl-web01',
            RouteTable: { RouteTableId: 'vtb-web01', RouteTableType: 'Custom' },
          },
        ].filter((v) => !c.params.VSwitchId || v.VSwitchId === c.params.VSwitchId),
      ),
    describeRouteTableList: (c) =>
      byPage(
        c,
        ['RouterTableList', 'RouterTableListType'],
        tables.filter((t) => t.VpcId === c.params.VpcId),
      ),
    describeRouteEntryList: (c) =>
      byToken(c, ['RouteEntrys', 'RouteEntry'], entries[c.params.RouteTableId] ?? [], 'MaxResult', 10),
    describeNetworkAcls: (c) => ({
      ...byPage(c, ['NetworkAcls', 'NetworkAcl'], c.params.ResourceId === VSW ? [acl] : []),
      TotalCount: c.params.ResourceId === VSW ? '1' : '0',
    }),
    describeNatGateways: (c) =>
      byPage(
        c,
        ['NatGateways', 'NatGateway'],
        c.params.VpcId === VPC
          ? [
              {
                NatGatewayId: 'ngw-shop01',
                VpcId: VPC,
                Status: 'Available',
                NetworkType: 'internet',
                SnatTableIds: { SnatTableId: ['stb-shop01'] },
                IpLists: { IpList: [{ IpAddress: '47.96.2.1', AllocationId: 'eip-nat01' }] },
              },
            ]
          : [],
      ),
    describeSnatTableEntries: (c) =>
      byPage(
        c,
        ['SnatTableEntries', 'SnatTableEntry'],
        c.params.SnatTableId === 'stb-shop01'
          ? [
              {
                SnatEntryId: 'snat-1',
                SnatTableId: 'stb-shop01',
                SourceVSwitchId: VSW,
                SourceCIDR: '',
                SnatIp: '47.96.2.1',
                Status: 'Available',
              },
            ]
          : [],
      ),
    describeMetricList: (c) => {
      const name = c.params.MetricName;
      const start = Number(c.params.StartTime);
      const pts: Obj[] = [];
      const id = JSON.parse(c.params.Dimensions)[0].instanceId;
      const states = name === 'net_tcpconnection' ? ['ESTABLISHED', 'TIME_WAIT'] : [undefined];
      if (name === 'memory_usedutilization')
        return { Code: '200', Success: true, Period: '60', Datapoints: '[]' };
      for (let t = start + 60_000; t <= now; t += 60_000)
        for (const s of states)
          pts.push({
            timestamp: t,
            userId: '1',
            instanceId: id,
            ...(s ? { state: s } : {}),
            Average: 12.5,
            Maximum: 20,
            Minimum: 5,
          });
      return { Code: '200', Success: true, Period: '60', Datapoints: JSON.stringify(pts) };
    },
    lookupEvents: (c) => {
      const attrs: Obj[] = [];
      for (let i = 1; c.params[`LookupAttribute.${i}.Key`]; i++)
        attrs.push({ k: c.params[`LookupAttribute.${i}.Key`], v: c.params[`LookupAttribute.${i}.Value`] });
      if (opts.rejectAttributePairs && attrs.length > 1)
        throw apiError(
          400,
          'InvalidParameterCombination',
          'This combination of LookupAttribute keys is not supported.',
        );
      const start = Date.parse(c.params.StartTime);
      const list = events.filter((e) => {
        if (Date.parse(e.eventTime) < start) return false;
        return attrs.every((a) =>
          a.k === 'EventRW'
            ? e.eventRW === a.v
            : a.k === 'ResourceName'
              ? JSON.stringify([e.referencedResources, e.requestParameters]).includes(`"${a.v}"`)
              : true,
        );
      });
      const r = byToken(c, ['Events', 'x'], list, 'MaxResults', 20);
      return { NextToken: r.NextToken, Events: r.Events.x };
    },
  };

  return async (c: ApiCall): Promise<ApiReply> => {
    const delay = opts.latencyMs ?? 0;
    if (!admit(c.action))
      return {
        ...apiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
        delayMs: delay,
      };
    const f = opts.fail?.[c.action];
    if (f) return { ...f, delayMs: delay };
    const h = handlers[c.action.charAt(0).toLowerCase() + c.action.slice(1)];
    if (!h)
      return { ...apiError(400, 'InvalidAction.NotFound', `Unknown action ${c.action}`), delayMs: delay };
    try {
      return { body: { RequestId: `R-${c.action}`, ...h(c) }, delayMs: delay };
    } catch (e) {
      return { ...(e as ApiReply), delayMs: delay };
    }
  };
}
