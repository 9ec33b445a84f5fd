/**
 * The interval arithmetic under every cloud evaluator (source/diagnose/evaluate/addr-set.ts), against plain
 * enumeration over a small universe: union, intersection, difference, the binary-searched range forms, the
 * minimal CIDR decomposition, and the port-span helpers of the stateless ACL sweep.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AddrSet,
  containsAddr,
  describeSet,
  elementaryPortPieces,
  intersect,
  intersectPortSpans,
  intersectRange,
  normaliseSpans,
  parseAddrSet,
  portCount,
  portSpan,
  type Span,
  setSize,
  share,
  subtract,
  subtractPortSpan,
  subtractRange,
  toCidrs,
  union,
} from '../../../source/diagnose/evaluate/addr-set.js';
import { cidrLast, formatCidr } from '../../../source/net/ip.js';

const U = 256; // the universe 0..255, as IPv4 values 10.0.0.0–10.0.0.255
const BASE = 0x0a000000n;

const spansArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: U - 1 }), fc.integer({ min: 0, max: 40 })), { maxLength: 6 })
  .map((xs) =>
    normaliseSpans(xs.map(([a, w]) => ({ lo: BASE + BigInt(a), hi: BASE + BigInt(Math.min(U - 1, a + w)) }))),
  );

const setArb = spansArb.map((spans): AddrSet => ({ family: 4, spans }));

function members(a: AddrSet): Set<number> {
  const out = new Set<number>();
  for (const s of a.spans) for (let v = s.lo; v <= s.hi; v++) out.add(Number(v - BASE));
  return out;
}

function wellFormed(spans: readonly Span[]): boolean {
  return spans.every((s, i) => s.lo <= s.hi && (i === 0 || spans[i - 1].hi + 1n < s.lo));
}

describe('address sets vs enumeration', () => {
  it('union, intersection and difference are exact and stay normalised', () => {
    fc.assert(
      fc.property(setArb, setArb, (a, b) => {
        const ma = members(a);
        const mb = members(b);
        const u = union(a, b);
        const i = intersect(a, b);
        const d = subtract(a, b);
        expect(members(u)).toEqual(new Set([...ma, ...mb]));
        expect(members(i)).toEqual(new Set([...ma].filter((x) => mb.has(x))));
        expect(members(d)).toEqual(new Set([...ma].filter((x) => !mb.has(x))));
        for (const r of [u, i, d]) expect(wellFormed(r.spans)).toBe(true);
        expect(setSize(u)).toBe(BigInt(members(u).size));
      }),
      { numRuns: 1000 },
    );
  });

  it('the binary-searched range forms equal the general ones', () => {
    fc.assert(
      fc.property(setArb, fc.integer({ min: 0, max: U - 1 }), fc.integer({ min: 0, max: 80 }), (a, lo, w) => {
        const r: Span = { lo: BASE + BigInt(lo), hi: BASE + BigInt(Math.min(U - 1, lo + w)) };
        const one: AddrSet = { family: 4, spans: [r] };
        expect(intersectRange(a.spans, r.lo, r.hi)).toEqual(intersect(a, one).spans);
        expect(subtractRange(a.spans, r.lo, r.hi)).toEqual(subtract(a, one).spans);
      }),
      { numRuns: 1000 },
    );
  });

  it('toCidrs is the exact, minimal decomposition into aligned blocks', () => {
    fc.assert(
      fc.property(setArb, (a) => {
        const cidrs = toCidrs(a);
        const covered = new Set<number>();
        for (const c of cidrs) {
          expect(c.base % (cidrLast(c) - c.base + 1n)).toBe(0n); // aligned
          for (let v = c.base; v <= cidrLast(c); v++) {
            const x = Number(v - BASE);
            expect(covered.has(x)).toBe(false); // disjoint
            covered.add(x);
          }
        }
        expect(covered).toEqual(members(a));
        // Minimal: no two blocks could merge into one aligned block.
        for (let i = 1; i < cidrs.length; i++) {
          const p = cidrs[i - 1];
          const q = cidrs[i];
          const mergeable =
            p.prefix === q.prefix &&
            cidrLast(p) + 1n === q.base &&
            (p.base >> BigInt(32 - p.prefix)) % 2n === 0n;
          expect(mergeable && p.prefix > 0).toBe(false);
        }
        expect(toCidrs(a, 2).length).toBe(Math.min(2, cidrs.length));
      }),
      { numRuns: 1000 },
    );
  });

  it('describes and measures real CIDRs', () => {
    const all = parseAddrSet('0.0.0.0/0')!;
    const ten = parseAddrSet('10.0.0.0/8')!;
    expect(describeSet(subtract(all, ten))).toEqual([
      '0.0.0.0/5',
      '8.0.0.0/7',
      '11.0.0.0/8',
      '12.0.0.0/6',
      '… and more',
    ]);
    expect(share(ten, all)).toBeCloseTo(1 / 256, 6);
    expect(toCidrs(all).map(formatCidr)).toEqual(['0.0.0.0/0']);
    expect(toCidrs(parseAddrSet('::/0')!).map(formatCidr)).toEqual(['::/0']);
    expect(containsAddr(ten, 0x0a010203n)).toBe(true);
    expect(containsAddr(ten, 0x0b000000n)).toBe(false);
    expect(parseAddrSet('not a cidr')).toBeUndefined();
    // Memoised sets are frozen: callers cannot corrupt what other rules share.
    expect(Object.isFrozen(ten) && Object.isFrozen(ten.spans[0])).toBe(true);
  });
});

describe('port spans', () => {
  const portsArb = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 10 })), { maxLength: 4 })
    .map((xs) =>
      xs
        .map(([f, w]) => ({ from: f, to: Math.min(60, f + w) }))
        .sort((a, b) => a.from - b.from)
        .reduce<{ from: number; to: number }[]>((acc, x) => {
          const last = acc[acc.length - 1];
          if (last && x.from <= last.to + 1) last.to = Math.max(last.to, x.to);
          else acc.push({ ...x });
          return acc;
        }, []),
    );
  const rangeArb = fc
    .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }))
    .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
  const enumerate = (spans: { from: number; to: number }[]) => {
    const out: number[] = [];
    for (const s of spans) for (let p = s.from; p <= s.to; p++) out.push(p);
    return out;
  };

  it('intersect, subtract and count agree with enumeration', () => {
    fc.assert(
      fc.property(portsArb, rangeArb, (spans, r) => {
        const inR = (p: number) => p >= r.from && p <= r.to;
        expect(enumerate(intersectPortSpans(spans, r))).toEqual(enumerate(spans).filter(inR));
        expect(enumerate(subtractPortSpan(spans, r))).toEqual(enumerate(spans).filter((p) => !inR(p)));
        expect(portCount(spans)).toBe(enumerate(spans).length);
      }),
      { numRuns: 1000 },
    );
  });

  it('elementary pieces tile the range and never straddle a cut', () => {
    fc.assert(
      fc.property(rangeArb, fc.array(rangeArb, { maxLength: 5 }), (range, cuts) => {
        const pieces = elementaryPortPieces(range, cuts);
        expect(enumerate(pieces)).toEqual(enumerate([range]));
        for (const p of pieces)
          for (const c of cuts) {
            const inside = p.from >= c.from && p.to <= c.to;
            const outside = p.to < c.from || p.from > c.to;
            expect(inside || outside).toBe(true);
          }
      }),
      { numRuns: 500 },
    );
  });

  it('maps Alibaba port notations', () => {
    expect(portSpan({ from: -1, to: -1 })).toEqual({ from: 1, to: 65535 });
    expect(portSpan({ from: 443, to: 80 })).toEqual({ from: 80, to: 443 });
    expect(portSpan(undefined)).toEqual({ from: 1, to: 65535 });
  });
});
