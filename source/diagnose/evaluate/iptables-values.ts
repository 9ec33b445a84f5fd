/**
 * Values as iptables-save prints them in match and target options: option lookup, address lists (CIDR or
 * dotted mask, comma lists), port lists and ranges, ICMP type names and TCP flag sets. Address lists are
 * memoised by text, because a blocklist's thousand addresses come back with every refresh. Pure.
 */
import type { IptOption } from '../../model/index.js';
import { type Span, unionSpans } from './addr-set.js';
import { addrSpans } from './piece.js';

export const opt = (o: IptOption[], ...names: string[]) => o.find((x) => names.includes(x.name));

export const list = (o: IptOption | undefined) => (o ? o.values.join(',').split(',').filter(Boolean) : []);

function maskToPrefix(mask: string): number | undefined {
  const m = addrSpans(mask);
  if (!m) return undefined;
  const v = m.spans[0].lo;
  const bits = m.family === 4 ? 32 : 128;
  for (let n = 0; n <= bits; n++) {
    const want = n === 0 ? 0n : ((1n << BigInt(n)) - 1n) << BigInt(bits - n);
    if (want === v) return n;
  }
  return undefined;
}

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `a,b` → spans (undefined when something does not parse). */
export function addressListSpans(value: string): { family: 4 | 6; spans: Span[] } | undefined {
  let spans: Span[] = [];
  let family: 4 | 6 | undefined;
  for (const item of value.split(',')) {
    let s = item.trim();
    const [a, m] = s.split('/');
    if (m?.includes('.') || (m?.includes(':') && m.length > 3)) {
      const len = maskToPrefix(m);
      if (len === undefined) return undefined;
      s = `${a}/${len}`;
    }
    const r = addrSpans(s);
    if (!r || (family && r.family !== family)) return undefined;
    family = r.family;
    spans = unionSpans(spans, r.spans);
  }
  return family ? { family, spans } : undefined;
}

/** `22`, `1024:65535`, `:1023`, `8000:`, `80,443,8000:8099` → spans; service names are not resolved. */
export function portListSpans(values: string[]): Span[] | undefined {
  let spans: Span[] = [];
  for (const v of values.join(',').split(',')) {
    const m = /^(\d*)(?::(\d*))?$/.exec(v.trim());
    if (!m || (m[1] === '' && m[2] === undefined)) return undefined;
    const lo = m[1] === '' ? 0 : Number(m[1]);
    const hi = m[2] === undefined ? lo : m[2] === '' ? 65535 : Number(m[2]);
    spans = unionSpans(spans, [{ lo: BigInt(Math.min(lo, hi)), hi: BigInt(Math.max(lo, hi)) }]);
  }
  return spans;
}

export const ICMP_NAMES: Record<string, [number, number?]> = {
  'echo-reply': [0],
  pong: [0],
  'destination-unreachable': [3],
  'network-unreachable': [3, 0],
  'host-unreachable': [3, 1],
  'protocol-unreachable': [3, 2],
  'port-unreachable': [3, 3],
  'fragmentation-needed': [3, 4],
  'source-quench': [4],
  redirect: [5],
  'echo-request': [8],
  ping: [8],
  'router-advertisement': [9],
  'router-solicitation': [10],
  'time-exceeded': [11],
  'ttl-exceeded': [11],
  'parameter-problem': [12],
  'timestamp-request': [13],
  'timestamp-reply': [14],
};
export const ICMP6_NAMES: Record<string, [number, number?]> = {
  'destination-unreachable': [1],
  'packet-too-big': [2],
  'time-exceeded': [3],
  'parameter-problem': [4],
  'echo-request': [128],
  'echo-reply': [129],
  'router-solicitation': [133],
  'router-advertisement': [134],
  'neighbour-solicitation': [135],
  'neighbor-solicitation': [135],
  'neighbour-advertisement': [136],
  'neighbor-advertisement': [136],
};

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

export function flagSet(v: string): string[] {
  const u = v.toUpperCase();
  if (u === 'ALL') return TCP_FLAGS;
  if (u === 'NONE') return [];
  return u.split(',');
}

const addressLists = new Map<string, { family: 4 | 6; spans: readonly Span[] } | null>();

/**
 * addressListSpans, memoised by text: a blocklist's thousand `-s` addresses are parsed once, not again for every
 * refresh's new snapshot (like parseAddrSet; the spans are frozen, so sharing them is safe). Dropped past 50,000.
 */
export function addressListCached(value: string): { family: 4 | 6; spans: readonly Span[] } | undefined {
  let r = addressLists.get(value);
  if (r === undefined) {
    if (addressLists.size > 50_000) addressLists.clear();
    const p = addressListSpans(value);
    r = p
      ? Object.freeze({ family: p.family, spans: Object.freeze(p.spans.map((x) => Object.freeze(x))) })
      : null;
    addressLists.set(value, r);
  }
  return r ?? undefined;
}
