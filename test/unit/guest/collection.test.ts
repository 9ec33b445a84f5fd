/**
 * parseCollection on the collection script's real output (run under dash in network namespaces by
 * capture.sh, as root and as nobody), and on that output with every kind of failure injected: a missing
 * tool, a permission error, a timeout, CRLF, output cut short, garbage, an absent section, non-English
 * netstat, a login banner, a forged marker. Every other section must still parse.
 */
import { describe, expect, it } from 'vitest';
import { parseCollection } from '../../../source/guest/collection.js';
import { splitCollection, splitItems } from '../../../source/guest/script/split.js';
import { crlf, fixture } from './fixtures.js';

const ROOT = fixture('collection', 'netns-a-root');
const NOBODY = fixture('collection', 'netns-b-nobody');
const id = splitCollection(ROOT).id!;
const at = 1_790_000_000_000;
const parse = (text: string) => parseCollection(text, { at, via: 'ssh' });

/** Replaces one section of a collection output (keeps the framing of the real script). */
function withSection(
  text: string,
  name: string,
  s: { tool?: string; stdout: string; stderr?: string; rc: number },
): string {
  const p = `@@ND:${id}:`;
  const re = new RegExp(`${p}BEGIN ${name}\\n[\\s\\S]*?${p}END ${name} rc=\\d+ ms=\\d+\\n`);
  const body = [
    `${p}BEGIN ${name}`,
    ...(s.tool ? [`${p}TOOL ${s.tool}`] : []),
    ...(s.stdout ? [s.stdout] : []),
    '',
    ...(s.stderr ? [`${p}STDERR ${name}`, s.stderr, ''] : []),
    `${p}END ${name} rc=${s.rc} ms=5000`,
  ].join('\n');
  expect(re.test(text)).toBe(true);
  return text.replace(re, `${body}\n`);
}

function without(text: string, name: string): string {
  const p = `@@ND:${id}:`;
  return text.replace(new RegExp(`${p}BEGIN ${name}\\n[\\s\\S]*?${p}END ${name} rc=\\d+ ms=\\d+\\n`), '');
}

const factKeys = [
  'interfaces',
  'routes',
  'policyRules',
  'firewall',
  'sockets',
  'socketStates',
  'services',
  'networkServices',
  'resolv',
  'dns',
  'tcpWrappers',
  'conntrack',
  'kernelLog',
  'netdev',
  'links',
  'sysctls',
] as const;

