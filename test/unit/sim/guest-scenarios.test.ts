/**
 * The guest-code scenarios and what the simulator needed for them: outbound bulk connections that take their local
 * ports from the ephemeral range (per destination, as connect() does), resolvers that answer SERVFAIL/REFUSED, and
 * `expect.blocked` naming guest-side evidence. Everything goes through the simulator's answer to the real
 * collection script and the production parsers and evaluators.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ephemeralSettings,
  ephemeralUsage,
  indexSockets,
} from '../../../source/diagnose/evaluate/sockets.js';
import { parseCollection } from '../../../source/guest/collection.js';
import { COLLECT_SCRIPT } from '../../../source/guest/script/collect.js';
import { FINDING_CODES, FINDING_LAYER, type GuestFacts } from '../../../source/model/index.js';
import { execGuestCommand } from '../../../source/sim/guest/exec.js';
import { listScenarios, loadScenario, ScenarioError } from '../../../source/sim/index.js';
import { answerProbe } from '../../../source/sim/probe.js';
import type { World } from '../../../source/sim/world.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function collect(world: World, id = world.target): GuestFacts {
  const r = execGuestCommand(world, id, COLLECT_SCRIPT, NOW);
  expect(r.code).toBe(0);
  return parseCollection(r.stdout, { at: NOW, via: 'ssh' });
}

function guestOf(world: World, id = world.target) {
  const g = world.instances.find((i) => i.id === id)?.guest;
  if (!g) throw new Error(`${id} has no guest`);
  return g;
}

/** A scratch scenario extending the built-in healthy world. */
function scratch(body: string): string {
  const d = mkdtempSync(join(tmpdir(), 'nd-guest-scen-'));
  const base = join(process.cwd(), 'source/sim/scenarios/healthy.yaml');
  writeFileSync(join(d, 'x.yaml'), `extends: ${base}\ntitle: scratch\n${body}`);
  return join(d, 'x.yaml');
}

describe('outbound bulk connections take ephemeral ports', () => {
  it('towards one upstream, from the bottom of ip_local_port_range, each port once', () => {
    const world = loadScenario('ephemeral-ports-exhausted', { now: NOW });
    const f = collect(world);
    const toRedis = f.sockets.value!.filter((s) => s.peer.address === '172.16.2.40' && s.peer.port === 6379);
    expect(toRedis).toHaveLength(38 + 1446);
    const ports = toRedis.map((s) => s.local.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.min(...ports)).toBe(60000);
    expect(Math.max(...ports)).toBeLessThanOrEqual(61499);
    expect(toRedis.filter((s) => s.state === 'TIME-WAIT')).toHaveLength(1446);
    // TIME-WAIT sockets belong to no process; live ones show their owner.
    expect(toRedis.find((s) => s.state === 'TIME-WAIT')!.processes).toEqual([]);
    expect(toRedis.find((s) => s.state === 'ESTAB')!.processes[0]).toMatchObject({ name: 'java', pid: 2231 });
    // The production evaluator reads the same story back: 99% of the range used towards the cache.
    const u = ephemeralUsage(indexSockets(f.sockets.value!), ephemeralSettings(f.sysctls.value));
    expect(u.level).toBe('exhausted');
    expect(u.worst).toMatchObject({ peer: '172.16.2.40:6379', used: 1484, timeWait: 1446 });
    expect(u.range).toEqual([60000, 61499]);
  });

  it('another destination may reuse a port; listeners and reserved ports are skipped; the range caps the count', () => {
    const world = loadScenario(
      scratch(`instances:
  - id: i-bp1zgnt4ziy3uaev8nva
    guest:
      sysctls:
        net.ipv4.ip_local_port_range: "40000\\t40009"
        net.ipv4.ip_local_reserved_ports: "40002,40004-40005"
      services:
        - { name: storefront-api, listen: ["0.0.0.0:40000"] }
      connections:
        - { count: 50, peer: "172.16.2.40:6379", state: TIME-WAIT }
        - { count: 3, peer: "110.75.150.15:443", process: java, pid: 2231 }
`),
      { now: NOW },
    );
    world.target = 'i-bp1zgnt4ziy3uaev8nva';
    const socks = collect(world).sockets.value!.filter((s) => s.state !== 'LISTEN');
    const redis = socks.filter((s) => s.peer.port === 6379).map((s) => s.local.port);
    // 10 ports, minus 3 reserved and 1 held by a listener: connect() can make only 6, then EADDRNOTAVAIL.
    expect(redis.sort()).toEqual([40001, 40003, 40006, 40007, 40008, 40009]);
    expect(socks.filter((s) => s.peer.port === 443).map((s) => s.local.port)).toEqual([40001, 40003, 40006]);
  });

  it('rejects a connection with both a peer and a local port, and a peer that is not HOST:PORT', () => {
    const both = scratch(`instances:
  - id: i-bp1zgnt4ziy3uaev8nva
    guest:
      connections: [{ count: 2, peer: "172.16.2.40:6379", localPort: 5000 }]
`);
    expect(() => loadScenario(both, { now: NOW })).toThrow(ScenarioError);
    expect(() => loadScenario(both, { now: NOW })).toThrow(/connections\[0\]\.localPort: give either peer/);
    const bad = scratch(`instances:
  - id: i-bp1zgnt4ziy3uaev8nva
    guest:
      connections: [{ count: 2, peer: "cache.internal:6379" }]
`);
    expect(() => loadScenario(bad, { now: NOW })).toThrow(
      /connections\[0\]\.peer: "cache.internal:6379" is not HOST:PORT/,
    );
  });
});

