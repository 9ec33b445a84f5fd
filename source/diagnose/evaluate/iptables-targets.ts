/**
 * What an iptables rule's target does to the part of a piece its matches select: a verdict (ACCEPT, DROP,
 * REJECT with its kind), a jump or goto to a chain of the same table, RETURN, a mark or conntrack change that
 * passes the piece on, or a NAT rewrite (DNAT/REDIRECT to a local listener is followed; to another host it is
 * forwarded, which this evaluator does not follow). Pure.
 */
import type { IptChain, IptOption, IptRule } from '../../model/index.js';
import { type Span, unionSpans } from './addr-set.js';
import { opt } from './iptables-values.js';
import { addrSpans, clonePiece, natRewrite, type Piece, spansWithin } from './piece.js';
import type { RuleStep } from './walk.js';

/** Targets that neither decide nor change what later rules see: the rule passes the packet on. */
export const NOOP_TARGETS = new Set([
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
  return spansWithin(spans, known);
}

function rejectKind(rule: IptRule, family: 4 | 6): string {
  const w = opt(rule.targetOptions, 'reject-with')?.values[0];
  if (!w) return family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
  return w === 'tcp-rst' ? 'tcp-reset' : w;
}

/** What the rule's target does to the part of a piece its matches select. */
export function applyTarget(rule: IptRule, p: Piece, table: IptChainsView): RuleStep {
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
    const q = natRewrite(p, rule, `${t} to ${to}`, { port, addr });
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

export interface IptChainsView {
  chains: Record<string, IptChain>;
}
