/**
 * Internet path evaluator. The instances are normalised from the recorded DescribeInstances body in
 * aliyun/alibabacloud-ecs-tool-troubleshooter `ecs-devops-dashboard/src/app/static/data/DescribeInstances.ts`
 * (copied to alicloud-fixtures/ecs_DescribeInstances.json): i-bp19y1z08hlzzldsdod2 carries EIP 47.96.1.180
 * (eip-bp1tiegqry5es1jj5qz8u, Bandwidth 199, InternetMaxBandwidthOut 0); i-bp19trejji1vzvjr1qq1 has no public
 * address at all. EIP, NAT gateway and SNAT entries follow the official DescribeEipAddresses /
 * DescribeNatGateways / DescribeSnatTableEntries response demos (VPC api-docs.json, dew-serverless/acs-sdk-php).
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateInstanceState,
  evaluateInternetEgress,
  evaluatePublicIngress,
  type InternetFacts,
  publicAddresses,
} from '../../../source/diagnose/evaluate/internet.js';
import type {
  Eip,
  Instance,
  NatGateway,
  RouteEntry,
  RouteTable,
  VSwitch,
} from '../../../source/model/index.js';

const VPC = 'vpc-bp171csbkbnjhg1bj3npw';
const VSW: VSwitch = {
  id: 'vsw-bp1xgvok3myac6ctry030',
  vpcId: VPC,
  cidr: '172.16.176.0/20',
  zoneId: 'cn-hangzhou-k',
};

function instance(p: Partial<Instance> = {}): Instance {
  return {
    id: 'i-bp19y1z08hlzzldsdod2',
    name: 'test-kube-ctl',
    regionId: 'cn-hangzhou',
    zoneId: 'cn-hangzhou-k',
    status: 'Running',
    locks: [],
    networkType: 'vpc',
    vpcId: VPC,
    vSwitchId: VSW.id,
    privateIps: ['172.16.181.150'],
    publicIps: [],
    eip: {
      allocationId: 'eip-bp1tiegqry5es1jj5qz8u',
      ip: '47.96.1.180',
      bandwidth: 199,
      chargeType: 'PayByTraffic',
    },
    internetMaxBandwidthOut: 0,
    securityGroupIds: ['sg-bp1atls48398wyqjatyr'],
    enis: [
      {
        id: 'eni-bp1jbzi7ijcwx7syg5sf',
        type: 'Primary',
        primaryIp: '172.16.181.150',
        privateIps: ['172.16.181.150'],
      },
    ],
    ...p,
  };
}

/** i-bp19trejji1vzvjr1qq1 of the same recording: no public IP, no EIP. */
const privateOnly = () =>
  instance({ id: 'i-bp19trejji1vzvjr1qq1', privateIps: ['172.16.181.171'], eip: undefined, enis: [] });

function eip(p: Partial<Eip> = {}): Eip {
  return {
    allocationId: 'eip-bp1tiegqry5es1jj5qz8u',
    ip: '47.96.1.180',
    status: 'InUse',
    instanceId: 'i-bp19y1z08hlzzldsdod2',
    instanceType: 'EcsInstance',
    bandwidth: 199,
    chargeType: 'PostPaid',
    businessStatus: 'Normal',
    locks: [],
    ...p,
  };
}

function nat(p: Partial<NatGateway> = {}): NatGateway {
  return {
    id: 'ngw-bp1047e2d4z7kf2ki',
    vpcId: VPC,
    status: 'Available',
    networkType: 'internet',
    snatTableIds: ['stb-uf6dalcdu0krz423p'],
    ips: ['116.62.10.20'],
    snat: [
      {
        id: 'snat-kmd6nv8fy0001',
        tableId: 'stb-uf6dalcdu0krz423p',
        sourceVSwitchId: VSW.id,
        sourceCidr: VSW.cidr,
        snatIp: '116.62.10.20',
        status: 'Available',
      },
    ],
    ...p,
  };
}

