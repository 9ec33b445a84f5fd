/**
 * Both ways into a simulated guest answer the same collection script: the real cloud client drives the
 * simulator's RunCommand/DescribeInvocationResults (Cloud Assistant transport), the ssh2 client logs in to the
 * simulator's SSH server with the advertised, pinned host key — and the facts agree with each other and
 * with the scenario. Offline agents and SSH-less instances fail the way auto-choice needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClient } from '../../source/cloud/client.js';
import { collectGuestFacts } from '../../source/guest/collect.js';
import { openAssistant } from '../../source/guest/transport/assistant.js';
import { openGuest, simSshTarget } from '../../source/guest/transport/auto.js';
import { openSsh } from '../../source/guest/transport/ssh.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

const sshOf = (sim: RunningSim, instanceId: string) => simSshTarget(sim.advert.ssh!, instanceId);

describe('guest transports against the simulator (healthy scenario)', () => {
  let sim: RunningSim;
  let api: Awaited<ReturnType<typeof createCloudClient>>;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'healthy', faults: { assistantRunMs: 50 } });
    api = await createCloudClient({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      region: sim.world.region,
      retries: 0,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('Cloud Assistant and SSH deliver the same guest facts, matching the scenario', async () => {
    const id = sim.world.target;
    const guest = sim.world.instances.find((i) => i.id === id)!.guest!;
    const at = Date.now();
    const ca = await openAssistant(api, id, sim.world.region, { pollInitialMs: 20, pollMaxMs: 100 });
    const viaCa = await collectGuestFacts(ca, { now: at });
    const ssh = await openSsh(sshOf(sim, id));
    const viaSsh = await collectGuestFacts(ssh, { now: at });
    await ssh.close();
    expect(viaCa.via).toBe('assistant');
    expect(viaSsh.via).toBe('ssh');
    expect(viaCa.interfaces.error).toBeUndefined();
    const addrs = (viaCa.interfaces.value ?? []).flatMap((i) =>
      i.addresses.map((x) => `${x.address}/${x.prefixLen}`),
    );
    for (const a of guest.interfaces.flatMap((i) => i.addresses)) expect(addrs).toContain(a);
    // One script, two transports, identical facts.
    expect(viaCa.interfaces.value).toEqual(viaSsh.interfaces.value);
    expect(viaCa.routes.value).toEqual(viaSsh.routes.value);
    expect(viaCa.sockets.value).toEqual(viaSsh.sockets.value);
    expect(viaCa.firewall.value).toEqual(viaSsh.firewall.value);
    expect(ca.stats().commands).toBe(1);
  });

  it('auto: SSH first, one connection, no fallback when SSH works', async () => {
    const id = sim.world.target;
    const s = await openGuest({
      via: 'auto',
      ssh: sshOf(sim, id),
      assistant: { api, instanceId: id, region: sim.world.region },
    });
    expect(s.transport?.kind).toBe('ssh');
    expect(s.attempts.map((a) => [a.via, a.ok])).toEqual([['ssh', true]]);
    await s.transport?.close();
  });
});

describe('no way in (assistant-offline scenario: sshd down, agent gone)', () => {
  let sim: RunningSim;
  let api: Awaited<ReturnType<typeof createCloudClient>>;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'assistant-offline' });
    api = await createCloudClient({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      region: sim.world.region,
      retries: 0,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('auto tries SSH (refused), then Cloud Assistant (offline), and says both', async () => {
    const id = sim.world.target;
    const s = await openGuest({
      via: 'auto',
      ssh: sshOf(sim, id),
      assistant: { api, instanceId: id, region: sim.world.region },
    });
    expect(s.transport).toBeUndefined();
    expect(s.attempts.map((a) => [a.via, a.ok, a.error?.code])).toEqual([
      ['ssh', false, 'CONNECTION_REFUSED'],
      ['assistant', false, 'ASSISTANT_UNAVAILABLE'],
    ]);
    expect(s.error?.code).toBe('GUEST_UNREACHABLE');
    expect(s.error?.message).toMatch(/SSH: .*refused.*Cloud Assistant: /);
  });

  it('RunCommand without the status check fails with the agent’s ErrorCode', async () => {
    const t = await openAssistant(api, sim.world.target, sim.world.region, {
      skipStatusCheck: true,
      pollInitialMs: 20,
    });
    const err = await t.run('echo x').catch((e) => e);
    expect(err.error.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(err.reason).toBe('ClientNotRunning');
    const facts = await collectGuestFacts(t, { now: 1 });
    expect(facts.interfaces.error?.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(facts.sysctls.error?.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(facts.interfaces.at).toBe(1);
  });
});
