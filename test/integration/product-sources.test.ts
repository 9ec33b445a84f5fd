/**
 * `sources` names the product that failed when only part of the cloud picture is missing: the instance is
 * readable (`cloud` ok) but a RAM policy without ActionTrail or without the VPC ACL reads leaves `actiontrail` or
 * `vpc` failed with Alibaba's own error code — through the real SDK against the simulated region.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudClient } from '../../source/cloud/client.js';
import { collectCloudFacts } from '../../source/cloud/collect.js';
import { productSources } from '../../source/engine/collect.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function sourcesOf(scenario: string) {
  sim = await startSim({ scenario, ssh: false });
  const client = await createCloudClient({
    endpoint: sim.endpoint,
    region: sim.world.region,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-sources-')),
  });
  const now = Date.now();
  const facts = await collectCloudFacts(client, sim.world.target, { now });
  const list = productSources(facts, now);
  return Object.fromEntries(list.map((s) => [s.name, s]));
}

describe('per-product sources', () => {
  it('all four products ok on a readable account', async () => {
    const s = await sourcesOf('storefront');
    expect(Object.keys(s).sort()).toEqual(['actiontrail', 'cms', 'ecs', 'vpc']);
    for (const v of Object.values(s)) expect(v.ok, v.name).toBe(true);
  });

  it('a policy without ActionTrail: actiontrail failed with Forbidden.RAM, the rest ok', async () => {
    const s = await sourcesOf('ram-no-audit-trail');
    expect(s.actiontrail.ok).toBe(false);
    expect(s.actiontrail.error?.code).toBe('Forbidden.RAM');
    expect([s.ecs.ok, s.vpc.ok, s.cms.ok]).toEqual([true, true, true]);
  });

  it('a policy without the ACL read: vpc failed, ecs ok', async () => {
    const s = await sourcesOf('ram-no-acl-read');
    expect(s.vpc.ok).toBe(false);
    expect(s.vpc.error?.code).toBe('Forbidden.RAM');
    expect(s.ecs.ok).toBe(true);
  });
});
