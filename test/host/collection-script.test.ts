/**
 * The collection script run for real inside network namespaces built with known state: addresses, a downed
 * NIC, a NIC without carrier, routes, iptables (nf_tables) and nft rules, a loopback-only and a wildcard
 * listener, a resolver at an unreachable 198.18.x address, hosts.deny lines. The parsed facts must match
 * what was built — as root under dash, with ss missing from PATH, as nobody, with a non-C LANG, and with a
 * section that hangs past its time budget.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCollection } from '../../source/guest/collection.js';
import { buildCollectScript, COLLECT_SCRIPT } from '../../source/guest/script/collect.js';
import { splitCollection } from '../../source/guest/script/split.js';
import type { GuestFacts, GuestSocket } from '../../source/model/index.js';
import { createNsHost, type NsHost } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

const UNREACHABLE_DNS = '198.18.255.254';

/**
 * Sockets without the script's own DNS lookups (UDP to the resolver): the sockets section runs while the DNS
 * section's lookups are in flight, so whether ss sees one, two or none of them depends on timing.
 */
function ownLookupsAside(sockets: GuestSocket[]): GuestSocket[] {
  return sockets.filter((s) => !(s.proto === 'udp' && s.peer.address === UNREACHABLE_DNS));
}

function hasLocale(name: string): boolean {
  const r = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  return (
    r.status === 0 &&
    r.stdout.split('\n').some((l) => l.toLowerCase().replace('-', '') === name.toLowerCase().replace('-', ''))
  );
}

