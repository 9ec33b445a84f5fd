/**
 * What one nft rule does to a piece, statement by statement: matches narrow it, `notrack` and mark mangling
 * change it, counters and logs pass it on, a verdict (accept, drop, reject, jump, goto, return, a verdict map)
 * ends the rule for the part that got there, and dnat/redirect rewrite it (to this machine: followed; elsewhere:
 * forwarded, not followed). Rate limits, quotas, meters and iptables-nft `xt` targets are undecidable. Pure.
 */
import type { NftRule } from '../../model/index.js';
import { unionSpans } from './addr-set.js';
import { matchOf, type RuleCtx } from './nft-matches.js';
import type { J } from './nft-text.js';
import { addrSpans, clonePiece, natRewrite, type Piece, spansWithin } from './piece.js';
import { conjoin, type Matcher, unknown } from './piece-match.js';
import type { Action, RuleStep } from './walk.js';

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

export function stepRule(rule: NftRule, piece: Piece, ctx: RuleCtx): RuleStep[] {
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
        const port = typeof e[key]?.port === 'number' ? e[key].port : undefined;
        const addr = typeof e[key]?.addr === 'string' ? e[key].addr : undefined;
        const q = natRewrite(p, rule, `${key} to ${addr ?? ''}${port ? `:${port}` : ''}`, { port, addr });
        const known = unionSpans(q.local, q.dst);
        const a = addr ? addrSpans(addr) : undefined;
        if (a && !spansWithin(a.spans, known))
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
