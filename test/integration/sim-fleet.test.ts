/**
 * The fleet scenario: 200 instances sharing 10 security groups, DescribeSecurityGroupAttribute limited to 5
 * calls/s. A collector that reads each group once and backs off on Throttling.User finishes with zero failed
 * calls; the throttle really bites (some first attempts are refused). The production collector lives in
 * source/cloud; this test pins the simulator side of that contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { sdk } from './sim-sdk.js';

describe('fleet: 200 instances, 10 shared security groups, 5 calls/s', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'fleet', ssh: false });
  });
  afterAll(() => sim.close());

  it('collects every group with backoff and zero failed calls', async () => {
    const call = sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
    });
    const t0 = performance.now();
    const instances: any[] = [];
    for (let page = 1; ; page++) {
      const r = await call('ecs', 'DescribeInstances', {
        RegionId: 'cn-hangzhou',
        PageSize: 100,
        PageNumber: page,
      });
      instances.push(...r.body.Instances.Instance);
      if (instances.length >= r.body.TotalCount) break;
    }
    expect(instances).toHaveLength(202);
    const groups = [...new Set(instances.flatMap((i) => i.SecurityGroupIds.SecurityGroupId as string[]))];
    expect(groups).toHaveLength(12);

    let throttled = 0;
    let failed = 0;
    const read = async (id: string) => {
      for (let attempt = 0; attempt < 8; attempt++) {
        try {
          return (
            await call('ecs', 'DescribeSecurityGroupAttribute', {
              RegionId: 'cn-hangzhou',
              SecurityGroupId: id,
            })
          ).body;
        } catch (e: any) {
          if (e.code !== 'Throttling.User') throw e;
          throttled++;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt * (0.5 + Math.random())));
        }
      }
      failed++;
      return undefined;
    };
    const bodies = await Promise.all(groups.map(read));
    const ms = performance.now() - t0;
    expect(failed).toBe(0);
    expect(bodies.every((b) => b?.Permissions.Permission.length > 0)).toBe(true);
    expect(throttled).toBeGreaterThan(0);
    expect(sim.calls().get('DescribeSecurityGroupAttribute')).toBe(12);
    // 12 reads at 5/s: a bucket of 5, then 5 per second.
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(15_000);
  });
});
