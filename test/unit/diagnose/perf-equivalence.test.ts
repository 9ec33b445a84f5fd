/**
 * The diagnose speed-ups must not change a single answer. Each fast path is checked against the plain way it
 * replaced, on random inputs:
 *  - iptables `skip` (passing over rules whose first address match misses the piece) against stepping every
 *    rule: same outcomes, in the same order, and the same step budget left — also when the budget runs out;
 *  - indexSockets' run-length state counts against counting socket by socket (values and key order);
 *  - ephemeralUsage's per-peer grouping against grouping every socket by its own key.
 * Rulesets are iptables-save text read by the production parser; pieces come from pieceOf.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iptablesChainView } from '../../../source/diagnose/evaluate/iptables.js';
import { type Packet, type Piece, pieceOf, walkChain } from '../../../source/diagnose/evaluate/packet.js';
import {
  ephemeralSettings,
  ephemeralUsage,
  indexSockets,
} from '../../../source/diagnose/evaluate/sockets.js';
import { parseIptablesSave } from '../../../source/guest/parsers/iptables-save.js';
import type { GuestSocket } from '../../../source/model/index.js';
import { unmapV4 } from '../../../source/net/ip.js';

// ── iptables skip ─────────────────────────────────────────────────────────────────────────────────────────────

const addr = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(8, 16, 24, 32))
    .map(([a, b, len]) => `${a}.${b}.0.0/${len}`),
  fc.constantFrom('10.0.0.0/8', '172.16.1.10/32', '116.232.18.77/32', '0.0.0.0/0'),
);
const target = fc.constantFrom('DROP', 'REJECT', 'ACCEPT', 'RETURN', 'LOG', 'sub', 'gsub');
const ruleArb = (chain: string) =>
  fc
    .record({
      src: fc.option(fc.record({ a: addr, neg: fc.boolean() }), { nil: undefined }),
      dst: fc.option(fc.record({ a: addr, neg: fc.boolean() }), { nil: undefined }),
      tcp22: fc.boolean(),
      limit: fc.boolean(),
      target,
    })
    .map((r) => {
      const parts = [`-A ${chain}`];
      if (r.src) parts.push(`${r.src.neg ? '! ' : ''}-s ${r.src.a}`);
      if (r.dst) parts.push(`${r.dst.neg ? '! ' : ''}-d ${r.dst.a}`);
      if (r.tcp22) parts.push('-p tcp -m tcp --dport 22');
      if (r.limit) parts.push('-m limit --limit 3/min');
      const t = chain === 'sub' && (r.target === 'sub' || r.target === 'gsub') ? 'RETURN' : r.target;
      parts.push(t === 'gsub' ? '-g sub' : `-j ${t}`);
      return parts.join(' ');
    });

const rulesetArb = fc
  .record({
    policy: fc.constantFrom('ACCEPT', 'DROP'),
    input: fc.array(ruleArb('INPUT'), { maxLength: 30 }),
    sub: fc.array(ruleArb('sub'), { maxLength: 30 }),
  })
  .map(({ policy, input, sub }) =>
    [
      '*filter',
      `:INPUT ${policy} [0:0]`,
      ':FORWARD ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':sub - [0:0]',
      ...input,
      ...sub,
      'COMMIT',
      '',
    ].join('\n'),
  );

const packetArb = fc.record({
  src: fc.constantFrom('internet', '116.232.18.77', '1.0.0.0/8', '2.1.0.0/16', '10.2.3.4', '6.3.0.9'),
  dport: fc.constantFrom(22, 443),
  ct: fc.constantFrom('NEW' as const, 'ESTABLISHED' as const),
});

function walkBoth(text: string, p: Omit<Packet, 'direction' | 'protocol' | 'dst'>, steps: number) {
  const rs = parseIptablesSave(text).value;
  const table = rs.tables.filter!;
  const view = iptablesChainView(table);
  let passed = 0;
  const fast = {
    ...view,
    skip: (chain: string, idx: number, piece: Piece, limit: number) => {
      const to = view.skip!(chain, idx, piece, limit);
      passed += to - idx;
      return to;
    },
  };
  const plain = { chain: view.chain, step: view.step };
  const packet: Packet = {
    direction: 'in',
    protocol: 'tcp',
    dst: '172.16.1.10',
    srcPort: [1024, 65535],
    iif: 'eth0',
    ...p,
  };
  const a = { steps };
  const b = { steps };
  const withSkip = walkChain(fast, 'INPUT', pieceOf(packet), a);
  const stepped = walkChain(plain, 'INPUT', pieceOf(packet), b);
  return { withSkip, stepped, left: [a.steps, b.steps], passed };
}

describe('iptables: passing over rules that cannot match', () => {
  it('ends every piece exactly as stepping rule by rule does', () => {
    fc.assert(
      fc.property(rulesetArb, packetArb, (text, pk) => {
        const r = walkBoth(text, { src: pk.src, dstPort: pk.dport, ct: pk.ct }, 200_000);
        expect(r.withSkip).toEqual(r.stepped);
        expect(r.left[0]).toBe(r.left[1]);
      }),
      { numRuns: 300 },
    );
  });

  it('runs out of budget at the same rule', () => {
    fc.assert(
      fc.property(rulesetArb, packetArb, fc.integer({ min: 0, max: 25 }), (text, pk, steps) => {
        const r = walkBoth(text, { src: pk.src, dstPort: pk.dport, ct: pk.ct }, steps);
        expect(r.withSkip).toEqual(r.stepped);
        expect(r.left[0]).toBe(r.left[1]);
      }),
      { numRuns: 300 },
    );
  });

  it('passes over a 3,000-address blocklist for one client, and still names the ban of a banned one', () => {
    const bans = Array.from(
      { length: 3000 },
      (_, i) => `-A f2b -s ${1 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.${i % 256}/32 -j REJECT`,
    );
    const text = [
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':f2b - [0:0]',
      '-A INPUT -p tcp -m multiport --dports 22 -j f2b',
      ...bans,
      '-A f2b -j RETURN',
      'COMMIT',
      '',
    ].join('\n');
    // A client nobody banned, the first ban, the last ban (i = 2999: 200.1.75.183).
    const runs = ['8.8.4.4', '1.0.0.0', '200.1.75.183'].map((src) =>
      walkBoth(text, { src, dstPort: 22 }, 200_000),
    );
    for (const r of runs) {
      expect(r.withSkip).toEqual(r.stepped);
      expect(r.left[0]).toBe(r.left[1]);
    }
    // The fast path did the work: the bans before the deciding rule were passed over, not stepped.
    expect(runs.map((r) => r.passed)).toEqual([3000, 0, 2999]);
    expect(runs.map((r) => [r.withSkip[0].verdict, (r.withSkip[0].rule as { line?: number })?.line])).toEqual(
      [
        ['accept', undefined],
        ['reject', 5],
        ['reject', 3004],
      ],
    );
  });
});

// ── sockets ───────────────────────────────────────────────────────────────────────────────────────────────────

const sockArb: fc.Arbitrary<GuestSocket> = fc
  .record({
    proto: fc.constantFrom('tcp' as const, 'udp' as const),
    state: fc.constantFrom('ESTAB', 'TIME-WAIT', 'LISTEN', 'UNCONN', 'CLOSE-WAIT', 'SYN-SENT'),
    lport: fc.constantFrom(22, 443, 53, 32768, 40000, 61000),
    peer: fc.constantFrom('172.16.2.20', '::ffff:172.16.2.20', '127.0.0.1', ' 10.0.0.1', '0.0.0.0', '*'),
    pport: fc.constantFrom(0, 8080, 443),
  })
  .map((s) => ({
    proto: s.proto,
    family: 4,
    state: s.state,
    local: { address: '172.16.1.10', port: s.lport },
    peer: { address: s.peer, port: s.pport },
    processes: [],
  }));

/** Runs of equal sockets, as a busy server's `ss` prints them. */
const socketsArb = fc
  .array(fc.tuple(sockArb, fc.integer({ min: 1, max: 6 })), { maxLength: 40 })
  .map((runs) => runs.flatMap(([s, n]) => Array.from({ length: n }, () => structuredClone(s))));

