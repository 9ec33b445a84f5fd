/**
 * Collecting cloud facts through the real SDK against the loopback mini region (test/unit/cloud/support):
 * every fact, failure isolation, dependency records and parallelism, shared caches for many instances under
 * throttling, and instance lookup by id, name and address.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { longestChain } from '../../source/cloud/chain.js';
import { type CloudOptions, createCloudClient } from '../../source/cloud/client.js';
import { collectCloudFacts, collectCloudFactsMany } from '../../source/cloud/collect.js';
import { findInstances } from '../../source/cloud/find.js';
import { apiError, startTestApi, type TestApi } from '../unit/cloud/support/api-server.js';
import { type MiniRegionOptions, miniRegion } from '../unit/cloud/support/mini-region.js';

const AK = 'LTAI5tMiniRegion01';
const SECRET = 'mini-region-secret';
const NOW = Date.parse('2024-06-01T12:00:00Z');

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function setup(region: Partial<MiniRegionOptions> = {}, client: Partial<CloudOptions> = {}) {
  api = await startTestApi({
    accessKeyId: AK,
    accessKeySecret: SECRET,
    handler: miniRegion({ now: NOW, ...region }),
  });
  const c = await createCloudClient({
    endpoint: api.endpoint,
    region: 'cn-hangzhou',
    accessKeyId: AK,
    accessKeySecret: SECRET,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-cloud-')),
    ...client,
  });
  return { api, client: c };
}

describe('collectCloudFacts', () => {
  it('collects every fact of the target', async () => {
    const { client } = await setup();
    const f = await collectCloudFacts(client, 'i-web01', { now: NOW });
    for (const [k, v] of Object.entries(f)) if (k !== 'regionId') expect(v.error, k).toBeUndefined();
    expect(f.regionId).toBe('cn-hangzhou');
    const i = f.instance.value!;
    expect(i).toMatchObject({
      id: 'i-web01',
      status: 'Running',
      vSwitchId: 'vsw-web01',
      eip: { ip: '47.96.1.10', bandwidth: 5 },
    });
    expect(i.enis.map((e) => [e.id, e.securityGroupIds])).toEqual([
      ['eni-web01p', ['sg-web01', 'sg-shared1']],
      ['eni-web01s', ['sg-eni01']],
    ]);
    const sgs = f.securityGroups.value!;
    expect(sgs.map((g) => [g.id, g.type, g.innerAccessPolicy]).sort()).toEqual([
      ['sg-eni01', 'normal', 'Accept'],
      ['sg-shared1', 'enterprise', 'Drop'],
      ['sg-web01', 'normal', 'Accept'],
    ]);
    expect(sgs.find((g) => g.id === 'sg-shared1')!.rules[0]).toMatchObject({
      priority: 10,
      policy: 'drop',
      ports: { from: 443, to: 443 },
    });
    expect(f.vSwitch.value).toMatchObject({
      id: 'vsw-web01',
      routeTableId: 'vtb-web01',
      networkAclId: 'nacl-web01',
    });
    const tables = f.routeTables.value!;
    expect(tables.map((t) => t.id)).toEqual(['vtb-web01', 'vtb-gw01']);
    expect(tables[0]).toMatchObject({ type: 'Custom', vSwitchIds: ['vsw-web01'] });
    expect(tables[0].entries).toHaveLength(16); // two pages of MaxResult
    expect(tables[0].entries.at(-1)).toMatchObject({
      destination: '0.0.0.0/0',
      nextHops: [{ type: 'NatGateway', id: 'ngw-shop01' }],
    });
    expect(f.networkAcl.value).toMatchObject({ id: 'nacl-web01', vSwitchIds: ['vsw-web01'] });
    expect(f.networkAcl.value!.ingress.map((e) => e.policy)).toEqual(['accept', 'drop']);
    expect(f.natGateways.value).toMatchObject([
      { id: 'ngw-shop01', snat: [{ snatIp: '47.96.2.1', sourceVSwitchId: 'vsw-web01' }] },
    ]);
    const names = new Set(f.metrics.value!.map((s) => s.name));
    expect(names).toEqual(
      new Set([
        'CPUUtilization',
        'VPC_PublicIP_InternetInRate',
        'VPC_PublicIP_InternetOutRate',
        'IntranetInRate',
        'IntranetOutRate',
        'net_tcpconnection',
        'packetInDropRates',
        'packetOutDropRates',
      ]),
    );
    const cpu = f.metrics.value!.find((s) => s.name === 'CPUUtilization')!;
    expect(cpu.points).toHaveLength(30);
    expect(f.metrics.value!.filter((s) => s.name === 'net_tcpconnection').map((s) => s.dims?.state)).toEqual([
      'ESTABLISHED',
      'TIME_WAIT',
    ]);
    // Writes on the instance and its resources in 30 days; the read and the unrelated write are not there.
    expect(f.events.value!.map((e) => e.id)).toEqual(['ev-1', 'ev-2']);
    // The EIP the instance had two days ago shows up with where it is now.
    expect(f.eips.value!.map((e) => [e.allocationId, e.instanceId])).toEqual([
      ['eip-web01', 'i-web01'],
      ['eip-old01', 'i-other1'],
    ]);
    expect(f.assistant.value).toEqual({
      online: true,
      version: '2.2.3.309',
      lastHeartbeat: '2024-06-01T00:00:00Z',
    });
    for (const [k, v] of Object.entries(f))
      if (k !== 'regionId') expect((v as { at: number }).at, k).toBe(NOW);
  });

  it('one failing API never blanks the others; the error names the RAM action', async () => {
    const { client } = await setup({
      fail: {
        DescribeNatGateways: apiError(
          403,
          'Forbidden.RAM',
          'User not authorized to operate on the specified resource.',
        ),
        DescribeNetworkInterfaces: apiError(
          403,
          'Forbidden.RAM',
          'User not authorized to operate on the specified resource.',
        ),
      },
    });
    const f = await collectCloudFacts(client, 'i-web01', { now: NOW });
    expect(f.natGateways.value).toBeUndefined();
    expect(f.natGateways.error).toMatchObject({
      code: 'Forbidden.RAM',
      ramAction: 'vpc:DescribeNatGateways',
    });
    // The instance stands, flagged as partial (its ENI detail is missing).
    expect(f.instance.value?.id).toBe('i-web01');
    expect(f.instance.error?.ramAction).toBe('ecs:DescribeNetworkInterfaces');
    expect(f.securityGroups.value!.map((g) => g.id).sort()).toEqual(['sg-shared1', 'sg-web01']);
    for (const k of [
      'vSwitch',
      'routeTables',
      'networkAcl',
      'metrics',
      'events',
      'eips',
      'assistant',
    ] as const)
      expect(f[k].error, k).toBeUndefined();
  });

  it('an unknown instance fails its dependents with the reason, and the rest still answer', async () => {
    const { client } = await setup();
    const f = await collectCloudFacts(client, 'i-nothere', { now: NOW });
    expect(f.instance.error?.code).toBe('InvalidInstanceId.NotFound');
    expect(f.vSwitch.error?.message).toMatch(/needs the instance/);
    expect(f.securityGroups.error?.code).toBe('InvalidInstanceId.NotFound');
    expect(f.metrics.error).toBeUndefined();
    expect(f.assistant.value).toEqual({
      online: false,
      version: '2.2.3.309',
      lastHeartbeat: '2024-06-01T00:00:00Z',
    });
  });

  it('runs independent calls in parallel: wall time stays close to the longest dependent chain', async () => {
    const { client } = await setup({ latencyMs: 60 });
    const t = Date.now();
    await collectCloudFacts(client, 'i-web01', { now: NOW });
    const wall = Date.now() - t;
    const chain = longestChain(client.records);
    const serial = client.records.reduce((s, r) => s + r.ms, 0);
    expect(client.records.every((r) => r.ok)).toBe(true);
    // instance → table list/vSwitch → entries page 1 → page 2 is the deepest path.
    expect(chain.calls.length).toBeLessThanOrEqual(4);
    expect(wall).toBeLessThanOrEqual(chain.ms * 1.5);
    expect(serial / wall).toBeGreaterThan(5);
  });
});

describe('audit events in a busy account', () => {
  it('when the region-wide page does not hold every write, each resource gets its own paced lookup', async () => {
    // The region enforces ActionTrail's 2 calls/s (a token bucket, as the gateway does).
    const { api, client } = await setup({ noiseEvents: 80, throttle: { LookupEvents: 2 } });
    const f = await collectCloudFacts(client, 'i-web01', { now: NOW });
    expect(f.events.error).toBeUndefined();
    expect(f.events.value!.map((e) => e.id)).toEqual(['ev-1', 'ev-2']);
    const lookups = api.calls.filter((c) => c.action === 'LookupEvents');
    const names = lookups.map((c) => c.params['LookupAttribute.1.Value']);
    for (const id of ['i-web01', 'sg-web01', 'sg-shared1', 'eip-web01', 'vtb-web01', 'nacl-web01'])
      expect(names).toContain(id);
    // Paced, never throttled: no more than 2 starts in any second, and no Throttling answer.
    const recs = client.records.filter((r) => r.action === 'LookupEvents');
    expect(recs.filter((r) => !r.ok)).toEqual([]);
    const t = recs.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 2; i < t.length; i++) expect(t[i] - t[i - 2]).toBeGreaterThanOrEqual(1000);
  });

  it('falls back to the resource alone when an attribute pair is refused', async () => {
    const { client } = await setup({ noiseEvents: 80, rejectAttributePairs: true });
    const f = await collectCloudFacts(client, 'i-web01', { now: NOW });
    expect(f.events.error).toBeUndefined();
    // Reads on the instance come back from the resource-only query and are dropped as non-changes.
    expect(f.events.value!.map((e) => e.id)).toEqual(['ev-1', 'ev-2']);
  });
});

describe('audit events without permission', () => {
  it('one refused lookup is enough: the fact names actiontrail:LookupEvents and no lookups pile up', async () => {
    const { api, client } = await setup({
      fail: {
        LookupEvents: apiError(
          403,
          'Forbidden.RAM',
          'User not authorized to operate on the specified resource.',
        ),
      },
    });
    const f = await collectCloudFacts(client, 'i-web01', { now: NOW });
    expect(f.events.value).toBeUndefined();
    expect(f.events.error).toMatchObject({ code: 'Forbidden.RAM', ramAction: 'actiontrail:LookupEvents' });
    expect(api.calls.filter((c) => c.action === 'LookupEvents').length).toBeLessThanOrEqual(2);
    expect(f.securityGroups.error).toBeUndefined();
  });
});

describe('collectCloudFactsMany', () => {
  it('200 instances sharing 10 groups, DescribeSecurityGroupAttribute at 5 calls/s: zero failed calls', async () => {
    const { api, client } = await setup({
      fleet: { instances: 200, groups: 10 },
      throttle: { DescribeSecurityGroupAttribute: 5 },
    });
    const ids = Array.from({ length: 200 }, (_, k) => `i-fleet${String(k).padStart(4, '0')}`);
    const all = await collectCloudFactsMany(client, ids, { now: NOW });
    expect(all.size).toBe(200);
    for (const [id, f] of all) {
      for (const k of [
        'instance',
        'securityGroups',
        'vSwitch',
        'routeTables',
        'networkAcl',
        'natGateways',
        'eips',
        'assistant',
      ] as const)
        expect(f[k].error, `${id} ${k}`).toBeUndefined();
      expect(f.securityGroups.value).toHaveLength(1);
      expect(f.metrics.error?.code).toBe('NOT_COLLECTED');
    }
    const sgCalls = api.calls.filter((c) => c.action === 'DescribeSecurityGroupAttribute');
    const okSg = client.records.filter((r) => r.action === 'DescribeSecurityGroupAttribute' && r.ok);
    expect(okSg).toHaveLength(10); // each shared group fetched once
    expect(api.calls.filter((c) => c.action === 'DescribeInstances')).toHaveLength(2); // 100 ids per call
    expect(api.calls.filter((c) => c.action === 'DescribeVSwitches')).toHaveLength(1);
    expect(api.calls.filter((c) => c.action === 'DescribeRouteTableList')).toHaveLength(1);
    // Throttled attempts are retried; none is left failed.
    expect(sgCalls.length).toBeGreaterThanOrEqual(10);
  });
});

describe('docs/ram-policy.json', () => {
  it('grants every action that collecting facts and finding instances call, and no write', async () => {
    const { api, client } = await setup();
    await collectCloudFacts(client, 'i-web01', { now: NOW });
    await findInstances(client, '47.96.1.10');
    await findInstances(client, 'web');
    await client.simAdvert();
    const policy = JSON.parse(readFileSync(new URL('../../docs/ram-policy.json', import.meta.url), 'utf8'));
    const granted = new Set<string>(policy.Statement.flatMap((s: { Action: string[] }) => s.Action));
    const used = new Set(client.records.map((r) => `${r.product}:${r.action}`));
    expect([...used].filter((a) => !granted.has(a))).toEqual([]);
    expect([...granted].filter((a) => !/:(Describe|List|Lookup|Get)/.test(a))).toEqual([]);
    expect(api.calls.length).toBeGreaterThan(20);
  });
});

describe('findInstances', () => {
  it('by id, exact or fuzzy name, private IP and EIP address', async () => {
    const { client } = await setup();
    expect((await findInstances(client, 'i-web01')).instances.map((i) => i.id)).toEqual(['i-web01']);
    expect((await findInstances(client, 'storefront-web-1')).instances.map((i) => i.id)).toEqual(['i-web01']);
    const fuzzy = await findInstances(client, 'web');
    expect(fuzzy).toMatchObject({ kind: 'name' });
    expect(fuzzy.instances.map((i) => i.id)).toEqual(['i-web01']);
    const byPriv = await findInstances(client, '172.16.1.20');
    expect(byPriv).toMatchObject({ kind: 'ip', matchedBy: { 'i-other1': 'private' } });
    const byEip = await findInstances(client, '47.96.1.10');
    expect(byEip.instances.map((i) => i.id)).toEqual(['i-web01']);
    expect(byEip.matchedBy).toEqual({ 'i-web01': 'eip' });
    expect((await findInstances(client, '8.8.8.8')).instances).toEqual([]);
  });
});
