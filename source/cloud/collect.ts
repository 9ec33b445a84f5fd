/**
 * Cloud facts for a target instance with maximal parallelism. What needs only the instance id starts at
 * once (the instance, its ENIs, EIPs, metrics, Cloud Assistant status, its audit events); what needs the
 * instance's vSwitch, VPC and groups starts the moment DescribeInstances answers. Every fact stands alone:
 * one failing API never blanks the others. `collectCloudFactsMany` does the same for many instances with
 * batched instance reads and one fetch per shared security group, vSwitch, route table, ACL and VPC.
 */
import type {
  AssistantStatus,
  AuditEvent,
  CloudFacts,
  Eip,
  Fact,
  Instance,
  MetricSeries,
  SourceError,
} from '../model/index.js';
import { failed } from '../model/index.js';
import { CloudCache } from './cache.js';
import type { CloudClient } from './client.js';
import { toSourceError } from './errors.js';
import { EventCollector } from './events.js';
import { instanceMetrics } from './metrics.js';
import { dependencyFailed, type FactClock, factFrom, networkFacts } from './network-facts.js';
import { mergeEnis, type OwnedEni } from './parse/ecs.js';
import { assistantStatuses, instanceById, instancesByIds, networkInterfaces, type Res } from './reads-ecs.js';
import { eipsOfInstance, eipsWhere } from './reads-vpc.js';

export interface CollectOptions {
  /** The snapshot's clock, epoch ms: Fact.at, and the end of the metric and event windows. */
  now: number;
  /** Share fetched groups, vSwitches, tables, ACLs and NAT lists with other collections. */
  cache?: CloudCache;
  /**
   * Called with the instance fact the moment it is read (DescribeInstances and DescribeNetworkInterfaces, in
   * parallel), long before the rest of the collection: what needs only the instance's addresses (probes, the
   * SSH target) can start then.
   */
  onInstance?: (instance: Fact<Instance>) => void;
}

const EIP_ID = /^eip-[0-9a-z]+$/i;

