/**
 * nftables, from `nft -j list ruleset`: every base chain on the hooks a packet meets (netdev ingress, prerouting
 * and input on the way in; output and postrouting on the way out) across the tables whose family applies (inet,
 * ip, ip6, netdev). A base chain's accept only ends that chain, so later chains still get their say; drop and
 * reject anywhere are final (the pipeline in guest-firewall.ts runs them in priority order). Rules are evaluated
 * from their JSON expressions; an expression not modelled makes the rule undecidable, never guessed. Pure.
 */
import type { NftChain, NftRule, NftRuleset, NftSet } from '../../model/index.js';
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
  HOOKS_BY_DIRECTION,
  type Hook,
  ifaceMatches,
  type MatchResult,
  matchSpans,
  NONE,
  type Piece,
  PROTO_NUM,
  type RuleStep,
  type SpanField,
  type Stage,
  unknown,
  walkChain,
} from './packet.js';

type J = any;
type Matcher = (p: Piece) => MatchResult;

const FAMILIES: Record<string, (4 | 6)[]> = { inet: [4, 6], ip: [4], ip6: [6], netdev: [4, 6] };
const L4: Record<string, number[]> = {
  tcp: [6],
  udp: [17],
  sctp: [132],
  udplite: [136],
  th: [6, 17, 132, 136],
};

/** Elements of a set expression, with `elem` wrappers (dynamic sets, timeouts) removed. */
function elements(right: J, ctx: RuleCtx): { items: J[]; why?: string } {
  if (right && typeof right === 'object' && !Array.isArray(right) && 'set' in right) {
    return {
      items: (right.set as J[]).map((e) => (e && typeof e === 'object' && 'elem' in e ? e.elem.val : e)),
    };
  }
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = ctx.sets.find(
      (s) => s.name === right.slice(1) && s.table === ctx.table && s.family === ctx.family,
    );
    if (!set) return { items: [], why: `named set ${right} is not in the ruleset` };
    if (Array.isArray(set.type)) return { items: [], why: `set ${right} holds concatenated keys` };
    const dynamic = (set.flags ?? []).some((f) => f === 'dynamic' || f === 'timeout');
    return {
      items: (set.elem ?? []).map((e: J) => (e && typeof e === 'object' && 'elem' in e ? e.elem.val : e)),
      ...(dynamic ? { why: `set ${right} is filled at run time (its members change)` } : {}),
    };
  }
  return { items: Array.isArray(right) ? right : [right] };
}

function valueSpans(v: J, kind: 'addr' | 'port'): Span[] | undefined {
  if (typeof v === 'number') return kind === 'port' ? [{ lo: BigInt(v), hi: BigInt(v) }] : undefined;
  if (typeof v === 'string') {
    if (kind === 'port') return /^\d+$/.test(v) ? valueSpans(Number(v), 'port') : undefined;
    return addrSpans(v)?.spans;
  }
  if (v && typeof v === 'object' && 'prefix' in v)
    return addrSpans(`${v.prefix.addr}/${v.prefix.len}`)?.spans;
  if (v && typeof v === 'object' && 'range' in v) {
    const [a, b] = v.range.map((x: J) => valueSpans(x, kind));
    return a && b ? [{ lo: a[0].lo, hi: b[0].hi }] : undefined;
  }
  return undefined;
}

interface RuleCtx {
  family: string;
  table: string;
  sets: NftSet[];
}

/** A left-hand side: an interval field of the piece, or a scalar read from it. */
type Left =
  | { kind: 'span'; field: SpanField; need: (p: Piece) => MatchResult; what: 'addr' | 'port' }
  | { kind: 'scalar'; get: (p: Piece) => J; norm?: (v: J) => J }
  | { kind: 'flags'; get: (p: Piece) => string[] }
  | { kind: 'fibtype'; field: 'src' | 'dst' }
  | { kind: 'unknown'; why: string };

const protoNum = (v: J) => (typeof v === 'number' ? v : (PROTO_NUM[String(v)] ?? v));

