/**
 * The collection script's netconfig section run for real under dash, against network configuration files at
 * their real paths: a private mount namespace (unshare -m) lays an overlay on /etc and tmpfs on /var/lib and
 * /run/systemd/netif/leases, holding the files cloud-init 22.4.2, dhclient 4.4.3 and systemd-networkd 252
 * wrote (test/fixtures/guest/netconfig), a keyfile with a Wi-Fi secret, and a 1000-line file. Nothing outside
 * the namespace changes. As root every file is read; as nobody the 0600 keyfiles are skipped, not an error.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCollection } from '../../source/guest/collection.js';
import { buildCollectScript } from '../../source/guest/script/collect.js';
import { splitCollection } from '../../source/guest/script/split.js';
import type { ConfiguredAddress, GuestFacts } from '../../source/model/index.js';
import { hostTier, tierReady } from '../support/tier.js';
import { fixture } from '../unit/guest/fixtures.js';

const NM_UUID = '6604b755-b04f-33a3-8a74-8eec86f491b6';
const SECRET = 'correct-horse-battery-staple';

const ready =
  tierReady(hostTier()) && spawnSync('sh', ['-c', 'command -v unshare dash setpriv']).status === 0;

describe.runIf(ready)('the netconfig section on real files (private mount namespace)', () => {
  let dir: string;
  let root: { out: string; facts: GuestFacts };
  let nobody: { out: string; facts: GuestFacts };

  const put = (rel: string, text: string, mode = 0o644) => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text, { mode });
  };

  /** Runs the section (and ip-addr, to resolve MACs and ifindexes) with the overlays in place, as `user`. */
  const collect = (user: 'root' | 'nobody') => {
    const script = join(dir, 'collect.sh');
    writeFileSync(script, buildCollectScript({ sections: ['ip-addr', 'netconfig'] }), { mode: 0o644 });
    const as = user === 'root' ? 'dash' : 'setpriv --reuid=65534 --regid=65534 --clear-groups dash';
    const mounts = [
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/etc,workdir=${dir}/work /etc`,
      `mount --bind ${dir}/var-lib /var/lib`,
      `mount --bind ${dir}/leases /run/systemd/netif/leases`,
    ].join(' && ');
    const r = spawnSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', `${mounts} && ${as} ${script}`],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (r.status !== 0) throw new Error(`the script exited ${r.status}: ${r.stderr}`);
    return { out: r.stdout, facts: parseCollection(r.stdout, { at: Date.now(), via: 'local' }) };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nd-netconfig-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'work'));
    put('etc/network/interfaces', 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n');
    put('etc/network/interfaces.d/50-cloud-init', fixture('netconfig', 'cloudinit-eni'));
    const long = Array.from({ length: 1000 }, (_, i) => `# line ${i + 1}`);
    long.splice(499, 3, 'auto eth9', 'iface eth9 inet static', '    address 10.99.0.9/24');
    put('etc/network/interfaces.d/99-long', `${long.join('\n')}\n`);
    put('etc/netplan/50-cloud-init.yaml', fixture('netconfig', 'cloudinit-netplan'));
    put('etc/sysconfig/network-scripts/ifcfg-eth1', fixture('netconfig', 'cloudinit-ifcfg-eth1'));
    put(
      'etc/NetworkManager/system-connections/cloud-init-eth1.nmconnection',
      fixture('netconfig', 'cloudinit-nm-eth1'),
      0o600,
    );
    put(
      'etc/NetworkManager/system-connections/Wired connection 1.nmconnection',
      `[connection]\nid=Wired connection 1\ninterface-name=wlan0\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=${SECRET}\n[ipv4]\nmethod=auto\n`,
      0o600,
    );
    put('etc/systemd/network/10-cloud-init-eth1.network', fixture('netconfig', 'cloudinit-networkd-eth1'));
    // Three renewals' worth of real lease blocks: more than the 40 lines the section reads from the tail.
    const lease = fixture('netconfig', 'dhclient-eth0-leases');
    put('var-lib/dhcp/dhclient.eth0.leases', lease + lease + lease);
    put(`var-lib/NetworkManager/internal-${NM_UUID}-eth1.lease`, fixture('netconfig', 'networkd-lease-2'));
    put('leases/2', fixture('netconfig', 'networkd-lease-2'));
    root = collect('root');
    nobody = collect('nobody');
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const line = (e: ConfiguredAddress) =>
    `${e.source} ${e.iface || '?'} ${e.address}/${e.prefixLen} ${e.line ?? '-'}`;

  it('as root: every format read, at the lines the files hold', () => {
    const c = root.facts.configured!;
    expect(c.error).toBeUndefined();
    expect(c.warnings).toBeUndefined();
    const got = c.value!.map(line);
    expect(got).toEqual(
      expect.arrayContaining([
        'ifupdown eth1 198.19.252.20/24 14',
        'ifupdown eth1 198.19.252.21/24 19',
        'netplan eth1 198.19.252.20/24 16',
        'netplan eth1 198.19.252.21/24 17',
        'ifcfg eth1 198.19.252.20/24 8',
        'ifcfg eth1 198.19.252.21/24 9',
        'networkd eth1 198.19.252.20/24 2',
        'networkd eth1 198.19.252.21/24 5',
        'dhcp-lease eth0 198.19.253.12/24 -',
        'dhcp-lease eth1 198.19.252.10/24 -',
      ]),
    );
    // The keyfile is bound by MAC, and no interface of this machine has it.
    expect(got).toContain('nm ? 198.19.252.20/24 17');
    // The networkd lease is named by ifindex: resolved through the interfaces ip-addr printed.
    const byIndex = c.value!.find((e) => e.file === '/run/systemd/netif/leases/2')!;
    expect(byIndex.address).toBe('198.19.252.10');
    expect(byIndex.iface).toBe(root.facts.interfaces.value!.find((i) => i.index === 2)?.name ?? '');
    expect(got).toHaveLength(13);
  });

  it('files in the order of the globs, whole paths, long files cut at 300 lines, the lease tail at 40', () => {
    const split = splitCollection(root.out);
    const sec = split.sections.get('netconfig')!;
    expect(sec.rc).toBe(0);
    expect(sec.stderr).toBe('');
    const items = sec.stdout.split('\n').filter((l) => l.includes(':ITEM '));
    expect(items.map((l) => l.replace(/^.*:ITEM /, ''))).toEqual([
      '/etc/network/interfaces',
      '/etc/network/interfaces.d/50-cloud-init',
      '/etc/network/interfaces.d/99-long',
      '/etc/netplan/50-cloud-init.yaml',
      '/etc/sysconfig/network-scripts/ifcfg-eth1',
      '/etc/NetworkManager/system-connections/Wired connection 1.nmconnection',
      '/etc/NetworkManager/system-connections/cloud-init-eth1.nmconnection',
      '/etc/systemd/network/10-cloud-init-eth1.network',
      '/var/lib/dhcp/dhclient.eth0.leases',
      '/run/systemd/netif/leases/2',
      `/var/lib/NetworkManager/internal-${NM_UUID}-eth1.lease`,
    ]);
    const body = (path: string) => {
      const all = sec.stdout.split('\n');
      const at = all.findIndex((l) => l.endsWith(`:ITEM ${path}`));
      const next = all.findIndex((l, i) => i > at && l.includes(':ITEM '));
      return all.slice(at + 1, next < 0 ? undefined : next);
    };
    expect(body('/etc/network/interfaces.d/99-long')).toHaveLength(300);
    expect(body('/var/lib/dhcp/dhclient.eth0.leases')).toHaveLength(40);
    // The netplan file has no final newline: the next header still starts its own line.
    expect(body('/etc/netplan/50-cloud-init.yaml').at(-1)).toBe('            set-name: eth1');
    expect(root.facts.configured!.value!.some((e) => e.iface === 'eth9')).toBe(false);
    expect(sec.ms).toBeLessThan(2000);
  });

  it('no secret is kept: the psk line stays, its value does not', () => {
    expect(root.out).toContain(SECRET);
    expect(root.facts.configured!.raw).not.toContain(SECRET);
    expect(root.facts.configured!.raw).toContain('psk=…');
  });

  it('as nobody: the 0600 keyfiles are skipped and everything else is read, without an error', () => {
    const c = nobody.facts.configured!;
    expect(c.error).toBeUndefined();
    expect(c.value!.some((e) => e.source === 'nm')).toBe(false);
    expect(c.value!.map(line)).toEqual(
      expect.arrayContaining(['ifupdown eth1 198.19.252.20/24 14', 'dhcp-lease eth0 198.19.253.12/24 -']),
    );
    expect(nobody.out).not.toContain(SECRET);
  });
});