export async function collectCloudFacts(
  client: CloudClient,
  instanceId: string,
  opts: CollectOptions,
): Promise<CloudFacts> {
  const clock: FactClock = { at: opts.now, t0: Date.now() };
  const cache = opts.cache ?? new CloudCache(client);
  const secrets = () => client.secrets();

  // Everything that needs only the instance id, at once.
  const instP = instanceById(client, instanceId);
  const enisP = networkInterfaces(client, instanceId);
  const eipsP = eipsOfInstance(client, instanceId);
  const metricsP = instanceMetrics(client, instanceId, opts.now);
  const assistP = assistantStatuses(client, [instanceId]);
  const events = new EventCollector(client, opts.now);
  events.add([instanceId], true);
  for (const p of [instP, enisP, eipsP, assistP]) p.catch(() => undefined);

  const instance = factFrom<Instance>('ecs:DescribeInstances', clock, secrets, async () => {
    const inst = await instP;
    const enis: { value?: OwnedEni[]; error?: SourceError } = await enisP.then(
      (r) => ({ value: r.value }),
      (e) => ({ error: toSourceError(e, secrets()) }),
    );
    const value: Instance = { ...inst.value };
    if (enis.value)
      value.enis = mergeEnis(
        inst.value.enis,
        enis.value.map((o) => o.eni),
      );
    return { value, error: enis.error };
  });
  if (opts.onInstance) instance.then((f) => opts.onInstance?.(f)).catch(() => undefined);

  const groupIds = instP.then(async (inst) => {
    const fromEnis = await enisP.then(
      (r) => r.value.flatMap((o) => o.eni.securityGroupIds ?? []),
      () => [] as string[],
    );
    return [...inst.value.securityGroupIds, ...fromEnis];
  });
  groupIds.catch(() => undefined); // its failure is the instance's, reported there

  const net = instP.then(
    (inst) => {
      events.add([...inst.value.securityGroupIds, inst.value.eip?.allocationId]);
      return networkFacts(cache, clock, inst, groupIds);
    },
    (e) => {
      const why = toSourceError(e, secrets());
      return {
        securityGroups: dependencyFailed<never>('ecs:DescribeSecurityGroupAttribute', clock, why),
        vSwitch: dependencyFailed<never>('vpc:DescribeVSwitches', clock, why),
        routeTables: dependencyFailed<never>('vpc:DescribeRouteEntryList', clock, why),
        networkAcl: dependencyFailed<never>('vpc:DescribeNetworkAcls', clock, why),
        natGateways: dependencyFailed<never>('vpc:DescribeNatGateways', clock, why),
      };
    },
  );
  const n = await net;
  // Route table and ACL ids are known once the vSwitch answers; their events join the lookup.
  const vswFact = await n.vSwitch;
  const [securityGroups, routeTables, networkAcl, natGateways] = await Promise.all([
    n.securityGroups,
    n.routeTables,
    n.networkAcl,
    n.natGateways,
  ]);
  for (const g of securityGroups.value ?? []) events.add([g.id]);
  events.add([
    vswFact.value?.routeTableId,
    ...(routeTables.value ?? []).map((t) => t.id),
    networkAcl.value?.id,
    // NAT gateways carry SNAT: a deleted SNAT entry is a change that cuts outbound traffic.
    ...(natGateways.value ?? []).map((g) => g.id),
  ]);
  const eventsDone = events.result();

  const eventsFact = factFrom<AuditEvent[]>('actiontrail:LookupEvents', clock, secrets, async () => {
    const r = await eventsDone;
    return { value: r.events, error: r.error };
  });
  const eips = factFrom<Eip[]>('vpc:DescribeEipAddresses', clock, secrets, () =>
    eipsWithHistory(client, eipsP, eventsDone),
  );
  const metrics = factFrom<MetricSeries[]>('cms:DescribeMetricList', clock, secrets, async () => {
    const r = await metricsP;
    if (!r.series.length && r.errors.length) return { error: r.errors[0].error };
    const error = r.errors.length
      ? {
          ...r.errors[0].error,
          message: `${r.errors.length} metric(s) unavailable (${r.errors.map((x) => x.metric).join(', ')}): ${r.errors[0].error.message}`,
        }
      : undefined;
    return { value: r.series, error };
  });
  const assistant = factFrom<AssistantStatus>(
    'ecs:DescribeCloudAssistantStatus',
    clock,
    secrets,
    async () => ({
      value: (await assistP).value.get(instanceId) ?? { online: false },
    }),
  );

  return {
    regionId: client.region,
    instance: await instance,
    securityGroups,
    eips: await eips,
    vSwitch: vswFact,
    routeTables,
    networkAcl,
    natGateways,
    metrics: await metrics,
    events: await eventsFact,
    assistant: await assistant,
  };
}

/**
 * EIPs bound to the instance, plus those its recent events name (an EIP moved to another instance or
 * released shows up in its current state, which is what EIP_ASSOCIATED_ELSEWHERE / EIP_NOT_ASSOCIATED need).
 */
async function eipsWithHistory(
  client: CloudClient,
  bound: Promise<Res<Eip[]>>,
  events: Promise<{ events?: AuditEvent[]; calls: (number | undefined)[] }>,
): Promise<{ value: Eip[] }> {
  const own = await bound;
  const known = new Set(own.value.map((e) => e.allocationId));
  const named = new Set<string>();
  const ev = await events;
  for (const e of ev.events ?? [])
    for (const r of e.resources) if (EIP_ID.test(r) && !known.has(r)) named.add(r);
  const after = ev.calls.filter((c): c is number => c !== undefined);
  const extra = await client.withParent(after, () =>
    Promise.all(
      [...named].slice(0, 10).map((id) =>
        eipsWhere(client, { AllocationId: id }).then(
          (r) => r.value,
          () => [],
        ),
      ),
    ),
  );
  return { value: [...own.value, ...extra.flat()] };
}

export interface ManyOptions extends CollectOptions {}

