/** startSim(): its options, the advertisement (with the SSH server when it starts), worlds built in code. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadScenario, parseListen, type RunningSim, startSim } from '../../source/sim/index.js';
import { sdk } from './sim-sdk.js';

describe('startSim', () => {
  let sim: RunningSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('starts the SSH server and advertises it (or says why not)', async () => {
    sim = await startSim({ scenario: 'healthy' });
    const a = sim.advert;
    expect(a.scenario).toBe('healthy');
    expect(a.probeUrl).toBe(`${sim.endpoint}/__netdoctor/probe`);
    if (sim.ssh) {
      expect(a.ssh).toMatchObject({
        host: '127.0.0.1',
        port: sim.ssh.port,
        hostKeySha256: expect.stringMatching(/^SHA256:/),
      });
      expect(a.ssh!.hostKey).toMatch(/^ssh-/);
      expect(a.sshError).toBeUndefined();
    } else {
      expect(a.sshError).toMatch(/SSH server did not start/);
    }
  });

  it('serves a World built in code, with the clock, latency and faults given', async () => {
    const world = loadScenario('healthy');
    world.instances[0].status = 'Stopped';
    const t0 = Date.parse('2025-11-26T12:00:00Z');
    sim = await startSim({
      scenario: world,
      ssh: false,
      latencyMs: 120,
      now: () => t0,
      faults: { transitionMs: 0 },
    });
    expect(sim.world).toBe(world);
    expect(sim.scenario).toBe('healthy');
    const call = sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
    });
    const t = performance.now();
    const r = await call('ecs', 'DescribeInstanceStatus', {
      RegionId: 'cn-hangzhou',
      InstanceId: [world.instances[0].id],
    });
    expect(performance.now() - t).toBeGreaterThanOrEqual(115);
    expect(r.body.InstanceStatuses.InstanceStatus[0].Status).toBe('Stopped');
    await call('ecs', 'StartInstance', { InstanceId: world.instances[0].id });
    // transitionMs 0: the next call sees it Running; the world's clock stamps the audit event.
    await call('ecs', 'DescribeRegions');
    expect(world.instances[0].status).toBe('Running');
    expect(world.events.at(-1)).toMatchObject({ name: 'StartInstance', time: t0 });
    expect(sim.calls().get('StartInstance')).toBe(1);
  });

  it('drops SSH sessions when an instance reboots', async () => {
    sim = await startSim({ scenario: 'healthy', faults: { transitionMs: 0 } });
    if (!sim.ssh) return expect(sim.advert.sshError).toBeTruthy();
    const drop = vi.spyOn(sim.ssh, 'dropAll');
    const call = sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
    });
    await call('ecs', 'RebootInstance', { InstanceId: 'i-bp1k6jsb2wslxp48772b' });
    expect(drop).toHaveBeenCalledTimes(1);
  });

  it('parses listen addresses and refuses nonsense', () => {
    expect(parseListen(undefined)).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseListen(':7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(() => parseListen('127.0.0.1:99999')).toThrow(/--listen "127\.0\.0\.1:99999" is not HOST:PORT/);
  });
});
