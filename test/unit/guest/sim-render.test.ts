/**
 * The simulated guest's tool output against the real tools' output (the captured fixtures): same columns,
 * spacing and JSON keys. Round trips through the production parsers are in sim-roundtrip.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { renderIptablesSave, renderNftJson } from '../../../source/sim/guest/render/firewall.js';
import {
  renderIpAddrJson,
  renderIpAddrText,
  renderIpRouteJson,
  renderIpRouteText,
} from '../../../source/sim/guest/render/ip.js';
import {
  renderNetstatConnected,
  renderNetstatListening,
  SS_HEADER,
  ssLayout,
} from '../../../source/sim/guest/render/sockets.js';
import { renderEthtool, renderGetent, renderProcNetDev } from '../../../source/sim/guest/render/system.js';
import type { GuestWorld } from '../../../source/sim/world.js';
import { fixture } from './fixtures.js';

function guest(over: Partial<GuestWorld> = {}): GuestWorld {
  return {
    hostname: 'capture-a',
    os: 'debian12',
    interfaces: [],
    routes: [],
    firewall: { backend: 'none' },
    sockets: [],
    services: [],
    networkServices: [],
    resolvConf: '',
    dns: { reachable: true, answers: {} },
    hostsAllow: '',
    hostsDeny: '',
    conntrack: { count: 0, max: 0 },
    kernelLog: [],
    sysctls: {},
    traffic: {},
    ...over,
  };
}

/** Splits an ss line into its ten column tokens (the way ss stored them before laying them out). */
function ssTokens(line: string, netid: boolean): string[] {
  const t = line.trim().split(/\s+/);
  const [nid, state, rq, sq, local, peer, ...rest] = netid ? t : ['', ...t];
  const split = (hp: string) => {
    const i = hp.lastIndexOf(':');
    return [hp.slice(0, i + 1), hp.slice(i + 1)];
  };
  // ss stores the queues as `%-6d` and the process with its leading blank.
  const proc = rest[0]?.startsWith('users:') ? ` ${rest[0]}` : '';
  const ext = line.includes(' ino:') ? line.slice(line.indexOf(' ino:')).replace(/\s+$/, '') : '';
  return [nid, state, rq.padEnd(6), sq.padEnd(6), ...split(local), ...split(peer), proc, ext];
}

describe('ss rendering follows iproute2 6.1 byte for byte', () => {
  it('with a header and processes (ss -tunap)', () => {
    const text = fixture('ss', 'all-header').replace(/\n$/, '');
    const rows = text
      .split('\n')
      .slice(1)
      .map((l) => ssTokens(l, true));
    const enabled = SS_HEADER.map((_, i) => i !== 9);
    expect(ssLayout([SS_HEADER, ...rows], enabled)).toBe(text);
  });

  it('without a header, with extended info (ss -Htulnpe)', () => {
    const text = fixture('ss', 'listen').replace(/\n$/, '');
    const rows = text.split('\n').map((l) => ssTokens(l, true));
    expect(
      ssLayout(
        rows,
        SS_HEADER.map(() => true),
      ),
    ).toBe(text);
  });
});

describe('netstat rendering follows net-tools 2.10 byte for byte', () => {
  const g = guest({
    sockets: [
      { proto: 'tcp', local: '127.0.0.1:8080', state: 'LISTEN', process: 'socat', pid: 22804, fd: 5 },
      { proto: 'tcp', local: '0.0.0.0:80', state: 'LISTEN', process: 'socat', pid: 22803, fd: 5 },
      { proto: 'tcp', local: '*:8443', state: 'LISTEN', process: 'socat', pid: 22806, fd: 5 },
      { proto: 'tcp', local: '[::]:443', state: 'LISTEN', process: 'socat', pid: 22805, fd: 5 },
      { proto: 'udp', local: '0.0.0.0:5353', state: 'UNCONN', process: 'socat', pid: 22807, fd: 5 },
      {
        proto: 'tcp',
        local: '127.0.0.1:8080',
        peer: '127.0.0.1:51080',
        state: 'ESTAB',
        process: 'socat',
        pid: 22853,
        fd: 6,
      },
      {
        proto: 'tcp',
        local: '127.0.0.1:51080',
        peer: '127.0.0.1:8080',
        state: 'ESTAB',
        process: 'socat',
        pid: 22844,
        fd: 6,
      },
      {
        proto: 'tcp',
        local: '198.19.254.2:47936',
        peer: '198.19.254.2:8443',
        state: 'ESTAB',
        process: 'socat',
        pid: 22845,
        fd: 6,
      },
      {
        proto: 'tcp',
        local: '[::ffff:198.19.254.2]:8443',
        peer: '[::ffff:198.19.254.2]:47936',
        state: 'ESTAB',
        process: 'socat',
        pid: 22865,
        fd: 6,
      },
    ],
  });

  it('netstat -tulnp', () => {
    expect(`${renderNetstatListening(g, { processes: true })}\n`).toBe(fixture('netstat', 'tulnp'));
  });

  it('netstat -tunp (the connected half of -tunap)', () => {
    const conn = fixture('netstat', 'tunap')
      .split('\n')
      .filter((l) => !/LISTEN|^udp/.test(l))
      .join('\n')
      .replace('(servers and established)', '(w/o servers)');
    expect(`${renderNetstatConnected(g, { processes: true, cap: 100 })}\n`).toBe(conn);
  });

  it('in German, with the net-tools catalogue wording', () => {
    const de = renderNetstatListening({ ...g, locale: 'de_DE.UTF-8' }, { processes: true });
    expect(de.split('\n')[0]).toBe('Aktive Internetverbindungen (Nur Server)');
    expect(de.split('\n').slice(1)).toEqual(
      fixture('netstat', 'tulnp').replace(/\n$/, '').split('\n').slice(1),
    );
  });
});

