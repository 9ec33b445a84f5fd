/**
 * The dead-man switch for real (root): a network-namespace host with OpenSSH's sshd, reached with netdoctor's
 * SSH transport. A firewall change that drops the operator's SSH is undone by the guest itself within the
 * window and netdoctor, once back in, reports ROLLED_BACK with the guest's own time of the restore; a harmless
 * change that is confirmed stays after the window; the seed's NIC bounce gone wrong (eth0 left down) is undone
 * the same way, interface and default route. (nftables: remedy-deadman-nft.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSsh, type SshTarget } from '../../source/guest/transport/ssh.js';
import type { Transport } from '../../source/guest/transport/types.js';
import type { DeadmanSave, Plan, PlanStep } from '../../source/model/index.js';
import { openAuditLog, readAuditLog } from '../../source/remedy/audit.js';
import { type PlanResult, type RunnerDeps, type RunnerEvent, runPlan } from '../../source/remedy/runner.js';
import { createNsHost, type NsHost, type Sshd, startSshd } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

interface Guest {
  host: NsHost;
  sshd: Sshd;
  session: Transport;
  target: (timeoutMs: number) => SshTarget;
}

async function guestHost(): Promise<Guest> {
  const host = await createNsHost();
  const sshd = await startSshd(host);
  const target = (timeoutMs: number): SshTarget => ({
    host: host.ip,
    user: 'root',
    identity: sshd.clientKey,
    knownHosts: sshd.knownHosts,
    agent: false,
    configFile: 'none',
    systemConfig: false,
    timeoutMs,
  });
  return { host, sshd, session: await openSsh(target(3000)), target };
}

async function close(g: Guest | undefined): Promise<void> {
  if (!g) return;
  await g.session.close().catch(() => undefined);
  g.sshd.stop();
  await g.host.close();
}

function deps(
  g: Guest,
  verify: RunnerDeps['verify'] = async () => ({ fixed: true, detail: 'checked' }),
): RunnerDeps {
  return {
    guest: async () => g.session,
    reconnectGuest: () => openSsh(g.target(1000)),
    verify,
    confirm: async (req) => (req.kind === 'type-name' ? req.expect! : true),
    audit: openAuditLog({ file: join(mkdtempSync(join(g.host.tmp, 'audit-')), 'audit.jsonl') }),
    readOnly: false,
    who: 'tester@host-tier',
    target: { name: g.host.name, id: g.host.name },
  };
}

const step = (command: string, seconds: number, saves: DeadmanSave[]): PlanStep => ({
  id: 'change',
  title: 'Guest network change',
  kind: 'guest',
  command,
  risk: 'medium',
  lockout: true,
  deadmanSeconds: seconds,
  saves,
});
const plan = (s: PlanStep): Plan => ({
  id: 'host-deadman',
  title: 't',
  summary: 's',
  risk: 'medium',
  findingIds: [],
  intentIds: [],
  steps: [s],
});

/** The guest's own record: epoch seconds of arming and of the restore. */
async function record(g: Guest, id: string): Promise<{ armed: number; restored?: number; reason?: string }> {
  const h = (await g.host.sh(`cat /run/netdoctor/deadman/${id}/history`)).stdout;
  const at = (state: string) => {
    const m = new RegExp(`^state=${state} at=(\\S+)(.*)$`, 'm').exec(h);
    return m ? { t: Date.parse(m[1]) / 1000, rest: m[2] } : undefined;
  };
  const restored = at('restored');
  return {
    armed: at('armed')!.t,
    restored: restored?.t,
    reason: /reason=(\S+)/.exec(restored?.rest ?? '')?.[1],
  };
}

async function canLogIn(g: Guest): Promise<boolean> {
  try {
    const t = await openSsh(g.target(2000));
    const r = await t.run('echo ok');
    await t.close();
    return r.stdout.trim() === 'ok';
  } catch {
    return false;
  }
}

