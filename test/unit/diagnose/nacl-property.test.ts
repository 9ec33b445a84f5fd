/**
 * The network ACL evaluator against a brute-force reference: for every (address, destination port) of a leg the
 * reference walks the entry list in order and takes the first entry whose protocol, CIDR and port range match,
 * denying when none does; a peer inside the vSwitch (or an Alibaba service address) is never filtered. Both legs
 * of random inbound and outbound flows are checked, including partial coverage over addresses × ports.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateNacl, type NaclFlow } from '../../../source/diagnose/evaluate/nacl.js';
import type { AclEntry, NetworkAcl, Protocol } from '../../../source/model/index.js';
import { cidrLast, formatIp, inCidr, parseCidr } from '../../../source/net/ip.js';

const PORTS = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
const OUTSIDE = ['8.8.8.8/32', '100.100.2.136/32', '10.0.0.64/32'];
const VSW = '10.0.0.0/28';

const cidrArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 26, max: 32 }))
    .map(([h, l]) => `10.0.0.${h}/${l}`),
  fc.constantFrom('0.0.0.0/0', '10.0.0.0/24', '8.8.8.0/24', ...OUTSIDE),
);

const entryArb = fc.record({
  policy: fc.constantFrom<'accept' | 'drop'>('accept', 'drop'),
  protocol: fc.constantFrom<Protocol>('tcp', 'tcp', 'udp', 'all', 'icmp'),
  ports: fc.oneof(
    fc.constant({ from: -1, to: -1 }),
    fc
      .tuple(fc.constantFrom(...PORTS), fc.constantFrom(...PORTS))
      .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })),
  ),
  cidr: cidrArb,
});

const aclArb = fc.record({
  ingress: fc.array(entryArb, { maxLength: 8 }),
  egress: fc.array(entryArb, { maxLength: 8 }),
});

const flowArb = fc.record({
  direction: fc.constantFrom<'inbound' | 'outbound'>('inbound', 'outbound'),
  protocol: fc.constantFrom<'tcp' | 'udp' | 'icmp'>('tcp', 'tcp', 'udp', 'icmp'),
  port: fc.constantFrom(...PORTS),
  peer: fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 26, max: 32 }))
        .map(([h, l]) => `10.0.0.${h}/${l}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...OUTSIDE) },
  ),
  client: fc
    .tuple(fc.constantFrom(...PORTS), fc.constantFrom(...PORTS))
    .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })),
  withVsw: fc.boolean(),
});

function toAcl(a: { ingress: Omit<AclEntry, 'id'>[]; egress: Omit<AclEntry, 'id'>[] }): NetworkAcl {
  const fix = (list: Omit<AclEntry, 'id'>[], dir: string) =>
    list.map((e, i) => ({
      ...e,
      id: `nae-${dir}${i}`,
      ports: e.protocol === 'tcp' || e.protocol === 'udp' ? e.ports : { from: -1, to: -1 },
    }));
  return {
    id: 'nacl-p',
    vpcId: 'vpc-p',
    ingress: fix(a.ingress, 'i'),
    egress: fix(a.egress, 'e'),
    vSwitchIds: [],
  };
}

function firstMatch(list: AclEntry[], proto: string, addr: string, port?: number): 'accept' | 'drop' {
  for (const e of list) {
    if (e.protocol !== 'all' && e.protocol !== proto) continue;
    if (!inCidr(addr, e.cidr)) continue;
    if (port !== undefined && (e.protocol === 'tcp' || e.protocol === 'udp') && e.ports.from !== -1) {
      if (port < e.ports.from || port > e.ports.to) continue;
    }
    return e.policy;
  }
  return 'drop';
}

const EXEMPT = [
  '100.100.2.136/32',
  '100.100.2.138/32',
  '100.100.2.128/28',
  '100.100.2.112/28',
  '100.100.100.200/32',
];

/** Allowed and total (address, port) pairs of one leg, by enumeration. */
function reference(
  acl: NetworkAcl,
  flow: NaclFlow,
  leg: 'forward' | 'return',
): { allowed: number; total: number } {
  const c = parseCidr(flow.peer)!;
  const addrs: string[] = [];
  for (let v = c.base; v <= cidrLast(c); v++) addrs.push(formatIp(4, v));
  const exempt = (a: string) =>
    (flow.vSwitchCidr && inCidr(a, flow.vSwitchCidr)) || EXEMPT.some((x) => inCidr(a, x));
  const withPorts = flow.protocol === 'tcp' || flow.protocol === 'udp';
  const ports = !withPorts
    ? [undefined]
    : leg === 'forward'
      ? [flow.port]
      : PORTS.filter((p) => p >= flow.clientPorts!.from && p <= flow.clientPorts!.to);
  const list = (flow.direction === 'inbound') === (leg === 'forward') ? acl.ingress : acl.egress;
  if (addrs.every(exempt))
    return { allowed: addrs.length * ports.length, total: addrs.length * ports.length };
  let allowed = 0;
  let total = 0;
  for (const a of addrs) {
    if (exempt(a)) continue;
    for (const p of ports) {
      total++;
      if (firstMatch(list, flow.protocol, a, p) === 'accept') allowed++;
    }
  }
  return { allowed, total };
}

