/**
 * Cloud evaluators at scale: 2,000 security-group rules over 5 groups, a 500-entry route table and a 2 × 100-entry
 * network ACL, evaluated for a realistic set of intents. The whole diagnose must stay under 50 ms with 20,000
 * sockets, so this part has a few milliseconds. Rules come from a seeded generator: the same world every run.
 */

import { evaluateInternetEgress } from '../source/diagnose/evaluate/internet.js';
import { evaluateNacl, type NaclFlow } from '../source/diagnose/evaluate/nacl.js';
import { compileSgPool, evaluateSg, type SgFlow } from '../source/diagnose/evaluate/security-group.js';
import { evaluateVpcRoute } from '../source/diagnose/evaluate/vpc-route.js';
import type {
  AclEntry,
  NetworkAcl,
  RouteEntry,
  RouteTable,
  SecurityGroup,
  SgRule,
  VSwitch,
} from '../source/model/index.js';
import type { BenchFn, BenchRow } from './types.js';

/** mulberry32: a tiny deterministic PRNG so every run measures the same world. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCidr(r: () => number): string {
  const len = [0, 8, 16, 24, 24, 28, 32, 32][Math.floor(r() * 8)];
  const a = Math.floor(r() * 223) + 1;
  const ip = [a, Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
  return len === 0 ? '0.0.0.0/0' : `${ip.join('.')}/${len}`;
}

/** The seeded world the bench evaluates (exported for the diagnose bench and profiling). */
export function evaluatorWorld() {
  const r = rng(20261126);
  const groups: SecurityGroup[] = [];
  for (let g = 0; g < 5; g++) {
    const rules: SgRule[] = [];
    for (let i = 0; i < 400; i++) {
      const from = Math.floor(r() * 65000) + 1;
      rules.push({
        id: `sgr-bench${g}-${i}`,
        groupId: `sg-bench${g}`,
        direction: r() < 0.7 ? 'ingress' : 'egress',
        policy: r() < 0.25 ? 'drop' : 'accept',
        priority: Math.floor(r() * 100) + 1,
        protocol: (['tcp', 'tcp', 'udp', 'icmp', 'all'] as const)[Math.floor(r() * 5)],
        ports: r() < 0.1 ? { from: -1, to: -1 } : { from, to: Math.min(65535, from + Math.floor(r() * 50)) },
        peerCidr: randomCidr(r),
        description: '',
      });
    }
    groups.push({
      id: `sg-bench${g}`,
      name: `bench${g}`,
      type: 'normal',
      innerAccessPolicy: 'Accept',
      rules,
    });
  }
  const vSwitch: VSwitch = {
    id: 'vsw-bench',
    vpcId: 'vpc-bench',
    cidr: '172.16.0.0/24',
    zoneId: 'cn-hangzhou-k',
  };
  const entries: RouteEntry[] = [];
  for (let i = 0; i < 500; i++)
    entries.push({
      id: `rte-bench${i}`,
      routeTableId: 'vtb-bench',
      destination: i === 0 ? '0.0.0.0/0' : randomCidr(r).replace(/^0\.0\.0\.0\/0$/, '10.0.0.0/8'),
      type: 'Custom',
      status: 'Available',
      nextHops: [
        {
          type: i === 0 ? 'NatGateway' : 'VpnGateway',
          id: i === 0 ? 'ngw-bench' : `vpn-${i}`,
          enabled: true,
        },
      ],
    });
  entries.push({
    id: 'rte-sys',
    routeTableId: 'vtb-bench',
    destination: vSwitch.cidr,
    type: 'System',
    status: 'Available',
    nextHops: [],
  });
  const table: RouteTable = {
    id: 'vtb-bench',
    vpcId: 'vpc-bench',
    type: 'System',
    vSwitchIds: [vSwitch.id],
    entries,
  };
  const acl = (dir: string): AclEntry[] =>
    Array.from({ length: 100 }, (_, i) => {
      const from = Math.floor(r() * 65000) + 1;
      return {
        id: `nae-${dir}${i}`,
        policy: r() < 0.3 ? 'drop' : 'accept',
        protocol: (['tcp', 'udp', 'all'] as const)[Math.floor(r() * 3)],
        ports: { from, to: Math.min(65535, from + Math.floor(r() * 5000)) },
        cidr: randomCidr(r),
      };
    });
  const nacl: NetworkAcl = {
    id: 'nacl-bench',
    vpcId: 'vpc-bench',
    ingress: acl('i'),
    egress: acl('e'),
    vSwitchIds: [vSwitch.id],
  };
  return { groups, vSwitch, table, nacl };
}