describe.runIf(tierReady(hostTier()))('dead-man switch on a real guest (netns + OpenSSH)', () => {
  let g: Guest;
  const results: PlanResult[] = [];
  beforeAll(async () => {
    g = await guestHost();
  });
  afterAll(async () => {
    await close(g);
    // The guest's records live in this machine's /run (a namespace shares the filesystem).
    for (const r of results)
      rmSync(`/run/netdoctor/deadman/${r.steps[0]?.deadmanId}`, { recursive: true, force: true });
  });

  it('a firewall change that drops the operator’s SSH is rolled back by the guest within the window', async () => {
    const before = (await g.host.sh('iptables -w -S INPUT')).stdout;
    const events: RunnerEvent[] = [];
    const d = deps(g);
    const r = await runPlan(
      plan(step('iptables -w -I INPUT 1 -p tcp --dport 22 -j DROP', 5, ['iptables'])),
      d,
      { yes: true, onEvent: (e) => events.push(e) },
    );
    results.push(r);
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.detail).toMatch(
      /^The guest restored the firewall \(iptables\) at \d\d:\d\d:\d\d UTC because netdoctor could not reconnect within 5 s/,
    );
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['deadman-armed', 'deadman-reconnecting', 'deadman-waiting', 'deadman-expired']),
    );
    expect(types).not.toContain('deadman-confirmed');
    // The guest did it by itself, at the end of the window (its clock, second resolution).
    const rec = await record(g, r.steps[0].deadmanId!);
    expect(rec.reason).toBe('timeout');
    expect(rec.restored! - rec.armed).toBeGreaterThanOrEqual(4);
    expect(rec.restored! - rec.armed).toBeLessThanOrEqual(7);
    expect((await g.host.sh('iptables -w -S INPUT')).stdout).toBe(before);
    expect(await canLogIn(g)).toBe(true);
    expect((await readAuditLog(d.audit.path)).map((l) => l.outcome)).toEqual(['CONFIRMED', 'ROLLED_BACK']);
  });

  it('a harmless change that is confirmed stays after the window', async () => {
    const rule = '-A INPUT -p tcp -m tcp --dport 9 -j DROP';
    const d = deps(g, async () => {
      const has = (await g.host.sh('iptables -w -S INPUT')).stdout.includes(rule);
      return { fixed: has, detail: has ? 'the discard port is closed' : 'rule missing' };
    });
    const events: RunnerEvent[] = [];
    const r = await runPlan(plan(step('iptables -w -A INPUT -p tcp --dport 9 -j DROP', 3, ['iptables'])), d, {
      onEvent: (e) => events.push(e),
    });
    results.push(r);
    expect(r.outcome).toBe('FIXED');
    expect(events.map((e) => e.type)).toContain('deadman-confirmed');
    await new Promise((res) => setTimeout(res, 3800));
    expect((await g.host.sh('iptables -w -S INPUT')).stdout).toContain(rule);
    const rec = await record(g, r.steps[0].deadmanId!);
    expect(rec.restored).toBeUndefined();
    expect((await g.host.sh(`cat /run/netdoctor/deadman/${r.steps[0].deadmanId}/state`)).stdout).toMatch(
      /^state=confirmed /,
    );
    expect((await readAuditLog(d.audit.path)).map((l) => l.outcome)).toEqual([
      'CONFIRMED',
      'APPLIED',
      'FIXED',
    ]);
    await g.host.sh('iptables -w -D INPUT -p tcp --dport 9 -j DROP');
  });

  it('a NIC bounce that leaves eth0 down: the guest brings it up and puts the default route back', async () => {
    const routes = (await g.host.sh('ip -4 route show table main')).stdout;
    expect(routes).toMatch(/^default via /m);
    const r = await runPlan(plan(step('ip link set dev eth0 down', 5, ['links', 'routes'])), deps(g), {
      yes: true,
    });
    results.push(r);
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.detail).toMatch(/restored the interfaces \(up\/down\), the routes at/);
    expect((await g.host.sh('cat /sys/class/net/eth0/operstate')).stdout.trim()).toBe('up');
    expect((await g.host.sh('ip -4 route show table main')).stdout).toBe(routes);
    expect(await canLogIn(g)).toBe(true);
  });
});
