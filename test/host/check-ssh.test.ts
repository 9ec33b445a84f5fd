/**
 * The acceptance of `netdoctor check --ssh … --json` with no cloud account: the built program (dist/cli.js)
 * against the real OpenSSH sshd of network-namespace hosts, one host per guest fault, each fault built for
 * real (iptables, nft, sockets, `ip link`/`ip addr`/`ip route`, resolv.conf, an LSB init script run by
 * `service`). Every check must report the fault's finding code, exit 1, and leave every cloud hop NOT_CHECKED.
 * A healthy host exits 3: every guest hop is OK, but without cloud facts no path can be called DELIVERED.
 * Host keys: unknown → exit 2 with the fingerprint `ssh-keygen -lf` prints; changed → refused (exit 2) naming
 * the file and line; `--accept-new-host-key` appends the key, says so, and goes on.
 *
 * Each host resolves through a nameserver the test serves on the host's peer address (support/dns-server.ts),
 * and has a private, empty /etc/init.d, so the only fault on a host is the one built there. All hosts are
 * built and checked at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FindingCode } from '../../source/model/index.js';
import { type CliResult, runCli } from '../support/cli.js';
import { createNsHost, type NsHost, type Sshd, startSshd } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';
import { toolsCheck } from '../unit/probe/support/tools-check.js';
import { expectCloudNotChecked, parsed } from './support/check-json.js';
import { type DnsServer, startDnsServer } from './support/dns-server.js';
import {
  addSecondNic,
  listen,
  lsbInitScript,
  must,
  privateInitD,
  waitListening,
} from './support/guest-faults.js';

type DnsMode = 'answer' | 'silent' | 'none';

interface Guest {
  host: NsHost;
  sshd: Sshd;
  dns?: DnsServer;
}

interface Case {
  name: string;
  code: FindingCode;
  /** Intent options (after the fixed `check --ssh … --json --no-probes`). */
  intents: (g: Guest) => string[];
  /** The nameserver on the peer address answers (default), stays silent, or is absent (ICMP port unreachable). */
  dns?: DnsMode;
  /** Extra resolv.conf lines. */
  resolv?: string;
  /** sshd's port (default 22); another one is given as `--ssh root@IP:PORT`. */
  sshPort?: number;
  /** Before sshd starts (overlays under /etc/netns are mounted when sshd is exec'd). */
  prepare?: (h: NsHost) => Promise<void> | void;
  /** The fault, built once sshd runs. */
  fault?: (g: Guest) => Promise<void>;
  /** The intent the fault blocks and its first BLOCKED hop. */
  blocks?: (g: Guest) => { intent: string; at: string };
  /** What the finding's evidence must show (matched against its JSON). */
  evidence?: (g: Guest) => RegExp;
  /**
   * Set when the check does not report `code` today, and why (the report to the lead has the details). The run
   * is still checked (a verdict, cloud NOT_CHECKED), and the code is asserted with `it.fails`, which turns red
   * the day the code is reported: then this field goes.
   */
  gap?: string;
}

/** eth1's address in the NIC cases, and an outbound destination (198.19.0.0/16: nothing is sent to either). */
const ETH1 = '198.19.250.2';
const OUT_HOST = '198.19.1.1';
/** eth1's gateway in the address-missing case (nothing answers there: no packet is sent to it). */
const ETH1_GW = '198.19.250.1';
/** /etc/network/interfaces of the address-missing host, as Debian's ifupdown reads it (eth0 is the harness's). */
const ETH1_IFUPDOWN = `# interfaces(5) file used by ifup(8) and ifdown(8)
# Include files from /etc/network/interfaces.d:
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth1
iface eth1 inet static
    address ${ETH1}/24
    gateway ${ETH1_GW}
`;