describe('resolvers that answer, but not with an address', () => {
  it('SERVFAIL through nslookup (bind 9.18 wording), read back per server', () => {
    const world = loadScenario('dns-servfail', { now: NOW });
    const f = collect(world);
    expect(f.resolv.value!.nameservers).toEqual(['172.16.2.53']);
    const per = f.dns.value!.filter((d) => d.server);
    expect(per).toEqual([expect.objectContaining({ server: '172.16.2.53', ok: false, error: 'SERVFAIL' })]);
    expect(f.dns.raw ?? '').toContain("** server can't find aliyun.com: SERVFAIL");
  });

  it('REFUSED through dig when nslookup is missing: no recursion offered, and dig warns', () => {
    const world = loadScenario(
      scratch(`instances:
  - id: i-bp1k6jsb2wslxp48772b
    guest:
      missingTools: [nslookup]
      dns: { answers: null, failure: REFUSED }
`),
      { now: NOW },
    );
    const out = execGuestCommand(world, world.target, COLLECT_SCRIPT, NOW).stdout;
    expect(out).toContain(';; ->>HEADER<<- opcode: QUERY, status: REFUSED');
    expect(out).toContain(';; flags: qr rd; QUERY: 1, ANSWER: 0');
    expect(out).toContain(';; WARNING: recursion requested but not available');
    const f = parseCollection(out, { at: NOW, via: 'ssh' });
    expect(f.dns.value!.filter((d) => d.server).map((d) => d.error)).toEqual(['REFUSED', 'REFUSED']);
  });

  it('NXDOMAIN stays the default for a name the resolver does not know', () => {
    const world = loadScenario(
      scratch(`instances:
  - id: i-bp1k6jsb2wslxp48772b
    guest:
      dns: { answers: null }
`),
      { now: NOW },
    );
    expect(
      collect(world)
        .dns.value!.filter((d) => d.server)
        .map((d) => d.error),
    ).toEqual(['NXDOMAIN', 'NXDOMAIN']);
  });

  it('rejects an unknown failure code', () => {
    const p = scratch(`instances:
  - id: i-bp1k6jsb2wslxp48772b
    guest:
      dns: { failure: TIMEOUT }
`);
    expect(() => loadScenario(p, { now: NOW })).toThrow(/dns\.failure.*NXDOMAIN, SERVFAIL, REFUSED/);
  });
});

describe('what an operator-side probe sees, as the simulator answers it', () => {
  const probe = (name: string, port: number) => {
    const w = loadScenario(name, { now: NOW });
    const inst = w.instances.find((i) => i.id === w.target)!;
    const eip = w.eips.find((e) => e.instanceId === inst.id)!.ip;
    return (answerProbe(w, { kind: 'tcp', host: eip, port }, NOW) as { outcome: string }).outcome;
  };

  it('a loopback-only listener is refused by the kernel; a firewall DROP or a missing address times out', () => {
    expect(probe('service-loopback-only', 8080)).toBe('refused');
    expect(probe('guest-firewall-reboot', 443)).toBe('timeout');
    expect(probe('guest-firewall-reboot', 80)).toBe('delivered');
    expect(probe('cloned-static-ip', 443)).toBe('timeout');
    expect(probe('secondary-eni-down', 443)).toBe('delivered');
  });
});

