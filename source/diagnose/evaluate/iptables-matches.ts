/**
 * The matches of an iptables rule as functions over pieces, in the order iptables tests them: addresses,
 * interfaces, protocol, fragment, then each `-m MODULE` with its options. The modules modelled are listed in
 * `moduleMatchers()`; anything else, and any token the parser left unparsed, is undecidable (`unknown`), never
 * guessed. Pure.
 */
import type { IptOption, IptRule } from '../../model/index.js';
import { type Span, unionSpans } from './addr-set.js';
import {
  addressListCached,
  addressListSpans,
  flagSet,
  ICMP_NAMES,
  ICMP6_NAMES,
  list,
  opt,
  portListSpans,
} from './iptables-values.js';
import { PROTO_NUM } from './packet.js';
import { addrSpans } from './piece.js';
import {
  ALL,
  addrTypeSpans,
  bool,
  ifaceMatches,
  type Matcher,
  type MatchResult,
  matchSpans,
  NONE,
  negate,
  unknown,
} from './piece-match.js';

export interface IptablesOptions {
  /** Known ipset contents (name → addresses/CIDRs). Without them `-m set` is undecidable. */
  ipsets?: Record<string, string[]>;
}

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
export function matchers(rule: IptRule, ctx: IptablesOptions): Matcher[] {
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