describe('ip rendering uses iproute2 6.1 JSON keys and text layout', () => {
  const g = guest({
    interfaces: [
      { name: 'lo', up: true, carrier: true, mtu: 65536, addresses: ['127.0.0.1/8', '::1/128'] },
      { name: 'eth0', up: true, mtu: 1500, mac: '2a:64:e1:11:68:93', addresses: ['198.19.254.2/30'] },
      {
        name: 'eth1',
        up: true,
        carrier: false,
        mtu: 9000,
        addresses: ['198.19.253.10/24', '198.19.253.11/24'],
      },
    ],
    routes: [
      { dst: 'default', via: '198.19.254.1', dev: 'eth0', table: '100' },
      { dst: 'default', via: '198.19.254.1', dev: 'eth0' },
      { dst: '198.19.100.0/24', via: '198.19.253.1', dev: 'eth1', metric: 100 },
      { dst: '198.19.200.0/24', type: 'blackhole' },
      { dst: '198.19.250.0/24', dev: 'eth0', proto: 'static', scope: 'link', src: '198.19.254.2' },
      { dst: '2001:db8:254::/64', dev: 'eth0', proto: 'kernel', metric: 256 },
    ],
  });

  it('addr JSON: the same keys, in the same order, as the captured lo and eth0', () => {
    const real = JSON.parse(fixture('ip', 'addr-json')) as Record<string, unknown>[];
    const ours = JSON.parse(renderIpAddrJson(g)) as Record<string, unknown>[];
    const lo = (l: Record<string, unknown>[]) => l.find((i) => i.ifname === 'lo')!;
    expect(Object.keys(lo(ours))).toEqual(Object.keys(lo(real)));
    expect(lo(ours).addr_info).toEqual(lo(real).addr_info);
    // eth0 against this VM's own virtio NIC (what an ECS NIC looks like), keys and address entry alike.
    const virtio = (JSON.parse(fixture('ip-host', 'virtio-addr-json')) as Record<string, unknown>[])[0];
    const eth0 = ours.find((i) => i.ifname === 'eth0')!;
    expect(Object.keys(eth0)).toEqual(Object.keys(virtio));
    expect(Object.keys((eth0.addr_info as Record<string, unknown>[])[0])).toEqual(
      Object.keys((virtio.addr_info as Record<string, unknown>[])[0]),
    );
    expect([eth0.parentbus, eth0.link_type, eth0.flags]).toEqual([
      virtio.parentbus,
      virtio.link_type,
      virtio.flags,
    ]);
    const eth1 = ours.find((i) => i.ifname === 'eth1')!;
    expect(eth1.flags).toEqual(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP']);
    expect(Object.keys((eth1.addr_info as Record<string, unknown>[])[1])).toEqual([
      'family',
      'local',
      'prefixlen',
      'broadcast',
      'scope',
      'secondary',
      'label',
      'valid_life_time',
      'preferred_life_time',
    ]);
  });

  it('addr text: address lines equal this VM', () => {
    const real = fixture('ip-host', 'virtio-addr').split('\n');
    const vm = guest({
      interfaces: [
        {
          name: 'eth0',
          up: true,
          mtu: 1400,
          mac: '02:fc:00:00:00:01',
          addresses: ['192.0.2.2/24', 'fe80::fc:ff:fe00:1/64'],
        },
      ],
    });
    const ours = renderIpAddrText(vm).split('\n');
    for (const l of [
      '    link/ether 02:fc:00:00:00:01 brd ff:ff:ff:ff:ff:ff',
      '    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0',
      '    inet6 fe80::fc:ff:fe00:1/64 scope link ',
      '       valid_lft forever preferred_lft forever',
    ]) {
      expect(real).toContain(l);
      expect(ours).toContain(l);
    }
    expect(ours).toContain(
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc mq state UP group default qlen 1000',
    );
  });

  it('route JSON and text lines equal the captured ones', () => {
    const realJson = JSON.parse(fixture('ip', 'route-json')) as Record<string, unknown>[];
    const ours = JSON.parse(renderIpRouteJson(g, 4)) as Record<string, unknown>[];
    for (const r of ours) expect(realJson).toContainEqual(r);
    const realText = fixture('ip', 'route').split('\n');
    for (const l of renderIpRouteText(g, 4).split('\n')) expect(realText).toContain(l);
    const v6 = JSON.parse(renderIpRouteJson(g, 6));
    expect(JSON.parse(fixture('ip', 'route6-json'))).toContainEqual(v6[0]);
  });
});

describe('firewall rendering', () => {
  it('iptables-save -c frames the world rules like iptables 1.8.9 (nf_tables)', () => {
    const rules = fixture('iptables', 'nft-backend-nocounters').replace(/^#.*\n/gm, '');
    const real = fixture('iptables', 'nft-backend').replace(/\n$/, '');
    const now = Date.parse(`${/ on \w+ (\w+ +\d+ [\d:]+ \d+)/.exec(real)![1]} UTC`);
    const ours = renderIptablesSave(
      guest({ firewall: { backend: 'iptables-nft', iptables: rules } }),
      4,
      now,
    );
    // Same text, except that live counters differ from the simulated [0:0].
    expect(ours).toBe(real.replace(/^\[\d+:\d+\] /gm, '[0:0] '));
  });

  it('legacy and CentOS 7 headers carry no backend, iptables 1.4.21 on CentOS 7', () => {
    const g = guest({
      os: 'centos7',
      firewall: { backend: 'iptables-legacy', iptables: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' },
    });
    expect(renderIptablesSave(g, 4, 0).split('\n')[0]).toBe(
      '# Generated by iptables-save v1.4.21 on Thu Jan  1 00:00:00 1970',
    );
    expect(renderIptablesSave({ ...g, os: 'debian12' }, 4, 0).split('\n')[0]).toBe(
      '# Generated by iptables-save v1.8.9 on Thu Jan  1 00:00:00 1970',
    );
    expect(renderIptablesSave(guest(), 4, 0)).toBe('');
  });

  it('nft -j uses jansson layout and the image metainfo', () => {
    const real = fixture('nft', 'native').trim();
    const doc = JSON.parse(real);
    const ours = renderNftJson(guest({ firewall: { backend: 'nftables', nft: doc } }));
    expect(ours).toBe(real);
  });
});

describe('small outputs', () => {
  it('/proc/net/dev header and column widths', () => {
    const real = fixture('netdev', 'proc-net-dev').split('\n');
    const ours = renderProcNetDev(
      guest({
        interfaces: [{ name: 'eth0', up: true, addresses: [] }],
        traffic: { eth0: { rxBps: 0, txBps: 0 } },
      }),
      1,
    ).split('\n');
    expect(ours.slice(0, 2)).toEqual(real.slice(0, 2));
    expect(ours[3]).toBe(
      real[2]
        .replace('lo:     344       6', 'eth0:       0       0')
        .replace('      344       6', '        0       0')
        .replace(/^ {4}eth0/, '  eth0'),
    );
  });

  it('ethtool on virtio_net equals this VM', () => {
    const g = guest({ interfaces: [{ name: 'eth0', up: true, addresses: [] }] });
    const real = `${fixture('ethtool', 'virtio')}${fixture('ethtool', 'virtio-driver')}`.replace(
      /bus-info: .*/,
      'bus-info: X',
    );
    expect(`${renderEthtool(g, 'eth0', 0)}\n`.replace(/bus-info: .*/, 'bus-info: X')).toBe(real);
  });

  it('getent ahosts equals glibc 2.36', () => {
    const g = guest({
      resolvConf: 'nameserver 198.19.251.53\n',
      dns: { reachable: true, answers: { 'aliyun.com': ['198.19.90.1', '198.19.90.2'] } },
    });
    expect(`${renderGetent(g, 'aliyun.com').body}\n`).toBe(fixture('dns', 'getent-ok'));
  });
});