let n = 0;
function entry(destination: string, type?: string, id?: string, p: Partial<RouteEntry> = {}): RouteEntry {
  n++;
  return {
    id: `rte-bp1${String(n).padStart(6, '0')}`,
    routeTableId: 'vtb-bp145q7glnuzdvzu2',
    destination,
    type: type ? 'Custom' : 'System',
    status: 'Available',
    nextHops: type ? [{ type, id: id ?? 'x', enabled: true }] : [],
    ...p,
  };
}

function table(extra: RouteEntry[] = []): RouteTable {
  return {
    id: 'vtb-bp145q7glnuzdvzu2',
    vpcId: VPC,
    type: 'System',
    vSwitchIds: [VSW.id],
    entries: [entry(VSW.cidr), entry('100.64.0.0/10'), ...extra],
  };
}

const facts = (p: Partial<InternetFacts> = {}): InternetFacts => ({
  instance: instance(),
  eips: [eip()],
  vSwitch: VSW,
  routeTables: [table()],
  natGateways: [],
  ...p,
});

describe('instance state', () => {
  it('Running and unlocked is OK; Stopped or locked blocks, naming the field', () => {
    expect(evaluateInstanceState(instance()).state).toBe('OK');
    const stopped = evaluateInstanceState(instance({ status: 'Stopped' }));
    expect(stopped).toMatchObject({ state: 'BLOCKED', code: 'INSTANCE_NOT_RUNNING' });
    expect(stopped.evidence.field).toBe('Status');
    const locked = evaluateInstanceState(instance({ locks: [{ reason: 'financial' }] }));
    expect(locked).toMatchObject({ state: 'BLOCKED', code: 'INSTANCE_LOCKED' });
    expect(locked.evidence.field).toBe('OperationLocks.LockReason');
    expect(locked.detail).toContain('financial');
  });
});