const CASES: Case[] = [
  {
    name: 'firewall drop inbound (iptables -A INPUT -p tcp --dport 8080 -j DROP)',
    code: 'GUEST_FIREWALL_DROP',
    intents: () => ['--port', '8080'],
    fault: async (g) => {
      await listen(g.host, '0.0.0.0', 8080);
      await must(g.host, 'iptables -w -A INPUT -p tcp --dport 8080 -j DROP');
    },
    blocks: () => ({ intent: 'in-tcp-8080-internet', at: 'guest-firewall-in' }),
    evidence: () => /-A INPUT -p tcp -m tcp --dport 8080 -j DROP/,
  },
  {
    name: 'firewall drop outbound (nft output chain drops udp/53)',
    code: 'GUEST_FIREWALL_EGRESS_DROP',
    intents: (g) => ['--intent', 'dns', '--outbound', `udp/${g.host.peerIp}:53`],
    fault: (g) =>
      must(
        g.host,
        "nft add table inet nd && nft add chain inet nd out '{ type filter hook output priority 0; policy accept; }' && nft add rule inet nd out udp dport 53 drop",
      ).then(() => undefined),
    blocks: (g) => ({ intent: `out-udp-53-${g.host.peerIp}/32`, at: 'guest-firewall-out' }),
    evidence: () => /inet nd out: udp dport 53 drop/,
  },
  {
    name: 'loopback-only listener (socat on 127.0.0.1:8080)',
    code: 'SERVICE_LOOPBACK_ONLY',
    intents: () => ['--port', '8080'],
    fault: (g) => listen(g.host, '127.0.0.1', 8080),
    blocks: () => ({ intent: 'in-tcp-8080-internet', at: 'listener' }),
    evidence: () => /127\.0\.0\.1:8080 socat/,
  },
  {
    name: 'nothing listening on the port (sshd on 2222: --ssh root@IP:2222)',
    code: 'SERVICE_NOT_LISTENING',
    sshPort: 2222,
    intents: () => ['--port', '8080'],
    blocks: () => ({ intent: 'in-tcp-8080-internet', at: 'listener' }),
  },
  {
    // Without cloud facts the checked address is the guest's first IPv4 address in `ip addr` order: eth1's.
    name: 'NIC down (eth1, holding the checked address, set down; SSH stays on eth0)',
    code: 'GUEST_NIC_DOWN',
    intents: () => ['--port', '8080'],
    prepare: (h) => addSecondNic(h, `${ETH1}/24`),
    fault: async (g) => {
      await listen(g.host, '0.0.0.0', 8080);
      await must(g.host, 'ip link set eth1 down');
    },
    blocks: () => ({ intent: 'in-tcp-8080-internet', at: 'guest-nic' }),
    evidence: () => new RegExp(`"resource":"eth1".*"address":"${ETH1.replace(/\./g, '\\.')}"`),
  },
  {
    // Configured the way Debian's ifupdown would: /etc/network/interfaces (an /etc/netns overlay of /etc/network)
    // gives eth1 its address and the default gateway, and the route is up before the fault. `ip addr del` takes
    // the address and, with eth1's last address, every route through it: nothing but the config file still
    // says which address eth1 should hold.
    name: 'address missing (ip addr del of the address /etc/network/interfaces gives eth1)',
    code: 'GUEST_ADDRESS_MISSING',
    intents: () => ['--port', '8080'],
    prepare: async (h) => {
      await addSecondNic(h, `${ETH1}/24`);
      await must(h, `ip route replace default via ${ETH1_GW} dev eth1`);
      mkdirSync(join(h.etcDir, 'network'), { recursive: true });
      await h.etc('network/interfaces', ETH1_IFUPDOWN);
    },
    fault: async (g) => {
      await listen(g.host, '0.0.0.0', 8080);
      await must(g.host, `ip addr del ${ETH1}/24 dev eth1`);
    },
    // The replies to the internet have no default route left.
    blocks: () => ({ intent: 'in-tcp-8080-internet', at: 'guest-route' }),
    evidence: () =>
      new RegExp(
        `"iface":"eth1","address":"${ETH1.replace(/\./g, '\\.')}".*"file":"/etc/network/interfaces","line":10,.*"lines":\\["/etc/network/interfaces line 10: address ${ETH1.replace(/\./g, '\\.')}/24"\\]`,
      ),
  },
  {
    name: 'default route missing (ip route del default)',
    code: 'GUEST_DEFAULT_ROUTE_MISSING',
    intents: () => ['--outbound', `${OUT_HOST}:443`],
    fault: (g) => must(g.host, 'ip route del default').then(() => undefined),
    blocks: () => ({ intent: `out-tcp-443-${OUT_HOST}/32`, at: 'guest-route' }),
  },
  {
    name: 'resolver unreachable (resolv.conf names a server that never answers)',
    code: 'DNS_RESOLVER_UNREACHABLE',
    dns: 'silent',
    intents: () => ['--intent', 'dns'],
    blocks: () => ({ intent: 'dns', at: 'dns' }),
    evidence: (g) => new RegExp(`"nameservers":\\["${g.host.peerIp.replace(/\./g, '\\.')}"\\]`),
  },
  {
    name: 'resolver unreachable, short resolver timeout (options timeout:1 attempts:1)',
    code: 'DNS_RESOLVER_UNREACHABLE',
    dns: 'silent',
    resolv: 'options timeout:1 attempts:1',
    intents: () => ['--intent', 'dns'],
    blocks: () => ({ intent: 'dns', at: 'dns' }),
  },
  {
    name: 'resolver unreachable, nothing on udp/53 at the nameserver (ICMP port unreachable)',
    code: 'DNS_RESOLVER_UNREACHABLE',
    dns: 'none',
    intents: () => ['--intent', 'dns'],
    blocks: () => ({ intent: 'dns', at: 'dns' }),
  },
  {
    name: 'service down (/etc/init.d/nginx stopped: `service nginx status` exits 3)',
    code: 'SERVICE_DOWN',
    intents: () => ['--port', '80'],
    prepare: (h) => privateInitD(h, { nginx: lsbInitScript(h, 'nginx', 80) }),
    fault: async (g) => {
      // Really started, then really stopped: what an operator finds after `service nginx stop` or a crash.
      await must(g.host, 'service nginx start');
      await waitListening(g.host, 80, true);
      await must(g.host, 'service nginx stop');
      await waitListening(g.host, 80, false);
      const st = await g.host.sh('service nginx status');
      if (st.code !== 3) throw new Error(`service nginx status exited ${st.code}, not 3: ${st.stdout}`);
    },
    blocks: () => ({ intent: 'in-tcp-80-internet', at: 'listener' }),
    evidence: () => /"resource":"nginx".*"active":"inactive","via":"service"/,
  },
];

