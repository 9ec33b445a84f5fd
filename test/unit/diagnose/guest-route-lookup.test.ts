/**
 * Guest routing on real `ip -j addr`, `ip -j route show table all`, `ip rule show` and sysctl output, read by the
 * production parsers. Scenarios in test/fixtures/firewall/routes/ were built in network namespaces by
 * capture-guest.sh (an ECS-like guest with eth0 172.16.1.10/24 and a secondary ENI eth1 172.16.2.10/24); the
 * policy-routing capture of test/fixtures/guest/ip/ is read too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkAddress,
  defaultRouteCheck,
  lookupRoute,
  type RouteFacts,
  returnPath,
  routeHop,
} from '../../../source/diagnose/evaluate/guest-route.js';
import { parseIpJsonLinks, parseIpJsonRoutes } from '../../../source/guest/parsers/ip-json.js';
import { parseIpRule } from '../../../source/guest/parsers/ip-text.js';
import { parseSysctl } from '../../../source/guest/parsers/proc-values.js';

const DIR = join(import.meta.dirname, '../../fixtures');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

function scenario(name: string): RouteFacts {
  const parts = [
    parseIpJsonRoutes(read(`firewall/routes/${name}.route.json`)),
    parseIpRule(read(`firewall/routes/${name}.rule.txt`)),
    parseIpJsonLinks(read(`firewall/routes/${name}.addr.json`)),
    parseSysctl(read(`firewall/routes/${name}.sysctl.txt`)),
  ];
  expect(parts.flatMap((p) => p.warnings)).toEqual([]);
  return {
    routes: parts[0].value as RouteFacts['routes'],
    rules: parts[1].value as RouteFacts['rules'],
    interfaces: parts[2].value as RouteFacts['interfaces'],
    sysctls: parts[3].value as Record<string, string>,
  };
}

const GUEST = '172.16.1.10';

describe('an ECS-like guest', () => {
  const ecs = scenario('ecs');

  it('sends internet traffic by the default route via the VPC gateway on eth0', () => {
    const r = defaultRouteCheck(ecs);
    expect([r.status, r.dev, r.gateway, r.table, r.confidence]).toEqual([
      'ok',
      'eth0',
      '172.16.1.253',
      'main',
      'certain',
    ]);
    expect(r.detail).toBe(
      'packets to the internet leave by default via 172.16.1.253 dev eth0 (rule 32766: from all lookup main)',
    );
    expect(routeHop(r).state).toBe('OK');
  });

  it('longest prefix wins: the VPC subnet on-link, 100.100/16 by its own route, local addresses locally', () => {
    expect(lookupRoute(ecs, { dst: '172.16.1.20' }).route?.dst).toBe('172.16.1.0/24');
    expect(lookupRoute(ecs, { dst: '172.16.2.20' }).dev).toBe('eth1');
    expect(lookupRoute(ecs, { dst: '100.100.2.136' }).route?.dst).toBe('100.100.0.0/16');
    const local = lookupRoute(ecs, { dst: GUEST });
    expect([local.status, local.table]).toEqual(['local', 'local']);
  });

  it('blackhole, unreachable and prohibit routes end the packet, each said so', () => {
    const bh = lookupRoute(ecs, { dst: '203.0.113.9' });
    expect([bh.status, bh.route?.type]).toEqual(['blackhole', 'blackhole']);
    expect(bh.detail).toBe(
      'packets to 203.0.113.9 hit the blackhole route blackhole 203.0.113.0/24 (rule 32766: from all lookup main)',
    );
    expect(routeHop(bh).state).toBe('BLOCKED');
    expect(lookupRoute(ecs, { dst: '198.51.100.9' }).status).toBe('unreachable');
    expect(lookupRoute(ecs, { dst: '192.0.2.9' }).status).toBe('prohibit');
  });

  it('for the whole internet, names the more specific routes that take part of it elsewhere', () => {
    const r = lookupRoute(ecs, { dst: 'internet' });
    expect(r.status).toBe('ok');
    expect(r.exceptions.map((e) => e.dst).sort()).toEqual([
      '192.0.2.0/24',
      '198.51.100.0/24',
      '203.0.113.0/24',
    ]);
    expect(r.notes[0]).toMatch(/^more specific routes take part of the internet elsewhere: /);
  });

  it('the return path of a reply to an internet client leaves by eth0, where the request came in', () => {
    const r = returnPath(ecs, {
      client: '8.8.4.4',
      local: GUEST,
      arrivedOn: 'eth0',
      gateway: '172.16.1.253',
    });
    expect([r.status, r.dev, r.notes]).toEqual(['ok', 'eth0', []]);
  });

  it('the assigned address is on an UP interface with carrier', () => {
    const a = checkAddress(ecs.interfaces!, GUEST);
    expect([a.status, a.iface?.name, a.detail]).toEqual(['ok', 'eth0', '172.16.1.10/24 on eth0, eth0 is up']);
  });
});

describe('what breaks', () => {
  it('no default route: GUEST_DEFAULT_ROUTE_MISSING, replies to internet clients cannot leave', () => {
    const f = scenario('no-default');
    const r = defaultRouteCheck(f);
    expect([r.status, r.code]).toEqual(['no-route', 'GUEST_DEFAULT_ROUTE_MISSING']);
    expect(r.detail).toBe(
      'no route to the internet (no default route): sends fail with "Network is unreachable"',
    );
    const back = returnPath(f, { client: '8.8.4.4', local: GUEST });
    expect([back.status, back.code]).toEqual(['no-route', 'GUEST_DEFAULT_ROUTE_MISSING']);
    expect(routeHop(back)).toMatchObject({ state: 'BLOCKED', code: 'GUEST_DEFAULT_ROUTE_MISSING' });
    // The VPC subnet itself is still reachable.
    expect(lookupRoute(f, { dst: '172.16.1.20' }).status).toBe('ok');
  });

  it('asymmetric return path with strict rp_filter on eth0: requests arriving on eth0 are dropped', () => {
    const f = scenario('asym-strict');
    const r = returnPath(f, { client: '8.8.4.4', local: GUEST, arrivedOn: 'eth0' });
    expect([r.status, r.dev]).toEqual(['rp-filter', 'eth1']);
    expect(r.detail).toBe(
      'replies leave by eth1, but requests arrive on eth0: strict reverse-path filtering (rp_filter=1 on eth0) drops the requests',
    );
    expect(routeHop(r).state).toBe('BLOCKED');
    // Loose mode lets it through, with a note.
    const loose = returnPath(scenario('asym-loose'), {
      client: '8.8.4.4',
      local: GUEST,
      arrivedOn: 'eth0',
      gateway: '172.16.1.253',
    });
    expect(loose.status).toBe('ok');
    expect(loose.notes).toEqual([
      'replies leave by eth1, but requests arrive on eth0 (asymmetric; rp_filter=2 lets it pass)',
      'replies go via 172.16.2.253, not the VPC gateway 172.16.1.253',
    ]);
  });

  it('a default route through a NIC without carrier leads nowhere (GUEST_NIC_DOWN)', () => {
    const f = scenario('nocarrier');
    const r = defaultRouteCheck(f);
    expect([r.status, r.code]).toEqual(['dev-down', 'GUEST_NIC_DOWN']);
    expect(r.detail).toContain('but eth0 has no carrier');
    const a = checkAddress(f.interfaces!, GUEST);
    expect([a.status, a.code]).toEqual(['no-carrier', 'GUEST_NIC_DOWN']);
    expect(a.detail).toBe('172.16.1.10/24 on eth0, but eth0 has no carrier (LOWERLAYERDOWN)');
    // Without interface facts, the route's own linkdown flag says the same.
    expect(defaultRouteCheck({ routes: f.routes, rules: f.rules }).status).toBe('dev-down');
  });

  it('an administratively down eth0: its routes are gone and the address is on a down NIC', () => {
    const f = scenario('admindown');
    expect(defaultRouteCheck(f).code).toBe('GUEST_DEFAULT_ROUTE_MISSING');
    const a = checkAddress(f.interfaces!, GUEST);
    expect([a.status, a.code, a.detail]).toEqual([
      'nic-down',
      'GUEST_NIC_DOWN',
      '172.16.1.10/24 on eth0, but eth0 is administratively down',
    ]);
  });

  it('the assigned address missing (the NIC carries another one): GUEST_ADDRESS_MISSING, listing what is there', () => {
    const f = scenario('wrongaddr');
    const a = checkAddress(f.interfaces!, GUEST);
    expect([a.status, a.code]).toEqual(['missing', 'GUEST_ADDRESS_MISSING']);
    expect(a.detail).toBe(
      'no interface carries 172.16.1.10 (p0: none; eth0: 172.16.1.99/24; p1: none; eth1: 172.16.2.10/24)',
    );
  });
});

describe('policy routing', () => {
  const f = scenario('policy');

  it('wg-quick style rules: with the mark known (0), traffic goes to table 51820 (wg0)', () => {
    const r = lookupRoute(f, { dst: '8.8.4.4', mark: 0 });
    expect([r.status, r.table, r.dev, r.rule?.priority, r.confidence]).toEqual([
      'ok',
      '51820',
      'wg0',
      32764,
      'certain',
    ]);
    // suppress_prefixlength 0 rejected main's default route before that; main's on-link routes still win.
    expect(lookupRoute(f, { dst: '172.16.1.20', mark: 0 }).rule?.priority).toBe(32763);
    // The tunnel's own packets (marked 0xca6c) go by main.
    expect(lookupRoute(f, { dst: '8.8.4.4', mark: 0xca6c }).dev).toBe('eth0');
  });

  it('with the mark unknown, a fwmark rule makes the answer uncertain', () => {
    const r = lookupRoute(f, { dst: '8.8.4.4' });
    expect(r.confidence).toBe('uncertain');
    expect(r.notes.join(' ')).toContain('tests a firewall mark, which is not known');
    expect(routeHop(r).state).toBe('OK');
    const blocked = lookupRoute(
      { ...f, routes: f.routes.filter((x) => x.table !== '51820' && x.dst !== 'default') },
      { dst: '8.8.4.4' },
    );
    expect(routeHop(blocked).state).toBe('UNCERTAIN');
  });

  it('from-selectors: replies from the secondary ENI address use table 100 via eth1', () => {
    const r = returnPath(f, { client: '8.8.4.4', local: '172.16.2.10', arrivedOn: 'eth1' });
    expect([r.status, r.table, r.dev, r.gateway]).toEqual(['ok', '100', 'eth1', '172.16.2.253']);
  });

  it('reads the parser fixture too: a `to … iif eth0 unreachable` rule, a fwmark rule, table 100', () => {
    const g: RouteFacts = {
      routes: parseIpJsonRoutes(read('guest/ip/route-json.txt')).value,
      rules: parseIpRule(read('guest/ip/rule.txt')).value,
    };
    expect(lookupRoute(g, { dst: '198.19.199.5', iif: 'eth0', mark: 0 }).status).toBe('unreachable');
    expect(lookupRoute(g, { dst: '198.19.199.5', mark: 0 }).status).toBe('ok');
    expect(lookupRoute(g, { dst: '8.8.4.4', src: '198.19.253.11', mark: 0 }).table).toBe('100');
    expect(lookupRoute(g, { dst: '198.19.200.1', mark: 0 }).status).toBe('blackhole');
    expect(lookupRoute(g, { dst: '198.19.100.1', mark: 0 }).status).toBe('dev-down');
  });
});
