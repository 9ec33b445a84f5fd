/**
 * `--scope vswitch|sg|vpc`: the instances that share the target's vSwitch, security groups or VPC, listed with
 * DescribeInstances filters (VSwitchId / SecurityGroupId / VpcId), capped, their cloud facts collected together
 * (collectCloudFactsMany: each shared group, vSwitch, route table and ACL read once), and graded by the pure
 * gradeScope(). The target reuses the facts its own check already collected.
 */
import { type CloudClient, collectCloudFactsMany, pagesByNumber, toSourceError } from '../cloud/index.js';
import { parseDescribeInstances } from '../cloud/parse/ecs.js';
import { gradeScope, type ScopeInput, type ScopeKind } from '../diagnose/scope.js';
import type {
  CloudFacts,
  Instance,
  Intent,
  ScopeResult,
  Snapshot,
  SourceError,
  SourceStatus,
} from '../model/index.js';
import { instanceAddresses } from './collect.js';
import { ConfigError, type Setup } from './setup.js';

export interface ScopeSpec {
  kind: ScopeKind;
  /** A resource other than the target's own (`--scope sg:sg-…`); by default the target's. */
  id?: string;
}

/** The most members checked; DescribeInstances returns 100 per page and collectCloudFactsMany reads 100 per call. */
export const MAX_SCOPE_MEMBERS = 100;

const KINDS: Record<string, ScopeKind> = {
  vswitch: 'vswitch',
  vsw: 'vswitch',
  sg: 'sg',
  'security-group': 'sg',
  vpc: 'vpc',
};
const PREFIX: Record<ScopeKind, string> = { vswitch: 'vsw-', sg: 'sg-', vpc: 'vpc-' };
const FILTER: Record<ScopeKind, string> = { vswitch: 'VSwitchId', sg: 'SecurityGroupId', vpc: 'VpcId' };
const NOT_COLLECTED: SourceError = {
  code: 'NOT_COLLECTED',
  message: 'scope members are checked on the cloud side only',
};

/** `vswitch`, `sg`, `vpc`, optionally `:ID` (`sg:sg-bp1…`); a bare resource id picks its kind from its prefix. */
export function parseScopeSpec(text: string): ScopeSpec {
  const t = text.trim();
  const bare = Object.entries(PREFIX).find(([, p]) => t.startsWith(p));
  if (bare) return { kind: bare[0] as ScopeKind, id: t };
  const [k, id, ...rest] = t.split(':');
  const kind = KINDS[k.toLowerCase()];
  if (!kind || rest.length || (id !== undefined && !id.startsWith(PREFIX[kind])))
    throw new ConfigError(
      `--scope "${text}" is not vswitch, sg or vpc`,
      "Write --scope sg (the target's security groups), --scope vswitch, --scope vpc, or name one: --scope sg:sg-bp1….",
    );
  return id ? { kind, id } : { kind };
}

export interface ScopeOptions {
  now: number;
  max?: number;
}

export interface ScopeOutcome {
  scope?: ScopeResult;
  source: SourceStatus;
}

function resourcesOf(spec: ScopeSpec, inst: Instance): string[] {
  if (spec.id) return [spec.id];
  if (spec.kind === 'sg')
    return [...new Set([...inst.securityGroupIds, ...inst.enis.flatMap((e) => e.securityGroupIds ?? [])])];
  const id = spec.kind === 'vswitch' ? inst.vSwitchId : inst.vpcId;
  return id ? [id] : [];
}

function failure(t0: number, now: number, error: SourceError, calls?: number): ScopeOutcome {
  const s: SourceStatus = { name: 'scope', ok: false, ms: Date.now() - t0, at: now, error };
  if (calls) s.calls = calls;
  return { source: s };
}

/** Lists the members of each resource (at most `max` each), keeping the API's order; `total` counts them all. */
async function listMembers(
  client: CloudClient,
  kind: ScopeKind,
  resources: string[],
  max: number,
): Promise<{ instances: Instance[]; total: number }> {
  const lists = await Promise.all(
    resources.map(async (r) => {
      const p = await pagesByNumber(
        client,
        'ecs',
        'DescribeInstances',
        { RegionId: client.region, [FILTER[kind]]: r },
        parseDescribeInstances,
        { pageSize: 100, maxPages: Math.max(1, Math.ceil(max / 100)) },
      );
      return { items: p.items, total: parseDescribeInstances(p.first).totalCount ?? p.items.length };
    }),
  );
  const byId = new Map<string, Instance>();
  for (const l of lists) for (const i of l.items) if (!byId.has(i.id)) byId.set(i.id, i);
  const truncated = lists.some((l) => l.total > l.items.length);
  // Several groups overlap: without truncation the union is exact; with it, the largest group is a lower bound.
  const total = truncated ? Math.max(byId.size, ...lists.map((l) => l.total)) : byId.size;
  return { instances: [...byId.values()], total };
}