/** The default intents of a busy web server, as the diagnose would run them. */
export const SG_FLOWS: SgFlow[] = [
  { direction: 'ingress', protocol: 'tcp', port: 22, peer: '203.0.113.7/32' },
  { direction: 'ingress', protocol: 'tcp', port: 80, peer: '0.0.0.0/0' },
  { direction: 'ingress', protocol: 'tcp', port: 443, peer: '0.0.0.0/0' },
  { direction: 'ingress', protocol: 'tcp', port: 3306, peer: '172.16.0.20/32', peerGroupIds: ['sg-other'] },
  { direction: 'ingress', protocol: 'icmp', peer: '0.0.0.0/0' },
  { direction: 'egress', protocol: 'tcp', port: 443, peer: '0.0.0.0/0' },
  { direction: 'egress', protocol: 'udp', port: 53, peer: '223.5.5.5/32' },
  { direction: 'egress', protocol: 'tcp', port: 25, peer: '0.0.0.0/0' },
];

/**
 * Median CPU time of `fn` in ms. CPU time, not wall time: the bench shares a 2-core machine with test runs, and
 * a descheduled process would otherwise be charged for time it did not run.
 */
function timeIt(fn: () => void, runs: number): number {
  // Enough warm-up for the JIT to settle: the figure is the steady state of a long-running UI refreshing.
  for (let i = 0; i < 30; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t);
    times.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 1000) / 1000;
}

export const benchEvaluators: BenchFn = async () => {
  const w = evaluatorWorld();
  const naclFlows: NaclFlow[] = SG_FLOWS.map((f) => ({
    direction: f.direction === 'ingress' ? 'inbound' : 'outbound',
    protocol: f.protocol,
    port: f.port,
    peer: f.peer,
    vSwitchCidr: w.vSwitch.cidr,
  }));
  // Per snapshot: compile the pool (its protocol/port index is built on first use) and evaluate every intent.
  const sg = timeIt(() => {
    const fresh = compileSgPool(w.groups);
    for (const f of SG_FLOWS) evaluateSg(fresh, f);
  }, 60);
  const pool = compileSgPool(w.groups);
  const sgEval = timeIt(() => {
    for (const f of SG_FLOWS) evaluateSg(pool, f);
  }, 60);
  const routes = timeIt(() => {
    for (const d of ['172.16.0.9', '10.1.2.3', '192.168.10.5', '100.100.2.136'])
      evaluateVpcRoute({ tables: [w.table], vSwitch: w.vSwitch, destination: d, kind: 'external' });
    for (const d of ['47.96.1.180', '8.8.8.8', '1.1.1.1', '0.0.0.0/0'])
      evaluateInternetEgress(
        {
          instance: {
            id: 'i-bench',
            name: 'bench',
            regionId: 'cn-hangzhou',
            zoneId: 'cn-hangzhou-k',
            status: 'Running',
            locks: [],
            networkType: 'vpc',
            vSwitchId: w.vSwitch.id,
            privateIps: ['172.16.0.9'],
            publicIps: [],
            internetMaxBandwidthOut: 0,
            securityGroupIds: [],
            enis: [],
          },
          eips: [],
          vSwitch: w.vSwitch,
          routeTables: [w.table],
          natGateways: [],
        },
        { destination: d },
      );
  }, 40);
  const nacl = timeIt(() => {
    for (const f of naclFlows) evaluateNacl(w.nacl, f);
  }, 40);
  const rows: BenchRow[] = [
    {
      name: 'evaluators: security groups, 2,000 rules: compile + 8 intents',
      value: sg,
      unit: 'ms',
      budget: 5,
      pass: sg <= 5,
      note: 'median CPU time of 60, per snapshot: parse, sort, index, then 8 flows over whole peer CIDRs',
    },
    {
      name: 'evaluators: security groups, 8 intents on an already compiled pool',
      value: sgEval,
      unit: 'ms',
      budget: 2,
      pass: sgEval <= 2,
      note: 'median CPU time of 60: what re-evaluating intents costs when the facts did not change',
    },
    {
      name: 'evaluators: VPC routes, 500 entries × 8 lookups',
      value: routes,
      unit: 'ms',
      budget: 2,
      pass: routes <= 2,
      note: 'median CPU time of 40: 4 private destinations + 4 internet egress evaluations',
    },
    {
      name: 'evaluators: network ACL stress, 2 × 100 entries × 8 flows (both legs)',
      value: nacl,
      unit: 'ms',
      budget: 10,
      pass: nacl <= 10,
      note: 'median CPU time of 40; random overlapping entries, far more than operators write',
    },
    {
      name: "evaluators: security groups + routes (the brief's case)",
      value: Math.round((sg + routes) * 1000) / 1000,
      unit: 'ms',
      budget: 6,
      pass: sg + routes <= 6,
      note: '2,000 rules compiled and evaluated for 8 intents, plus 8 route lookups; the whole diagnose budget is 50 ms',
    },
  ];
  return rows;
};
