/**
 * parse(render(world)) reproduces the world's guest: every built-in scenario's guests go through the
 * simulator's answer to the real collection script and the production parsers. Image flavours, missing
 * tools, denied sections, locales and bulk connections take the script's fallback paths.
 */
import { describe, expect, it } from 'vitest';
import { parseCollection } from '../../../source/guest/collection.js';
import { buildCollectScript, COLLECT_SCRIPT } from '../../../source/guest/script/collect.js';
import { KERNEL_PATTERN } from '../../../source/guest/script/sections.js';
import type { GuestFacts } from '../../../source/model/index.js';
import { execGuestCommand } from '../../../source/sim/guest/exec.js';
import { listScenarios, loadScenario } from '../../../source/sim/scenario/load.js';
import type { GuestWorld, World, WorldInstance } from '../../../source/sim/world.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function collect(world: World, inst: WorldInstance, script = COLLECT_SCRIPT, now = NOW): GuestFacts {
  const r = execGuestCommand(world, inst.id, script, now);
  expect(r.code).toBe(0);
  return parseCollection(r.stdout, { at: now, via: 'ssh' });
}

const basename = (p: string) => p.replace(/^.*\//, '');

/** The listeners the world says exist: active services' listen lists and the world's own sockets. */
function expectedListeners(g: GuestWorld): string[] {
  const dead = new Set(
    g.services
      .filter((s) => s.active !== 'active')
      .flatMap((s) => [s.name, ...(s.binary ? [basename(s.binary)] : [])]),
  );
  const out: string[] = [];
  const norm = (spec: string) => spec.replace(/^\[(.*)\]:/, '$1:').replace(/^\*:/, '*:');
  for (const s of g.services) {
    if (s.active !== 'active') continue;
    for (const l of s.listen ?? []) {
      const m = /^(?:(tcp|udp)\s+)?(.*?)(?:\/(tcp|udp))?$/.exec(l)!;
      out.push(`${m[1] ?? m[3] ?? 'tcp'} ${norm(m[2])}`);
    }
  }
  for (const s of g.sockets)
    if ((s.state === 'LISTEN' || s.state === 'UNCONN') && !(s.process && dead.has(s.process)))
      out.push(`${s.proto} ${norm(s.local)}`);
  return out.sort();
}

function checkGuest(g: GuestWorld, f: GuestFacts): void {
  const errors = Object.entries(f)
    .filter(([, v]) => v && typeof v === 'object' && 'error' in v && v.error)
    .map(([k, v]) => `${k}: ${(v as { error: { code: string } }).error.code}`);
  expect(errors.filter((e) => !/^(conntrack: NOT_LOADED)$/.test(e))).toEqual([]);
  expect([f.hostname, f.kernel]).toEqual([g.hostname, g.kernel]);

  // Interfaces: every world interface, with its admin state, carrier and addresses.
  for (const spec of g.interfaces) {
    const i = f.interfaces.value!.find((x) => x.name === spec.name)!;
    expect([spec.name, i.adminUp, i.addresses.map((a) => `${a.address}/${a.prefixLen}`)]).toEqual([
      spec.name,
      spec.up,
      spec.addresses,
    ]);
    if (spec.name !== 'lo')
      expect([spec.name, i.carrier]).toEqual([
        spec.name,
        spec.up && spec.carrier !== false ? true : spec.up ? false : undefined,
      ]);
    if (spec.mtu) expect(i.mtu).toBe(spec.mtu);
  }

  // Routes: those through an interface that is up, as the world states them.
  const down = new Set(g.interfaces.filter((i) => !i.up).map((i) => i.name));
  const want = g.routes
    .filter((r) => !r.dev || !down.has(r.dev))
    .map((r) => `${r.table ?? 'main'} ${r.dst} ${r.via ?? '-'} ${r.dev ?? '-'} ${r.metric ?? '-'}`)
    .sort();
  const got = f.routes
    .value!.map(
      (r) =>
        `${r.table} ${r.dst.replace(/\/(32|128)$/, '')} ${r.gateway ?? '-'} ${r.dev ?? '-'} ${r.family === 6 && r.metric === 1024 && !want.some((w) => w.includes(r.dst)) ? '-' : (r.metric ?? '-')}`,
    )
    .sort();
  expect(got).toEqual(want.map((w) => w.replace(/ ([0-9a-f:.]+)\/(32|128) /, ' $1 ')));

  // Firewall: every rule of the world's iptables text comes back, in order.
  const ruleLines = (g.firewall.iptables ?? '')
    .split('\n')
    .map((l) => l.trim().replace(/^\[\d+:\d+\]\s+/, ''))
    .filter((l) => l.startsWith('-A '));
  const parsed = Object.values(f.firewall.value?.ipv4?.tables ?? {}).flatMap((t) =>
    Object.values(t.chains).flatMap((c) => c.rules.map((r) => r.raw.replace(/^\[\d+:\d+\]\s+/, ''))),
  );
  expect(parsed.sort()).toEqual(ruleLines.sort());
  const backend = g.firewall.backend;
  if (backend === 'iptables-nft' && ruleLines.length) expect(f.firewall.value?.backend).toBe('iptables-nft');
  if (backend === 'iptables-legacy' && ruleLines.length)
    expect(f.firewall.value?.backend).toBe('iptables-legacy');

  // Services: state, pid and binary of every world service the script asks about or that listens.
  for (const s of g.services) {
    const p = f.services.value!.find((x) => x.name === s.name);
    if (!p) {
      expect(s.listen?.length && s.active === 'active', `service ${s.name} missing`).toBeFalsy();
      continue;
    }
    expect([s.name, p.active, p.sub]).toEqual([
      s.name,
      s.active,
      s.sub ?? (s.active === 'active' ? 'running' : s.active === 'failed' ? 'failed' : 'dead'),
    ]);
    if (s.active === 'active' && s.mainPid) expect(p.mainPid).toBe(s.mainPid);
    if (s.binary) expect(p.binary).toBe(s.binary);
    if (s.since) expect(p.since).toBe(s.since.replace(/\.\d{3}Z$/, 'Z'));
    if (s.binary && s.libwrap !== undefined && ['/usr/sbin/sshd'].includes(s.binary))
      expect(f.tcpWrappers.value!.libwrap[s.binary]).toBe(s.libwrap);
  }
  for (const s of g.networkServices)
    expect(f.networkServices.value!.find((x) => x.name === s.name)?.active).toBe(s.active);

  // Sockets: the listeners the world implies, each with its owning process.
  const listeners = f.sockets
    .value!.filter((s) => s.state === 'LISTEN' || (s.proto === 'udp' && s.state === 'UNCONN'))
    .map((s) => `${s.proto} ${s.local.address}:${s.local.port}`)
    .sort();
  expect(listeners).toEqual(expectedListeners(g));
  const bulk = (g.connections ?? []).reduce((n, c) => n + c.count, 0);
  const tcpSockets = f.sockets.value!.filter((s) => s.proto === 'tcp').length;
  expect(Object.values(f.socketStates.value!).reduce((a, b) => a + b, 0)).toBe(Math.max(tcpSockets, bulk));

  // Resolver, tcp wrappers, counters, kernel log, sysctls.
  const ns = g.resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter(Boolean);
  expect(f.resolv.value!.nameservers).toEqual(ns);
  const rules = (text: string) =>
    text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).length;
  expect(f.tcpWrappers.value!.deny.length).toBe(rules(g.hostsDeny));
  expect(f.tcpWrappers.value!.allow.length).toBe(rules(g.hostsAllow));
  if (g.conntrack.max) expect(f.conntrack.value).toEqual(g.conntrack);
  expect(f.kernelLog.value!.length).toBe(
    g.kernelLog.filter((l) => new RegExp(KERNEL_PATTERN).test(l)).length,
  );
  for (const k of ['net.ipv4.ip_forward', 'net.ipv4.tcp_tw_reuse'])
    if (g.sysctls[k] !== undefined) expect(f.sysctls.value![k]).toBe(g.sysctls[k]);
  expect(f.netdev.value!.map((n) => n.iface).sort()).toEqual(
    [...new Set(['lo', ...g.interfaces.map((i) => i.name)])].sort(),
  );
  // DNS: the system resolver and each nameserver say what the world says.
  const name = 'aliyun.com';
  const sys = f.dns.value!.find((d) => !d.server)!;
  expect(sys.ok).toBe(g.dns.reachable && ns.length > 0 && !!g.dns.answers[name]?.length);
  if (sys.ok) expect(sys.addresses).toEqual(g.dns.answers[name]);
}