/** A neighbour as diagnose() sees it: its cloud facts, no guest (said why), the operator of the target's check. */
export function memberSnapshot(at: number, cloud: CloudFacts, inst: Instance, target: Snapshot): Snapshot {
  return {
    at,
    target: {
      kind: 'instance',
      instanceId: inst.id,
      ...(inst.name ? { name: inst.name } : {}),
      region: cloud.regionId,
      addresses: instanceAddresses(inst),
    },
    cloud,
    guestError: NOT_COLLECTED,
    operator: target.operator,
    sources: [],
  };
}

/**
 * The scope of one target: its neighbours listed, their cloud facts collected, everyone graded against the target's
 * intents. Never throws for a cloud failure: the outcome's source says what failed and `scope` is absent.
 */
export async function collectScope(
  client: CloudClient,
  spec: ScopeSpec,
  target: Snapshot,
  intents: Intent[],
  opts: ScopeOptions,
): Promise<ScopeOutcome> {
  const t0 = Date.now();
  const now = opts.now;
  const max = Math.max(1, opts.max ?? MAX_SCOPE_MEMBERS);
  const before = client.records.length;
  const calls = () => client.records.length - before;
  const inst = target.cloud?.instance.value;
  if (!target.cloud || !inst)
    return failure(t0, now, {
      code: 'SCOPE_NO_TARGET',
      message: `--scope needs the target instance from the cloud API, and it could not be read${
        target.cloud?.instance.error ? `: ${target.cloud.instance.error.message}` : ''
      }.`,
      hint: 'Fix the cloud access first (see the sources), then check the scope again.',
    });
  const resources = resourcesOf(spec, inst);
  if (!resources.length)
    return failure(t0, now, {
      code: 'SCOPE_NO_RESOURCE',
      message: `${inst.id} has no ${spec.kind === 'sg' ? 'security group' : spec.kind === 'vswitch' ? 'vSwitch' : 'VPC'} (a classic-network instance?), so there are no neighbours to compare.`,
      hint: 'Try another --scope kind.',
    });

  let listed: { instances: Instance[]; total: number };
  try {
    listed = await listMembers(client, spec.kind, resources, max);
  } catch (e) {
    const err = toSourceError(e, client.secrets());
    return failure(
      t0,
      now,
      { ...err, message: `listing the scope's instances failed: ${err.message}` },
      calls(),
    );
  }
  const others = listed.instances.filter((i) => i.id !== inst.id);
  const kept = others.slice(0, max - 1);
  const notes: string[] = [];
  const resource = resources.join(',');
  const total = listed.total + (listed.instances.some((i) => i.id === inst.id) ? 0 : 1);
  if (total > kept.length + 1)
    notes.push(
      `${total} instances share ${resource}; ${kept.length + 1} were checked (the target and the first ${kept.length} listed). Narrow the scope (--scope vswitch, or --scope sg:ID) to see the rest.`,
    );
  if (spec.id && !resourcesOf({ kind: spec.kind }, inst).includes(spec.id))
    notes.push(`${inst.id} is not in ${spec.id}: it is checked alongside its members for comparison.`);

  const facts = await collectCloudFactsMany(
    client,
    kept.map((i) => i.id),
    { now },
  );
  // Instance-to-instance intents need the peer's addresses and groups: everyone listed, plus the target's peers.
  const peerList = new Map<string, Instance>();
  for (const p of target.cloud.peers?.value ?? []) peerList.set(p.id, p);
  for (const i of [inst, ...listed.instances]) peerList.set(i.id, i);
  const peers = { source: 'ecs:DescribeInstances', at: now, value: [...peerList.values()] };

  // The target is graded like its neighbours: cloud side only, so a guest-only cause does not make it "affected".
  const { guest: _g, probes: _p, guestError: _e, ...cloudOnly } = target;
  const members: Snapshot[] = [
    { ...cloudOnly, cloud: { ...target.cloud, peers }, guestError: NOT_COLLECTED, sources: [] },
  ];
  for (const i of kept) {
    const f = facts.get(i.id);
    if (!f) continue;
    members.push(memberSnapshot(now, { ...f, peers }, f.instance.value ?? i, target));
  }
  const input: ScopeInput = {
    kind: spec.kind,
    resource,
    targetId: inst.id,
    intents,
    members,
    total,
    notes,
  };
  const scope = gradeScope(input);
  return { scope, source: { name: 'scope', ok: true, ms: Date.now() - t0, at: now, calls: calls() } };
}

/** `check --scope` needs the cloud side: without an account there is nothing to list (exit 2, before collecting). */
export function assertScopeSupported(setup: Setup): asserts setup is Setup & { cloud: CloudClient } {
  if (!setup.cloud)
    throw new ConfigError(
      '--scope needs a cloud account: it lists the instances that share the target’s vSwitch, security groups or VPC',
      'Give an instance (id, name or IP) with credentials (--profile, --region), or try --scenario scope-sg-drop.',
    );
}

/** `check --scope`: the scope of the target just checked, through the setup's cloud client. */
export async function checkScope(
  setup: Setup,
  spec: ScopeSpec,
  target: Snapshot,
  intents: Intent[],
  opts: ScopeOptions,
): Promise<ScopeOutcome> {
  assertScopeSupported(setup);
  return collectScope(setup.cloud, spec, target, intents, opts);
}