/** `--ssh` as an operator writes it: `root@IP`, or `root@IP:PORT` off port 22. */
function sshSpec(g: Guest): string {
  return `root@${g.host.ip}${g.sshd.port === 22 ? '' : `:${g.sshd.port}`}`;
}

function check(g: Guest, extra: string[], knownHosts = g.sshd.knownHosts): Promise<CliResult> {
  const ssh = ['--ssh', sshSpec(g), '--identity', g.sshd.clientKey, '--known-hosts', knownHosts];
  return runCli(['check', ...ssh, '--json', '--no-probes', ...extra], { timeoutMs: 60_000 });
}

/** A namespace host with its nameserver, a private empty /etc/init.d, and sshd (port 22 unless said). */
async function guestHost(c: Pick<Case, 'dns' | 'resolv' | 'prepare' | 'sshPort'>): Promise<Guest> {
  const host = await createNsHost();
  let dns: DnsServer | undefined;
  try {
    const mode = c.dns ?? 'answer';
    if (mode !== 'none') dns = await startDnsServer(host.peerIp, mode);
    await host.etc('resolv.conf', `nameserver ${host.peerIp}\n${c.resolv ? `${c.resolv}\n` : ''}`);
    privateInitD(host);
    await c.prepare?.(host);
    const sshd = await startSshd(host, c.sshPort ?? 22);
    return { host, sshd, dns };
  } catch (e) {
    await dns?.close();
    await host.close();
    throw e;
  }
}

