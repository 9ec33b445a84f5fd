/**
 * Guest steps under the dead-man switch through the real SSH transport to the simulator's SSH server, whose
 * guest answers the switch natively (source/sim/guest/deadman.ts, called from execGuestCommand). The simulated
 * SSH server refuses logins when an instance's `sshUp` is false; this test makes `sshUp` follow the guest's own
 * firewall (a DROP for tcp/22 in INPUT), so a change that drops SSH really locks netdoctor out until the
 * guest restores its rules.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simSshTarget } from '../../source/guest/transport/auto.js';
import { openSsh } from '../../source/guest/transport/ssh.js';
import type { Transport } from '../../source/guest/transport/types.js';
import type { PlanStep } from '../../source/model/index.js';
import { openAuditLog, readAuditLog } from '../../source/remedy/audit.js';
import { type RunnerDeps, type RunnerEvent, runPlan } from '../../source/remedy/runner.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

let sim: RunningSim;
let session: Transport;
let instanceId: string;

const target = () => simSshTarget(sim.advert.ssh!, instanceId);
const password = () => sim.advert.ssh!.password;

beforeAll(async () => {
  sim = await startSim({ scenario: 'storefront' });
  instanceId = sim.world.target;
  const inst = sim.world.instances.find((i) => i.id === instanceId)!;
  Object.defineProperty(inst, 'sshUp', {
    get: () => !/^-A INPUT -p tcp (-m tcp )?--dport 22 -j DROP$/m.test(inst.guest?.firewall.iptables ?? ''),
    configurable: true,
  });
  session = await openSsh({ ...target(), timeoutMs: 3000 });
});

afterAll(async () => {
  await session?.close();
  await sim?.close();
});

function deps(): RunnerDeps {
  return {
    guest: async () => session,
    reconnectGuest: () => openSsh({ ...target(), timeoutMs: 1500 }),
    verify: async () => ({ fixed: true, detail: 'checked' }),
    confirm: async (req) => (req.kind === 'type-name' ? req.expect! : true),
    audit: openAuditLog({
      file: join(mkdtempSync(join(tmpdir(), 'nd-simdm-')), 'audit.jsonl'),
      secrets: () => [password()],
    }),
    readOnly: false,
    who: 'tester@ci',
    target: { name: 'storefront-web-1', id: instanceId },
    secrets: () => [password()],
  };
}

const step = (command: string, seconds: number): PlanStep => ({
  id: 'fw',
  title: 'Change the guest firewall',
  kind: 'guest',
  command,
  risk: 'medium',
  lockout: true,
  deadmanSeconds: seconds,
  saves: ['iptables'],
});
const plan = (s: PlanStep) => ({
  id: 'guest-fw',
  title: 't',
  summary: 's',
  risk: 'medium' as const,
  findingIds: [],
  intentIds: [],
  steps: [s],
});
const inputRules = async () => (await session.run('iptables -S INPUT')).stdout;

describe('dead-man switch on the simulated guest over SSH', () => {
  it('a change that keeps SSH open is confirmed over a new connection and stays', async () => {
    const events: RunnerEvent[] = [];
    const d = deps();
    const r = await runPlan(plan(step('iptables -I INPUT 1 -p tcp --dport 8080 -j ACCEPT', 3)), d, {
      onEvent: (e) => events.push(e),
    });
    expect(r.outcome).toBe('FIXED');
    expect(r.steps[0].detail).toMatch(/confirmed it/);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['deadman-armed', 'deadman-confirmed']));
    await new Promise((res) => setTimeout(res, 3500));
    expect(await inputRules()).toContain('--dport 8080 -j ACCEPT');
    const lines = await readAuditLog(d.audit.path);
    expect(lines.map((l) => l.outcome)).toEqual(['CONFIRMED', 'APPLIED', 'FIXED']);
    expect(JSON.stringify(lines)).not.toContain(password());
  });

  it('a change that drops SSH is restored by the guest after the window, and netdoctor reports it', async () => {
    const before = await inputRules();
    const events: RunnerEvent[] = [];
    const d = deps();
    const r = await runPlan(plan(step('iptables -I INPUT 1 -p tcp --dport 22 -j DROP', 3)), d, {
      onEvent: (e) => events.push(e),
      yes: true,
    });
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.detail).toMatch(
      /^The guest restored the firewall \(iptables\) at \d\d:\d\d:\d\d UTC because netdoctor could not reconnect within 3 s/,
    );
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['deadman-armed', 'deadman-reconnecting', 'deadman-waiting', 'deadman-expired']),
    );
    expect(types).not.toContain('deadman-confirmed');
    expect(await inputRules()).toBe(before);
    expect((await readAuditLog(d.audit.path)).map((l) => l.outcome)).toEqual(['CONFIRMED', 'ROLLED_BACK']);
  });
});
