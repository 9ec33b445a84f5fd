/**
 * The network facts in front of an instance, once its vSwitch, VPC and groups are known: security groups
 * with every rule, the vSwitch, its route table with entries (plus gateway ingress tables), its network ACL,
 * and the VPC's NAT gateways with SNAT entries. Everything starts at once; the route table starts from
 * whichever of DescribeVSwitches / DescribeRouteTableList names it first.
 */
import type {
  Fact,
  Instance,
  NatGateway,
  NetworkAcl,
  RouteTable,
  SecurityGroup,
  SourceError,
  VSwitch,
} from '../model/index.js';
import { failed } from '../model/index.js';
import type { CloudCache } from './cache.js';
import { toSourceError } from './errors.js';
import type { RouteTableSummary } from './parse/vpc.js';
import type { Res } from './reads-ecs.js';

export interface NetworkFacts {
  securityGroups: Promise<Fact<SecurityGroup[]>>;
  vSwitch: Promise<Fact<VSwitch>>;
  routeTables: Promise<Fact<RouteTable[]>>;
  networkAcl: Promise<Fact<NetworkAcl | null>>;
  natGateways: Promise<Fact<NatGateway[]>>;
}

export interface FactClock {
  /** The snapshot's clock (Fact.at). */
  at: number;
  /** Wall-clock start of the collection (Fact.ms is measured from it). */
  t0: number;
}

/** Runs `work`, turning its value or failure into a Fact; `partial` failures ride along with a value. */
export async function factFrom<T>(
  source: string,
  clock: FactClock,
  secrets: () => string[],
  work: () => Promise<{ value?: T; error?: SourceError }>,
): Promise<Fact<T>> {
  try {
    const r = await work();
    if (r.value === undefined && r.error) return failed<T>(source, clock.at, r.error, Date.now() - clock.t0);
    const f: Fact<T> = { source, at: clock.at, value: r.value as T, ms: Date.now() - clock.t0 };
    if (r.error) f.error = r.error;
    return f;
  } catch (e) {
    return failed<T>(source, clock.at, toSourceError(e, secrets()), Date.now() - clock.t0);
  }
}

export function dependencyFailed<T>(source: string, clock: FactClock, why: SourceError): Promise<Fact<T>> {
  return Promise.resolve(
    failed<T>(
      source,
      clock.at,
      {
        code: why.code,
        message: `Not read: it needs the instance's details, which failed (${why.message})`,
        hint: why.hint,
        ramAction: why.ramAction,
      },
      0,
    ),
  );
}

function notApplicable<T>(source: string, clock: FactClock, what: string): Promise<Fact<T>> {
  return Promise.resolve(
    failed<T>(source, clock.at, {
      code: 'NOT_APPLICABLE',
      message: `The instance is not in a VPC (network type classic), so it has no ${what}.`,
    }),
  );
}

/** Security groups of the instance and of its ENIs (the ENI list may add groups of secondary ENIs). */
export function securityGroupsFact(
  cache: CloudCache,
  clock: FactClock,
  groupIds: Promise<string[]>,
): Promise<Fact<SecurityGroup[]>> {
  const secrets = () => cache.client.secrets();
  return factFrom('ecs:DescribeSecurityGroupAttribute', clock, secrets, async () => {
    const ids = [...new Set(await groupIds)];
    void cache.sgSummaries(ids).catch(() => undefined);
    const got = await Promise.allSettled(ids.map((id) => cache.securityGroup(id)));
    const value: SecurityGroup[] = [];
    const errors: SourceError[] = [];
    got.forEach((g) => {
      if (g.status === 'fulfilled') value.push(g.value.value);
      else errors.push(toSourceError(g.reason, secrets()));
    });
    if (errors.length && !value.length)
      return { error: errors.length > 1 ? partial(errors, ids.length) : errors[0] };
    return { value, error: errors.length ? partial(errors, ids.length) : undefined };
  });
}

function partial(errors: SourceError[], of: number): SourceError {
  return { ...errors[0], message: `${errors.length} of ${of} reads failed; first: ${errors[0].message}` };
}

