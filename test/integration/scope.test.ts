/**
 * `--scope` through the real SDK against the simulated region over HTTP: the target's facts collected as `check`
 * collects them, its neighbours listed with the DescribeInstances filters (SecurityGroupId / VSwitchId / VpcId),
 * their facts collected together, every member graded. Also the cap (fleet: 202 instances in the VPC, security
 * group reads throttled to 5/s) and the failures: a denied listing, an unreadable target.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloudClient, createCloudClient } from '../../source/cloud/client.js';
import { collectCloudFacts } from '../../source/cloud/collect.js';
import { parseIntentSpec } from '../../source/diagnose/intents.js';
import { instanceAddresses } from '../../source/engine/collect.js';
import { collectScope, MAX_SCOPE_MEMBERS, type ScopeSpec } from '../../source/engine/scope.js';
import type { Intent, Snapshot } from '../../source/model/index.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function open(scenario: string): Promise<CloudClient> {
  sim = await startSim({ scenario, ssh: false });
  return createCloudClient({
    endpoint: sim.endpoint,
    region: sim.world.region,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-scope-')),
  });
}

/** The target as `check` sees it on the cloud side: its own collectCloudFacts, the operator from the world. */
async function targetSnapshot(
  client: CloudClient,
  now: number,
): Promise<{ snap: Snapshot; intents: Intent[] }> {
  const w = sim!.world;
  const cloud = await collectCloudFacts(client, w.target, { now });
  const inst = cloud.instance.value;
  const snap: Snapshot = {
    at: now,
    target: { kind: 'instance', instanceId: w.target, region: w.region, addresses: instanceAddresses(inst) },
    cloud,
    operator: { egressIp: w.operator.ip, source: 'sim' },
    sources: [],
  };
  const intents = (w.intents ?? ['tcp/443 from internet']).map((s) =>
    parseIntentSpec(s, { me: w.operator.ip }),
  );
  return { snap, intents };
}

async function scopeOf(scenario: string, spec: ScopeSpec, max?: number) {
  const client = await open(scenario);
  const now = Date.now();
  const { snap, intents } = await targetSnapshot(client, now);
  const before = client.records.length;
  const out = await collectScope(client, spec, snap, intents, { now, ...(max ? { max } : {}) });
  return { out, client, records: client.records.slice(before) };
}

