/**
 * The world as netdoctor would see it, without the wire: cloud facts straight from the world's resources and
 * guest facts from the same rendered tool output the SSH server answers, parsed by the production parsers.
 * Used by the simulator to answer operator-side probes (what a packet would meet right now) and by tests.
 */

import { parseCollection } from '../guest/collection.js';
import { COLLECT_SCRIPT } from '../guest/script/collect.js';
import type { CloudFacts, Fact, Instance, MetricSeries, Snapshot } from '../model/index.js';
import { metricValue } from './api/cms.js';
import { publicIpOf, syncEips } from './api/world-ops.js';
import { execGuestCommand } from './guest/exec.js';
import type { World, WorldInstance } from './world.js';

const WINDOW = 30 * 60_000;
const PERIOD = 60_000;

function f<T>(source: string, at: number, value: T): Fact<T> {
  return { source, at, value: structuredClone(value) };
}

export function worldMetrics(world: World, inst: WorldInstance, now: number): MetricSeries[] {
  const out: MetricSeries[] = [];
  for (const [key, spec] of Object.entries(inst.metrics ?? {})) {
    const name = key.split('#')[0];
    const dims: Record<string, string> = { ...(spec.dims ?? {}) };
    if (/^VPC_PublicIP_/.test(name)) {
      const ip = publicIpOf(world, inst);
      if (!ip) continue;
      dims.ip = ip;
    }
    const points = [];
    const end = Math.floor(now / PERIOD) * PERIOD;
    for (let t = end - WINDOW + PERIOD; t <= end; t += PERIOD) {
      const v = metricValue(spec, `${inst.id}/${key}`, t, world.epoch ?? 0);
      points.push({ t, avg: v.Average, max: v.Maximum, min: v.Minimum });
    }
    const s: MetricSeries = { name, unit: spec.unit ?? '', points };
    if (Object.keys(dims).length) s.dims = dims;
    out.push(s);
  }
  return out;
}

function instanceFact(inst: WorldInstance): Instance {
  const { assistant: _a, guest: _g, metrics: _m, sshUp: _s, ...rest } = inst;
  return structuredClone(rest) as Instance;
}

export function worldCloudFacts(world: World, inst: WorldInstance, now: number): CloudFacts {
  syncEips(world);
  const vsw = world.vswitches.find((v) => v.id === inst.vSwitchId);
  const groups = world.securityGroups.filter(
    (g) => inst.securityGroupIds.includes(g.id) || inst.enis.some((e) => e.securityGroupIds?.includes(g.id)),
  );
  const tables = world.routeTables.filter(
    (t) => t.vpcId === inst.vpcId && (t.vSwitchIds.includes(inst.vSwitchId ?? '') || t.type === 'System'),
  );
  const acl =
    world.networkAcls.find(
      (a) => a.id === vsw?.networkAclId || a.vSwitchIds.includes(inst.vSwitchId ?? ''),
    ) ?? null;
  const nats = world.natGateways.filter((n) => n.vpcId === inst.vpcId);
  const resources = new Set(
    [
      inst.id,
      ...groups.map((g) => g.id),
      ...tables.map((t) => t.id),
      acl?.id,
      inst.eip?.allocationId,
      ...nats.map((n) => n.id),
    ].filter(Boolean) as string[],
  );
  const src = (s: string) => `sim:${s}`;
  const cloud: CloudFacts = {
    regionId: world.region,
    instance: f(src('instance'), now, instanceFact(inst)),
    securityGroups: f(src('securityGroups'), now, groups),
    eips: f(
      src('eips'),
      now,
      world.eips.filter(
        (e) =>
          e.instanceId === inst.id ||
          world.events.some((ev) => ev.resources.includes(e.allocationId) && ev.resources.includes(inst.id)),
      ),
    ),
    vSwitch: vsw
      ? f(src('vSwitch'), now, vsw)
      : {
          source: src('vSwitch'),
          at: now,
          error: { code: 'NOT_FOUND', message: `vSwitch ${inst.vSwitchId} not in the world` },
        },
    routeTables: f(src('routeTables'), now, tables),
    networkAcl: f(src('networkAcl'), now, acl),
    natGateways: f(
      src('natGateways'),
      now,
      world.natGateways.filter((n) => n.vpcId === inst.vpcId),
    ),
    metrics: f(src('metrics'), now, worldMetrics(world, inst, now)),
    events: f(
      src('events'),
      now,
      world.events.filter((e) => e.time <= now && e.resources.some((r) => resources.has(r))),
    ),
    assistant: f(src('assistant'), now, { online: inst.assistant.online, version: inst.assistant.version }),
  };
  // RAM actions the scenario denies: the fact they feed is unavailable, as the real collector would report it.
  const DENIABLE: [keyof CloudFacts, string[]][] = [
    ['securityGroups', ['ecs:DescribeSecurityGroupAttribute']],
    ['eips', ['vpc:DescribeEipAddresses']],
    ['vSwitch', ['vpc:DescribeVSwitches']],
    ['routeTables', ['vpc:DescribeRouteTableList', 'vpc:DescribeRouteEntryList']],
    ['networkAcl', ['vpc:DescribeNetworkAcls', 'vpc:DescribeNetworkAclAttributes']],
    ['natGateways', ['vpc:DescribeNatGateways', 'vpc:DescribeSnatTableEntries']],
    ['metrics', ['cms:DescribeMetricList']],
    ['events', ['actiontrail:LookupEvents']],
    ['assistant', ['ecs:DescribeCloudAssistantStatus']],
  ];
  for (const [key, actions] of DENIABLE) {
    const denied = actions.find((a) => world.deny.includes(a));
    if (denied)
      (cloud as unknown as Record<string, Fact<unknown>>)[key] = {
        source: src(String(key)),
        at: now,
        error: {
          code: 'Forbidden.RAM',
          message: `User not authorized to operate on the specified resource.`,
          ramAction: denied,
          hint: `Grant ${denied} to the RAM user.`,
        },
      };
  }
  const peers = world.instances.filter((i) => i.id !== inst.id && i.vpcId === inst.vpcId).map(instanceFact);
  if (peers.length) cloud.peers = f(src('peers'), now, peers);
  return cloud;
}

/** The whole snapshot of one instance as netdoctor would collect it (guest via the rendered collection). */
export function worldSnapshot(world: World, instanceId: string, now: number): Snapshot {
  const inst = world.instances.find((i) => i.id === instanceId);
  if (!inst) throw new Error(`instance ${instanceId} is not in scenario ${world.name}`);
  const cloud = worldCloudFacts(world, inst, now);
  const snap: Snapshot = {
    at: now,
    target: {
      kind: 'instance',
      instanceId: inst.id,
      name: inst.name,
      region: world.region,
      addresses: [...new Set([publicIpOf(world, inst), ...inst.privateIps].filter(Boolean) as string[])],
    },
    cloud,
    operator: { egressIp: world.operator.ip, source: 'sim' },
    sources: [],
    simulated: { scenario: world.name },
  };
  if (inst.guest && inst.status === 'Running') {
    const out = execGuestCommand(world, inst.id, COLLECT_SCRIPT, now);
    snap.guest = parseCollection(out.stdout, { at: now, via: 'ssh' });
  } else {
    snap.guestError = {
      code: 'GUEST_UNREACHABLE',
      message: inst.status !== 'Running' ? `instance is ${inst.status}` : 'no guest in the scenario',
    };
  }
  return snap;
}
