/**
 * VPC route evaluator. Tables follow DescribeRouteTableList / DescribeRouteEntryList (official response demos in
 * the VPC 2016-04-28 api-docs.json, dew-serverless/acs-sdk-php @2da261e4: `"RouteEntryId":"rte-…",
 * "DestinationCidrBlock":"0.0.0.0/0","Type":"Custom","Status":"Available","NextHops":{"NextHop":[{"NextHopType":
 * "NatGateway","NextHopId":"ngw-…","Enabled":1}]}`). The VPC, vSwitch and addresses are those of the recorded
 * DescribeInstances body in aliyun/alibabacloud-ecs-tool-troubleshooter (vpc-bp171csbkbnjhg1bj3npw,
 * vsw-bp1xgvok3myac6ctry030 holding 172.16.181.x, vsw-bp1gt4qi33jvodn5zbs2r holding 172.16.102–103.x).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateVpcRoute,
  lookupRoute,
  selectRouteTable,
} from '../../../source/diagnose/evaluate/vpc-route.js';
import type { RouteEntry, RouteNextHop, RouteTable, VSwitch } from '../../../source/model/index.js';
import { inCidr, parseCidr } from '../../../source/net/ip.js';

const VPC = 'vpc-bp171csbkbnjhg1bj3npw';
const VSW_A: VSwitch = {
  id: 'vsw-bp1xgvok3myac6ctry030',
  vpcId: VPC,
  cidr: '172.16.176.0/20',
  zoneId: 'cn-hangzhou-k',
};
const VSW_B: VSwitch = {
  id: 'vsw-bp1gt4qi33jvodn5zbs2r',
  vpcId: VPC,
  cidr: '172.16.96.0/20',
  zoneId: 'cn-hangzhou-k',
};

let n = 0;
function route(
  destination: string,
  hops: Partial<RouteNextHop>[] = [],
  p: Partial<RouteEntry> = {},
  table = 'vtb-bp145q7glnuzdvzu2',
): RouteEntry {
  n++;
  return {
    id: `rte-bp1mnnr2al0naomnp${String(n).padStart(4, '0')}`,
    routeTableId: table,
    destination,
    type: hops.length ? 'Custom' : 'System',
    status: 'Available',
    nextHops: hops.map((h) => ({ type: 'Instance', id: 'i-x', enabled: true, ...h })),
    ...p,
  };
}

function systemTable(extra: RouteEntry[] = []): RouteTable {
  return {
    id: 'vtb-bp145q7glnuzdvzu2',
    vpcId: VPC,
    type: 'System',
    vSwitchIds: [VSW_A.id, VSW_B.id],
    entries: [route(VSW_A.cidr), route(VSW_B.cidr), route('100.64.0.0/10'), ...extra],
  };
}

describe('route table selection', () => {
  const custom: RouteTable = {
    id: 'vtb-bp1custom0001',
    vpcId: VPC,
    type: 'Custom',
    vSwitchIds: [VSW_B.id],
    entries: [],
  };
  it('a vSwitch bound to a custom table uses it; others use the system table', () => {
    const tables = [systemTable(), custom];
    expect(selectRouteTable(tables, VSW_B)).toMatchObject({ how: 'bound', table: custom });
    expect(selectRouteTable(tables, { ...VSW_A, routeTableId: undefined })).toMatchObject({ how: 'system' });
    expect(selectRouteTable(tables, { ...VSW_A, routeTableId: 'vtb-bp1custom0001' }).table).toBe(custom);
  });
  it('no table at all: missing, and the route hop is UNCERTAIN (never OK)', () => {
    expect(selectRouteTable([], VSW_A).how).toBe('missing');
    const d = evaluateVpcRoute({ tables: [], vSwitch: VSW_A, destination: '172.16.100.1', kind: 'vpc' });
    expect(d.state).toBe('UNCERTAIN');
  });
});

describe('longest prefix match', () => {
  it('the system route of the peer vSwitch beats a custom 0.0.0.0/0', () => {
    const t = systemTable([route('0.0.0.0/0', [{ type: 'NatGateway', id: 'ngw-bp1047e2d4z7kf2ki' }])]);
    const lk = lookupRoute(t, '172.16.103.1');
    expect(lk.best?.entry.destination).toBe(VSW_B.cidr);
    expect(lk.carrier).toBe('local');
    expect(lk.candidates.map((c) => c.entry.destination)).toEqual([VSW_B.cidr, '0.0.0.0/0']);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '172.16.103.1', kind: 'vpc' });
    expect(d.state).toBe('OK');
    expect(d.confidence).toBe('certain');
    expect(d.detail).toContain('Delivered inside the VPC');
  });

  it('a more specific custom route through a firewall instance wins over the system route', () => {
    const t = systemTable([route('172.16.103.0/24', [{ type: 'Instance', id: 'i-bp1firewall01' }])]);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '172.16.103.1', kind: 'vpc' });
    expect(d.carrier).toBe('appliance');
    expect(d.state).toBe('OK');
    expect(d.confidence).toBe('likely');
    expect(d.detail).toContain('i-bp1firewall01');
  });

  it('a Pending entry is not effective yet: the next best forwards, confidence drops', () => {
    const t = systemTable([
      route('192.168.0.0/16', [{ type: 'VpnGateway', id: 'vpn-bp1old' }]),
      route('192.168.10.0/24', [{ type: 'VpnGateway', id: 'vpn-bp1new' }], { status: 'Pending' }),
    ]);
    const lk = lookupRoute(t, '192.168.10.5');
    expect(lk.best?.entry.destination).toBe('192.168.0.0/16');
    expect(lk.candidates[0].ignored).toContain('Pending');
    const d = evaluateVpcRoute({
      tables: [t],
      vSwitch: VSW_A,
      destination: '192.168.10.5',
      kind: 'external',
    });
    expect(d.state).toBe('OK');
    expect(d.confidence).toBe('likely');
  });

  it('ECMP: several enabled next hops; a disabled one carries nothing and is noted', () => {
    const t = systemTable([
      route('10.0.0.0/8', [
        { type: 'RouterInterface', id: 'ri-1' },
        { type: 'RouterInterface', id: 'ri-2' },
        { type: 'RouterInterface', id: 'ri-3', enabled: false },
      ]),
    ]);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '10.1.2.3', kind: 'external' });
    expect(d.ecmp).toBe(true);
    expect(d.lookup?.hops.map((h) => h.id)).toEqual(['ri-1', 'ri-2']);
    expect(d.lookup?.notes.join(' ')).toContain('ri-3');
    expect(d.detail).toContain('ECMP over 2 next hops');
  });

  it('a custom entry whose next hops are all disabled is a blackhole', () => {
    const t = systemTable([route('10.0.0.0/8', [{ type: 'VpnGateway', id: 'vpn-1', enabled: false }])]);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '10.1.2.3', kind: 'external' });
    expect(d.carrier).toBe('blackhole');
    expect(d.state).toBe('BLOCKED');
    expect(d.code).toBe('VPC_ROUTE_MISSING');
    expect(d.detail).toContain('blackhole');
  });

  it('Modifying/Deleting entries still forward, but only likely', () => {
    const t = systemTable([route('10.0.0.0/8', [{ type: 'CenBasic', id: 'cen-1' }], { status: 'Deleting' })]);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '10.1.2.3', kind: 'external' });
    expect(d.state).toBe('OK');
    expect(d.lookup?.notes.join(' ')).toContain('may stop');
  });
});

describe('verdicts by destination kind', () => {
  it('a peer VPC / on-premises address without a route: VPC_ROUTE_MISSING, certain', () => {
    const d = evaluateVpcRoute({
      tables: [systemTable()],
      vSwitch: VSW_A,
      destination: '192.168.10.5',
      kind: 'external',
    });
    expect(d.state).toBe('BLOCKED');
    expect(d.code).toBe('VPC_ROUTE_MISSING');
    expect(d.confidence).toBe('certain');
    expect(d.detail).toContain('VPN gateway');
  });

  it('with a route via a VPN gateway: OK, but netdoctor cannot see past it', () => {
    const t = systemTable([route('192.168.0.0/16', [{ type: 'VpnGateway', id: 'vpn-bp1onprem' }])]);
    const d = evaluateVpcRoute({
      tables: [t],
      vSwitch: VSW_A,
      destination: '192.168.10.5',
      kind: 'external',
    });
    expect(d.state).toBe('OK');
    expect(d.confidence).toBe('likely');
    expect(d.route?.nextHops[0].id).toBe('vpn-bp1onprem');
  });

  it('an address of this VPC captured by a custom route out of the VPC: VPC_ROUTE_MISDIRECTED', () => {
    const t = systemTable([route('172.16.103.0/24', [{ type: 'VpnGateway', id: 'vpn-bp1wrong' }])]);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '172.16.103.1', kind: 'vpc' });
    expect(d.state).toBe('BLOCKED');
    expect(d.code).toBe('VPC_ROUTE_MISDIRECTED');
  });

  it('a private destination sent to the IPv4 gateway goes nowhere', () => {
    const t = systemTable([route('10.0.0.0/8', [{ type: 'Ipv4Gateway', id: 'ipv4gw-1' }])]);
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '10.1.2.3', kind: 'external' });
    expect(d.code).toBe('VPC_ROUTE_MISDIRECTED');
  });

  it('a next-hop appliance known to be down blocks the path', () => {
    const t = systemTable([route('10.0.0.0/8', [{ type: 'Instance', id: 'i-bp1natbox' }])]);
    const d = evaluateVpcRoute({
      tables: [t],
      vSwitch: VSW_A,
      destination: '10.1.2.3',
      kind: 'external',
      nextHopHealth: (h) => (h.id === 'i-bp1natbox' ? { ok: false, detail: 'Stopped' } : undefined),
    });
    expect(d.state).toBe('BLOCKED');
    expect(d.code).toBe('VPC_ROUTE_MISDIRECTED');
    expect(d.detail).toContain('i-bp1natbox (Stopped)');
  });

  it('an address inside the own vSwitch is local even if the table lists no system route', () => {
    const t: RouteTable = {
      id: 'vtb-empty',
      vpcId: VPC,
      type: 'Custom',
      vSwitchIds: [VSW_A.id],
      entries: [],
    };
    const d = evaluateVpcRoute({ tables: [t], vSwitch: VSW_A, destination: '172.16.181.171', kind: 'vpc' });
    expect(d.state).toBe('OK');
    expect(d.carrier).toBe('local');
  });
});

describe('longest prefix match vs a brute-force reference', () => {
  it('picks the longest effective prefix containing the address, every time', () => {
    const cidr = fc
      .tuple(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 24 }),
      )
      .map(([a, b, len]) => `10.${a}.${b}.0/${len + 8}`);
    const entry = fc.record({
      destination: fc.oneof(cidr, fc.constant('0.0.0.0/0')),
      status: fc.constantFrom('Available', 'Available', 'Pending', 'Deleting'),
      enabled: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 30 }),
        fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
        (entries, [a, b]) => {
          const t: RouteTable = {
            id: 'vtb-p',
            vpcId: VPC,
            type: 'Custom',
            vSwitchIds: [],
            entries: entries.map((e, i) =>
              route(e.destination, [{ type: 'Instance', id: `i-${i}`, enabled: e.enabled }], {
                status: e.status,
              }),
            ),
          };
          const addr = `10.${a}.${b}.7`;
          const lk = lookupRoute(t, addr);
          const effective = t.entries.filter((e) => e.status !== 'Pending' && inCidr(addr, e.destination));
          const longest = Math.max(-1, ...effective.map((e) => parseCidr(e.destination)!.prefix));
          if (longest < 0) expect(lk.best).toBeUndefined();
          else {
            expect(parseCidr(lk.best!.entry.destination)!.prefix).toBe(longest);
            expect(lk.carrier).toBe(lk.best!.entry.nextHops[0].enabled ? 'appliance' : 'blackhole');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