function leftOf(l: J): Left {
  if (l?.payload) {
    const { protocol, field } = l.payload;
    if (!protocol) return { kind: 'unknown', why: 'raw payload offsets are not modelled' };
    if ((protocol === 'ip' || protocol === 'ip6') && (field === 'saddr' || field === 'daddr')) {
      const fam = protocol === 'ip' ? 4 : 6;
      return {
        kind: 'span',
        field: field === 'saddr' ? 'src' : 'dst',
        need: (p) => bool(p.family === fam),
        what: 'addr',
      };
    }
    if ((protocol === 'ip' && field === 'protocol') || (protocol === 'ip6' && field === 'nexthdr'))
      return {
        kind: 'scalar',
        get: (p) => (p.family === (protocol === 'ip' ? 4 : 6) ? p.proto : null),
        norm: protoNum,
      };
    if (L4[protocol] && (field === 'sport' || field === 'dport')) {
      const protos = L4[protocol];
      return { kind: 'span', field, need: (p) => bool(protos.includes(p.proto)), what: 'port' };
    }
    if ((protocol === 'icmp' || protocol === 'icmpv6') && (field === 'type' || field === 'code')) {
      const n = protocol === 'icmp' ? 1 : 58;
      return {
        kind: 'scalar',
        get: (p) => (p.proto !== n ? null : field === 'type' ? p.icmpType : p.icmpCode),
        norm: (v) => (typeof v === 'number' ? v : (ICMP_TYPES[protocol][v] ?? v)),
      };
    }
    return { kind: 'unknown', why: `${protocol} ${field} depends on packet contents` };
  }
  if (l?.meta) {
    const key = l.meta.key;
    if (key === 'iifname' || key === 'iif') return { kind: 'scalar', get: (p) => p.iif, norm: String };
    if (key === 'oifname' || key === 'oif') return { kind: 'scalar', get: (p) => p.oif, norm: String };
    if (key === 'l4proto') return { kind: 'scalar', get: (p) => p.proto, norm: protoNum };
    if (key === 'nfproto' || key === 'protocol')
      return {
        kind: 'scalar',
        get: (p) => (p.family === 4 ? 'ipv4' : 'ipv6'),
        norm: (v) => (v === 'ip' ? 'ipv4' : v === 'ip6' ? 'ipv6' : v),
      };
    if (key === 'mark') return { kind: 'scalar', get: (p) => p.mark };
    if (key === 'skuid') return { kind: 'scalar', get: (p) => p.uid };
    if (key === 'skgid') return { kind: 'scalar', get: (p) => p.gid };
    return { kind: 'unknown', why: `meta ${key} is not modelled` };
  }
  if (l?.ct) {
    const key = l.ct.key;
    if (key === 'state') return { kind: 'flags', get: (p) => [p.ct.toLowerCase()] };
    if (key === 'status') return { kind: 'flags', get: (p) => p.ctStatus.map((s) => s.toLowerCase()) };
    if (key === 'mark') return { kind: 'scalar', get: (p) => p.ctmark };
    if (key === 'direction') return { kind: 'scalar', get: (p) => (p.ct === 'NEW' ? 'original' : undefined) };
    return { kind: 'unknown', why: `ct ${key} is not modelled` };
  }
  if (l?.fib && l.fib.result === 'type') {
    const flags: string[] = l.fib.flags ?? [];
    const field = flags.includes('daddr') ? 'dst' : flags.includes('saddr') ? 'src' : undefined;
    if (field && flags.length === 1) return { kind: 'fibtype', field };
  }
  if (l?.['&']) {
    const [inner, mask] = l['&'];
    if (inner?.payload?.protocol === 'tcp' && inner.payload.field === 'flags' && Array.isArray(mask))
      return {
        kind: 'flags',
        get: (p) =>
          p.proto === 6 ? p.tcpFlags.map((f) => f.toLowerCase()).filter((f) => mask.includes(f)) : [],
      };
    if (inner?.payload?.field === 'frag-off') return { kind: 'scalar', get: () => 0 };
  }
  return { kind: 'unknown', why: `the expression ${JSON.stringify(l).slice(0, 80)} is not modelled` };
}