describe('expect.blocked may name guest-side evidence', () => {
  it('a firewall line, a hosts.deny line or a listener text of the target guest', () => {
    const w = loadScenario('hardening-acl-and-iptables', { now: NOW });
    expect(guestOf(w).firewall.iptables).toContain(w.expect.blocked!.rule!);
    const h = loadScenario('hosts-deny-office-moved', { now: NOW });
    expect(guestOf(h).hostsDeny).toContain(h.expect.blocked!.rule!);
  });

  it('but not text that appears nowhere in the scenario', () => {
    const p = scratch(`expect:
  codes: [GUEST_FIREWALL_DROP]
  blocked: { hop: guest-firewall-in, rule: "-A INPUT -p tcp --dport 9999 -j DROP" }
`);
    expect(() => loadScenario(p, { now: NOW })).toThrow(
      /expect\.blocked\.rule: .* nor text of the target's guest/,
    );
    const q = scratch(`expect:
  codes: [GUEST_NIC_DOWN]
  blocked: { hop: guest-nic, resource: eth7 }
`);
    expect(() => loadScenario(q, { now: NOW })).toThrow(/expect\.blocked\.resource: "eth7"/);
  });
});

/** The scenarios this suite is about (one per guest code, partial visibility, changes, two causes at once). */
const GUEST_SCENARIOS = [
  'secondary-eni-down',
  'cloned-static-ip',
  'guest-default-route-missing',
  'guest-firewall-reboot',
  'guest-egress-policy-drop',
  'hosts-deny-office-moved',
  'service-not-listening',
  'service-loopback-only',
  'mysql-disk-full',
  'dns-resolver-dead',
  'dns-servfail',
  'conntrack-table-full',
  'ephemeral-ports-exhausted',
  'network-manager-failed',
  'ram-no-acl-read',
  'ram-no-audit-trail',
  'route-table-swapped',
  'hardening-acl-and-iptables',
  'decommission-wrong-server',
  'cleanup-snat-and-resolver',
  'sale-peak-conntrack-bandwidth',
];

describe('the scenario catalogue', () => {
  const all = listScenarios().filter((s) => s.name !== 'fleet');
  const worlds = all.map((s) => loadScenario(s.name, { now: NOW }));

  it('has a scenario expecting every guest finding code, SOURCE_UNAVAILABLE and RECENT_CHANGE', () => {
    const codes = new Set(worlds.flatMap((w) => w.expect.codes));
    const wanted = FINDING_CODES.filter((c) => FINDING_LAYER[c] === 'guest' || FINDING_LAYER[c] === 'any');
    expect(wanted.length).toBe(16);
    for (const c of wanted) expect([...codes], c).toContain(c);
  });

  it('has a RECENT_CHANGE caused by something other than a security group', () => {
    const nonSg = worlds.filter(
      (w) =>
        w.expect.codes.includes('RECENT_CHANGE') &&
        w.events.some((e) => /RouteTable|RouteEntry|NetworkAcl/.test(e.name)) &&
        !w.events.some((e) => /SecurityGroup/.test(e.name) && e.time > NOW - 86_400_000),
    );
    expect(nonSg.map((w) => w.name).length).toBeGreaterThanOrEqual(1);
  });

  it('has at least four incidents with two independent causes, each expected', () => {
    const meta = new Set(['RECENT_CHANGE', 'SOURCE_UNAVAILABLE']);
    const twoCause = [
      'hardening-acl-and-iptables',
      'decommission-wrong-server',
      'cleanup-snat-and-resolver',
      'sale-peak-conntrack-bandwidth',
    ];
    for (const name of twoCause) {
      const w = worlds.find((x) => x.name === name);
      const causes = (w?.expect.codes ?? []).filter((c) => !meta.has(c));
      expect(causes.length, name).toBeGreaterThanOrEqual(2);
      // Two different layers, or two different hops: not one fault seen twice.
      expect(
        new Set(causes.map((c) => FINDING_LAYER[c])).size + (causes.length > 2 ? 1 : 0),
        name,
      ).toBeGreaterThanOrEqual(2);
    }
  });

  it('each guest and two-cause scenario tells its story: title, a paragraph, intents it needs, an exit code', () => {
    for (const name of GUEST_SCENARIOS) {
      const w = worlds.find((x) => x.name === name);
      expect(w, name).toBeDefined();
      if (!w) continue;
      expect(w.title.length, name).toBeGreaterThan(20);
      expect(w.description?.length ?? 0, name).toBeGreaterThan(300);
      expect(w.expect.codes.length, name).toBeGreaterThan(0);
      expect(w.expect.exit, name).toBeDefined();
      // Intents are stated when the defaults (SSH from me, listening public ports, out 443, DNS) would miss it.
      if (w.expect.blocked?.intent) expect(w.intents ?? [], name).not.toHaveLength(0);
    }
  });
});
