/**
 * Which part of a flow a firewall branch covers, in words an operator reads (`from 10.0.0.0/8`, `from all but
 * 192.0.2.0/24`, `ports 8000-8099`): the shortest of the exact CIDR list, its complement, or an aligned block
 * with holes. Pure.
 */
import { formatCidr } from '../../net/ip.js';
import { type Span, subtractSpans } from './addr-set.js';
import type { Piece } from './piece.js';

function portsText(s: Span[]): string {
  return s.map((x) => (x.lo === x.hi ? `${x.lo}` : `${x.lo}-${x.hi}`)).join(',');
}

/**
 * The first `max` CIDRs of an address set, then `… and more`: generated lazily, because a piece carved by a
 * long blocklist covers hundreds of thousands of CIDRs that nobody reads.
 */
function cidrList(family: 4 | 6, spans: Span[], max: number): string[] {
  const bits = family === 4 ? 32 : 128;
  const out: string[] = [];
  for (const s of spans) {
    let lo = s.lo;
    while (lo <= s.hi) {
      if (out.length === max) return [...out, '… and more'];
      let size = 0;
      while (size < bits && ((lo >> BigInt(size)) & 1n) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= s.hi)
        size++;
      out.push(formatCidr({ family, base: lo, prefix: bits - size }));
      lo += 1n << BigInt(size);
    }
  }
  return out;
}

/**
 * `from 10.0.0.0/8`; `from all but 192.0.2.0/24` or `from 192.0.2.0/24 except 192.0.2.66/32` when that reads
 * shorter than the exact list of CIDRs.
 */
function spanScope(
  label: string,
  part: Span[],
  whole: Span[],
  fmt: (s: Span[]) => string[],
  bits?: number,
): string {
  const options = [`${label} ${fmt(part).join(', ')}`];
  const rest = subtractSpans(whole, part);
  if (rest.length) options.push(`${label} all but ${fmt(rest).join(', ')}`);
  if (bits && part.length) {
    // The smallest aligned block holding the whole part, minus what it does not cover.
    const lo = part[0].lo;
    const hi = part[part.length - 1].hi;
    let size = 0;
    while (size < bits && lo >> BigInt(size) !== hi >> BigInt(size)) size++;
    const base = (lo >> BigInt(size)) << BigInt(size);
    const block = [{ lo: base, hi: base + (1n << BigInt(size)) - 1n }];
    const holes = subtractSpans(block, part);
    if (holes.length) options.push(`${label} ${fmt(block).join(', ')} except ${fmt(holes).join(', ')}`);
  }
  const cost = (s: string) => (s.includes('… and') ? 1000 : 0) + s.length;
  return options.reduce((a, b) => (cost(b) < cost(a) ? b : a));
}

/** How `p` differs from the flow it was cut from, as a scope phrase (empty when it is the whole flow). */
export function scopeOf(p: Piece, whole: Piece): string {
  const parts: string[] = [];
  const same = (a: Span[], b: Span[]) =>
    a.length === b.length && a.every((x, i) => x.lo === b[i].lo && x.hi === b[i].hi);
  const addrs = (s: Span[]) => cidrList(p.family, s, 3);
  const ports = (s: Span[]) => [portsText(s)];
  if (!same(p.src, whole.src))
    parts.push(spanScope('from', p.src, whole.src, addrs, p.family === 4 ? 32 : 128));
  if (!same(p.dst, whole.dst))
    parts.push(spanScope('to', p.dst, whole.dst, addrs, p.family === 4 ? 32 : 128));
  if (!same(p.sport, whole.sport)) parts.push(spanScope('source ports', p.sport, whole.sport, ports));
  if (!same(p.dport, whole.dport)) parts.push(spanScope('ports', p.dport, whole.dport, ports));
  return parts.join(' ');
}