const ICMP_TYPES: Record<string, Record<string, number>> = {
  icmp: {
    'echo-reply': 0,
    'destination-unreachable': 3,
    redirect: 5,
    'echo-request': 8,
    'time-exceeded': 11,
    'parameter-problem': 12,
  },
  icmpv6: {
    'destination-unreachable': 1,
    'packet-too-big': 2,
    'time-exceeded': 3,
    'parameter-problem': 4,
    'echo-request': 128,
    'echo-reply': 129,
    'nd-router-solicit': 133,
    'nd-router-advert': 134,
    'nd-neighbor-solicit': 135,
    'nd-neighbor-advert': 136,
  },
};

function matchOf(m: J, ctx: RuleCtx): Matcher {
  const op: string = m.op ?? '==';
  const neg = op === '!=';
  const left = leftOf(m.left);
  const els = elements(m.right, ctx);
  if (els.why) return () => unknown(els.why!);
  if (left.kind === 'unknown') return () => unknown(left.why);
  if (left.kind === 'span') {
    let spans: Span[] = [];
    for (const v of els.items) {
      const s = valueSpans(v, left.what);
      if (!s) return () => unknown(`value ${JSON.stringify(v)} is not understood`);
      spans = unionSpans(spans, s);
    }
    if (['<', '>', '<=', '>='].includes(op) && spans.length === 1) {
      const v = spans[0].lo;
      const max = left.what === 'port' ? 65535n : (1n << 128n) - 1n;
      spans = [
        op === '<'
          ? { lo: 0n, hi: v - 1n }
          : op === '<='
            ? { lo: 0n, hi: v }
            : op === '>'
              ? { lo: v + 1n, hi: max }
              : { lo: v, hi: max },
      ];
    }
    return (p) => {
      const need = left.need(p);
      if (need.kind === 'none') return NONE;
      return matchSpans(p, left.field, spans, neg);
    };
  }
  if (left.kind === 'flags') {
    const want = els.items.flatMap((v) => (Array.isArray(v) ? v : [v])).map(String);
    // `tcp flags & (fin|syn|rst|ack) == syn` compares exactly; `ct state { a, b }` / `ct state a,b` is any-of.
    const exact = !!m.left['&'] && !m.right?.set;
    return (p) => {
      const have = left.get(p);
      const hit = exact
        ? have.length === want.length && want.every((w) => have.includes(w))
        : want.some((w) => have.includes(w));
      return bool(hit !== neg);
    };
  }
  if (left.kind === 'fibtype') {
    const f = left.field;
    return (p) => {
      let spans: Span[] = [];
      for (const w of els.items) {
        const s = addrTypeSpans(p, String(w));
        if (!s) return unknown(`fib type ${w} is not modelled`);
        spans = unionSpans(spans, s);
      }
      // This machine's own address, even when the caller did not list the local addresses.
      if (p.local.length === 0 && els.items.includes('local') && f === (p.direction === 'in' ? 'dst' : 'src'))
        return neg ? NONE : ALL;
      return matchSpans(p, f, spans, neg);
    };
  }
  const norm = left.norm ?? ((v: J) => v);
  const wanted = els.items.map(norm);
  return (p) => {
    const v = left.get(p);
    if (v === null) return NONE; // the packet lacks this header (ip protocol on an IPv6 packet)
    if (v === undefined) return unknown(`${valText(m.left)} is not known for this packet`);
    const hit = wanted.some((w) => {
      if (typeof w === 'string' && typeof v === 'string') return ifaceMatches(v, w) ?? false;
      if (w && typeof w === 'object' && 'range' in w) return v >= w.range[0] && v <= w.range[1];
      return w === v;
    });
    if (['<', '>', '<=', '>='].includes(op)) {
      const w = wanted[0];
      return bool(op === '<' ? v < w : op === '<=' ? v <= w : op === '>' ? v > w : v >= w);
    }
    return bool(hit !== neg);
  };
}

