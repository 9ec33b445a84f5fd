/**
 * iptables (legacy or nf_tables flavour, as iptables-save prints it): the built-in chains a packet meets on its
 * way in (raw/mangle/nat PREROUTING, mangle/filter/security INPUT) or out (raw/mangle/nat/filter/security OUTPUT,
 * mangle POSTROUTING), each walked rule by rule with jumps, gotos, RETURN and the chain policy. The matches
 * modelled are listed in `matcher()`; anything else, and any token the parser left unparsed, makes the rule
 * undecidable, so the verdict turns uncertain when that rule could change it. Pure.
 */
import type { IptablesRuleset, IptChain, IptOption, IptRule } from '../../model/index.js';
import { type Span, unionSpans } from './addr-set.js';
import {
  type Action,
  ALL,
  addrSpans,
  addrTypeSpans,
  bool,
  type ChainView,
  clonePiece,
  conjoin,
  type Hook,
  ifaceMatches,
  type MatchResult,
  matchSpans,
  NONE,
  negate,
  type Piece,
  PROTO_NUM,
  type RuleStep,
  type Stage,
  spansMeet,
  unknown,
  walkChain,
} from './packet.js';

export interface IptablesOptions {
  /** Known ipset contents (name → addresses/CIDRs). Without them `-m set` is undecidable. */
  ipsets?: Record<string, string[]>;
}

type Matcher = (p: Piece) => MatchResult;

const opt = (o: IptOption[], ...names: string[]) => o.find((x) => names.includes(x.name));
const list = (o: IptOption | undefined) => (o ? o.values.join(',').split(',').filter(Boolean) : []);

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