describe('every built-in scenario round-trips through the collection', () => {
  const names = listScenarios().map((s) => s.name);
  it('there are scenarios to check', () => expect(names.length).toBeGreaterThan(3));
  for (const name of names) {
    it(name, () => {
      const world = loadScenario(name, { now: NOW });
      const guests = world.instances.filter((i) => i.guest && i.status === 'Running');
      for (const inst of guests.slice(0, 3)) checkGuest(inst.guest!, collect(world, inst));
    });
  }
});

describe('flavours and fallbacks', () => {
  const fresh = () => {
    const world = loadScenario('storefront', { now: NOW });
    const inst =
      world.instances.find((i) => i.id === world.target || i.name === world.target) ?? world.instances[0];
    return { world, inst, g: inst.guest! };
  };

  it('CentOS 7: plain ip, netstat, iptables 1.4.21 legacy, no nft — the same facts', () => {
    const { world, inst, g } = fresh();
    g.os = 'centos7';
    g.firewall = {
      backend: 'iptables-legacy',
      iptables: '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 443 -j DROP\nCOMMIT\n',
    };
    const out = execGuestCommand(world, inst.id, COLLECT_SCRIPT, NOW).stdout;
    expect(out).toMatch(
      /TOOL ip\n\d+: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1\n/,
    );
    expect(out).toContain('TOOL netstat\nActive Internet connections (only servers)');
    expect(out).toContain('# Generated by iptables-save v1.4.21 on');
    const f = parseCollection(out, { at: NOW, via: 'ssh' });
    checkGuest(g, f);
    expect(f.firewall.value?.backend).toBe('iptables-legacy');
    expect(f.firewall.value?.nft).toBeUndefined();
    expect(f.firewall.warnings?.join()).toMatch(/nft is not installed/);
  });

  it('missing tools: ss and netstat gone → a named error; systemctl gone → the SysV fallback', () => {
    const { world, inst, g } = fresh();
    g.missingTools = ['ss', 'netstat', 'systemctl'];
    const f = collect(world, inst);
    expect(f.sockets.error).toMatchObject({
      code: 'TOOL_MISSING',
      message: expect.stringMatching(/^ss and netstat are not installed/),
    });
    expect(f.socketStates.error?.code).toBe('TOOL_MISSING');
    expect(f.services.value!.map((s) => [s.name, s.active, s.via])).toEqual(
      g.services
        .filter((s) => ['ssh', 'sshd', 'nginx'].includes(s.name))
        .map((s) => [s.name, s.active === 'failed' ? 'failed' : s.active, 'service']),
    );
    expect(f.interfaces.error).toBeUndefined();
  });

  it('denied sections fail like the tools fail without root; the rest is read', () => {
    const { world, inst, g } = fresh();
    g.deniedSections = ['iptables', 'ip6tables', 'nft', 'kernel-log', 'sockets'];
    const f = collect(world, inst);
    expect(f.firewall.error?.code).toBe('PERMISSION_DENIED');
    expect(f.kernelLog.error?.code).toBe('PERMISSION_DENIED');
    expect(f.sockets.value!.filter((s) => s.state === 'LISTEN').every((s) => s.processes.length === 0)).toBe(
      true,
    );
    expect(f.interfaces.error).toBeUndefined();
    expect(f.routes.error).toBeUndefined();
  });

  it('a German guest without ss: translated netstat still parses', () => {
    const { world, inst, g } = fresh();
    g.locale = 'de_DE.UTF-8';
    g.missingTools = ['ss'];
    g.services.find((s) => s.name === 'nginx')!.active = 'active';
    g.services.find((s) => s.name === 'nginx')!.listen = ['0.0.0.0:80', '[::]:443'];
    const out = execGuestCommand(world, inst.id, COLLECT_SCRIPT, NOW).stdout;
    expect(out).toContain('Aktive Internetverbindungen (Nur Server)');
    checkGuest(g, parseCollection(out, { at: NOW, via: 'ssh' }));
  });

  it('20,000 connections: the list is capped, the state counts are exact, and it stays fast', () => {
    const { world, inst, g } = fresh();
    g.connections = [{ count: 20_000, localPort: 443, process: 'nginx', pid: 1187 }];
    g.services.find((s) => s.name === 'nginx')!.active = 'active';
    const t0 = performance.now();
    const r = execGuestCommand(world, inst.id, COLLECT_SCRIPT, NOW);
    const f = parseCollection(r.stdout, { at: NOW, via: 'ssh' });
    const ms = performance.now() - t0;
    expect(f.socketStates.value!.ESTAB).toBe(
      20_000 + g.sockets.filter((s) => s.state === 'ESTAB' && s.proto === 'tcp').length,
    );
    expect(f.sockets.value!.filter((s) => s.state === 'ESTAB').length).toBe(2000);
    expect(f.sockets.warnings?.join()).toMatch(/only the first 2000 connected sockets/);
    expect(r.stdout.length).toBeLessThan(400_000);
    expect(ms).toBeLessThan(3000);
  });

  it('the cap and lookup name are taken from the script it is sent', () => {
    const { world, inst, g } = fresh();
    g.dns.answers['example.org'] = ['198.51.100.7'];
    const f = collect(
      world,
      inst,
      buildCollectScript({ lookupName: 'example.org', sections: ['dns', 'resolv'] }),
    );
    expect(f.dns.value!.find((d) => !d.server)).toMatchObject({
      name: 'example.org',
      ok: true,
      addresses: ['198.51.100.7'],
    });
    expect(f.interfaces.error?.code).toBe('SECTION_MISSING');
  });

  it('an unreachable resolver: the lookups time out, as on a real guest', () => {
    const { world, inst, g } = fresh();
    g.dns.reachable = false;
    const f = collect(world, inst);
    expect(f.dns.value!.map((d) => d.error)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('/proc/net/dev counters grow with the clock at the world rate', () => {
    const { world, inst, g } = fresh();
    const a = collect(world, inst, COLLECT_SCRIPT, NOW).netdev.value!.find((n) => n.iface === 'eth0')!;
    const b = collect(world, inst, COLLECT_SCRIPT, NOW + 10_000).netdev.value!.find(
      (n) => n.iface === 'eth0',
    )!;
    expect(b.rxBytes - a.rxBytes).toBe(g.traffic.eth0.rxBps * 10);
    expect(b.txBytes - a.txBytes).toBe(g.traffic.eth0.txBps * 10);
  });
});
