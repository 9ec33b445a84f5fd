// Probe classification against a real namespace host (test/support/netns.ts) with a listener and real
// iptables rules: open, closed, DROP, and every REJECT variant; ping through a DROP; traceroute to the host.
// The namespace's ICMP rate limit is lifted for the variant table so each answer is immediate; one test puts
// the default (1 s) back and shows back-to-back REJECTs still classify right, only later.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ping } from '../../source/probe/ping.js';
import { probeTcp } from '../../source/probe/tcp.js';
import { trace } from '../../source/probe/trace.js';
import { createNsHost, type NsHost } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';
import { toolsCheck } from '../unit/probe/support/tools-check.js';

const OPEN = 8080;
const CLOSED = 8081;

// Accepts and holds connections (a silent service).
const LISTENER = `
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', ${OPEN})); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)
`;

const ready =
  tierReady(hostTier()) && tierReady(toolsCheck(['python3', 'ping', 'traceroute', 'tcptraceroute']));

describe.runIf(ready)('probe classification against a namespace host', () => {
  let host: NsHost;
  beforeAll(async () => {
    host = await createNsHost();
    host.spawn('python3', ['-c', LISTENER]);
    const deadline = Date.now() + 10_000;
    while ((await probeTcp(host.ip, OPEN, { timeoutMs: 500 })).outcome !== 'delivered') {
      if (Date.now() > deadline) throw new Error('the namespace listener did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    await host.sh('sysctl -qw net.ipv4.icmp_ratelimit=0');
  });
  afterAll(async () => {
    await host?.close();
  });
  beforeEach(async () => {
    await host.sh('iptables -F INPUT');
  });

  const rule = (r: string) => host.sh(`iptables -A INPUT ${r}`).then((x) => expect(x.stderr).toBe(''));

  it('open port → delivered', async () => {
    const p = await probeTcp(host.ip, OPEN, { timeoutMs: 2000, holdMs: 200 });
    expect(p).toMatchObject({
      host: host.ip,
      port: OPEN,
      outcome: 'delivered',
      after: 'silent',
      via: 'direct',
    });
  });

  it('closed port → refused', async () => {
    const p = await probeTcp(host.ip, CLOSED, { timeoutMs: 2000 });
    expect(p.outcome).toBe('refused');
    expect(p.error).toMatch(/^ECONNREFUSED/);
  });

  it('DROP → timeout, after the whole budget', async () => {
    await rule(`-p tcp --dport ${OPEN} -j DROP`);
    const t0 = performance.now();
    const p = await probeTcp(host.ip, OPEN, { timeoutMs: 1500, attempts: 2 });
    expect(p).toMatchObject({ outcome: 'timeout', attempts: 2 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it.each([
    ['', 'refused', 'ECONNREFUSED'], // default: icmp-port-unreachable
    ['--reject-with icmp-port-unreachable', 'refused', 'ECONNREFUSED'],
    ['--reject-with tcp-reset', 'refused', 'ECONNREFUSED'],
    ['--reject-with icmp-net-unreachable', 'unreachable', 'ENETUNREACH'],
    ['--reject-with icmp-net-prohibited', 'unreachable', 'ENETUNREACH'],
    ['--reject-with icmp-host-unreachable', 'unreachable', 'EHOSTUNREACH'],
    ['--reject-with icmp-host-prohibited', 'unreachable', 'EHOSTUNREACH'],
    ['--reject-with icmp-admin-prohibited', 'unreachable', 'EHOSTUNREACH'],
    ['--reject-with icmp-proto-unreachable', 'unreachable', 'ENOPROTOOPT'],
  ])('REJECT %s → %s (%s)', async (how, outcome, errno) => {
    await rule(`-p tcp --dport ${OPEN} -j REJECT ${how}`);
    const p = await probeTcp(host.ip, OPEN, { timeoutMs: 3000 });
    expect(p.outcome).toBe(outcome);
    expect(p.error).toMatch(new RegExp(`^${errno}: `));
    expect(p.ms).toBeLessThan(500);
  });

  it('with the default ICMP rate limit, back-to-back REJECTs still classify, answered by the SYN retry', async () => {
    await host.sh('sysctl -qw net.ipv4.icmp_ratelimit=1000');
    try {
      await rule(`-p tcp --dport ${OPEN} -j REJECT --reject-with icmp-host-prohibited`);
      // Once the token burst is spent, the first SYN's ICMP error is suppressed and the retransmission (~1 s)
      // gets it: the outcome is the same, only later (so a probe timeout under ~1.5 s would call it a timeout).
      const outcomes = [];
      for (let i = 0; i < 12; i++) {
        const p = await probeTcp(host.ip, OPEN, { timeoutMs: 3000 });
        outcomes.push(p);
        if (p.ms > 900) break;
      }
      expect(outcomes.map((p) => p.outcome)).toEqual(outcomes.map(() => 'unreachable'));
      expect(outcomes.at(-1)!.ms).toBeGreaterThan(900);
    } finally {
      await host.sh('sysctl -qw net.ipv4.icmp_ratelimit=0');
    }
  });

  it('ping answers, and shows 100% loss through a DROP of ICMP', async () => {
    const ok = await ping(host.ip, { count: 3 });
    expect(ok).toMatchObject({ sent: 3, received: 3, lossPct: 0 });
    await rule('-p icmp -j DROP');
    const lost = await ping(host.ip, { count: 3 });
    expect(lost).toMatchObject({ sent: 3, received: 0, lossPct: 100 });
    expect(lost.error).toBeUndefined();
  });

  it('ping reports the ICMP error of a REJECT', async () => {
    await rule('-p icmp --icmp-type echo-request -j REJECT --reject-with icmp-host-prohibited');
    const p = await ping(host.ip, { count: 2 });
    expect(p).toMatchObject({ sent: 2, received: 0, lossPct: 100 });
    expect(p.error).toBe(`${host.ip} answered "Destination Host Prohibited" (2 ICMP errors)`);
  });

  it('traceroute reaches the host in one hop (UDP, and TCP to the open port)', async () => {
    const udp = await trace(host.ip, { maxHops: 5 });
    expect(udp).toMatchObject({ tool: 'traceroute', reached: true });
    expect(udp.hops).toEqual([{ ttl: 1, address: host.ip, rttMs: expect.any(Number) }]);
    const tcp = await trace(host.ip, { protocol: 'tcp', port: OPEN, maxHops: 5 });
    expect(tcp).toMatchObject({ tool: 'tcptraceroute', reached: true });
    expect(tcp.hops.at(-1)).toMatchObject({ address: host.ip, flag: '[open]' });
    const closed = await trace(host.ip, { protocol: 'tcp', port: CLOSED, maxHops: 5 });
    expect(closed.hops.at(-1)).toMatchObject({ address: host.ip, flag: '[closed]' });
  });

  it('a trace into a DROP is stopped at its time bound and says how far it got', async () => {
    await rule('-p udp -j DROP');
    const t0 = performance.now();
    const t = await trace(host.ip, { maxHops: 30, timeoutMs: 1500 });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(t.reached).toBe(false);
    expect(t.error).toMatch(/^traceroute was stopped after \d+ ms; \d+ hops seen$/);
  });
});