function rejectWith(r: J, family: 4 | 6): string {
  if (!r) return family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
  if (r.type === 'tcp reset') return 'tcp-reset';
  const code = r.expr ?? 'port-unreachable';
  if (r.type === 'icmpv6' || (r.type === 'icmpx' && family === 6)) return `icmp6-${code}`;
  return `icmp-${code}`;
}

function verdictAction(e: J, p: Piece): Action | undefined {
  if ('accept' in e) return { kind: 'verdict', verdict: 'accept' };
  if ('drop' in e) return { kind: 'verdict', verdict: 'drop' };
  if ('reject' in e)
    return { kind: 'verdict', verdict: 'reject', rejectWith: rejectWith(e.reject, p.family) };
  if ('jump' in e) return { kind: 'jump', chain: e.jump.target };
  if ('goto' in e) return { kind: 'jump', chain: e.goto.target, goto: true };
  if ('return' in e) return { kind: 'return' };
  if ('continue' in e) return { kind: 'next' };
  if ('queue' in e)
    return { kind: 'unknown', why: 'queue hands the packet to a userspace program, which decides' };
  return undefined;
}

const NOOP = new Set(['counter', 'log', 'flow', 'dup']);
const XT_NOOP_TARGETS = new Set([
  'LOG',
  'NFLOG',
  'TCPMSS',
  'CHECKSUM',
  'CLASSIFY',
  'DSCP',
  'TOS',
  'TTL',
  'HL',
]);

function stepRule(rule: NftRule, piece: Piece, ctx: RuleCtx): RuleStep[] {
  let cur = [piece];
  const out: RuleStep[] = [];
  const apply = (m: Matcher) => {
    const next: Piece[] = [];
    for (const p of cur) {
      const { yes, no } = conjoin(p, [m], rule);
      next.push(...yes);
      for (const q of no) out.push({ piece: q, action: { kind: 'next' } });
    }
    cur = next;
  };
  for (const e of rule.expr as J[]) {
    if (cur.length === 0) break;
    const key = e && typeof e === 'object' ? Object.keys(e)[0] : String(e);
    if (key === 'match') apply(matchOf(e.match, ctx));
    else if (key === 'notrack') cur = cur.map((p) => clonePiece(p, { ct: 'UNTRACKED' }));
    else if (NOOP.has(key)) continue;
    else if (key === 'limit')
      apply(() => unknown('limit passes only while the packet rate stays under it (rate-dependent)'));
    else if (key === 'quota') apply(() => unknown('quota depends on the traffic seen so far'));
    else if (key === 'set') {
      if ((e.set.stmt ?? []).length)
        apply(() => unknown(`a per-source meter on ${e.set.set} decides (rate-dependent)`));
    } else if (key === 'mangle') {
      const k = e.mangle.key;
      const v = typeof e.mangle.value === 'number' ? e.mangle.value : undefined;
      if (k?.meta?.key === 'mark') cur = cur.map((p) => clonePiece(p, { mark: v }));
      else if (k?.ct?.key === 'mark') cur = cur.map((p) => clonePiece(p, { ctmark: v }));
    } else if (key === 'xt') {
      const { type, name } = e.xt ?? {};
      if (type === 'match' && name === 'comment') continue;
      if (type === 'target' && XT_NOOP_TARGETS.has(name)) continue;
      if (type === 'target' && name === 'REJECT') {
        for (const p of cur)
          out.push({
            piece: clonePiece(p, { caveats: [...p.caveats, 'the reject kind is hidden in the nft view'] }),
            action: { kind: 'verdict', verdict: 'reject' },
          });
        cur = [];
      } else apply(() => unknown(`iptables-nft ${type} "${name}" is opaque in the nft view`));
    } else if (key === 'vmap') {
      const m = e.vmap;
      const pairs: [J, J][] = Array.isArray(m.data?.set) ? m.data.set : [];
      if (!pairs.length) {
        apply(() => unknown('verdict map with a named or empty map is not modelled'));
        continue;
      }
      for (const [k, v] of pairs) {
        const next: Piece[] = [];
        const matcher = matchOf({ op: '==', left: m.key, right: k }, ctx);
        for (const p of cur) {
          const { yes, no } = conjoin(p, [matcher], rule);
          next.push(...no);
          for (const q of yes)
            out.push({
              piece: q,
              action: verdictAction(v, q) ?? { kind: 'unknown', why: 'unknown verdict in map' },
            });
        }
        cur = next;
      }
      for (const p of cur) out.push({ piece: p, action: { kind: 'next' } });
      cur = [];
    } else if (['snat', 'masquerade'].includes(key)) {
      for (const p of cur) out.push({ piece: p, action: { kind: 'verdict', verdict: 'accept' } });
      cur = [];
    } else if (key === 'dnat' || key === 'redirect') {
      for (const p of cur) {
        const q = clonePiece(p);
        const port = typeof e[key]?.port === 'number' ? e[key].port : undefined;
        const addr = typeof e[key]?.addr === 'string' ? e[key].addr : undefined;
        q.nat.push({
          rule,
          text: `${key} to ${addr ?? ''}${port ? `:${port}` : ''}`,
          ...(port ? { dport: port } : {}),
          ...(addr ? { dst: addr } : {}),
        });
        if (port) q.dport = [{ lo: BigInt(port), hi: BigInt(port) }];
        q.ctStatus.push('DNAT');
        const known = unionSpans(q.local, q.dst);
        const a = addr ? addrSpans(addr) : undefined;
        if (a && !a.spans.every((s) => known.some((k) => k.lo <= s.lo && s.hi <= k.hi)))
          out.push({
            piece: q,
            action: {
              kind: 'unknown',
              why: `dnat sends it on to ${addr}: it is forwarded, not delivered to a local listener`,
            },
          });
        else out.push({ piece: q, action: { kind: 'verdict', verdict: 'accept' } });
      }
      cur = [];
    } else {
      const act = e && typeof e === 'object' ? verdictAction(e, piece) : undefined;
      if (act) {
        for (const p of cur)
          out.push({
            piece: p,
            action: act.kind === 'verdict' && act.verdict === 'reject' ? verdictAction(e, p)! : act,
          });
        cur = [];
      } else apply(() => unknown(`nft statement "${key}" is not modelled`));
    }
  }
  for (const p of cur) out.push({ piece: p, action: { kind: 'next' } });
  return out;
}

