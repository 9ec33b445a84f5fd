// Probes and `me` against the real simulated region (source/sim, started in-process on loopback): the
// scenario's addresses are answered by the simulator's probe endpoint, never contacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMyAddress } from '../../source/probe/me.js';
import { createProbeRunner, runProbes } from '../../source/probe/router.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { answerProbe } from '../../source/sim/probe.js';

describe('probes against the simulated region', () => {
  let sim: RunningSim;
  let publicIp: string;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'storefront', ssh: false });
    const target = sim.world.instances.find((i) => i.id === sim.world.target) ?? sim.world.instances[0];
    publicIp = target.eip?.ip ?? target.publicIps[0];
    expect(publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("finds `me` through the simulator's echo endpoint", async () => {
    expect(await findMyAddress({ sim: sim.advert })).toEqual({
      egressIp: sim.world.operator.ip,
      source: 'sim',
    });
  });

  it("routes TCP, ping and DNS for the scenario's addresses to the simulator", async () => {
    const runner = createProbeRunner({ sim: sim.advert });
    const [name, addresses] = Object.entries(sim.world.internet.dns)[0];
    const facts = await runProbes(
      {
        tcp: [{ host: publicIp, port: 443 }],
        ping: [publicIp],
        dns: [{ name }, { name: 'nosuch.invalid' }],
      },
      runner,
      { now: 1_000 },
    );
    // Whatever the world says about the flow is what the probe reports (a direct connect to this public
    // address would be refused by the test network guard and come back as outcome `error` with ENETDOCTORGUARD).
    const expected = answerProbe(sim.world, { kind: 'tcp', host: publicIp, port: 443 }, Date.now());
    expect(facts.tcp.value![0]).toMatchObject({ host: publicIp, port: 443, via: 'sim' });
    expect(facts.tcp.value![0].outcome).toBe((expected as { outcome: string }).outcome);
    expect(facts.tcp.value![0].error ?? '').not.toMatch(/ENETDOCTORGUARD/);
    expect(facts.ping.value![0]).toMatchObject({ host: publicIp, via: 'sim' });
    expect(facts.dns.value![0]).toMatchObject({ name, ok: true, addresses });
    expect(facts.dns.value![1]).toMatchObject({ name: 'nosuch.invalid', ok: false, error: 'NXDOMAIN' });
  });

  it('says so when the simulator cannot answer a kind of probe', async () => {
    const t = await createProbeRunner({ sim: sim.advert }).trace(publicIp, { protocol: 'tcp', port: 443 });
    expect(t).toMatchObject({ reached: false, hops: [], via: 'sim' });
    expect(t.error).toMatch(/^the simulated region did not answer the trace \(HTTP 400/);
  });
});