export function networkFacts(
  cache: CloudCache,
  clock: FactClock,
  inst: Res<Instance>,
  groupIds: Promise<string[]>,
): NetworkFacts {
  const client = cache.client;
  const secrets = () => client.secrets();
  const i = inst.value;
  const securityGroups = client.withParent(inst.call, () => securityGroupsFact(cache, clock, groupIds));
  if (!i.vpcId || !i.vSwitchId) {
    return {
      securityGroups,
      vSwitch: notApplicable('vpc:DescribeVSwitches', clock, 'vSwitch'),
      routeTables: notApplicable('vpc:DescribeRouteEntryList', clock, 'VPC route table'),
      networkAcl: Promise.resolve({ source: 'vpc:DescribeNetworkAcls', at: clock.at, value: null, ms: 0 }),
      natGateways: Promise.resolve({ source: 'vpc:DescribeNatGateways', at: clock.at, value: [], ms: 0 }),
    };
  }
  const vswId = i.vSwitchId;
  const vpcId = i.vpcId;
  return client.withParent(inst.call, () => {
    const vsw = cache.vSwitch(vswId);
    const rtList = cache.routeTables(vpcId);
    const vSwitch = factFrom('vpc:DescribeVSwitches', clock, secrets, async () => {
      const { routeTableType: _t, ...v } = (await vsw).value;
      return { value: v };
    });
    const routeTables = factFrom('vpc:DescribeRouteEntryList', clock, secrets, () =>
      routeTablesFor(cache, vswId, vpcId, vsw, rtList),
    );
    const networkAcl = factFrom('vpc:DescribeNetworkAcls', clock, secrets, async () => ({
      value: (await cache.networkAcl(vswId)).value,
    }));
    const natGateways = factFrom('vpc:DescribeNatGateways', clock, secrets, async () => ({
      value: (await cache.natGateways(vpcId)).value,
    }));
    return { securityGroups, vSwitch, routeTables, networkAcl, natGateways };
  });
}

/** The vSwitch's table (custom, else the VPC's system table) and any gateway ingress table, with entries. */
async function routeTablesFor(
  cache: CloudCache,
  vswId: string,
  vpcId: string,
  vsw: Promise<Res<{ routeTableId?: string; routeTableType?: string }>>,
  rtList: Promise<Res<RouteTableSummary[]>>,
): Promise<{ value?: RouteTable[]; error?: SourceError }> {
  const client = cache.client;
  const fromVsw = vsw.then((v) => {
    if (!v.value.routeTableId) throw new Error('no route table on the vSwitch');
    return { id: v.value.routeTableId, call: v.call };
  });
  const fromList = rtList.then((l) => {
    const t = l.value.find((x) => x.vSwitchIds.includes(vswId) && x.associateType !== 'Gateway');
    if (!t) throw new Error('no table lists the vSwitch');
    return { id: t.id, call: l.call };
  });
  let chosen: { id: string; call?: number };
  try {
    chosen = await Promise.any([fromVsw, fromList]);
  } catch {
    const l = await rtList; // both failed to name one: the VPC's system table routes an unbound vSwitch
    const sys = l.value.find((x) => /system/i.test(x.type) && x.associateType !== 'Gateway');
    if (!sys) throw new Error(`No route table could be found for vSwitch ${vswId} in ${vpcId}.`);
    chosen = { id: sys.id, call: l.call };
  }
  const main = client.withParent(chosen.call, () => cache.routeEntries(chosen.id));
  const list = await rtList.catch(() => undefined);
  const gateways = (list?.value ?? []).filter((t) => t.associateType === 'Gateway' && t.id !== chosen.id);
  const extra = gateways.map((g) => client.withParent(list?.call, () => cache.routeEntries(g.id)));
  const summaryOf = async (id: string): Promise<Omit<RouteTable, 'entries'>> => {
    const s = list?.value.find((x) => x.id === id);
    if (s) return { id: s.id, vpcId: s.vpcId, type: s.type, vSwitchIds: s.vSwitchIds };
    const v = await vsw.catch(() => undefined);
    return { id, vpcId, type: v?.value.routeTableType ?? 'System', vSwitchIds: [vswId] };
  };
  const tables: RouteTable[] = [{ ...(await summaryOf(chosen.id)), entries: (await main).value }];
  const errors: SourceError[] = [];
  for (let k = 0; k < gateways.length; k++) {
    try {
      tables.push({ ...(await summaryOf(gateways[k].id)), entries: (await extra[k]).value });
    } catch (e) {
      errors.push(toSourceError(e, client.secrets()));
    }
  }
  return { value: tables, error: errors[0] };
}
