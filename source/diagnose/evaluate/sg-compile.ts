/**
 * A pool of security groups compiled for evaluation: every rule's peer, ports and precedence parsed once per
 * ENI, sorted into [R1] order (see security-group.ts), and indexed per direction, protocol and port bucket on
 * first use. Pure.
 */
import type { SecurityGroup, SgDirection, SgRule } from '../../model/index.js';
import { type AddrSet, type PortSpan, parseAddrSet, portSpan, unionSpans } from './addr-set.js';
import type { SgOptions } from './sg-types.js';
import type { FlowProtocol } from './types.js';

/** Every field always present, in one order: one hidden class, so the hot loop stays monomorphic. */
interface CompiledRule {
  rule: SgRule;
  /** [R1] precedence as one number: priority × 2, drop first at equal priority. */
  rank: number;
  drop: boolean;
  proto: SgRule['protocol'];
  ports: PortSpan;
  srcPorts: PortSpan | undefined;
  v4: AddrSet | undefined;
  v6: AddrSet | undefined;
  group: string | undefined;
  prefix: string | undefined;
}

/** Rules of one direction that can match one protocol, in precedence order; tcp/udp also bucketed by port. */
interface RuleIndex {
  all: CompiledRule[];
  /**
   * `byPort[p >> 10]`: the rules whose port range meets that 1,024-port bucket, in precedence order. Filled per
   * bucket on first use: the usual intents (22, 80, 443, 53) all fall in bucket 0.
   */
  byPort?: (CompiledRule[] | undefined)[];
}

/** The groups of one ENI, compiled once and reused for every intent. */
export interface SgPool {
  groups: SecurityGroup[];
  ingress: CompiledRule[];
  egress: CompiledRule[];
  /** Per direction and flow protocol, filled on first use (see {@link RuleIndex}). */
  index: Record<SgDirection, Partial<Record<FlowProtocol, RuleIndex>>>;
  groupType: 'normal' | 'enterprise' | 'mixed';
  /** Basic groups with InnerAccessPolicy=Accept [R5]. */
  innerAccept: string[];
  options: SgOptions;
}

export function priorityOf(r: SgRule): number {
  const p = Number(r.priority);
  return Number.isFinite(p) ? p : 1;
}

function addCidr(c: CompiledRule, text: string): void {
  const set = parseAddrSet(text);
  if (!set) return;
  const prev = set.family === 4 ? c.v4 : c.v6;
  const merged = prev ? { family: set.family, spans: unionSpans(prev.spans, set.spans) } : set;
  if (set.family === 4) c.v4 = merged;
  else c.v6 = merged;
}

const PROTOCOLS = new Map<string, SgRule['protocol']>(
  (['tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'all'] as const).map((p) => [p, p]),
);

/** The lower-cased protocol as one of the literal strings the flows carry: compared by identity in the hot loop. */
function protoName(p: unknown): SgRule['protocol'] {
  const lower = String(p).toLowerCase();
  return PROTOCOLS.get(lower) ?? (lower as SgRule['protocol']);
}

function compileRule(r: SgRule, opts: SgOptions): CompiledRule {
  const drop = String(r.policy).toLowerCase() === 'drop';
  const c: CompiledRule = {
    rule: r,
    rank: priorityOf(r) * 2 + (drop ? 0 : 1),
    drop,
    proto: protoName(r.protocol),
    ports: portSpan(r.ports),
    srcPorts:
      r.sourcePorts && !(r.sourcePorts.from === -1 || r.sourcePorts.to === -1)
        ? portSpan(r.sourcePorts)
        : undefined,
    v4: undefined,
    v6: undefined,
    group: undefined,
    prefix: undefined,
  };
  if (r.peerCidr) addCidr(c, r.peerCidr);
  if (r.peerIpv6Cidr) addCidr(c, r.peerIpv6Cidr);
  if (r.peerGroupId) c.group = r.peerGroupId;
  if (r.peerPrefixListId && !r.peerCidr && !r.peerIpv6Cidr && !r.peerGroupId) {
    const resolved = opts.prefixLists?.[r.peerPrefixListId];
    if (resolved) for (const text of resolved) addCidr(c, text);
    else c.prefix = r.peerPrefixListId;
  }
  return c;
}

function sortRules(list: CompiledRule[]): CompiledRule[] {
  // [R1]: priority ascending, drop before accept at equal priority; Array.prototype.sort is stable, so ties
  // keep API order.
  return list.sort((a, b) => a.rank - b.rank);
}

export function compileSgPool(groups: SecurityGroup[], options: SgOptions = {}): SgPool {
  const ingress: CompiledRule[] = [];
  const egress: CompiledRule[] = [];
  for (const g of groups)
    for (const r of g.rules) (r.direction === 'egress' ? egress : ingress).push(compileRule(r, options));
  const types = new Set(groups.map((g) => (g.type === 'enterprise' ? 'enterprise' : 'normal')));
  const sortedIn = sortRules(ingress);
  const sortedOut = sortRules(egress);
  return {
    groups,
    ingress: sortedIn,
    egress: sortedOut,
    index: { ingress: {}, egress: {} },
    groupType: types.size > 1 ? 'mixed' : types.has('enterprise') ? 'enterprise' : 'normal',
    innerAccept: groups
      .filter((g) => g.type !== 'enterprise' && String(g.innerAccessPolicy).toLowerCase() === 'accept')
      .map((g) => g.id),
    options,
  };
}

const BUCKETS = 64;

/** The index for one direction and protocol, built on first use (most snapshots ask about 2–3 protocols). */
export function ruleIndex(pool: SgPool, dir: SgDirection, p: FlowProtocol): RuleIndex {
  const cached = pool.index[dir][p];
  if (cached) return cached;
  const all = (dir === 'egress' ? pool.egress : pool.ingress).filter((r) => protoMatches(r.proto, p));
  const idx: RuleIndex = { all };
  if (hasPorts(p)) idx.byPort = new Array(BUCKETS);
  pool.index[dir][p] = idx;
  return idx;
}

/** The rules of one port bucket, built the first time a flow asks for a port in it. */
export function bucket(idx: RuleIndex, byPort: (CompiledRule[] | undefined)[], b: number): CompiledRule[] {
  let list = byPort[b];
  if (!list) {
    list = idx.all.filter((r) => r.ports.from >> 10 <= b && b <= r.ports.to >> 10);
    byPort[b] = list;
  }
  return list;
}

export function hasPorts(p: FlowProtocol): boolean {
  return p === 'tcp' || p === 'udp';
}

export function protoMatches(rule: CompiledRule['proto'], flow: FlowProtocol): boolean {
  return rule === 'all' || rule === flow;
}