describe('inbound from the internet', () => {
  it('the recorded EIP, InUse on this instance with 199 Mbit/s: reachable', () => {
    const d = evaluatePublicIngress(facts());
    expect(d.publicIp.state).toBe('OK');
    expect(d.publicIp.address?.resource).toBe('eip-bp1tiegqry5es1jj5qz8u');
    expect(d.publicIp.detail).toContain('47.96.1.180');
    expect(d.instance.state).toBe('OK');
  });

  it('no public IP and no EIP: NO_PUBLIC_ADDRESS', () => {
    const d = evaluatePublicIngress(facts({ instance: privateOnly(), eips: [] }));
    expect(d.publicIp).toMatchObject({ state: 'BLOCKED', code: 'NO_PUBLIC_ADDRESS', confidence: 'certain' });
    expect(d.publicIp.evidence.resource).toBe('i-bp19trejji1vzvjr1qq1');
  });

  it('the EIP the operator expects is Available (unbound): EIP_NOT_ASSOCIATED', () => {
    const spare = eip({ allocationId: 'eip-bp1spare', ip: '47.96.2.2', status: 'Available', instanceId: '' });
    const d = evaluatePublicIngress(facts({ instance: privateOnly(), eips: [spare] }), {
      expected: ['47.96.2.2'],
    });
    expect(d.publicIp).toMatchObject({ state: 'BLOCKED', code: 'EIP_NOT_ASSOCIATED' });
    expect(d.publicIp.evidence).toMatchObject({
      resource: 'eip-bp1spare',
      field: 'Status',
      value: 'Available',
    });
  });

  it('the EIP the operator expects is bound to another instance: EIP_ASSOCIATED_ELSEWHERE', () => {
    const moved = eip({ instanceId: 'i-bp1other' });
    const d = evaluatePublicIngress(facts({ instance: instance({ eip: undefined }), eips: [moved] }), {
      expected: ['47.96.1.180'],
    });
    expect(d.publicIp).toMatchObject({ state: 'BLOCKED', code: 'EIP_ASSOCIATED_ELSEWHERE' });
    expect(d.publicIp.evidence).toMatchObject({ field: 'InstanceId', value: 'i-bp1other' });
  });

  it('an EIP bound to one of the instance\'s ENIs (NetworkInterface mode) is ours, not "elsewhere"', () => {
    const onEni = eip({ instanceId: 'eni-bp1jbzi7ijcwx7syg5sf', instanceType: 'NetworkInterface' });
    const d = evaluatePublicIngress(facts({ instance: instance({ eip: undefined }), eips: [onEni] }), {
      expected: ['47.96.1.180'],
    });
    expect(d.publicIp.state).toBe('OK');
    expect(d.publicIp.address?.resource).toBe('eip-bp1tiegqry5es1jj5qz8u');
  });

  it('an expected address that is nothing of ours: NO_PUBLIC_ADDRESS naming the real ones', () => {
    const d = evaluatePublicIngress(facts(), { expected: ['8.8.8.8'] });
    expect(d.publicIp.code).toBe('NO_PUBLIC_ADDRESS');
    expect(d.publicIp.detail).toContain('47.96.1.180');
  });

  it('an auto-assigned public IP with InternetMaxBandwidthOut 0: PUBLIC_BANDWIDTH_ZERO', () => {
    const inst = instance({ eip: undefined, publicIps: ['121.40.1.2'], internetMaxBandwidthOut: 0 });
    const d = evaluatePublicIngress(facts({ instance: inst, eips: [] }));
    expect(d.publicIp).toMatchObject({ state: 'BLOCKED', code: 'PUBLIC_BANDWIDTH_ZERO' });
    expect(d.publicIp.evidence).toMatchObject({ field: 'InternetMaxBandwidthOut', value: 0 });
    const ok = evaluatePublicIngress(facts({ instance: { ...inst, internetMaxBandwidthOut: 5 }, eips: [] }));
    expect(ok.publicIp.state).toBe('OK');
  });

  it('an EIP under a financial lock carries nothing', () => {
    const d = evaluatePublicIngress(
      facts({ eips: [eip({ locks: [{ reason: 'financial' }], businessStatus: 'FinancialLocked' })] }),
    );
    expect(d.publicIp).toMatchObject({ state: 'BLOCKED', code: 'INSTANCE_LOCKED' });
    expect(d.publicIp.evidence.resource).toBe('eip-bp1tiegqry5es1jj5qz8u');
  });

  it('an EIP being associated is UNCERTAIN, not guessed', () => {
    const d = evaluatePublicIngress(facts({ eips: [eip({ status: 'Associating' })] }));
    expect(d.publicIp.state).toBe('UNCERTAIN');
  });

  it('lists every public address with its source field', () => {
    const inst = instance({
      publicIps: ['121.40.1.2'],
      internetMaxBandwidthOut: 10,
      enis: [
        {
          id: 'eni-2',
          type: 'Secondary',
          primaryIp: '172.16.181.151',
          privateIps: [],
          publicIp: '47.96.9.9',
        },
      ],
    });
    const list = publicAddresses(facts({ instance: inst }));
    expect(list.map((a) => [a.ip, a.kind, a.bandwidthField])).toEqual([
      ['47.96.1.180', 'eip', 'Bandwidth'],
      ['121.40.1.2', 'public-ip', 'InternetMaxBandwidthOut'],
      ['47.96.9.9', 'eni-public', 'AssociatedPublicIp'],
    ]);
  });
});