// ── text, for evidence ───────────────────────────────────────────────────────────────────────────────────────

function valText(v: J): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return typeof v === 'string' && v.includes(' ') ? `"${v}"` : String(v);
  if (Array.isArray(v)) return v.map(valText).join(',');
  if ('set' in v)
    return `{ ${(v.set as J[]).map((x) => (Array.isArray(x) ? `${valText(x[0])} : ${exprText(x[1])}` : valText(x))).join(', ')} }`;
  if ('prefix' in v) return `${v.prefix.addr}/${v.prefix.len}`;
  if ('range' in v) return `${valText(v.range[0])}-${valText(v.range[1])}`;
  if ('payload' in v) return v.payload.protocol ? `${v.payload.protocol} ${v.payload.field}` : 'payload';
  if ('meta' in v)
    return ['iifname', 'oifname', 'iif', 'oif'].includes(v.meta.key) ? v.meta.key : `meta ${v.meta.key}`;
  if ('ct' in v) return `ct ${v.ct.key}`;
  if ('fib' in v) return `fib ${(v.fib.flags ?? []).join(' . ')} ${v.fib.result}`;
  if ('&' in v) return `${valText(v['&'][0])} & ${valText(v['&'][1])}`;
  if ('concat' in v) return (v.concat as J[]).map(valText).join(' . ');
  return JSON.stringify(v);
}

