/**
 * The cloud client and collectors through the real SDK against the simulated region (source/sim): the
 * storefront target with both signature schemes, a moved EIP found through its audit trail, and the fleet
 * scenario — 200 instances over 10 security groups with DescribeSecurityGroupAttribute throttled to 5
 * calls/s — collected with zero failed calls.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { longestChain } from '../../source/cloud/chain.js';
import { type CloudClient, createCloudClient } from '../../source/cloud/client.js';
import { collectCloudFacts, collectCloudFactsMany } from '../../source/cloud/collect.js';
import { findInstances } from '../../source/cloud/find.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function open(
  scenario: string,
  signatureAlgorithm: 'v3' | 'v2' = 'v3',
  latencyMs?: number,
): Promise<CloudClient> {
  sim = await startSim({ scenario, ssh: false, latencyMs });
  return createCloudClient({
    endpoint: sim.endpoint,
    region: sim.world.region,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    signatureAlgorithm,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-cloud-sim-')),
  });
}

const FACTS = [
  'instance',
  'securityGroups',
  'eips',
  'vSwitch',
  'routeTables',
  'networkAcl',
  'natGateways',
  'metrics',
  'events',
  'assistant',
] as const;

describe('storefront through the simulator', () => {
  for (const sig of ['v3', 'v2'] as const) {
    it(`collects every cloud fact of the target (${sig} signature)`, async () => {
      const client = await open('storefront', sig);
      const target = sim!.world.target;
      const f = await collectCloudFacts(client, target, { now: Date.now() });
      for (const k of FACTS) expect(f[k].error, `${k}: ${JSON.stringify(f[k].error)}`).toBeUndefined();
      expect(client.records.every((r) => r.ok)).toBe(true);
      const inst = f.instance.value!;
      expect(inst.id).toBe(target);
      expect(inst.status).toBe('Running');
      // The fault: a Drop on tcp/443 at priority 1 in the production group, added 25 minutes ago.
      const rule = f.securityGroups
        .value!.flatMap((g) => g.rules)
        .find((r) => r.id === 'sgr-bp1z005mzaiieivmf1hf');
      expect(rule).toMatchObject({
        direction: 'ingress',
        policy: 'drop',
        priority: 1,
        protocol: 'tcp',
        ports: { from: 443, to: 443 },
        peerCidr: '0.0.0.0/0',
      });
      const change = f.events.value!.find((e) => e.name === 'AuthorizeSecurityGroup');
      expect(change).toMatchObject({
        user: 'ops-scheduler',
        resources: expect.arrayContaining(['sg-bp1w3fxyigw34kdcz3f7']),
      });
      expect(f.eips.value!.some((e) => e.instanceId === target && e.status === 'InUse')).toBe(true);
      expect(f.vSwitch.value!.id).toBe(inst.vSwitchId);
      expect(f.routeTables.value![0].vSwitchIds).toContain(inst.vSwitchId);
      expect(f.routeTables.value![0].entries.length).toBeGreaterThan(0);
      expect(f.metrics.value!.some((s) => s.name === 'CPUUtilization' && s.points.length >= 25)).toBe(true);
      expect(f.assistant.value!.online).toBe(true);
      const advert = await client.simAdvert();
      expect(advert?.scenario).toBe('storefront');
      expect(client.records.filter((r) => r.action === 'DescribeNetdoctorSimulator')).toHaveLength(1);
    });
  }

  it('finds the target by name and by its public address', async () => {
    const client = await open('storefront');
    const target = sim!.world.instances.find((i) => i.id === sim!.world.target)!;
    expect((await findInstances(client, target.name)).instances.map((i) => i.id)).toEqual([target.id]);
    const f = await collectCloudFacts(client, target.id, { now: Date.now() });
    const ip = f.eips.value![0].ip;
    const byIp = await findInstances(client, ip);
    expect(byIp.instances.map((i) => i.id)).toEqual([target.id]);
    expect(byIp.matchedBy?.[target.id]).toBe('eip');
  });

  it('keeps every call of a collection on the dependency record (for the benchmark)', async () => {
    const client = await open('storefront', 'v3', 20);
    await collectCloudFacts(client, sim!.world.target, { now: Date.now() });
    const chain = longestChain(client.records);
    expect(chain.calls[0].action).toBe('DescribeInstances');
    expect(chain.calls.length).toBeGreaterThanOrEqual(3);
    expect(chain.calls.length).toBeLessThanOrEqual(4);
  });
});

describe('moved EIP', () => {
  it('the EIP named by the instance’s recent events is reported where it is now', async () => {
    const client = await open('eip-bound-elsewhere');
    const f = await collectCloudFacts(client, sim!.world.target, { now: Date.now() });
    const moved = f.eips.value!.find((e) => e.allocationId === 'eip-bp1mztyt4atry8yqw1b5');
    expect(moved).toMatchObject({ status: 'InUse', instanceId: 'i-bp1wahtlgful90nxxzmd' });
    expect(f.instance.value!.eip).toBeUndefined();
    expect(f.events.value!.map((e) => e.name)).toEqual(expect.arrayContaining(['UnassociateEipAddress']));
  });
});

describe('fleet: 200 instances, 10 shared groups, DescribeSecurityGroupAttribute at 5 calls/s', () => {
  it('collects every instance with zero failed calls, reading each group once', async () => {
    const client = await open('fleet');
    const ids = sim!.world.instances.filter((i) => i.name.startsWith('fleet-web')).map((i) => i.id);
    expect(ids).toHaveLength(200);
    const all = await collectCloudFactsMany(client, ids, { now: Date.now() });
    let failedFacts = 0;
    for (const f of all.values())
      for (const k of [
        'instance',
        'securityGroups',
        'eips',
        'vSwitch',
        'routeTables',
        'networkAcl',
        'natGateways',
        'assistant',
      ] as const)
        if (f[k].error) failedFacts++;
    expect(failedFacts).toBe(0);
    const sgReads = client.records.filter((r) => r.action === 'DescribeSecurityGroupAttribute');
    expect(sgReads.filter((r) => r.ok)).toHaveLength(10);
    // Throttled attempts were retried to success: no call ended failed.
    const failedCalls = client.records.filter((r) => !r.ok && !client.records.some((x) => x.parent === r.id));
    expect(failedCalls).toEqual([]);
    expect(new Set([...all.values()].map((f) => f.securityGroups.value![0].id)).size).toBe(10);
  });
});
