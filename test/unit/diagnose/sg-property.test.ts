/**
 * The security-group evaluator against a brute-force reference. The reference knows nothing about address sets:
 * for every single address of the flow's peer CIDR it literally collects the matching rules of all groups, takes
 * the smallest priority number, lets drop win ties, and falls back to inner access / the group default — the
 * Alibaba semantics written as plainly as possible. The universe is small (10.0.0.0/26 and a few outside
 * addresses, ports 20–25) so every rule overlaps every other often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsAddr, toCidrs } from '../../../source/diagnose/evaluate/addr-set.js';
import { evaluateSecurityGroups, type SgFlow } from '../../../source/diagnose/evaluate/security-group.js';
import type { Protocol, SecurityGroup, SgRule } from '../../../source/model/index.js';
import { type Cidr, cidrLast, formatIp, parseCidr } from '../../../source/net/ip.js';

const PORTS = [20, 21, 22, 23, 24, 25];
/** Edges of the evaluator's 1,024-port index buckets, to check the index never drops a rule. */
const EDGE_PORTS = [1, 1023, 1024, 1025, 2047, 2048, 40000, 64511, 64512, 65535];
const OUTSIDE = ['8.8.8.8/32', '47.96.1.180/32', '192.168.1.1/32', '10.0.0.64/32'];
const GROUP_IDS = ['sg-a', 'sg-b', 'sg-c'];
const PEER_GROUPS = ['sg-a', 'sg-b', 'sg-x'];

const cidrArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 27, max: 32 }))
    .map(([host, len]) => `10.0.0.${host}/${len}`),
  fc.constantFrom('0.0.0.0/0', '10.0.0.0/24', '8.8.8.0/24', ...OUTSIDE),
);

const portRangeFor = (ports: number[]) =>
  fc.oneof(
    fc.constant({ from: -1, to: -1 }),
    fc.constant({ from: ports[0], to: ports[ports.length - 1] }),
    fc
      .tuple(fc.constantFrom(...ports), fc.constantFrom(...ports))
      .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })),
  );
const ruleArbFor = (ports: number[]) =>
  fc.record({
    groupId: fc.constantFrom(...GROUP_IDS),
    direction: fc.constantFrom<'ingress' | 'egress'>('ingress', 'egress'),
    policy: fc.constantFrom<'accept' | 'drop'>('accept', 'drop'),
    priority: fc.integer({ min: 1, max: 4 }),
    protocol: fc.constantFrom<Protocol>('tcp', 'tcp', 'udp', 'all', 'icmp'),
    ports: portRangeFor(ports),
    peer: fc.oneof(
      { weight: 4, arbitrary: cidrArb.map((c) => ({ peerCidr: c })) },
      { weight: 1, arbitrary: fc.constantFrom(...PEER_GROUPS).map((g) => ({ peerGroupId: g })) },
    ),
  });

const worldArbFor = (ports: number[]) =>
  fc.record({
    rules: fc.array(ruleArbFor(ports), { maxLength: 24 }),
    type: fc.constantFrom<'normal' | 'enterprise'>('normal', 'enterprise'),
    inner: fc.array(fc.constantFrom<'Accept' | 'Drop'>('Accept', 'Drop'), { minLength: 3, maxLength: 3 }),
    ngroups: fc.integer({ min: 1, max: 3 }),
  });

const flowArbFor = (ports: number[]) =>
  fc.record({
    direction: fc.constantFrom<'ingress' | 'egress'>('ingress', 'egress'),
    protocol: fc.constantFrom<'tcp' | 'udp' | 'icmp'>('tcp', 'tcp', 'udp', 'icmp'),
    port: fc.constantFrom(...ports),
    peer: fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 26, max: 30 }))
          .map(([h, l]) => `10.0.0.${h}/${l}`),
      },
      { weight: 1, arbitrary: fc.constantFrom(...OUTSIDE) },
    ),
    peerGroupIds: fc.option(fc.subarray(PEER_GROUPS), { nil: undefined }),
  });

type World = { rules: any[]; type: 'normal' | 'enterprise'; inner: ('Accept' | 'Drop')[]; ngroups: number };

function build(w: World): SecurityGroup[] {
  const ids = GROUP_IDS.slice(0, w.ngroups);
  return ids.map<SecurityGroup>((id, gi) => ({
    id,
    name: id,
    type: w.type,
    innerAccessPolicy: w.inner[gi],
    rules: w.rules
      .filter((r) => r.groupId === id)
      .map<SgRule>((r, i) => ({
        id: `${id}#${i}`,
        groupId: id,
        direction: r.direction,
        policy: r.policy,
        priority: r.priority,
        protocol: r.protocol,
        ports: r.protocol === 'tcp' || r.protocol === 'udp' ? r.ports : { from: -1, to: -1 },
        description: '',
        ...r.peer,
      })),
  }));
}

/** Rule CIDRs parsed once (the reference still decides one address at a time). */
const parsedCidrs = new Map<string, Cidr>();
function contains(cidr: string, addr: bigint): boolean {
  let c = parsedCidrs.get(cidr);
  if (!c) parsedCidrs.set(cidr, (c = parseCidr(cidr)!));
  return addr >= c.base && addr <= cidrLast(c);
}