function exprText(e: J): string {
  if (!e || typeof e !== 'object') return String(e);
  const [k] = Object.keys(e);
  const v = e[k];
  switch (k) {
    case 'match':
      return `${valText(v.left)} ${v.op === '==' || v.op === 'in' ? '' : `${v.op} `}${valText(v.right)}`;
    case 'reject':
      return v
        ? `reject with ${v.type === 'tcp reset' ? 'tcp reset' : `${v.type} ${v.expr ?? ''}`.trim()}`
        : 'reject';
    case 'jump':
    case 'goto':
      return `${k} ${v.target}`;
    case 'limit':
      return `limit rate ${v.inv ? 'over ' : ''}${v.rate}/${v.per}`;
    case 'log':
      return v?.prefix ? `log prefix "${v.prefix}"` : 'log';
    case 'vmap':
      return `${valText(v.key)} vmap ${valText(v.data)}`;
    case 'xt':
      return `xt ${v?.type ?? ''} ${v?.name ?? ''}`.trim();
    case 'set':
      return `${v?.op ?? 'add'} ${v?.set ?? ''} { ${valText(v?.elem)}${(v?.stmt ?? []).map((x: J) => ` ${exprText(x)}`).join('')} }`;
    default:
      return v === null || (typeof v === 'object' && Object.keys(v).length === 0)
        ? k
        : k === 'counter'
          ? 'counter'
          : `${k} ${valText(v)}`;
  }
}

/** `tcp dport 22 ip saddr @allowed accept` — the rule as `nft list ruleset` would roughly print it. */
export function nftRuleText(rule: NftRule): string {
  const body = (rule.expr as J[]).map(exprText).join(' ');
  return `${rule.family} ${rule.table} ${rule.chain}: ${body}${rule.comment ? ` comment "${rule.comment}"` : ''} (handle ${rule.handle})`;
}

// ── stages ───────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The base chains a packet going `direction` meets, as pipeline stages. `skipTable` lets the caller leave out
 * tables it evaluates through another view (iptables-nft's compat tables, read from iptables-save instead).
 */
export function nftStages(
  rs: NftRuleset,
  direction: 'in' | 'out',
  skipTable: (family: string, table: string) => boolean = () => false,
): Stage[] {
  const stages: Stage[] = [];
  const byTable = new Map<string, Map<string, NftChain>>();
  for (const c of rs.chains) {
    const k = `${c.family} ${c.table}`;
    if (!byTable.has(k)) byTable.set(k, new Map());
    byTable.get(k)!.set(c.name, c);
  }
  for (const c of rs.chains) {
    if (!c.hook || !HOOKS_BY_DIRECTION[direction].includes(c.hook as Hook) || !FAMILIES[c.family]) continue;
    if (skipTable(c.family, c.table)) continue;
    // netdev tables only have device hooks; inet tables may have an ingress chain too (Linux 5.10+).
    if (c.family === 'netdev' && c.hook !== 'ingress') continue;
    const chains = byTable.get(`${c.family} ${c.table}`)!;
    const ctx: RuleCtx = { family: c.family, table: c.table, sets: rs.sets };
    const view: ChainView<NftRule> = {
      chain: (n) => {
        const ch = chains.get(n);
        return ch ? { rules: ch.rules, policy: ch.hook ? (ch.policy ?? 'accept') : null } : undefined;
      },
      step: (rule, piece) => stepRule(rule, piece, ctx),
    };
    stages.push({
      label: `nft ${c.family} ${c.table} ${c.name}`,
      view: 'nft',
      hook: c.hook as Hook,
      prio: c.prio ?? 0,
      nat: c.type === 'nat',
      families: FAMILIES[c.family],
      run: (piece, budget) => {
        if (c.dev && piece.iif !== undefined && piece.iif !== c.dev)
          return [{ piece, verdict: 'accept', path: [] }];
        const outs = walkChain(view, c.name, piece, budget);
        if (c.hook !== 'ingress' || c.dev) return outs;
        // nft 1.0.x's JSON leaves the device of an ingress chain out: assume it is the packet's interface. That
        // matters only where a rule of the chain decided.
        const caveat = `the device of ingress chain ${c.table} ${c.name} is not shown by nft -j; assumed to be the packet's`;
        return outs.map((o) =>
          o.rule || o.verdict !== 'accept'
            ? { ...o, piece: clonePiece(o.piece, { caveats: [...o.piece.caveats, caveat] }) }
            : o,
        );
      },
      describe: (r) => nftRuleText(r as NftRule),
    });
  }
  return stages;
}