describe('outbound to the internet', () => {
  it('an instance with its EIP leaves through it; no route needed', () => {
    const d = evaluateInternetEgress(facts());
    expect(d.egress).toMatchObject({ state: 'OK', carrier: 'public-ip' });
    expect(d.route.state).toBe('OK');
    expect(d.egress.address?.ip).toBe('47.96.1.180');
  });

  it('no public address, 0.0.0.0/0 → NAT gateway with SNAT for the vSwitch: leaves via SNAT', () => {
    const d = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [nat()],
        routeTables: [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki')])],
      }),
    );
    expect(d.route.state).toBe('OK');
    expect(d.egress).toMatchObject({ state: 'OK', carrier: 'snat' });
    expect(d.egress.detail).toContain('snat-kmd6nv8fy0001');
    expect(d.egress.detail).toContain('116.62.10.20');
  });

  it('SNAT exists but no route sends traffic to the NAT gateway: VPC_ROUTE_MISSING', () => {
    const d = evaluateInternetEgress(facts({ instance: privateOnly(), eips: [], natGateways: [nat()] }));
    expect(d.route).toMatchObject({ state: 'BLOCKED', code: 'VPC_ROUTE_MISSING' });
    expect(d.route.detail).toContain('0.0.0.0/0 → ngw-bp1047e2d4z7kf2ki');
  });

  it('no public address and no NAT gateway: NO_INTERNET_EGRESS', () => {
    const d = evaluateInternetEgress(facts({ instance: privateOnly(), eips: [] }));
    expect(d.egress).toMatchObject({ state: 'BLOCKED', code: 'NO_INTERNET_EGRESS', carrier: 'none' });
  });

  it('a custom 0.0.0.0/0 to an instance while SNAT waits on the NAT gateway: VPC_ROUTE_MISDIRECTED', () => {
    const d = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [nat()],
        routeTables: [table([entry('0.0.0.0/0', 'Instance', 'i-bp1oldproxy')])],
      }),
    );
    expect(d.route).toMatchObject({ state: 'BLOCKED', code: 'VPC_ROUTE_MISDIRECTED' });
    expect(d.route.detail).toContain('i-bp1oldproxy');
    expect(d.route.detail).toContain('ngw-bp1047e2d4z7kf2ki');
  });

  it('a custom 0.0.0.0/0 to a NAT instance with no SNAT anywhere: forwarded, beyond sight', () => {
    const d = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        routeTables: [table([entry('0.0.0.0/0', 'HaVip', 'havip-1')])],
      }),
    );
    expect(d.route).toMatchObject({ state: 'OK', confidence: 'likely' });
    expect(d.egress).toMatchObject({ state: 'UNCERTAIN', carrier: 'appliance' });
  });

  it('the route goes to one NAT gateway, the SNAT entry sits on another: VPC_ROUTE_MISDIRECTED', () => {
    const other = nat({ id: 'ngw-bp1other', snat: [] });
    const d = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [nat(), other],
        routeTables: [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1other')])],
      }),
    );
    expect(d.route.code).toBe('VPC_ROUTE_MISDIRECTED');
    expect(d.egress.code).toBe('NO_INTERNET_EGRESS');
  });

  it('route to a NAT gateway without a matching SNAT entry: NO_INTERNET_EGRESS on the egress hop', () => {
    const d = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [
          nat({ snat: [{ ...nat().snat[0], sourceVSwitchId: 'vsw-bp1else', sourceCidr: '172.16.0.0/24' }] }),
        ],
        routeTables: [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki')])],
      }),
    );
    expect(d.route.state).toBe('OK');
    expect(d.egress.code).toBe('NO_INTERNET_EGRESS');
  });

  it('an instance-level SNAT entry (SourceCIDR = its /32) counts; a Pending one does not', () => {
    const perInstance = { ...nat().snat[0], sourceVSwitchId: undefined, sourceCidr: '172.16.181.171/32' };
    const routed = [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki')])];
    const good = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [nat({ snat: [perInstance] })],
        routeTables: routed,
      }),
    );
    expect(good.egress.carrier).toBe('snat');
    const pending = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [nat({ snat: [{ ...perInstance, status: 'Pending' }] })],
        routeTables: routed,
      }),
    );
    expect(pending.egress.code).toBe('NO_INTERNET_EGRESS');
  });

  it('an intranet (VPC) NAT gateway does not reach the internet', () => {
    const d = evaluateInternetEgress(
      facts({
        instance: privateOnly(),
        eips: [],
        natGateways: [nat({ networkType: 'intranet' })],
        routeTables: [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki')])],
      }),
    );
    expect(d.egress.code).toBe('NO_INTERNET_EGRESS');
    expect(d.egress.detail).toContain('intranet');
  });

  it('a public address with a custom 0.0.0.0/0 to an appliance: UNCERTAIN (undocumented precedence)', () => {
    const d = evaluateInternetEgress(
      facts({ routeTables: [table([entry('0.0.0.0/0', 'Instance', 'i-bp1fw')])] }),
    );
    expect(d.route).toMatchObject({
      state: 'UNCERTAIN',
      confidence: 'uncertain',
      code: 'VPC_ROUTE_MISDIRECTED',
    });
    expect(d.egress.carrier).toBe('public-ip');
  });

  it('a public address with a custom 0.0.0.0/0 to a NAT gateway: the EIP is used first', () => {
    const d = evaluateInternetEgress(
      facts({
        natGateways: [nat()],
        routeTables: [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki')])],
      }),
    );
    expect(d.route.state).toBe('OK');
    expect(d.egress.carrier).toBe('public-ip');
  });

  it('a more specific custom route to a VPN for the destination: VPC_ROUTE_MISDIRECTED', () => {
    const d = evaluateInternetEgress(
      facts({ routeTables: [table([entry('8.8.8.0/24', 'VpnGateway', 'vpn-bp1office')])] }),
      {
        destination: '8.8.8.8',
      },
    );
    expect(d.route).toMatchObject({ state: 'BLOCKED', code: 'VPC_ROUTE_MISDIRECTED' });
    // Another destination is not affected.
    expect(
      evaluateInternetEgress(facts({ routeTables: [table([entry('8.8.8.0/24', 'VpnGateway', 'vpn-1')])] }), {
        destination: '1.1.1.1',
      }).route.state,
    ).toBe('OK');
  });

  it('an IPv4 gateway steers the VPC and this vSwitch has no route to it: its EIP cannot reach the internet', () => {
    const pub: RouteTable = {
      id: 'vtb-bp1public',
      vpcId: VPC,
      type: 'Custom',
      vSwitchIds: ['vsw-bp1web'],
      entries: [entry('0.0.0.0/0', 'Ipv4Gateway', 'ipv4gw-bp1gw')],
    };
    const d = evaluateInternetEgress(facts({ routeTables: [table(), pub] }));
    expect(d.route).toMatchObject({ state: 'BLOCKED', code: 'VPC_ROUTE_MISSING' });
    expect(d.route.detail).toContain('ipv4gw-bp1gw');
    // The same vSwitch routed to the IPv4 gateway is public: fine.
    const ok = evaluateInternetEgress(
      facts({ routeTables: [table([entry('0.0.0.0/0', 'Ipv4Gateway', 'ipv4gw-bp1gw')])] }),
    );
    expect(ok.route.state).toBe('OK');
    // A private vSwitch routed to a NAT gateway with SNAT still gets out through SNAT.
    const viaNat = evaluateInternetEgress(
      facts({
        natGateways: [nat()],
        routeTables: [table([entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki')]), pub],
      }),
    );
    expect(viaNat.egress.carrier).toBe('snat');
  });

  it('a public IP with zero bandwidth and no NAT: PUBLIC_BANDWIDTH_ZERO on the egress hop', () => {
    const inst = instance({ eip: undefined, publicIps: ['121.40.1.2'], internetMaxBandwidthOut: 0 });
    const d = evaluateInternetEgress(facts({ instance: inst, eips: [] }));
    expect(d.egress.code).toBe('PUBLIC_BANDWIDTH_ZERO');
  });

  it('a blackhole default route without a public address: VPC_ROUTE_MISSING', () => {
    const dead = entry('0.0.0.0/0', 'NatGateway', 'ngw-bp1047e2d4z7kf2ki');
    dead.nextHops[0].enabled = false;
    const d = evaluateInternetEgress(
      facts({ instance: privateOnly(), eips: [], natGateways: [nat()], routeTables: [table([dead])] }),
    );
    expect(d.route.code).toBe('VPC_ROUTE_MISSING');
    expect(d.egress.code).toBe('NO_INTERNET_EGRESS');
  });

  it('without route-table facts the route hop is UNCERTAIN, never OK', () => {
    const d = evaluateInternetEgress(facts({ routeTables: [] }));
    expect(d.route.state).toBe('UNCERTAIN');
    expect(d.egress.carrier).toBe('public-ip');
    expect(d.egress.confidence).toBe('likely');
  });
});