describe('collectScope through the simulator', () => {
  it('scope-sg-drop, --scope sg: four web servers in two zones, one Drop rule → high', async () => {
    const { out, records } = await scopeOf('scope-sg-drop', { kind: 'sg' });
    expect(out.source).toMatchObject({ name: 'scope', ok: true });
    expect(out.source.calls).toBe(records.length);
    expect(records.every((r) => r.ok)).toBe(true);
    const s = out.scope!;
    expect(s).toMatchObject({
      kind: 'sg',
      resource: 'sg-bp1w3fxyigw34kdcz3f7',
      target: 'i-bp1k6jsb2wslxp48772b',
      affected: 4,
      zones: ['cn-hangzhou-j', 'cn-hangzhou-k'],
      grade: 'high',
      total: 4,
    });
    // The app server is in another group: not a member.
    expect(s.members.map((m) => m.name).sort()).toEqual([
      'storefront-web-01',
      'storefront-web-02',
      'storefront-web-03',
      'storefront-web-04',
    ]);
    expect(s.causes?.[0]).toMatchObject({
      rule: 'sgr-bp1z005mzaiieivmf1hf',
      shared: true,
      perInstance: false,
    });
    // Each shared resource read once for all members; the target's own facts were reused, not read again.
    const attr = records.filter((r) => r.action === 'DescribeSecurityGroupAttribute');
    expect(attr).toHaveLength(1);
    expect(records.filter((r) => r.action === 'DescribeInstances')).toHaveLength(2); // the listing, the facts
  });

  it('scope-one-instance, --scope sg: both of the target’s groups listed, only the target blocked → low', async () => {
    const { out } = await scopeOf('scope-one-instance', { kind: 'sg' });
    const s = out.scope!;
    expect(s.resource).toBe('sg-bp1w3fxyigw34kdcz3f7,sg-bp14wnzi5gnpzd1smd7v');
    expect(s.grade).toBe('low');
    expect(s.affected).toBe(1);
    expect(s.members).toHaveLength(3);
    expect(s.members[0]).toMatchObject({ target: true, result: 'DROPPED', codes: ['SG_INGRESS_DENIED'] });
    expect(s.members.slice(1).every((m) => m.result === 'DELIVERED')).toBe(true);
    expect(s.summary).toContain('the cause is specific to this instance');
  });

  it('scope-zone-nacl: --scope vswitch lists only zone K’s vSwitch, --scope vpc every instance → medium both ways', async () => {
    const vsw = await scopeOf('scope-zone-nacl', { kind: 'vswitch' });
    expect(vsw.out.scope).toMatchObject({
      resource: 'vsw-bp1cez4yh5abaqtyxnmd',
      affected: 2,
      zones: ['cn-hangzhou-k'],
      grade: 'medium',
    });
    expect(vsw.out.scope!.members.map((m) => m.name).sort()).toEqual([
      'storefront-web-01',
      'storefront-web-02',
    ]);
    await sim!.close();
    sim = undefined;

    const vpc = await scopeOf('scope-zone-nacl', { kind: 'vpc' });
    const s = vpc.out.scope!;
    expect(s).toMatchObject({ resource: 'vpc-bp11ra8wq594tuaxlox6', affected: 2, grade: 'medium' });
    expect(s.members).toHaveLength(4);
    expect(s.members.find((m) => m.name === 'storefront-web-03')?.result).toBe('DELIVERED');
    expect(s.members.find((m) => m.name === 'storefront-app-01')?.note).toMatch(/no public address/);
  });

  it('a named group (--scope sg:ID) the target is not in is compared, and says so', async () => {
    const { out } = await scopeOf('scope-sg-drop', { kind: 'sg', id: 'sg-bp10h3md6sorgyro80wr' });
    const s = out.scope!;
    expect(s.resource).toBe('sg-bp10h3md6sorgyro80wr');
    expect(s.members.map((m) => m.name)).toEqual(['storefront-web-01', 'storefront-app-01']);
    expect(s.notes?.[0]).toMatch(/i-bp1k6jsb2wslxp48772b is not in sg-bp10h3md6sorgyro80wr/);
    expect(s.total).toBe(2);
  });

  it('caps the members, target first, and notes how many were left out', async () => {
    const { out } = await scopeOf('scope-sg-drop', { kind: 'sg' }, 2);
    const s = out.scope!;
    expect(s.members).toHaveLength(2);
    expect(s.members[0].target).toBe(true);
    expect(s.total).toBe(4);
    expect(s.notes?.[0]).toMatch(/^4 instances share sg-bp1w3fxyigw34kdcz3f7; 2 were checked/);
  });

  it(`fleet, --scope vpc: 202 instances, ${MAX_SCOPE_MEMBERS} checked, each group read once under throttling`, async () => {
    const t0 = Date.now();
    const { out, records } = await scopeOf('fleet', { kind: 'vpc' });
    const ms = Date.now() - t0;
    const s = out.scope!;
    expect(out.source.ok).toBe(true);
    expect(s.members).toHaveLength(MAX_SCOPE_MEMBERS);
    expect(s.total).toBe(202);
    expect(s.notes?.[0]).toMatch(/^202 instances share vpc-bp11ra8wq594tuaxlox6; 100 were checked/);
    // Throttled calls are retried; each group of the neighbours is read successfully exactly once.
    const memberIds = new Set(s.members.filter((m) => !m.target).map((m) => m.instanceId));
    const groups = new Set(
      sim!.world.instances.filter((i) => memberIds.has(i.id)).flatMap((i) => i.securityGroupIds),
    );
    const reads = records.filter((r) => r.action === 'DescribeSecurityGroupAttribute' && r.ok);
    expect(reads).toHaveLength(groups.size);
    expect(records.filter((r) => !r.ok).every((r) => r.code === 'Throttling.User')).toBe(true);
    console.log(
      `fleet scope: ${s.members.length}/${s.total} members in ${ms} ms (${out.source.ms} ms in collectScope), ${records.length} API calls, grade ${s.grade} (${s.affected} affected)`,
    );
  }, 60_000);

  it('a denied listing: no scope, the source says what failed and which RAM action is missing', async () => {
    const client = await open('scope-sg-drop');
    const now = Date.now();
    const { snap, intents } = await targetSnapshot(client, now);
    sim!.world.deny.push('ecs:DescribeInstances');
    const out = await collectScope(client, { kind: 'sg' }, snap, intents, { now });
    expect(out.scope).toBeUndefined();
    expect(out.source.ok).toBe(false);
    expect(out.source.error?.message).toMatch(/^listing the scope's instances failed: /);
    expect(out.source.error?.ramAction).toBe('ecs:DescribeInstances');
    expect(JSON.stringify(out)).not.toContain(sim!.accessKeySecret);
  });

  it('an unreadable target: no scope, and why', async () => {
    const client = await open('scope-sg-drop');
    const now = Date.now();
    const { snap, intents } = await targetSnapshot(client, now);
    snap.cloud!.instance = {
      source: 'ecs:DescribeInstances',
      at: now,
      error: { code: 'Forbidden.RAM', message: 'You are not authorized to do this action.' },
    };
    const before = client.records.length;
    const out = await collectScope(client, { kind: 'vpc' }, snap, intents, { now });
    expect(out.scope).toBeUndefined();
    expect(out.source.error?.code).toBe('SCOPE_NO_TARGET');
    expect(out.source.error?.message).toContain('You are not authorized');
    expect(client.records.length).toBe(before);
  });
});