describe.runIf(tierReady(hostTier()))('the collection script in a network namespace', () => {
  let host: NsHost;
  let script: string;
  let facts: GuestFacts;
  let rootOutput: string;

  const run = async (cmd: string, timeoutMs = 60_000) => {
    const r = await host.sh(cmd, timeoutMs);
    return r;
  };

  beforeAll(async () => {
    host = await createNsHost();
    script = join(host.tmp, 'collect.sh');
    writeFileSync(script, COLLECT_SCRIPT, { mode: 0o644 });
    // The non-root run must be able to read the script.
    chmodSync(host.tmp, 0o755);
    // Resolver at an address nobody answers for; hosts.deny with two rules; hosts.allow with one.
    await host.etc(
      'resolv.conf',
      `search corp.example\nnameserver ${UNREACHABLE_DNS}\noptions timeout:1 attempts:1\n`,
    );
    await host.etc('hosts.deny', 'sshd: 198.51.100.0/24, .bad.example\nALL EXCEPT sshd: 203.0.113.\n');
    await host.etc('hosts.allow', 'sshd: 198.18.0.0/255.254.0.0\n');
    const forwarding = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1';
    const setup = [
      // ndv0: administratively down (the downed NIC). ndv2: up, but its peer is down (no carrier).
      'ip link add ndv0 type veth peer name ndv1',
      'ip addr add 198.19.200.10/24 dev ndv0',
      'ip link add ndv2 type veth peer name ndv3',
      'ip addr add 198.19.201.10/24 dev ndv2',
      'ip link set ndv2 up',
      `ip route add 198.19.210.0/24 via ${host.peerIp} metric 50`,
      'ip route add blackhole 198.19.211.0/24',
      `ip route add default via ${host.peerIp} table 100`,
      'ip rule add from 198.19.201.10 lookup 100 pref 1000',
      'sysctl -q -w net.ipv4.conf.all.rp_filter=1',
      'iptables -A INPUT -p tcp --dport 2222 -j DROP',
      'iptables -A INPUT -s 198.19.9.0/24 -m comment --comment "bad net" -j REJECT',
      'ip6tables -A INPUT -p tcp --dport 2222 -j DROP',
      'nft add table inet nd',
      "nft add chain inet nd input '{ type filter hook input priority 0; policy accept; }'",
      'nft add rule inet nd input tcp dport 3306 drop comment \\"db\\"',
      // If the root namespace forwarded, the lookups would leave the machine: drop them here instead.
      ...(forwarding ? [`iptables -A OUTPUT -d ${UNREACHABLE_DNS} -j DROP`] : []),
    ].join(' && ');
    const r = await run(setup);
    if (r.code !== 0) throw new Error(`namespace setup failed: ${r.stderr}`);
    host.spawn('socat', ['TCP4-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork', 'EXEC:true']);
    host.spawn('socat', ['TCP4-LISTEN:8081,bind=0.0.0.0,reuseaddr,fork', 'EXEC:true']);
    for (let i = 0; i < 50; i++) {
      const ss = await run('ss -Htln');
      if (ss.stdout.includes('127.0.0.1:8080') && ss.stdout.includes('0.0.0.0:8081')) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const out = await run(`dash ${script}`);
    expect(out.code).toBe(0);
    rootOutput = out.stdout;
    facts = parseCollection(rootOutput, { at: Date.now(), via: 'local' });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('as root under dash: every section ends, none fails', () => {
    const split = splitCollection(rootOutput);
    expect(split.done).toBe(true);
    for (const s of split.sections.values()) expect([s.name, s.complete]).toEqual([s.name, true]);
    const errors = Object.entries(facts)
      .filter(([, v]) => v && typeof v === 'object' && 'error' in v && v.error)
      .map(([k, v]) => `${k}: ${(v as { error: { code: string } }).error.code}`);
    expect(errors).toEqual([]);
    console.info(
      `collection in a namespace took ${split.totalMs} ms (script ${COLLECT_SCRIPT.length} bytes)`,
    );
  });

  it('interfaces: addresses, the downed NIC, the NIC without carrier', () => {
    const byName = Object.fromEntries(facts.interfaces.value!.map((i) => [i.name, i]));
    expect(byName.eth0.addresses.find((a) => a.family === 4)).toEqual({
      family: 4,
      address: host.ip,
      prefixLen: 30,
      scope: 'global',
    });
    expect([byName.eth0.adminUp, byName.eth0.carrier, byName.eth0.operState]).toEqual([true, true, 'UP']);
    expect([byName.ndv0.adminUp, byName.ndv0.operState]).toEqual([false, 'DOWN']);
    expect(byName.ndv0.addresses.map((a) => a.address)).toEqual(['198.19.200.10']);
    expect([byName.ndv2.adminUp, byName.ndv2.carrier]).toEqual([true, false]);
  });

  it('routes and policy rules', () => {
    const r = facts.routes.value!;
    expect(r.find((x) => x.dst === 'default' && x.table === 'main')).toMatchObject({
      gateway: host.peerIp,
      dev: 'eth0',
    });
    expect(r.find((x) => x.dst === 'default' && x.table === '100')).toMatchObject({ gateway: host.peerIp });
    expect(r.find((x) => x.dst === '198.19.210.0/24')).toMatchObject({ gateway: host.peerIp, metric: 50 });
    expect(r.find((x) => x.dst === '198.19.211.0/24')?.type).toBe('blackhole');
    // The downed NIC's connected route is gone; the one without carrier is marked linkdown.
    expect(r.some((x) => x.dst === '198.19.200.0/24')).toBe(false);
    expect(r.find((x) => x.dst === '198.19.201.0/24')?.flags).toContain('linkdown');
    expect(facts.policyRules.value!.find((p) => p.priority === 1000)).toMatchObject({
      from: '198.19.201.10',
      table: '100',
    });
  });

  it('firewall: the iptables-nft rules and the native nft table', () => {
    const fw = facts.firewall.value!;
    expect(fw.backend).toBe('iptables-nft');
    const input = fw.ipv4!.tables.filter.chains.INPUT.rules;
    expect(input[0]).toMatchObject({
      protocol: { value: 'tcp', negated: false },
      target: 'DROP',
      matches: [{ module: 'tcp', options: [{ name: 'dport', negated: false, values: ['2222'] }] }],
    });
    expect(input[1]).toMatchObject({
      source: { value: '198.19.9.0/24', negated: false },
      target: 'REJECT',
      matches: [{ module: 'comment', options: [{ name: 'comment', negated: false, values: ['bad net'] }] }],
    });
    expect(fw.ipv6!.tables.filter.chains.INPUT.rules).toHaveLength(1);
    const nd = fw.nft!.chains.find((c) => c.table === 'nd')!;
    expect([nd.family, nd.hook, nd.policy, nd.rules.length, nd.rules[0].comment]).toEqual([
      'inet',
      'input',
      'accept',
      1,
      'db',
    ]);
  });

  it('sockets: the loopback-only and the wildcard listener, with their process', () => {
    const l = facts.sockets.value!.filter((s) => s.state === 'LISTEN');
    expect(l.find((s) => s.local.port === 8080)).toMatchObject({
      local: { address: '127.0.0.1', port: 8080 },
      processes: [{ name: 'socat' }],
    });
    expect(l.find((s) => s.local.port === 8081)?.local.address).toBe('0.0.0.0');
    expect(facts.socketStates.value!.LISTEN).toBeGreaterThanOrEqual(2);
  });

  it('resolver, failed lookups, tcp wrappers, sysctls', () => {
    expect(facts.resolv.value).toMatchObject({
      nameservers: [UNREACHABLE_DNS],
      search: ['corp.example'],
      options: ['timeout:1', 'attempts:1'],
    });
    const dns = facts.dns.value!;
    expect(dns.map((d) => [d.server, d.ok])).toEqual([
      [undefined, false],
      [UNREACHABLE_DNS, false],
    ]);
    expect(['timeout', 'unreachable']).toContain(dns[1].error);
    expect(facts.tcpWrappers.value!.deny.map((r) => [r.daemons, r.clients])).toEqual([
      [['sshd'], ['198.51.100.0/24', '.bad.example']],
      [['ALL', 'EXCEPT', 'sshd'], ['203.0.113.']],
    ]);
    expect(facts.tcpWrappers.value!.allow).toHaveLength(1);
    expect(facts.sysctls.value!['net.ipv4.conf.all.rp_filter']).toBe('1');
    expect(facts.netdev.value!.map((n) => n.iface)).toEqual(
      expect.arrayContaining(['lo', 'eth0', 'ndv0', 'ndv2']),
    );
    expect(facts.links.value!.find((l) => l.iface === 'ndv2')?.linkDetected).toBe(false);
  });

  it('with ss removed from PATH, netstat takes over and the same listeners come back', async () => {
    const bin = join(host.tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const f of readdirSync('/usr/bin')) {
      if (f === 'ss') continue;
      try {
        symlinkSync(join('/usr/bin', f), join(bin, f));
      } catch {}
    }
    const r = await run(`env -i PATH=${bin}:/usr/sbin:/sbin dash ${script}`);
    const split = splitCollection(r.stdout);
    expect(split.sections.get('sockets')?.tool).toBe('netstat');
    const g = parseCollection(r.stdout, { at: 0, via: 'local' });
    expect(g.sockets.error).toBeUndefined();
    const ports = (f: GuestFacts) =>
      f.sockets
        .value!.filter((s) => s.state === 'LISTEN')
        .map((s) => `${s.local.address}:${s.local.port}`)
        .sort();
    expect(ports(g)).toEqual(ports(facts));
  });

  it('as nobody: permission errors are named, everything else is read', async () => {
    const r = await run(`setpriv --reuid=65534 --regid=65534 --clear-groups dash ${script}`);
    const g = parseCollection(r.stdout, { at: 0, via: 'local' });
    expect(g.firewall.error).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(g.firewall.error?.hint).toMatch(/root|sudo/);
    expect(g.kernelLog.error?.code).toBe('PERMISSION_DENIED');
    for (const k of [
      'interfaces',
      'routes',
      'policyRules',
      'sockets',
      'resolv',
      'tcpWrappers',
      'conntrack',
      'netdev',
      'sysctls',
    ] as const)
      expect([k, g[k].error]).toEqual([k, undefined]);
    expect(g.sockets.value!.find((s) => s.local.port === 8080)?.processes).toEqual([]);
  });

  it.runIf(hasLocale('zh_CN.utf8'))(
    'with LANG=zh_CN.UTF-8 the facts are the same (the script forces C)',
    async () => {
      const r = await run(`LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 dash ${script}`);
      expect(ownLookupsAside(parseCollection(r.stdout, { at: 0, via: 'local' }).sockets.value!).length).toBe(
        ownLookupsAside(facts.sockets.value!).length,
      );
    },
  );

  it('with a non-C LANG set (the locale need not exist) the output is still C', async () => {
    if (!hasLocale('zh_CN.utf8'))
      console.warn('zh_CN.UTF-8 is not installed here: checking that a non-C LANG is overridden instead');
    const r = await run(`LANG=zh_CN.UTF-8 LANGUAGE=zh_CN dash ${script}`);
    const g = parseCollection(r.stdout, { at: 0, via: 'local' });
    expect(g.interfaces.value!.map((i) => i.name).sort()).toEqual(
      facts.interfaces.value!.map((i) => i.name).sort(),
    );
    expect(g.firewall.value?.backend).toBe('iptables-nft');
  });

  it('a section that hangs past its budget is stopped and named; the others finish', async () => {
    // The resolver never answers and getent is given 5 s per try: a 1 s budget for the DNS section runs out.
    await host.etc('resolv.conf', `nameserver ${UNREACHABLE_DNS}\noptions timeout:5 attempts:2\n`);
    const slow = join(host.tmp, 'slow.sh');
    writeFileSync(slow, buildCollectScript({ sections: ['system', 'dns', 'resolv'], timeouts: { dns: 1 } }));
    const t0 = Date.now();
    const r = await run(`dash ${slow}`);
    const elapsed = Date.now() - t0;
    const g = parseCollection(r.stdout, { at: 0, via: 'local' });
    expect(g.dns.error).toMatchObject({ code: 'TIMEOUT' });
    expect(g.resolv.error).toBeUndefined();
    expect(g.hostname).toBeDefined();
    expect(elapsed).toBeLessThan(5000);
    // The same with the whole run's budget at 1 s: the DNS section (default 9 s) gets only what is left.
    writeFileSync(slow, buildCollectScript({ sections: ['system', 'dns', 'resolv'], budgetSeconds: 1 }));
    const t1 = Date.now();
    const b = parseCollection((await run(`dash ${slow}`)).stdout, { at: 0, via: 'local' });
    expect(b.dns.error?.code).toBe('TIMEOUT');
    expect(Date.now() - t1).toBeLessThan(5000);
  });
});
