/**
 * collectOnce starts what needs only the instance's addresses (the probes; the SSH target when it is the
 * instance's address) as soon as the instance is read, not when the whole cloud collection ends; and the
 * simulator's latency comes from NETDOCTOR_SIM_LATENCY_MS / NETDOCTOR_SIM_SSH_LATENCY_MS. Real parts: the embedded
 * simulated region over HTTP and SSH on loopback, the real SDK, the real collector.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from '../../source/commands/args.js';
import { type Collector, createCollector, targetSummary } from '../../source/engine/collect.js';
import { ConfigError, type Setup, setupTarget, simLatencyFromEnv } from '../../source/engine/setup.js';
import { collectOnce } from '../../source/engine/snapshot.js';

const API_MS = 60;
const ENV = { NETDOCTOR_SIM_LATENCY_MS: String(API_MS), NETDOCTOR_SIM_SSH_LATENCY_MS: '20' };

let setup: Setup | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
  for (const k of Object.keys(ENV)) delete process.env[k];
});

describe('simLatencyFromEnv', () => {
  it('reads whole milliseconds and leaves unset ones to the scenario', () => {
    expect(simLatencyFromEnv({})).toEqual({});
    expect(simLatencyFromEnv({ NETDOCTOR_SIM_LATENCY_MS: '' })).toEqual({});
    expect(simLatencyFromEnv(ENV)).toEqual({ latencyMs: API_MS, faults: { sshLatencyMs: 20 } });
    expect(simLatencyFromEnv({ NETDOCTOR_SIM_SSH_LATENCY_MS: ' 0 ' })).toEqual({
      faults: { sshLatencyMs: 0 },
    });
  });

  it('refuses what is not a number of milliseconds, saying which variable', () => {
    for (const v of ['fast', '-5', '1.5', '1e3'])
      expect(() => simLatencyFromEnv({ NETDOCTOR_SIM_LATENCY_MS: v })).toThrow(
        new ConfigError(
          `NETDOCTOR_SIM_LATENCY_MS="${v}" is not a whole number of milliseconds`,
          "Set it to e.g. 100, or unset it to keep the scenario's own latency.",
        ),
      );
  });
});

/** Records when each source of the collector started and ended (ms since t0). */
function observe(col: Collector, t0: number) {
  const spans: Record<string, { start: number; end: number }[]> = {};
  for (const k of ['cloud', 'guest', 'probe'] as const) {
    const f = (col[k] as (...a: unknown[]) => Promise<unknown>).bind(col);
    (col as unknown as Record<string, unknown>)[k] = async (...a: unknown[]) => {
      const s = { start: performance.now() - t0, end: Number.NaN };
      (spans[k] ??= []).push(s);
      try {
        return await f(...a);
      } finally {
        s.end = performance.now() - t0;
      }
    };
  }
  return spans;
}

describe('collectOnce', () => {
  it('probes the instance as soon as it is read, while the rest of the cloud is still being collected', async () => {
    Object.assign(process.env, ENV);
    const { options: o } = parse(['check', '--scenario', 'storefront', '--json']);
    setup = await setupTarget([], o);
    expect(setup.sim?.world.faults).toMatchObject({ latencyMs: API_MS, sshLatencyMs: 20 });
    const col = createCollector(setup, o);
    const t0 = performance.now();
    const spans = observe(col, t0);
    try {
      const { snapshot } = await collectOnce(col, o);
      const cloud = spans.cloud[0];
      const probe = spans.probe[0];
      // The cloud takes at least three dependent calls (instance → vSwitch/NAT → route/SNAT entries); the
      // probes needed only the first round of calls.
      expect(cloud.end - cloud.start).toBeGreaterThanOrEqual(3 * API_MS);
      expect(probe.start).toBeLessThan(cloud.end - API_MS);
      // The same target as the finished collection gives, and the probes went to its public address.
      const inst = snapshot.cloud?.instance.value;
      expect(snapshot.target).toEqual(targetSummary(setup, inst));
      const pub = snapshot.target.addresses[0];
      expect(pub).toBe(inst?.eip?.ip);
      expect(snapshot.probes?.tcp.value?.map((p) => [p.host, p.port, p.outcome])).toEqual([
        [pub, 22, 'delivered'],
        [pub, 80, 'refused'],
        [pub, 443, 'timeout'],
      ]);
      expect(snapshot.guest?.sockets.value?.length).toBeGreaterThan(0);
    } finally {
      await col.close();
    }
  });

  it('hands the early instance to the guest when the SSH target is the instance address', async () => {
    const { options: o } = parse(['check', '--scenario', 'storefront', '--json']);
    setup = await setupTarget([], o);
    // Without the simulator's SSH advert the SSH target is the instance's own address: the guest must wait for
    // the instance, and only for it.
    const seen: (string | undefined)[] = [];
    const col = createCollector({ ...setup, advert: { ...setup.advert!, ssh: undefined } }, o);
    col.guest = async (_now, inst) => {
      seen.push(inst?.id);
      return { sources: [], guestError: { code: 'GUEST_DISABLED', message: 'not contacted in this test' } };
    };
    try {
      const { snapshot } = await collectOnce(col, o);
      expect(seen).toEqual([setup.instanceId]);
      expect(snapshot.guestError?.code).toBe('GUEST_DISABLED');
    } finally {
      await col.close();
    }
  });
});