describe('the real script output, as root (netns A: iptables-nft rules, listeners, a downed NIC)', () => {
  const g = parse(ROOT);

  it('reads every section without an error', () => {
    for (const k of factKeys) expect([k, g[k].error]).toEqual([k, undefined]);
    expect([g.via, g.hostname, g.os]).toEqual(['ssh', 'vm', 'Debian GNU/Linux 12 (bookworm)']);
  });

  it('interfaces, routes and policy rules match what capture.sh built', () => {
    const byName = Object.fromEntries(g.interfaces.value!.map((i) => [i.name, i]));
    expect([byName.eth2.adminUp, byName.eth1.adminUp, byName.eth1.carrier, byName.eth0.carrier]).toEqual([
      false,
      true,
      false,
      true,
    ]);
    expect(byName.eth1.addresses.map((a) => a.address)).toEqual(['198.19.253.10', '198.19.253.11']);
    const defaults = g.routes
      .value!.filter((r) => r.dst === 'default')
      .map((r) => `${r.family} ${r.table} ${r.gateway}`);
    expect(defaults).toEqual(['4 100 198.19.254.1', '4 main 198.19.254.1', '6 main 2001:db8:254::1']);
    expect(g.policyRules.value!.map((r) => r.priority)).toEqual([0, 1000, 1001, 1002, 32766, 32767]);
  });

  it('firewall: iptables-nft, rules read, counters kept, nft view present', () => {
    const fw = g.firewall.value!;
    expect(fw.backend).toBe('iptables-nft');
    expect(Object.keys(fw.ipv4!.tables.filter.chains)).toEqual(['INPUT', 'FORWARD', 'OUTPUT', 'WEB']);
    expect(fw.ipv4!.tables.filter.chains.INPUT.rules).toHaveLength(10);
    expect(fw.ipv6!.tables.filter.chains.INPUT.policy).toBe('DROP');
    expect(fw.nft!.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip filter', 'ip nat', 'ip6 filter']);
    expect(g.firewall.raw).toContain(
      '-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "web traffic to nginx" -j WEB',
    );
  });

  it('sockets: listeners with processes, loopback and wildcard, and state counts', () => {
    const listen = g.sockets.value!.filter((s) => s.state === 'LISTEN' || s.state === 'UNCONN');
    expect(
      listen
        .map((s) => `${s.proto} ${s.local.address}:${s.local.port} ${s.v6only} ${s.processes[0]?.name}`)
        .sort(),
    ).toEqual([
      'tcp *:8443 false socat',
      'tcp 0.0.0.0:80 undefined socat',
      'tcp 127.0.0.1:8080 undefined socat',
      'tcp :::443 true socat',
      'udp 0.0.0.0:5353 undefined socat',
    ]);
    expect(g.sockets.value!.filter((s) => s.state === 'ESTAB')).toHaveLength(4);
    expect(g.socketStates.value).toEqual({ ESTAB: 4, LISTEN: 4 });
  });

  it('resolver, lookups, tcp wrappers, conntrack, counters, links, sysctls', () => {
    expect(g.resolv.value).toEqual({
      nameservers: ['198.19.254.1'],
      search: [],
      options: ['timeout:1', 'attempts:1'],
      target: '/etc/resolv.conf',
    });
    expect(g.dns.value!.map((d) => [d.server, d.ok, d.error])).toEqual([
      [undefined, false, 'not-found'],
      ['198.19.254.1', false, 'unreachable'],
    ]);
    expect(g.tcpWrappers.value!.deny.map((r) => [r.line, r.daemons, r.clients])).toEqual([
      [1, ['sshd'], ['198.19.9.0/24', '.bad.example']],
      [2, ['ALL', 'EXCEPT', 'sshd'], ['ALL']],
    ]);
    expect(g.tcpWrappers.value!.libwrap.sshd).toBe(true);
    expect(g.conntrack.value!.max).toBe(262144);
    expect(g.netdev.value!.map((n) => n.iface)).toContain('eth0');
    expect(g.links.value!.map((l) => [l.iface, l.linkDetected])).toEqual([
      ['eth0', true],
      ['eth1', false],
      ['eth1p', false],
      ['eth2', false],
      ['eth2p', false],
    ]);
    expect(g.sysctls.value!['net.ipv4.conf.eth0.rp_filter']).toBe('0');
  });
});

describe('the real script output, as nobody (netns B)', () => {
  const g = parse(NOBODY);
  it('names the permission errors and still reads everything else', () => {
    expect(g.firewall.error?.code).toBe('PERMISSION_DENIED');
    expect(g.firewall.error?.message).toMatch(/needs root.*Permission denied \(you must be root\)/);
    expect(g.kernelLog.error?.code).toBe('PERMISSION_DENIED');
    for (const k of factKeys.filter((x) => x !== 'firewall' && x !== 'kernelLog'))
      expect([k, g[k].error]).toEqual([k, undefined]);
    // ss without root shows only the user's own processes: root's DNS responder has none; the script's own
    // background lookups (getent, nslookup, running as nobody) do.
    expect(g.sockets.value!.find((s) => s.local.port === 53)?.processes).toEqual([]);
    expect(g.sockets.value!.flatMap((s) => s.processes.map((p) => p.name)).sort()).toEqual([
      'getent',
      'nslookup',
    ]);
    expect(g.dns.value!.map((d) => d.error)).toEqual(['timeout', 'timeout']);
  });
});

describe('injected failures: each names itself, the rest still parses', () => {
  const base = parse(ROOT);
  const same = (g: ReturnType<typeof parse>, except: string[]) => {
    for (const k of factKeys.filter((x) => !except.includes(x)))
      expect([k, g[k].value]).toEqual([k, base[k].value]);
  };

  it('a missing tool (ss and netstat both absent, exit 127)', () => {
    const g = parse(
      withSection(ROOT, 'sockets', {
        stdout: '',
        stderr: 'ss: command not found\nnetstat: command not found',
        rc: 127,
      }),
    );
    expect(g.sockets.error).toMatchObject({
      code: 'TOOL_MISSING',
      message: expect.stringMatching(/^ss and netstat are not installed/),
    });
    expect(g.sockets.error?.hint).toMatch(/iproute2/);
    same(g, ['sockets']);
  });

  it('a shell that says "not found" instead of exit 127', () => {
    const g = parse(
      withSection(ROOT, 'ethtool', {
        tool: 'ethtool',
        stdout: '',
        stderr: 'sh: 1: ethtool: not found',
        rc: 1,
      }),
    );
    expect(g.links.error).toMatchObject({
      code: 'TOOL_MISSING',
      message: expect.stringMatching(/^ethtool is not installed/),
    });
    same(g, ['links']);
  });

  it('a permission error', () => {
    const g = parse(
      withSection(ROOT, 'nft', {
        stdout: '',
        stderr:
          'Operation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted',
        rc: 1,
      }),
    );
    expect(g.firewall.value?.nft).toBeUndefined();
    expect(g.firewall.value?.backend).toBe('iptables-nft');
    expect(g.firewall.warnings?.join('\n')).toMatch(/guest:nft: Reading the nftables ruleset .* needs root/);
    same(g, ['firewall']);
  });

  it('a timeout keeps what arrived and says so', () => {
    const p = `@@ND:${id}:`;
    const text = ROOT.replace(new RegExp(`${p}END dns rc=0 ms=\\d+`), `${p}END dns rc=124 ms=9000`);
    const g = parse(text);
    expect(g.dns.error?.code).toBe('TIMEOUT');
    expect(g.dns.value).toEqual(base.dns.value);
    same(g, ['dns']);
  });

  it('CRLF output gives the same facts', () => {
    const g = parse(crlf(ROOT));
    for (const k of factKeys) expect([k, g[k].value]).toEqual([k, base[k].value]);
  });

  it('output cut short: earlier sections fine, the cut one truncated, later ones missing', () => {
    const cut = ROOT.slice(0, ROOT.indexOf('[0:0] -A INPUT -f'));
    const g = parse(cut);
    expect(g.interfaces.error).toBeUndefined();
    expect(g.routes.error).toBeUndefined();
    expect(g.firewall.error?.code).toBe('TRUNCATED');
    expect(g.firewall.value?.ipv4?.tables.filter.chains.INPUT.rules).toHaveLength(8);
    for (const k of ['sockets', 'services', 'resolv', 'dns', 'conntrack', 'sysctls'] as const)
      expect([k, g[k].error?.code]).toEqual([k, 'SECTION_MISSING']);
  });

  it('garbage instead of JSON: a parse error, and the interface list falls back to ip link', () => {
    const g = parse(
      withSection(ROOT, 'ip-addr', {
        tool: 'ip-json',
        stdout: 'Segmentation fault (core dumped)\n\u0000\u0007%%%',
        rc: 0,
      }),
    );
    expect(g.interfaces.source).toBe('guest:ip-link');
    expect(g.interfaces.error?.code).toBe('PARSE_ERROR');
    expect(g.interfaces.value!.map((i) => i.name)).toEqual(base.interfaces.value!.map((i) => i.name));
    same(g, ['interfaces']);
  });

  it('an absent section', () => {
    const g = parse(without(ROOT, 'conntrack'));
    expect(g.conntrack.error).toMatchObject({ code: 'SECTION_MISSING' });
    expect(g.conntrack.error?.message).toMatch(/no conntrack section/);
    same(g, ['conntrack']);
  });

  it('non-English netstat (the ss-less fallback on a German guest)', () => {
    const g = parse(
      withSection(ROOT, 'sockets', { tool: 'netstat', stdout: fixture('netstat', 'de-tulpen'), rc: 0 }),
    );
    expect(g.sockets.error).toBeUndefined();
    expect(g.sockets.value!.filter((s) => s.state === 'LISTEN').map((s) => s.local.port)).toEqual([
      2208, 631, 15000, 2207,
    ]);
  });

  it('a login banner before the header and a forged marker inside a file are ignored', () => {
    const banner = 'Welcome to Alibaba Cloud Elastic Compute Service !\n\n';
    const forged =
      'sshd: 198.19.9.0/24, .bad.example\n@@ND:COLLECT v=1 id=evil\n@@ND:evil:END hosts-deny rc=0 ms=0\n';
    const text = banner + ROOT.replace('sshd: 198.19.9.0/24, .bad.example\n', forged);
    const split = splitCollection(text);
    expect(split.warnings).toContain('2 line(s) before the collection header were ignored');
    expect([...split.sections.keys()]).not.toContain('evil');
    expect(split.sections.get('hosts-deny')?.stdout).toContain('@@ND:evil:END hosts-deny rc=0 ms=0');
    const g = parse(text);
    // The forged lines are file content: hosts.deny reads them as (odd) rules; no section ended early.
    expect(g.tcpWrappers.value!.deny.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(g.conntrack.value).toEqual(base.conntrack.value);
  });

  it('no collection output at all: every fact names the missing section', () => {
    const g = parse('sh: 1: Syntax error: end of file unexpected\n');
    for (const k of factKeys)
      expect([k, g[k].value, typeof g[k].error?.code]).toEqual([k, undefined, 'string']);
  });
});

describe('the section splitter', () => {
  it('reads header, items, tool, stderr, rc and ms', () => {
    const s = splitCollection(NOBODY);
    expect(s.done).toBe(true);
    expect(s.totalMs).toBeGreaterThan(0);
    const ipt = s.sections.get('iptables')!;
    expect([ipt.tool, ipt.rc, ipt.complete, ipt.stdout]).toEqual(['iptables-save', 4, true, '']);
    expect(ipt.stderr).toMatch(/Permission denied/);
    const items = splitItems(s.sections.get('dns')!, s.id);
    expect(items.map((i) => [i.key, i.attrs.tool, i.attrs.rc])).toEqual([
      ['system', 'getent', '124'],
      ['198.18.255.254', 'nslookup', '1'],
    ]);
  });

  it('keeps a last line without a newline and an empty section empty', () => {
    const t =
      '@@ND:COLLECT v=1 id=z cap=5\n@@ND:z:BEGIN a\n@@ND:z:TOOL x\nno newline\n@@ND:z:END a rc=0 ms=1\n@@ND:z:BEGIN b\n\n@@ND:z:END b rc=0 ms=0\n@@ND:z:DONE ms=3\n';
    const s = splitCollection(t);
    expect(s.sections.get('a')?.stdout).toBe('no newline');
    expect(s.sections.get('b')?.stdout).toBe('');
    expect(s.totalMs).toBe(3);
  });
});