/** The fingerprint field of `ssh-keygen -lf FILE` (`SHA256:…`). */
function sshKeygenFingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1];
}

// What the guest faults are built with, and what the collection runs inside the namespace.
const ready =
  tierReady(hostTier()) &&
  tierReady(toolsCheck(['socat', 'service', 'start-stop-daemon', 'ss', 'getent', 'nslookup']));

describe.runIf(ready)('check --ssh against real sshd, no cloud account', () => {
  const guests: Guest[] = [];
  const results = new Map<string, { g: Guest; r: CliResult }>();
  let healthy: Guest;
  const runs = {} as Record<'healthy' | 'unknown' | 'changed' | 'accepted' | 'again', CliResult>;
  const known = { empty: '', changed: '', accept: '', changedText: '' };

  beforeAll(async () => {
    const t0 = Date.now();
    const faulty = CASES.map(async (c) => {
      const g = await guestHost(c);
      guests.push(g);
      await c.fault?.(g);
      results.set(c.name, { g, r: await check(g, c.intents(g)) });
    });
    const clean = (async () => {
      healthy = await guestHost({});
      guests.push(healthy);
      const d = healthy.host.tmp;
      known.empty = join(d, 'known_hosts.empty');
      known.accept = join(d, 'known_hosts.accept');
      known.changed = join(d, 'known_hosts.changed');
      writeFileSync(known.empty, '');
      writeFileSync(known.accept, '');
      // Another ed25519 key on file for this address, on line 2 (line 1 is a comment).
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'old', '-f', join(d, 'old_key')]);
      const old = readFileSync(join(d, 'old_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      known.changedText = `# recorded before the server was rebuilt\n${healthy.host.ip} ${old}\n`;
      writeFileSync(known.changed, known.changedText);
      const acceptThenAgain = (async () => {
        runs.accepted = await check(healthy, ['--accept-new-host-key'], known.accept);
        runs.again = await check(healthy, [], known.accept);
      })();
      [runs.healthy, runs.unknown, runs.changed] = await Promise.all([
        check(healthy, []),
        check(healthy, [], known.empty),
        check(healthy, [], known.changed),
        acceptThenAgain,
      ]);
    })();
    // Every host is either built and listed (closed in afterAll) or closed already; then the first failure.
    const failed = (await Promise.allSettled([...faulty, clean])).find((x) => x.status === 'rejected');
    if (failed) throw failed.reason;
    console.log(`check-ssh: ${guests.length} namespace hosts built and checked in ${Date.now() - t0} ms`);
  }, 120_000);

  afterAll(async () => {
    for (const g of guests) g.sshd.stop();
    await Promise.all(guests.map((g) => Promise.all([g.dns?.close(), g.host.close()])));
  });

  for (const c of CASES) {
    if (c.gap) {
      it(`${c.name}: a verdict with cloud NOT_CHECKED`, () => {
        const { r } = results.get(c.name)!;
        const j = parsed(r);
        expect([1, 3]).toContain(r.code);
        expectCloudNotChecked(j);
      });
      it.fails(`${c.name} → ${c.code} [known gap: ${c.gap}]`, () => {
        const j = parsed(results.get(c.name)!.r);
        expect(j.findings.map((f) => f.code)).toContain(c.code);
      });
      continue;
    }
    it(`${c.name} → ${c.code}, exit 1, cloud NOT_CHECKED`, () => {
      const { g, r } = results.get(c.name)!;
      const j = parsed(r);
      const finding = j.findings.find((f) => f.code === c.code);
      expect(finding, `${c.code} not in ${j.findings.map((f) => f.code)}`).toBeDefined();
      expect(finding!.severity).toBe('critical');
      if (c.evidence) expect(JSON.stringify(finding!.evidence)).toMatch(c.evidence(g));
      expect(r.code).toBe(1);
      expect(j.target.ssh).toBe(sshSpec(g));
      const want = c.blocks!(g);
      const v = j.verdicts.find((x) => x.intent.id === want.intent);
      expect(v, `no verdict for ${want.intent}: ${j.verdicts.map((x) => x.intent.id)}`).toBeDefined();
      expect(v!.result).toBe('DROPPED');
      expect(v!.blockedAt).toBe(want.at);
      expectCloudNotChecked(j);
    });
  }

  it('a healthy guest → exit 3: every guest hop OK, no finding above info, cloud NOT_CHECKED', () => {
    const r = runs.healthy;
    const j = parsed(r);
    expect(r.code, r.stderr).toBe(3);
    expect(j.verdicts.map((v) => v.intent.id)).toEqual(['in-tcp-22-me', 'out-tcp-443-internet', 'dns']);
    for (const v of j.verdicts) {
      // Every guest hop seen and OK, so the only thing between this and DELIVERED is the unseen cloud.
      expect(v.result).toBe('UNKNOWN');
      for (const h of v.path.filter((x) => x.layer === 'guest'))
        expect(h.state, `${v.intent.id} ${h.hop}: ${h.detail}`).toBe('OK');
    }
    expect(j.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expectCloudNotChecked(j);
    // The lookups really went to the test's nameserver and were answered.
    expect(healthy.dns!.queries).toContain('aliyun.com A');
  });

  it('unknown host key (empty known_hosts) → exit 2 with the fingerprint ssh-keygen -lf prints', () => {
    const r = runs.unknown;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const fp = sshKeygenFingerprint(join(healthy.host.tmp, 'ssh_host_ed25519_key.pub'));
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(r.stderr).toContain(`key fingerprint is ${fp}`);
    expect(r.stderr).toMatch(/can't be established.*Not connecting/);
    expect(r.stderr).toContain('--accept-new-host-key');
    // Nothing was trusted on the way.
    expect(readFileSync(known.empty, 'utf8')).toBe('');
  });

  it('changed host key → refused, exit 2, naming the known_hosts file and line', () => {
    const r = runs.changed;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/REFUSED: the ED25519 host key of \S+ has CHANGED/);
    expect(r.stderr).toContain(`${known.changed} line 2`);
    const fp = sshKeygenFingerprint(join(healthy.host.tmp, 'ssh_host_ed25519_key.pub'));
    expect(r.stderr).toContain(fp);
    expect(readFileSync(known.changed, 'utf8')).toBe(known.changedText);
  });

  it('--accept-new-host-key appends the key, says so, and the check goes on', () => {
    const pub = join(healthy.host.tmp, 'ssh_host_ed25519_key.pub');
    const fp = sshKeygenFingerprint(pub);
    const r = runs.accepted;
    expect(r.code, r.stderr).toBe(3);
    expect(parsed(r).verdicts.length).toBe(3);
    expect(r.stderr).toContain(
      `accepted the host key of ${healthy.host.ip} (${fp}) and added it to ${known.accept}`,
    );
    // OpenSSH itself finds the appended entry for this host, with the server's key.
    const found = execFileSync('ssh-keygen', ['-F', healthy.host.ip, '-f', known.accept], {
      encoding: 'utf8',
    });
    const blob = readFileSync(pub, 'utf8').split(/\s+/)[1];
    expect(found).toContain(`ssh-ed25519 ${blob}`);
    expect(readFileSync(known.accept, 'utf8').trim().split('\n')).toHaveLength(1);
    // The next run trusts it without the flag, and accepts nothing new.
    expect(runs.again.code, runs.again.stderr).toBe(3);
    expect(runs.again.stderr).toBe('');
  });
});