/**
 * Facts for many instances (scope checks): instances read 100 per call; each shared security group, vSwitch,
 * route table, ACL and VPC NAT list fetched once; EIPs listed once for the region; Cloud Assistant status in
 * batches. Per-instance metrics and audit events are not read for scope members (their facts say so).
 */
export async function collectCloudFactsMany(
  client: CloudClient,
  ids: string[],
  opts: ManyOptions,
): Promise<Map<string, CloudFacts>> {
  const clock: FactClock = { at: opts.now, t0: Date.now() };
  const cache = opts.cache ?? new CloudCache(client);
  const secrets = () => client.secrets();
  const instancesP = instancesByIds(client, ids);
  const eipsP = eipsWhere(client, { AssociatedInstanceType: 'EcsInstance' });
  const assistP = assistantStatuses(client, ids);
  for (const p of [instancesP, eipsP, assistP]) p.catch(() => undefined);

  const out = new Map<string, CloudFacts>();
  let insts: Res<Instance[]>;
  try {
    insts = await instancesP;
  } catch (e) {
    const why = toSourceError(e, secrets());
    for (const id of ids) out.set(id, allFailed(client.region, clock, why));
    return out;
  }
  const byId = new Map(insts.value.map((i) => [i.id, i]));
  void client.withParent(insts.call, () =>
    cache.sgSummaries([...new Set(insts.value.flatMap((i) => i.securityGroupIds))]).catch(() => undefined),
  );
  const skipped = <T>(source: string, what: string): Fact<T> =>
    failed<T>(source, clock.at, {
      code: 'NOT_COLLECTED',
      message: `${what} are read for the target only, not for every scope member.`,
    });

  await Promise.all(
    ids.map(async (id) => {
      const inst = byId.get(id);
      if (!inst) {
        out.set(
          id,
          allFailed(client.region, clock, {
            code: 'InvalidInstanceId.NotFound',
            message: `Instance ${id} does not exist in region ${client.region}.`,
          }),
        );
        return;
      }
      const n = networkFacts(
        cache,
        clock,
        { value: inst, call: insts.call },
        Promise.resolve(inst.securityGroupIds),
      );
      const [securityGroups, vSwitch, routeTables, networkAcl, natGateways] = await Promise.all([
        n.securityGroups,
        n.vSwitch,
        n.routeTables,
        n.networkAcl,
        n.natGateways,
      ]);
      const eips = await factFrom<Eip[]>('vpc:DescribeEipAddresses', clock, secrets, async () => ({
        value: (await eipsP).value.filter((e) => e.instanceId === id),
      }));
      const assistant = await factFrom<AssistantStatus>(
        'ecs:DescribeCloudAssistantStatus',
        clock,
        secrets,
        async () => ({
          value: (await assistP).value.get(id) ?? { online: false },
        }),
      );
      out.set(id, {
        regionId: client.region,
        instance: { source: 'ecs:DescribeInstances', at: clock.at, value: inst, ms: Date.now() - clock.t0 },
        securityGroups,
        eips,
        vSwitch,
        routeTables,
        networkAcl,
        natGateways,
        metrics: skipped('cms:DescribeMetricList', 'Metrics'),
        events: skipped('actiontrail:LookupEvents', 'Audit events'),
        assistant,
      });
    }),
  );
  return out;
}

function allFailed(regionId: string, clock: FactClock, why: ReturnType<typeof toSourceError>): CloudFacts {
  const f = <T>(source: string): Fact<T> => failed<T>(source, clock.at, why, Date.now() - clock.t0);
  return {
    regionId,
    instance: f('ecs:DescribeInstances'),
    securityGroups: f('ecs:DescribeSecurityGroupAttribute'),
    eips: f('vpc:DescribeEipAddresses'),
    vSwitch: f('vpc:DescribeVSwitches'),
    routeTables: f('vpc:DescribeRouteEntryList'),
    networkAcl: f('vpc:DescribeNetworkAcls'),
    natGateways: f('vpc:DescribeNatGateways'),
    metrics: f('cms:DescribeMetricList'),
    events: f('actiontrail:LookupEvents'),
    assistant: f('ecs:DescribeCloudAssistantStatus'),
  };
}