describe('network ACL vs a brute-force reference', () => {
  it('agrees on both legs: verdict and the allowed share of addresses × ports', () => {
    const seen = { allow: 0, deny: 0, partial: 0 };
    fc.assert(
      fc.property(aclArb, flowArb, (a, f) => {
        const acl = toAcl(a);
        const flow: NaclFlow = {
          direction: f.direction,
          protocol: f.protocol,
          ...(f.protocol === 'icmp' ? {} : { port: f.port }),
          peer: f.peer,
          clientPorts: f.client,
          ...(f.withVsw ? { vSwitchCidr: VSW } : {}),
        };
        const d = evaluateNacl(acl, flow);
        for (const leg of ['forward', 'return'] as const) {
          const r = reference(acl, flow, leg);
          const want = r.allowed === r.total ? 'allow' : r.allowed === 0 ? 'deny' : 'partial';
          const got = d[leg];
          if (got.reach !== want)
            throw new Error(
              `${leg}: evaluator ${got.reach}, reference ${want} (${r.allowed}/${r.total}); ${got.detail}`,
            );
          expect(got.coverage.allowedShare).toBeCloseTo(r.allowed / r.total, 5);
          seen[want]++;
          const blocked = got.state === 'BLOCKED';
          expect(blocked).toBe(want === 'deny' || (want === 'partial' && r.allowed / r.total < 0.5));
          if (blocked)
            expect(got.code).toBe(got.list === 'ingress' ? 'NACL_INGRESS_DENIED' : 'NACL_EGRESS_DENIED');
        }
      }),
      { numRuns: 3000 },
    );
    expect(seen.allow).toBeGreaterThan(300);
    expect(seen.deny).toBeGreaterThan(300);
    expect(seen.partial).toBeGreaterThan(100);
  });

  it('the deciding entry of an allowed leg really matches it, and precedes every other match', () => {
    fc.assert(
      fc.property(aclArb, flowArb, (a, f) => {
        const acl = toAcl(a);
        const flow: NaclFlow = { direction: f.direction, protocol: 'tcp', port: f.port, peer: f.peer };
        const d = evaluateNacl(acl, flow);
        const p = d.forward.primary;
        if (d.forward.reach !== 'allow' || p.by !== 'entry') return;
        const list = f.direction === 'inbound' ? acl.ingress : acl.egress;
        expect(list[p.index]).toBe(p.entry);
        expect(p.entry.policy).toBe('accept');
        expect(['all', 'tcp']).toContain(p.entry.protocol);
      }),
      { numRuns: 500 },
    );
  });
});
