import { describe, expect, it } from 'vitest';
import { parseIpJsonLinks, parseIpJsonRoutes } from '../../../source/guest/parsers/ip-json.js';
import { parseIpAddrText, parseIpRouteText, parseIpRule } from '../../../source/guest/parsers/ip-text.js';
import { crlf, fixture } from './fixtures.js';

describe('ip -j -d addr / link (iproute2 6.1, captured)', () => {
  const { value: ifs, warnings } = parseIpJsonLinks(fixture('ip', 'addr-json'));

  it('reads every interface with admin state, carrier, operstate, type and addresses', () => {
    expect(warnings).toEqual([]);
    expect(ifs.map((i) => [i.name, i.index, i.adminUp, i.carrier, i.operState, i.linkType, i.mtu])).toEqual([
      ['lo', 1, true, true, 'UNKNOWN', 'loopback', 65536],
      ['eth1p', 2, false, undefined, 'DOWN', 'veth', 1500],
      ['eth1', 3, true, false, 'LOWERLAYERDOWN', 'veth', 9000],
      ['eth2p', 4, false, undefined, 'DOWN', 'veth', 1500],
      ['eth2', 5, false, undefined, 'DOWN', 'veth', 1500],
      ['eth0', 59, true, true, 'UP', 'veth', 1500],
    ]);
    const eth1 = ifs.find((i) => i.name === 'eth1')!;
    expect(eth1.flags).toEqual(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'M-DOWN']);
    expect(eth1.addresses).toEqual([
      { family: 4, address: '198.19.253.10', prefixLen: 24, scope: 'global' },
      { family: 4, address: '198.19.253.11', prefixLen: 24, scope: 'global', flags: ['secondary'] },
    ]);
    expect(ifs.find((i) => i.name === 'eth2')?.mac).toBe('00:16:3e:0a:0b:0c');
    expect(ifs.find((i) => i.name === 'eth0')?.addresses.map((a) => [a.address, a.flags])).toEqual([
      ['198.19.254.2', undefined],
      ['2001:db8:254::2', ['nodad']],
      ['fe80::9c39:20ff:fe4f:852e', undefined],
    ]);
  });

  it('plain `ip addr show` gives the same interfaces and addresses', () => {
    const text = parseIpAddrText(fixture('ip', 'addr')).value;
    const strip = (l: typeof ifs) =>
      l.map((i) => ({
        name: i.name,
        index: i.index,
        adminUp: i.adminUp,
        carrier: i.carrier,
        operState: i.operState,
        mtu: i.mtu,
        flags: i.flags,
        addresses: i.addresses,
      }));
    expect(strip(text)).toEqual(strip(ifs));
    expect(text.find((i) => i.name === 'eth0')?.linkType).toBe('ether');
  });

  it('ip -j link has the links without addresses', () => {
    const links = parseIpJsonLinks(fixture('ip', 'link-json')).value;
    expect(links.map((i) => i.name)).toEqual(ifs.map((i) => i.name));
    expect(links.every((i) => i.addresses.length === 0)).toBe(true);
  });

  it('RHEL plain `ip addr` (insights-core): junk lines, peer addresses, old flags, bond slaves', () => {
    const { value, warnings } = parseIpAddrText(fixture('ip', 'rhel-addr-insights'));
    expect(value.map((i) => i.name)).toEqual(['lo', 'eth7', 'tunl0', 'tunl1', 'bond1.57', 'ip.tun2']);
    expect(warnings).toHaveLength(3); // the three "Message truncated" lines
    const eth7 = value[1];
    expect([eth7.adminUp, eth7.carrier, eth7.operState]).toEqual([true, false, 'DOWN']);
    expect(value[3].addresses).toEqual([
      { family: 4, address: '172.30.0.1', prefixLen: 32, scope: 'global' },
    ]);
    expect(value[4].addresses[2]).toEqual({
      family: 6,
      address: '2001::211:3fff:fee2:f59e',
      prefixLen: 64,
      scope: 'global',
      flags: ['mngtmpaddr', 'dynamic'],
    });
  });
});