const ICMP_NAMES: Record<string, [number, number?]> = {
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
const ICMP6_NAMES: Record<string, [number, number?]> = {
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

function icmpTypeMatcher(o: IptOption, v6: boolean): Matcher {
  const spec = o.values[0] ?? '';
  return (p) => {
    if (p.proto !== (v6 ? 58 : 1)) return NONE;
    let r: MatchResult;
    if (spec === 'any') r = ALL;
    else {
      const named = (v6 ? ICMP6_NAMES : ICMP_NAMES)[spec];
      const [t, c] = named ?? spec.split('/').map(Number);
      if (t === undefined || Number.isNaN(t)) return unknown(`ICMP type "${spec}" is not known`);
      r = bool(p.icmpType === t && (c === undefined || Number.isNaN(c) || p.icmpCode === c));
    }
    return o.negated ? negate(r) : r;
  };
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];
function flagSet(v: string): string[] {
  const u = v.toUpperCase();
  if (u === 'ALL') return TCP_FLAGS;
  if (u === 'NONE') return [];
  return u.split(',');
}

function portMatcher(field: 'sport' | 'dport', o: IptOption): Matcher {
  const spans = portListSpans(o.values);
  if (!spans) return () => unknown(`port "${o.values.join(' ')}" is not numeric`);
  return (p) => matchSpans(p, field, spans, o.negated);
}

const RATE = (what: string) => () => unknown(what);
const CONTENT = (m: string) => () =>
  unknown(`-m ${m} depends on the packet's contents, which a rule check cannot know`);

/** The match functions of one `-m MODULE` (or the implicit `-p tcp` options). */
function moduleMatchers(name: string, options: IptOption[], ctx: IptablesOptions): Matcher[] {
  const out: Matcher[] = [];
  const o = (...n: string[]) => opt(options, ...n);
  // `-p 6 --dport 22` (hand-written) puts the options under the protocol as written.
  const module =
    ({ '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmp6', 'ipv6-icmp': 'icmp6' } as Record<string, string>)[
      name
    ] ?? name;
  switch (module) {
    case 'comment':
      return out;
    case 'tcp':
    case 'udp': {
      const num = module === 'tcp' ? 6 : 17;
      out.push((p) => bool(p.proto === num));
      for (const x of options) {
        if (x.name === 'dport' || x.name === 'destination-port') out.push(portMatcher('dport', x));
        else if (x.name === 'sport' || x.name === 'source-port') out.push(portMatcher('sport', x));
        else if (x.name === 'syn' || x.name === 'tcp-flags') {
          const [mask, comp] =
            x.name === 'syn' ? [['SYN', 'RST', 'ACK', 'FIN'], ['SYN']] : x.values.map(flagSet);
          out.push((p) => {
            const ok = (mask ?? []).every((f) => p.tcpFlags.includes(f) === (comp ?? []).includes(f));
            return bool(x.negated ? !ok : ok);
          });
        } else out.push(() => unknown(`--${x.name} of -m ${module} is not modelled`));
      }
      return out;
    }
    case 'multiport':
      for (const x of options) {
        const spans = portListSpans(x.values);
        if (!spans) out.push(() => unknown(`multiport list "${x.values.join(',')}" is not numeric`));
        else if (/^(dports|destination-ports)$/.test(x.name))
          out.push((p) => matchSpans(p, 'dport', spans, x.negated));
        else if (/^(sports|source-ports)$/.test(x.name))
          out.push((p) => matchSpans(p, 'sport', spans, x.negated));
        else if (x.name === 'ports')
          out.push((p) => {
            // Either port in the list. A piece split on both ports at once cannot be carried exactly.
            const d = matchSpans(p, 'dport', spans);
            let r: MatchResult = d;
            if (d.kind === 'none') r = matchSpans(p, 'sport', spans);
            else if (d.kind === 'split') {
              const s = matchSpans(d.no, 'sport', spans);
              if (s.kind === 'all') r = ALL;
              else if (s.kind === 'split')
                return unknown('-m multiport --ports splits on source and destination ports');
            }
            return x.negated ? negate(r) : r;
          });
        else out.push(() => unknown(`--${x.name} of -m multiport is not modelled`));
      }
      return out;
    case 'conntrack':
    case 'state':
      for (const x of options) {
        if (x.name === 'ctstate' || x.name === 'state') {
          const states = list(x).map((s) => s.toUpperCase());
          out.push((p) => {
            const virtual = (s: string) => (s === 'DNAT' || s === 'SNAT' ? p.ctStatus.includes(s) : false);
            const hit = states.some((s) => s === p.ct || virtual(s));
            return bool(x.negated ? !hit : hit);
          });
        } else if (x.name === 'ctproto') {
          const n = PROTO_NUM[x.values[0]?.toLowerCase()] ?? Number(x.values[0]);
          out.push((p) => bool((p.proto === n) !== x.negated));
        } else if (x.name === 'ctstatus') {
          const st = list(x).map((s) => s.toUpperCase());
          out.push((p) => {
            if (p.ct === 'NEW') return bool(st.some((s) => p.ctStatus.includes(s)) !== x.negated);
            return unknown(`--ctstatus ${st.join(',')} depends on the connection's history`);
          });
        } else if (x.name === 'ctdir') {
          const dir = x.values[0]?.toUpperCase();
          out.push((p) =>
            p.ct === 'NEW' ? bool((dir === 'ORIGINAL') !== x.negated) : unknown('--ctdir of a reply'),
          );
        } else out.push(() => unknown(`--${x.name} of -m conntrack is not modelled`));
      }
      return out;
    case 'iprange':
      for (const x of options) {
        const [a, b] = (x.values[0] ?? '').split('-');
        const lo = addrSpans(a ?? '');
        const hi = addrSpans(b ?? a ?? '');
        const field = x.name === 'src-range' ? 'src' : x.name === 'dst-range' ? 'dst' : undefined;
        if (!lo || !hi || !field)
          out.push(() => unknown(`-m iprange --${x.name} ${x.values[0]} is not understood`));
        else {
          const spans = [{ lo: lo.spans[0].lo, hi: hi.spans[0].lo }];
          out.push((p) => (p.family !== lo.family ? NONE : matchSpans(p, field, spans, x.negated)));
        }
      }
      return out;
    case 'addrtype': {
      for (const x of options) {
        if (x.name !== 'src-type' && x.name !== 'dst-type') continue;
        const field = x.name === 'src-type' ? 'src' : 'dst';
        const types = list(x);
        out.push((p) => {
          let spans: Span[] = [];
          for (const t of types) {
            const s = addrTypeSpans(p, t);
            if (!s) return unknown(`address type ${t} is not modelled`);
            spans = unionSpans(spans, s);
          }
          if (
            types.includes('LOCAL') &&
            p.local.length === 0 &&
            field === (p.direction === 'in' ? 'dst' : 'src')
          )
            return x.negated ? NONE : ALL; // this machine's own address, even when the caller did not list it
          // --limit-iface-in/out narrows LOCAL to the packet's interface; one NIC carries the path's address.
          return matchSpans(p, field, spans, x.negated);
        });
      }
      return out;
    }
    case 'icmp':
      return options.filter((x) => x.name === 'icmp-type').map((x) => icmpTypeMatcher(x, false));
    case 'icmp6':
    case 'icmpv6':
      return options.filter((x) => x.name === 'icmpv6-type').map((x) => icmpTypeMatcher(x, true));
    case 'set': {
      const x = o('match-set');
      const [name, dirs] = x?.values ?? [];
      const known = name ? ctx.ipsets?.[name] : undefined;
      const dir = dirs?.split(',');
      if (!known || !dir || dir.length !== 1 || (dir[0] !== 'src' && dir[0] !== 'dst'))
        return [() => unknown(`ipset "${name}" decides, and its members are not known`)];
      const spans = addressListSpans(known.join(','));
      if (!spans) return [() => unknown(`ipset "${name}" has members that are not addresses`)];
      return [
        (p) => (p.family !== spans.family ? NONE : matchSpans(p, dir[0] as 'src', spans.spans, x!.negated)),
      ];
    }
    case 'recent':
      // --set only records the source and always matches; checks depend on what was seen before.
      if (
        options.some((x) => x.name === 'set') &&
        !options.some((x) => /^(rcheck|update|remove)$/.test(x.name))
      )
        return out;
      return [RATE('-m recent decides by how many connections this source made recently (rate-dependent)')];
    case 'limit':
      return [RATE('-m limit passes only while the packet rate stays under its limit (rate-dependent)')];
    case 'hashlimit':
      return [RATE('-m hashlimit decides by per-source packet rate (rate-dependent)')];
    case 'connlimit':
      return [RATE('-m connlimit decides by how many connections are open (load-dependent)')];
    case 'quota':
    case 'connbytes':
    case 'statistic':
      return [RATE(`-m ${module} decides by traffic volume or chance`)];
    case 'time':
      return [RATE('-m time decides by the time of day')];
    case 'owner':
      for (const x of options) {
        const key = x.name === 'uid-owner' ? 'uid' : x.name === 'gid-owner' ? 'gid' : undefined;
        if (!key) {
          out.push(() => unknown(`--${x.name} of -m owner is not modelled`));
          continue;
        }
        const [a, b] = (x.values[0] ?? '').split('-').map(Number);
        out.push((p) => {
          const v = p[key];
          if (v === undefined || Number.isNaN(a))
            return unknown(`-m owner --${x.name} ${x.values[0]}: which user's process sends it is not known`);
          return bool((v >= a && v <= (b ?? a)) !== x.negated);
        });
      }
      return out;
    case 'mark':
    case 'connmark':
      for (const x of options) {
        const [v, m] = (x.values[0] ?? '').split('/').map((s) => Number(s));
        const key = module === 'mark' ? 'mark' : 'ctmark';
        out.push((p) => {
          const cur = p[key];
          if (cur === undefined) return unknown(`-m ${module} tests a mark an earlier rule may have set`);
          if (Number.isNaN(v)) return unknown(`-m ${module} value ${x.values[0]} is not understood`);
          return bool(((cur & (m ?? 0xffffffff)) >>> 0 === v >>> 0) !== x.negated);
        });
      }
      return out;
    case 'pkttype':
      for (const x of options) {
        const t = (x.values[0] ?? '').toUpperCase();
        out.push((p) => {
          const s = addrTypeSpans(p, t === 'HOST' ? 'UNICAST' : t);
          if (!s) return unknown(`--pkt-type ${t} is not modelled`);
          const uni = t === 'UNICAST' || t === 'HOST' ? unionSpans(s, p.local) : s;
          return matchSpans(p, 'dst', uni, x.negated);
        });
      }
      return out;
    case 'length':
    case 'ttl':
    case 'hl':
    case 'dscp':
    case 'tos':
    case 'ecn':
    case 'tcpmss':
    case 'string':
    case 'u32':
    case 'bpf':
    case 'mac':
      return [CONTENT(module)];
    default:
      return [() => unknown(`-m ${module} is not modelled`)];
  }
}

const addressLists = new Map<string, { family: 4 | 6; spans: readonly Span[] } | null>();

/**
 * addressListSpans, memoised by text: a blocklist's thousand `-s` addresses are parsed once, not again for every
 * refresh's new snapshot (like parseAddrSet; the spans are frozen, so sharing them is safe). Dropped past 50,000.
 */
function addressListCached(value: string): { family: 4 | 6; spans: readonly Span[] } | undefined {
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

function negatableAddr(v: { value: string; negated: boolean }, field: 'src' | 'dst'): Matcher {
  const parsed = addressListCached(v.value);
  if (!parsed) return () => unknown(`address "${v.value}" is not understood`);
  return (p) =>
    p.family !== parsed.family
      ? unknown('address of the other IP family')
      : matchSpans(p, field, parsed.spans, v.negated);
}

const matcherCache = new WeakMap<IptRule, Matcher[]>();

/** The rule's matches as functions, in the order iptables tests them (addresses/interfaces/protocol first). */
function matchers(rule: IptRule, ctx: IptablesOptions): Matcher[] {
  const cached = matcherCache.get(rule);
  if (cached && !ctx.ipsets) return cached;
  const out: Matcher[] = [];
  if (rule.source) out.push(negatableAddr(rule.source, 'src'));
  if (rule.destination) out.push(negatableAddr(rule.destination, 'dst'));
  for (const [f, key] of [
    [rule.inInterface, 'iif'],
    [rule.outInterface, 'oif'],
  ] as const) {
    if (!f) continue;
    out.push((p) => {
      const m = ifaceMatches(p[key], f.value);
      if (m === undefined)
        return unknown(`the ${key === 'iif' ? 'incoming' : 'outgoing'} interface is not known`);
      return bool(m !== f.negated);
    });
  }
  if (rule.protocol) {
    const v = rule.protocol.value.toLowerCase();
    const n = PROTO_NUM[v] ?? (/^\d+$/.test(v) ? Number(v) : undefined);
    if (n === undefined) out.push(() => unknown(`protocol "${v}" is not known`));
    else out.push((p) => bool((n === 0 || p.proto === n) !== rule.protocol!.negated));
  }
  if (rule.fragment) out.push(() => bool(rule.fragment!.negated)); // a connection's first packet is never a fragment
  for (const m of rule.matches) out.push(...moduleMatchers(m.module, m.options, ctx));
  if (rule.unparsed?.length)
    out.push(() => unknown(`the rule has parts not understood: ${rule.unparsed!.join(' ')}`));
  if (!ctx.ipsets) matcherCache.set(rule, out);
  return out;
}

const NOOP_TARGETS = new Set([
  'LOG',
  'NFLOG',
  'ULOG',
  'TRACE',
  'AUDIT',
  'TCPMSS',
  'CHECKSUM',
  'CLASSIFY',
  'DSCP',
  'TOS',
  'TTL',
  'HL',
  'SET',
  'LED',
  'IDLETIMER',
  'SECMARK',
  'CONNSECMARK',
  'RATEEST',
  'TEE',
  'ECN',
  'TCPOPTSTRIP',
]);
const NAT_TARGETS = new Set(['DNAT', 'REDIRECT', 'SNAT', 'MASQUERADE', 'NETMAP']);

function markEffect(cur: number | undefined, o: IptOption[]): number | undefined {
  const x = opt(o, 'set-xmark', 'set-mark', 'or-mark', 'and-mark', 'xor-mark');
  if (!x || cur === undefined) return undefined;
  const [v, m] = (x.values[0] ?? '').split('/').map(Number);
  if (Number.isNaN(v)) return undefined;
  switch (x.name) {
    case 'set-xmark':
      return (((cur & ~(m ?? 0xffffffff)) ^ v) >>> 0) as number;
    case 'set-mark':
      return (((cur & ~(m ?? 0xffffffff)) | v) >>> 0) as number;
    case 'or-mark':
      return (cur | v) >>> 0;
    case 'and-mark':
      return (cur & v) >>> 0;
    default:
      return (cur ^ v) >>> 0;
  }
}

/** `1.2.3.4:80`, `[2001:db8::1]:80`, `2001:db8::1`, `1.2.3.4-1.2.3.9:80-90` → first address and port. */
function natTarget(to: string): { addr?: string; port?: number } {
  let a = to;
  let port: number | undefined;
  const br = /^\[([^\]]+)\](?::(\d+))?/.exec(to);
  if (br) return { addr: br[1], port: br[2] ? Number(br[2]) : undefined };
  if ((to.match(/:/g) ?? []).length === 1) {
    const i = to.indexOf(':');
    a = to.slice(0, i);
    port = Number.parseInt(to.slice(i + 1), 10);
  }
  a = a.split('-')[0];
  return { addr: a || undefined, port: Number.isNaN(port) ? undefined : port };
}

/** Is the address this machine's (a listed local address, the packet's own destination, or loopback)? */
function isLocal(p: Piece, spans: Span[]): boolean {
  const loop = addrSpans(p.family === 4 ? '127.0.0.0/8' : '::1/128')!.spans;
  const known = unionSpans(unionSpans(p.local, p.dst), loop);
  return spans.every((s) => known.some((k) => k.lo <= s.lo && s.hi <= k.hi));
}

function rejectKind(rule: IptRule, family: 4 | 6): string {
  const w = opt(rule.targetOptions, 'reject-with')?.values[0];
  if (!w) return family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
  return w === 'tcp-rst' ? 'tcp-reset' : w;
}

/** What the rule's target does to the part of a piece its matches select. */
function applyTarget(rule: IptRule, p: Piece, table: IptChainsView): RuleStep {
  const t = rule.target ?? '';
  const o = rule.targetOptions;
  if (t === 'ACCEPT' || t === 'DROP')
    return { piece: p, action: { kind: 'verdict', verdict: t === 'ACCEPT' ? 'accept' : 'drop' } };
  if (t === 'REJECT')
    return {
      piece: p,
      action: { kind: 'verdict', verdict: 'reject', rejectWith: rejectKind(rule, p.family) },
    };
  if (t === 'RETURN') return { piece: p, action: { kind: 'return' } };
  if (table.chains[t]) return { piece: p, action: { kind: 'jump', chain: t, goto: !!rule.goto } };
  if (t === 'MARK')
    return { piece: clonePiece(p, { mark: markEffect(p.mark, o) }), action: { kind: 'next' } };
  if (t === 'CONNMARK') {
    const q = clonePiece(p);
    if (opt(o, 'restore-mark')) q.mark = q.ctmark;
    else if (opt(o, 'save-mark')) q.ctmark = q.mark;
    else q.ctmark = markEffect(q.ctmark, o);
    return { piece: q, action: { kind: 'next' } };
  }
  if (t === 'NOTRACK' || (t === 'CT' && opt(o, 'notrack')))
    return { piece: clonePiece(p, { ct: 'UNTRACKED' }), action: { kind: 'next' } };
  if (t === 'CT') return { piece: p, action: { kind: 'next' } };
  if (NAT_TARGETS.has(t)) {
    if (t === 'SNAT' || t === 'MASQUERADE')
      return { piece: p, action: { kind: 'verdict', verdict: 'accept' } };
    const to = opt(o, 'to-destination', 'to-ports', 'to')?.values[0] ?? '';
    const { addr, port } =
      t === 'REDIRECT' ? { addr: undefined, port: Number.parseInt(to, 10) } : natTarget(to);
    const q = clonePiece(p);
    q.nat.push({
      rule,
      text: `${t} to ${to}`,
      ...(port ? { dport: port } : {}),
      ...(addr ? { dst: addr } : {}),
    });
    if (port) q.dport = [{ lo: BigInt(port), hi: BigInt(port) }];
    q.ctStatus.push('DNAT');
    const dst = addr ? addrSpans(addr) : undefined;
    if (dst && !isLocal(p, dst.spans))
      return {
        piece: q,
        action: {
          kind: 'unknown',
          why: `${t} sends it on to ${to}: it is forwarded (FORWARD chain), not delivered to a local listener`,
        },
      };
    if (dst) q.dst = dst.spans;
    return { piece: q, action: { kind: 'verdict', verdict: 'accept' } };
  }
  if (t === 'QUEUE' || t === 'NFQUEUE')
    return {
      piece: p,
      action: { kind: 'unknown', why: `${t} hands the packet to a userspace program, which decides` },
    };
  return {
    piece: p,
    action: {
      kind: 'unknown',
      why: `target ${t} is not modelled (neither a chain of table ${rule.table} nor a known target)`,
    },
  };
}

interface IptChainsView {
  chains: Record<string, IptChain>;
}

/** What a rule needs for `skip`: a target that only logs (always passes on), or its first match's addresses. */
type SkipRule = 'noop' | { field: 'src' | 'dst'; family: 4 | 6; spans: readonly Span[] } | null;
const skipCache = new WeakMap<IptChain, SkipRule[]>();

function skipRules(chain: IptChain): SkipRule[] {
  let info = skipCache.get(chain);
  if (!info) {
    info = chain.rules.map((r): SkipRule => {
      if (!r.target || NOOP_TARGETS.has(r.target)) return 'noop';
      // The address is the rule's first match (see matchers()): when it misses, nothing after it is asked.
      const a = r.source ?? r.destination;
      if (!a || a.negated) return null;
      const parsed = addressListCached(a.value);
      return parsed ? { field: r.source ? 'src' : 'dst', family: parsed.family, spans: parsed.spans } : null;
    });
    skipCache.set(chain, info);
  }
  return info;
}

/** How the walker sees one table (exported for the tests that check `skip` against plain stepping). */
export function iptablesChainView(table: IptChainsView, ctx: IptablesOptions = {}): ChainView<IptRule> {
  return {
    chain: (n) => table.chains[n],
    skip(name, idx, piece, limit) {
      const chain = table.chains[name];
      if (!chain) return idx;
      const info = skipRules(chain);
      let k = idx;
      for (; k < limit; k++) {
        const s = info[k];
        if (s === 'noop') continue;
        if (s === null || s.family !== piece.family) break;
        // An empty field matches everything (cut() of nothing leaves no part outside): step it.
        const have = piece[s.field];
        if (have.length === 0 || spansMeet(have, s.spans)) break;
      }
      return k;
    },
    step(rule, piece) {
      const t = rule.target;
      if (!t || NOOP_TARGETS.has(t)) return [{ piece, action: { kind: 'next' } as Action }];
      const { yes, no } = conjoin(piece, matchers(rule, ctx), rule);
      const out: RuleStep[] = yes.map((p) => applyTarget(rule, p, table));
      for (const p of no) out.push({ piece: p, action: { kind: 'next' } });
      return out;
    },
  };
}

const PRIO: Record<string, number> = { raw: -300, mangle: -150, nat: -100, filter: 0, security: 50 };
const STAGES: Record<'in' | 'out', [string, string, Hook][]> = {
  in: [
    ['raw', 'PREROUTING', 'prerouting'],
    ['mangle', 'PREROUTING', 'prerouting'],
    ['nat', 'PREROUTING', 'prerouting'],
    ['mangle', 'INPUT', 'input'],
    ['filter', 'INPUT', 'input'],
    ['security', 'INPUT', 'input'],
  ],
  out: [
    ['raw', 'OUTPUT', 'output'],
    ['mangle', 'OUTPUT', 'output'],
    ['nat', 'OUTPUT', 'output'],
    ['filter', 'OUTPUT', 'output'],
    ['security', 'OUTPUT', 'output'],
    ['mangle', 'POSTROUTING', 'postrouting'],
  ],
};

/** `-A INPUT -p tcp … -j ACCEPT` (line N) — the evidence line for a rule. */
export function iptRuleText(rule: IptRule): string {
  return `${rule.raw} (line ${rule.line})`;
}

/**
 * The base chains of a ruleset that a packet going `direction` traverses, as pipeline stages. Tables the ruleset
 * lacks are skipped (an absent table lets everything through).
 */
export function iptablesStages(
  rs: IptablesRuleset,
  direction: 'in' | 'out',
  ctx: IptablesOptions = {},
): Stage[] {
  const stages: Stage[] = [];
  const v = rs.family === 6 ? 'ip6tables' : 'iptables';
  for (const [tname, cname, hook] of STAGES[direction]) {
    const table = rs.tables[tname];
    if (!table?.chains[cname]) continue;
    const view = iptablesChainView(table, ctx);
    stages.push({
      label: `${v} ${tname} ${cname}`,
      view: 'iptables',
      hook,
      prio: PRIO[tname],
      nat: tname === 'nat',
      families: [rs.family],
      run: (piece, budget) => walkChain(view, cname, piece, budget),
      describe: (r) => iptRuleText(r as IptRule),
    });
  }
  return stages;
}
