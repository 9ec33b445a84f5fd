/** ECS 2014-05-26 read actions, answered from the world in the official shapes (reference §3 "ECS"). */
import type { Handler } from './context.js';
import { ApiError, securityGroupNotFound } from './errors.js';
import { paginate, tokenPage } from './paging.js';
import { inWorldRegion, REGIONS } from './regions.js';
import {
  renderInstance,
  renderInstanceAttribute,
  renderNetworkInterface,
  renderPermission,
  renderSecurityGroupItem,
} from './render-ecs.js';
import { boundEip, mustInstance } from './world-ops.js';

const DescribeRegions: Handler = ({ params }) => {
  const en = (params.str('AcceptLanguage') ?? 'zh-CN').toLowerCase().startsWith('en');
  return {
    Regions: {
      Region: REGIONS.map(([id, endpoint, zh, eng]) => ({
        RegionId: id,
        RegionEndpoint: endpoint,
        LocalName: en ? eng : zh,
      })),
    },
  };
};

/** `*` is the wildcard DescribeInstances accepts in InstanceName. */
function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`);
  return re.test(name);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const DescribeInstances: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = p.jsonList('InstanceIds');
  if (ids.length > 100)
    throw new ApiError('InvalidInstanceIds.Malformed', 400, 'Too many InstanceIds (≤ 100).');
  const priv = p.jsonList('PrivateIpAddresses');
  const pub = p.jsonList('PublicIpAddresses');
  const eips = p.jsonList('EipAddresses');
  const tags = p.objects('Tag');
  let list = here ? world.instances : [];
  list = list.filter((i) => {
    if (ids.length && !ids.includes(i.id)) return false;
    if (p.has('VpcId') && i.vpcId !== p.str('VpcId')) return false;
    if (p.has('VSwitchId') && i.vSwitchId !== p.str('VSwitchId')) return false;
    if (p.has('ZoneId') && i.zoneId !== p.str('ZoneId')) return false;
    if (p.has('SecurityGroupId') && !i.securityGroupIds.includes(p.str('SecurityGroupId')!)) return false;
    if (p.has('Status') && i.status !== p.str('Status')) return false;
    if (p.has('InstanceNetworkType') && i.networkType !== p.str('InstanceNetworkType')) return false;
    if (p.has('InstanceName') && !nameMatches(p.str('InstanceName')!, i.name)) return false;
    if (priv.length && !i.privateIps.some((ip) => priv.includes(ip))) return false;
    if (pub.length && !i.publicIps.some((ip) => pub.includes(ip))) return false;
    if (eips.length) {
      const e = boundEip(world, i.id);
      if (e?.status !== 'InUse' || !eips.includes(e.ip)) return false;
    }
    for (const t of tags) {
      if (!t.Key) continue;
      const v = i.tags?.[t.Key];
      if (v === undefined || (t.Value !== undefined && t.Value !== v)) return false;
    }
    return true;
  });
  const page = paginate(list, p, { defaultSize: 10, maxSize: 100, tokens: true });
  return {
    ...page.fields,
    Instances: { Instance: page.items.map((i) => renderInstance(world, i)) },
  };
};

const DescribeInstanceAttribute: Handler = ({ ctx, params: p }) => {
  const inst = mustInstance(ctx.world, p.req('InstanceId'));
  return renderInstanceAttribute(ctx.world, inst);
};

const DescribeInstanceStatus: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = p.repeat('InstanceId');
  const list = (here ? world.instances : []).filter(
    (i) => (!ids.length || ids.includes(i.id)) && (!p.has('ZoneId') || i.zoneId === p.str('ZoneId')),
  );
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50 });
  return {
    ...page.fields,
    InstanceStatuses: {
      InstanceStatus: page.items.map((i) => ({ InstanceId: i.id, Status: i.status })),
    },
  };
};

const DescribeSecurityGroups: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = p.jsonList('SecurityGroupIds');
  const list = (here ? world.securityGroups : []).filter((g) => {
    if (ids.length && !ids.includes(g.id)) return false;
    if (p.has('SecurityGroupId') && g.id !== p.str('SecurityGroupId')) return false;
    if (p.has('VpcId') && g.vpcId !== p.str('VpcId')) return false;
    if (p.has('SecurityGroupType') && g.type !== p.str('SecurityGroupType')) return false;
    if (p.has('SecurityGroupName') && g.name !== p.str('SecurityGroupName')) return false;
    return true;
  });
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50, tokens: true, maxResultsMax: 100 });
  return {
    RegionId: world.region,
    ...page.fields,
    SecurityGroups: { SecurityGroup: page.items.map((g) => renderSecurityGroupItem(world, g)) },
  };
};

const DescribeSecurityGroupAttribute: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const id = p.req('SecurityGroupId');
  const sg = here ? world.securityGroups.find((g) => g.id === id) : undefined;
  if (!sg) throw securityGroupNotFound(id);
  const dir = p.oneOf('Direction', ['ingress', 'egress', 'all'] as const, 'all');
  const nic = p.str('NicType');
  let rules = sg.rules.filter(
    (r) => (dir === 'all' || r.direction === dir) && (!nic || (r.nicType ?? 'intranet') === nic),
  );
  let next = '';
  // Without MaxResults/NextToken the API answers every rule, as it always did before it grew paging.
  if (p.has('MaxResults') || p.has('NextToken')) {
    const page = tokenPage(rules, p, 'MaxResults', { defaultSize: 500, min: 10, max: 1000 });
    rules = page.items;
    next = page.next;
  }
  return {
    Description: sg.description ?? '',
    SecurityGroupName: sg.name,
    VpcId: sg.vpcId ?? '',
    SecurityGroupId: sg.id,
    RegionId: world.region,
    InnerAccessPolicy: sg.innerAccessPolicy,
    NextToken: next,
    Permissions: { Permission: rules.map(renderPermission) },
  };
};

const DescribeNetworkInterfaces: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = p.repeat('NetworkInterfaceId');
  const ips = p.repeat('PrivateIpAddress');
  const rows = (here ? world.instances : []).flatMap((inst) =>
    inst.enis.map((eni, index) => ({ inst, eni, index })),
  );
  const list = rows.filter(({ inst, eni }) => {
    if (ids.length && !ids.includes(eni.id)) return false;
    if (ips.length && !eni.privateIps.some((ip) => ips.includes(ip))) return false;
    if (p.has('InstanceId') && inst.id !== p.str('InstanceId')) return false;
    if (p.has('VpcId') && inst.vpcId !== p.str('VpcId')) return false;
    if (p.has('VSwitchId') && (eni.vSwitchId ?? inst.vSwitchId) !== p.str('VSwitchId')) return false;
    if (p.has('Type') && eni.type !== p.str('Type')) return false;
    if (p.has('PrimaryIpAddress') && eni.primaryIp !== p.str('PrimaryIpAddress')) return false;
    if (p.has('Status') && p.str('Status') !== 'InUse') return false;
    const sgs = eni.securityGroupIds ?? inst.securityGroupIds;
    if (p.has('SecurityGroupId') && !sgs.includes(p.str('SecurityGroupId')!)) return false;
    return true;
  });
  const page = paginate(list, p, { defaultSize: 10, maxSize: 1000, tokens: true, maxResultsMax: 500 });
  return {
    ...page.fields,
    NetworkInterfaceSets: {
      NetworkInterfaceSet: page.items.map(({ inst, eni, index }) =>
        renderNetworkInterface(world, inst, eni, index),
      ),
    },
  };
};

/** The signed pseudo-action a client calls after seeing the `x-netdoctor-sim` header (source/sim/advert.ts). */
const DescribeNetdoctorSimulator: Handler = ({ ctx, baseUrl }) => ({ ...ctx.advert(baseUrl) });

export const ECS_READS: Record<string, Handler> = {
  DescribeRegions,
  DescribeInstances,
  DescribeInstanceAttribute,
  DescribeInstanceStatus,
  DescribeSecurityGroups,
  DescribeSecurityGroupAttribute,
  DescribeNetworkInterfaces,
  DescribeNetdoctorSimulator,
};