/** The reference: one address at a time, literally. */
function reference(groups: SecurityGroup[], flow: SgFlow, addr: bigint): 'accept' | 'drop' {
  const members = flow.peerGroupIds;
  if (
    members &&
    groups.some((g) => g.type !== 'enterprise' && g.innerAccessPolicy === 'Accept' && members.includes(g.id))
  )
    return 'accept';
  const matching = groups
    .flatMap((g) => g.rules)
    .filter((r) => {
      if (r.direction !== flow.direction) return false;
      if (r.protocol !== 'all' && r.protocol !== flow.protocol) return false;
      if ((flow.protocol === 'tcp' || flow.protocol === 'udp') && r.ports.from !== -1) {
        if (flow.port! < r.ports.from || flow.port! > r.ports.to) return false;
      }
      if (r.peerGroupId) return members?.includes(r.peerGroupId) ?? false;
      return contains(r.peerCidr!, addr);
    });
  if (matching.length === 0) {
    if (flow.direction === 'ingress') return 'drop';
    return groups[0].type === 'enterprise' ? 'drop' : 'accept';
  }
  const min = Math.min(...matching.map((r) => r.priority));
  return matching.some((r) => r.priority === min && r.policy === 'drop') ? 'drop' : 'accept';
}

function addresses(cidr: string): { text: string; value: bigint }[] {
  const c = parseCidr(cidr)!;
  const out: { text: string; value: bigint }[] = [];
  for (let v = c.base; v <= cidrLast(c); v++) out.push({ text: formatIp(4, v), value: v });
  return out;
}

const worldArb = worldArbFor(PORTS);
const flowArb = flowArbFor(PORTS);

describe('security groups vs a brute-force reference', () => {
  it('agrees on every address of every peer CIDR, and on the aggregate verdict', () => {
    const seen = { allow: 0, deny: 0, partial: 0 };
    fc.assert(
      fc.property(worldArb, flowArb, (w, f) => {
        const groups = build(w);
        const flow: SgFlow = { ...f, port: f.protocol === 'icmp' ? undefined : f.port };
        // Port 25 egress is the platform's, not the groups': checked separately below.
        const d = evaluateSecurityGroups(groups, flow, { port25Unblocked: true });
        const addrs = addresses(flow.peer);
        let allowed = 0;
        for (const a of addrs) {
          const want = reference(groups, flow, a.value);
          const got = containsAddr(d.sets.allowed, a.value)
            ? 'accept'
            : containsAddr(d.sets.denied, a.value)
              ? 'drop'
              : '?';
          if (got !== want) throw new Error(`${a.text}: evaluator ${got}, reference ${want}; ${d.detail}`);
          if (want === 'accept') allowed++;
        }
        const verdict = allowed === addrs.length ? 'allow' : allowed === 0 ? 'deny' : 'partial';
        expect(d.reach).toBe(verdict);
        seen[verdict]++;
        expect(d.coverage.unknown).toEqual([]);
        // The display CIDRs are exact: their union is the allowed set.
        const shown = toCidrs(d.sets.allowed).reduce((s, c) => s + Number(cidrLast(c) - c.base + 1n), 0);
        expect(shown).toBe(allowed);
      }),
      { numRuns: 3000 },
    );
    // The generators must exercise every outcome, or agreement would prove little.
    expect(seen.allow).toBeGreaterThan(300);
    expect(seen.deny).toBeGreaterThan(300);
    expect(seen.partial).toBeGreaterThan(50);
  });

  it('every shadowed rule really matches the flow and lost addresses to a decider of the other policy', () => {
    fc.assert(
      fc.property(worldArb, flowArb, (w, f) => {
        const groups = build(w);
        const flow: SgFlow = { ...f, port: f.protocol === 'icmp' ? undefined : f.port };
        const d = evaluateSecurityGroups(groups, flow, { port25Unblocked: true });
        for (const s of d.shadowed) {
          expect(s.rule.direction).toBe(flow.direction);
          if (s.by.by === 'rule') {
            expect(s.by.rule.policy).not.toBe(s.rule.policy);
            const rank = (r: SgRule) => r.priority * 2 + (r.policy === 'drop' ? 0 : 1);
            expect(rank(s.by.rule)).toBeLessThanOrEqual(rank(s.rule));
          } else expect(s.by.by).toBe('inner-access');
          expect(s.addresses.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees across the edges of the port index buckets', () => {
    fc.assert(
      fc.property(worldArbFor(EDGE_PORTS), flowArbFor(EDGE_PORTS), (w, f) => {
        const groups = build(w);
        const flow: SgFlow = { ...f, port: f.protocol === 'icmp' ? undefined : f.port };
        const d = evaluateSecurityGroups(groups, flow, { port25Unblocked: true });
        for (const a of addresses(flow.peer)) {
          const want = reference(groups, flow, a.value);
          const got = containsAddr(d.sets.allowed, a.value) ? 'accept' : 'drop';
          if (got !== want)
            throw new Error(`${a.text} port ${flow.port}: evaluator ${got}, reference ${want}`);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('outbound tcp/25 is denied by the platform for any rule set', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const d = evaluateSecurityGroups(build(w), {
          direction: 'egress',
          protocol: 'tcp',
          port: 25,
          peer: '8.8.8.8/32',
        });
        expect(d.reach).toBe('deny');
        expect(d.code).toBe('PLATFORM_PORT_BLOCKED');
      }),
      { numRuns: 200 },
    );
  });
});