function countOneByOne(sockets: GuestSocket[]) {
  const states: Record<string, number> = {};
  const tcpStates: Record<string, number> = {};
  for (const s of sockets) {
    states[s.state] = (states[s.state] ?? 0) + 1;
    if (s.proto === 'tcp') tcpStates[s.state] = (tcpStates[s.state] ?? 0) + 1;
  }
  return { states, tcpStates };
}

function peersOneByOne(sockets: GuestSocket[]) {
  const byPeer = new Map<string, { ports: number[]; timeWait: number }>();
  for (const s of sockets) {
    const listening =
      (s.proto === 'tcp' && s.state === 'LISTEN') ||
      (s.proto === 'udp' && s.state === 'UNCONN' && !s.peer.port);
    if (listening || !s.peer.port || s.local.port < 1024) continue;
    const k = `${s.proto} ${unmapV4(s.peer.address)} ${s.peer.port}`;
    let e = byPeer.get(k);
    if (!e) byPeer.set(k, (e = { ports: [], timeWait: 0 }));
    e.ports.push(s.local.port);
    if (s.state === 'TIME-WAIT') e.timeWait++;
  }
  return byPeer;
}

describe('sockets: counting in runs', () => {
  it('counts states and tcp states like one-by-one counting, keys in first-seen order', () => {
    fc.assert(
      fc.property(socketsArb, (sockets) => {
        const idx = indexSockets(sockets);
        const ref = countOneByOne(sockets);
        expect(Object.entries(idx.states)).toEqual(Object.entries(ref.states));
        expect(Object.entries(idx.tcpStates)).toEqual(Object.entries(ref.tcpStates));
        expect(idx.total).toBe(sockets.length);
      }),
      { numRuns: 500 },
    );
  });

  it('groups connections by peer like keying every socket, and finds the same worst peer', () => {
    fc.assert(
      fc.property(socketsArb, fc.constantFrom('0', '1', '2'), (sockets, twReuse) => {
        const idx = indexSockets(sockets);
        const u = ephemeralUsage(idx, ephemeralSettings({ 'net.ipv4.tcp_tw_reuse': twReuse }));
        const ref = peersOneByOne(sockets);
        expect([...(idx.byPeer ?? new Map())]).toEqual([...ref]);
        // The worst peer is one of the reference's, with its own TIME-WAIT count.
        if (u.worst) {
          const [proto, peer, port] = [...ref.keys()]
            .find((k) => {
              const [pr, a, po] = k.split(' ');
              return pr === u.worst?.proto && u.worst.peer === `${a.includes(':') ? `[${a}]` : a}:${po}`;
            })
            ?.split(' ') ?? ['?', '?', '?'];
          expect(ref.get(`${proto} ${peer} ${port}`)?.timeWait).toBe(u.worst.timeWait);
        } else expect(ref.size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