describe('routes', () => {
  it('ip -j route show table all: tables, types, linkdown, host routes as /32', () => {
    const { value, warnings } = parseIpJsonRoutes(fixture('ip', 'route-json'));
    expect(warnings).toEqual([]);
    expect(value[0]).toEqual({
      family: 4,
      table: '100',
      dst: 'default',
      gateway: '198.19.254.1',
      dev: 'eth0',
      type: 'unicast',
    });
    expect(value[1]).toEqual({
      family: 4,
      table: 'main',
      dst: 'default',
      gateway: '198.19.254.1',
      dev: 'eth0',
      type: 'unicast',
    });
    expect(value[2]).toEqual({
      family: 4,
      table: 'main',
      dst: '198.19.100.0/24',
      gateway: '198.19.253.1',
      dev: 'eth1',
      metric: 100,
      type: 'unicast',
      flags: ['linkdown'],
    });
    expect(
      value
        .filter((r) => r.type === 'blackhole' || r.type === 'unreachable')
        .map((r) => `${r.type} ${r.dst}`),
    ).toEqual(['blackhole 198.19.200.0/24', 'unreachable 198.19.201.0/24']);
    expect(value.find((r) => r.dst === '198.19.250.0/24')).toEqual({
      family: 4,
      table: 'main',
      dst: '198.19.250.0/24',
      dev: 'eth0',
      protocol: 'static',
      scope: 'link',
      src: '198.19.254.2',
      type: 'unicast',
    });
    expect(value.find((r) => r.type === 'local' && r.dst === '127.0.0.1/32')?.table).toBe('local');
  });

  it('plain `ip route show table all` gives the same IPv4 routes, and IPv6 ones', () => {
    const json4 = parseIpJsonRoutes(fixture('ip', 'route-json')).value;
    const json6 = parseIpJsonRoutes(fixture('ip', 'route6-json'), 6).value;
    const text = parseIpRouteText(fixture('ip', 'route')).value;
    expect(text.filter((r) => r.family === 4)).toEqual(json4.filter((r) => r.family === 4));
    expect(text.filter((r) => r.family === 6).map((r) => `${r.type} ${r.dst} ${r.metric}`)).toEqual(
      json6.map((r) => `${r.type} ${r.dst} ${r.metric}`),
    );
    expect(parseIpRouteText(fixture('ip', 'route6'), 6).value).toEqual(text.filter((r) => r.family === 6));
  });

  it('a namespace without a default route', () => {
    const routes = parseIpJsonRoutes(fixture('ip', 'route-noroute-json'), 4).value;
    expect(routes.some((r) => r.dst === 'default' && r.table === 'main')).toBe(false);
    expect(parseIpRouteText(fixture('ip', 'route-noroute'), 4).value).toEqual([
      {
        family: 4,
        table: 'main',
        dst: '198.18.255.0/24',
        gateway: '198.19.251.1',
        dev: 'eth0',
        type: 'unicast',
      },
      {
        family: 4,
        table: 'main',
        dst: '198.19.251.0/24',
        dev: 'eth0',
        protocol: 'kernel',
        scope: 'link',
        src: '198.19.251.2',
        type: 'unicast',
      },
    ]);
  });

  it('old double-spaced iproute output (insights-core RHEL 7): error, expires, cache lines', () => {
    const { value, warnings } = parseIpRouteText(fixture('ip', 'rhel-route-table-all-insights'));
    expect(warnings).toEqual([]);
    expect(value[0]).toEqual({
      family: 4,
      table: 'main',
      dst: 'default',
      gateway: '192.168.23.250',
      dev: 'enp0s25',
      type: 'unicast',
    });
    expect(value.find((r) => r.dst === '66.187.239.220/32')?.protocol).toBe('static');
    const ra = value.find((r) => r.family === 6 && r.dst === 'default' && r.protocol === 'ra');
    expect(ra).toEqual({
      family: 6,
      table: 'main',
      dst: 'default',
      gateway: 'fe80::a96:d7ff:fe38:d757',
      dev: 'enp0s25',
      protocol: 'ra',
      metric: 1024,
      type: 'unicast',
    });
    // Ten unreachable routes, the `unspec` table's default among them twice.
    expect(value.filter((r) => r.type === 'unreachable')).toHaveLength(11);
    expect(value.filter((r) => r.table === 'unspec')).toHaveLength(2);
  });

  it('CentOS 7 on an ECS instance (iproute 3.10, no JSON): route and address as printed', () => {
    expect(parseIpRouteText(fixture('ip', 'centos7-ecs-route'), 4).value).toEqual([
      { family: 4, table: 'main', dst: 'default', gateway: '172.21.0.1', dev: 'eth0', type: 'unicast' },
      {
        family: 4,
        table: 'main',
        dst: '169.254.0.0/16',
        dev: 'eth0',
        scope: 'link',
        metric: 1002,
        type: 'unicast',
      },
      {
        family: 4,
        table: 'main',
        dst: '172.21.0.0/20',
        dev: 'eth0',
        protocol: 'kernel',
        scope: 'link',
        src: '172.21.0.12',
        type: 'unicast',
      },
    ]);
    const eth0 = parseIpAddrText(fixture('ip', 'centos7-ecs-addr')).value[1];
    expect(eth0).toEqual({
      name: 'eth0',
      index: 2,
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      adminUp: true,
      carrier: true,
      operState: 'UP',
      mtu: 1500,
      linkType: 'ether',
      mac: '00:16:3e:12:a4:1b',
      addresses: [
        { family: 4, address: '172.17.216.80', prefixLen: 20, scope: 'global', flags: ['dynamic'] },
      ],
    });
  });

  it('multipath routes become one route per next hop', () => {
    const text =
      'default proto static metric 100 \n\tnexthop via 10.0.0.1 dev eth0 weight 1 \n\tnexthop via 10.0.1.1 dev eth1 weight 1 \n';
    expect(parseIpRouteText(text, 4).value.map((r) => [r.gateway, r.dev, r.flags])).toEqual([
      ['10.0.0.1', 'eth0', ['multipath']],
      ['10.0.1.1', 'eth1', ['multipath']],
    ]);
  });
});

describe('ip rule', () => {
  it('reads priorities, selectors and actions (captured)', () => {
    const { value } = parseIpRule(fixture('ip', 'rule'));
    expect(value).toEqual([
      { priority: 0, selector: 'from all lookup local', from: 'all', table: 'local', action: 'lookup' },
      {
        priority: 1000,
        selector: 'from 198.19.253.11 lookup 100',
        from: '198.19.253.11',
        table: '100',
        action: 'lookup',
      },
      {
        priority: 1001,
        selector: 'from all fwmark 0x1 lookup 100',
        from: 'all',
        fwmark: '0x1',
        table: '100',
        action: 'lookup',
      },
      {
        priority: 1002,
        selector: 'from all to 198.19.199.0/24 iif eth0 unreachable',
        from: 'all',
        to: '198.19.199.0/24',
        iif: 'eth0',
        action: 'unreachable',
      },
      { priority: 32766, selector: 'from all lookup main', from: 'all', table: 'main', action: 'lookup' },
      {
        priority: 32767,
        selector: 'from all lookup default',
        from: 'all',
        table: 'default',
        action: 'lookup',
      },
    ]);
    expect(parseIpRule(crlf(fixture('ip', 'rule'))).value).toEqual(value);
  });
});
