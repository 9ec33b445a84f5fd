/**
 * Security-group evaluator: does the pool of groups on an ENI let one flow through, for every address of the
 * flow's peer CIDR? Pure. The Alibaba behaviour modelled here, rule by rule (sources cited once, below):
 *
 * [R1] Rules of every group on the ENI are pooled and sorted together; priority 1–100, smaller wins; at equal
 *      priority Drop beats Accept (AuthorizeSecurityGroup API doc; "安全组规则" user guide).
 *      ⇒ first match in the order (priority asc, drop before accept) is exactly "lowest priority, drop wins ties".
 * [R2] A rule matches on protocol (`ALL` matches any; ICMP/GRE carry no ports, `-1/-1`), destination port range
 *      (`-1/-1` = all), the peer (ingress: source CIDR / IPv6 CIDR / source group / prefix list; egress: the same
 *      as destination) and, for five-tuple rules, the source port range.
 * [R3] A peer security group authorises the *private* addresses of its member instances ("授权安全组内的实例
 *      内网访问"): it matches only when the peer is known to be an instance and a member of that group.
 * [R4] Implicit defaults have the lowest priority (older docs: priority 110, below every rule you can write):
 *      basic ("normal") groups deny inbound and allow all outbound; enterprise (advanced) groups deny both
 *      ("Basic and advanced security groups"; "安全组规则": 普通安全组入方向默认仅放行同安全组内其他实例的内网
 *      流量, 出方向放行所有流量; 企业级安全组默认出入方向流量均不放行). A basic group keeps its outbound allow
 *      when it has egress rules: they only add drops/accepts above it.
 * [R5] Inner access: a basic group with InnerAccessPolicy=Accept lets its members talk whatever the custom rules
 *      say ("the Accept internal access control policy takes precedence over user-created security group rules",
 *      ModifySecurityGroupPolicy); Drop isolates members but custom rules may still allow them; enterprise groups
 *      never grant inner access. Isolation has the lowest priority, so a second shared group with Accept wins
 *      ("Network isolation within a basic security group").
 * [R6] One ENI cannot mix basic and enterprise groups ("不能混合关联普通安全组和企业级安全组"). If facts show a
 *      mix anyway, the outbound default is undecidable: flows left to it are `unknown`.
 * [R7] Stateful, sessions up to 910 s: replies of an allowed flow are allowed. This evaluator answers for the
 *      initiating direction only; callers never ask it about return traffic.
 * [R8] Outbound TCP 25 is restricted by the platform by default for security reasons, whatever the groups say
 *      (it can be lifted on application, which the API does not show ⇒ confidence `likely`).
 */
import type { SecurityGroup, SgDirection, SgRule } from '../../model/index.js';
import {
  type AddrSet,
  cidrSet,
  describeSet,
  emptySet,
  formatPorts,
  intersectRange,
  intersectSpans,
  type PortSpan,
  parseAddrSet,
  parseCidrCached,
  portSpan,
  portSpanContains,
  portSpanOverlaps,
  type Span,
  share,
  subtractRange,
  subtractSpans,
  unionSpans,
} from './addr-set.js';
import {
  ANY_CLIENT_EPHEMERAL,
  type Coverage,
  type FlowProtocol,
  flowLabel,
  type HopDecision,
  LINUX_EPHEMERAL,
  type PortRangeSpec,
  type Reach,
  reachState,
  weakest,
} from './types.js';

export interface SgFlow {
  direction: SgDirection;
  protocol: FlowProtocol;
  /** Destination port (tcp/udp); ignored for icmp/gre. */
  port?: number;
  /** Range the source port is drawn from (default: any client 1024–65535 inbound, Linux ephemeral outbound). */
  sourcePorts?: PortRangeSpec;
  /** The remote side as a CIDR or address: the source for ingress, the destination for egress. */
  peer: string;
  /** When the remote side is one instance of the same VPC (peer = its private address): its security groups. */
  peerGroupIds?: string[];
}

export interface SgOptions {
  /** Resolved prefix lists (`pl-…` → CIDRs); an unresolved one makes the rules that use it undecidable. */
  prefixLists?: Record<string, string[]>;
  /** The account had outbound TCP 25 unblocked (on application): skip [R8]. */
  port25Unblocked?: boolean;
}

export type SgDecider =
  | { by: 'rule'; rule: SgRule }
  | { by: 'inner-access'; groupId: string }
  | { by: 'default'; groupType: 'normal' | 'enterprise' | 'mixed' }
  | { by: 'platform'; reason: 'tcp-25' };

export interface SgDecisionPart {
  decider: SgDecider;
  policy: 'accept' | 'drop' | 'unknown';
  /** The addresses of the peer this decider settled (CIDRs, display-capped). */
  addresses: string[];
}

/** A rule that matches the flow but lost (some of) the peer to an earlier decider of the opposite policy. */
export interface SgShadow {
  rule: SgRule;
  by: SgDecider;
  addresses: string[];
}

export interface SgDecision extends HopDecision {
  reach: Reach;
  coverage: Coverage;
  /** Every decider, in precedence order. */
  decidedBy: SgDecisionPart[];
  /** The decider an operator should look at first (the drop rule when something is denied by one). */
  primary: SgDecider;
  shadowed: SgShadow[];
  /** Rules that might match but cannot be decided (unresolved prefix list, partial source-port overlap). */
  unresolved: SgRule[];
  notes: string[];
  /** Exact sets behind `coverage` (for callers that test an address, e.g. the operator's own). */
  sets: { allowed: AddrSet; denied: AddrSet; unknown: AddrSet };
}

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

const MAX_SHADOWED = 25;

/** RFC 1918 and Alibaba's 100.64.0.0/10: where peer-group members (private addresses) can be. */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) =>
  cidrSet(parseCidrCached(c)!),
);

function priorityOf(r: SgRule): number {
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
function ruleIndex(pool: SgPool, dir: SgDirection, p: FlowProtocol): RuleIndex {
  const cached = pool.index[dir][p];
  if (cached) return cached;
  const all = (dir === 'egress' ? pool.egress : pool.ingress).filter((r) => protoMatches(r.proto, p));
  const idx: RuleIndex = { all };
  if (hasPorts(p)) idx.byPort = new Array(BUCKETS);
  pool.index[dir][p] = idx;
  return idx;
}

/** The rules of one port bucket, built the first time a flow asks for a port in it. */
function bucket(idx: RuleIndex, byPort: (CompiledRule[] | undefined)[], b: number): CompiledRule[] {
  let list = byPort[b];
  if (!list) {
    list = idx.all.filter((r) => r.ports.from >> 10 <= b && b <= r.ports.to >> 10);
    byPort[b] = list;
  }
  return list;
}

function hasPorts(p: FlowProtocol): boolean {
  return p === 'tcp' || p === 'udp';
}

function protoMatches(rule: CompiledRule['proto'], flow: FlowProtocol): boolean {
  return rule === 'all' || rule === flow;
}

export function describeRule(r: SgRule): string {
  const proto = String(r.protocol).toUpperCase();
  const ports = r.protocol === 'tcp' || r.protocol === 'udp' ? ` ${formatPorts(portSpan(r.ports))}` : '';
  const peer = r.peerCidr ?? r.peerIpv6Cidr ?? r.peerGroupId ?? r.peerPrefixListId ?? '?';
  const dir = r.direction === 'egress' ? 'to' : 'from';
  return `${r.id} (${r.groupId}, priority ${priorityOf(r)}, ${r.policy} ${proto}${ports} ${dir} ${peer})`;
}

export function describeDecider(d: SgDecider, pool?: SgPool): string {
  switch (d.by) {
    case 'rule':
      return `${d.rule.policy === 'drop' ? 'drop' : 'accept'} rule ${describeRule(d.rule)}`;
    case 'inner-access':
      return `inner access of ${d.groupId} (InnerAccessPolicy=Accept: members talk freely)`;
    case 'platform':
      return 'the platform: outbound TCP 25 is restricted by default on Alibaba Cloud';
    case 'default': {
      const ids = pool ? pool.groups.map((g) => g.id).join(', ') : 'the groups';
      return d.groupType === 'mixed'
        ? `the default of ${ids} (basic and enterprise groups mixed: Alibaba does not allow this, outcome unknown)`
        : `the default of ${ids} (${d.groupType === 'enterprise' ? 'enterprise' : 'basic'} group)`;
    }
  }
}

/** Evaluates one flow against a compiled pool. */
export function evaluateSg(pool: SgPool, flow: SgFlow): SgDecision {
  const peer = parseCidrCached(flow.peer);
  if (!peer) {
    return {
      state: 'UNCERTAIN',
      confidence: 'uncertain',
      detail: `"${flow.peer}" is not an address or CIDR, so the security groups cannot be evaluated for it.`,
      evidence: { resource: pool.groups.map((g) => g.id).join(',') },
      reach: 'unknown',
      coverage: { allowed: [], denied: [], unknown: [flow.peer], allowedShare: 0 },
      decidedBy: [],
      primary: { by: 'default', groupType: pool.groupType },
      shadowed: [],
      unresolved: [],
      notes: [],
      sets: { allowed: emptySet(4), denied: emptySet(4), unknown: emptySet(4) },
    };
  }
  const fam = peer.family;
  const proto: FlowProtocol = flow.protocol === 'icmp' && fam === 6 ? 'icmpv6' : flow.protocol;
  const peerSet = cidrSet(peer);
  const srcRange = portSpan(
    flow.sourcePorts ?? (flow.direction === 'ingress' ? ANY_CLIENT_EPHEMERAL : LINUX_EPHEMERAL),
  );
  const notes: string[] = [];
  const unresolved: SgRule[] = [];
  const shadowed: SgShadow[] = [];
  const parts: { decider: SgDecider; policy: 'accept' | 'drop' | 'unknown'; spans: Span[] }[] = [];
  const possible: Record<'accept' | 'drop', Span[]> = { accept: [], drop: [] };
  let remaining: Span[] = peerSet.spans.slice();
  let unknown: Span[] = [];
  let shadowCount = 0;
  let groupRulesSkipped = false;
  let decidedAccept = false;
  let decidedDrop = false;

  const decide = (decider: SgDecider, policy: 'accept' | 'drop' | 'unknown', region: Span[]) => {
    if (region.length === 0) return;
    // Addresses an earlier undecidable rule of the other policy could have settled are unknown.
    const risky =
      policy === 'unknown'
        ? region
        : intersectSpans(region, possible[policy === 'accept' ? 'drop' : 'accept']);
    if (risky.length) unknown = unionSpans(unknown, risky);
    parts.push({ decider, policy, spans: region });
    if (policy === 'accept') decidedAccept = true;
    else if (policy === 'drop') decidedDrop = true;
    remaining =
      region.length === 1
        ? subtractRange(remaining, region[0].lo, region[0].hi)
        : subtractSpans(remaining, region);
  };

  // [R5] inner access first: it takes precedence over custom rules.
  if (flow.peerGroupIds) {
    const shared = pool.innerAccept.find((g) => flow.peerGroupIds?.includes(g));
    if (shared) decide({ by: 'inner-access', groupId: shared }, 'accept', remaining);
  }

  const idx = ruleIndex(pool, flow.direction, proto);
  const rules =
    idx?.byPort && flow.port !== undefined && flow.port >= 1 && flow.port <= 65535
      ? bucket(idx, idx.byPort, flow.port >> 10)
      : (idx?.all ?? []);
  for (const r of rules) {
    // Everything is decided and enough shadows are known: later rules cannot change the answer.
    if (remaining.length === 0 && shadowCount >= MAX_SHADOWED) break;
    if (!protoMatches(r.proto, proto)) continue;
    // Once everything is decided, only a rule of the opposite policy to some decider can be a shadow.
    if (remaining.length === 0 && !(r.drop ? decidedAccept : decidedDrop)) continue;
    let maybe = false;
    if (hasPorts(proto)) {
      if (flow.port === undefined) {
        if (!(r.ports.from === 1 && r.ports.to === 65535)) maybe = true;
      } else if (flow.port < r.ports.from || flow.port > r.ports.to) continue;
      if (r.srcPorts) {
        if (!portSpanOverlaps(r.srcPorts, srcRange)) continue;
        if (!portSpanContains(r.srcPorts, srcRange)) maybe = true;
      }
    }
    let region: Span[];
    if (r.group !== undefined) {
      // [R3] membership decides; unknown membership means the rule is not applied (noted below).
      if (!flow.peerGroupIds) {
        groupRulesSkipped = true;
        continue;
      }
      region = flow.peerGroupIds.includes(r.group) ? peerSet.spans.slice() : [];
      const extra = fam === 4 ? r.v4 : r.v6;
      if (extra) region = unionSpans(region, intersectSpans(extra.spans, peerSet.spans));
    } else if (r.prefix !== undefined) {
      region = peerSet.spans.slice();
      maybe = true;
    } else {
      const set = fam === 4 ? r.v4 : r.v6;
      if (!set) continue;
      region = intersectSpans(set.spans, peerSet.spans);
    }
    if (region.length === 0) continue;
    const policy = r.drop ? 'drop' : 'accept';
    if (maybe) {
      const could = intersectSpans(region, remaining);
      if (!could.length) continue; // comes after the decision for all it could match: irrelevant
      unresolved.push(r.rule);
      possible[policy] = unionSpans(possible[policy], could);
      continue;
    }
    const one = region.length === 1 ? region[0] : undefined;
    const effective = !remaining.length
      ? []
      : one
        ? intersectRange(remaining, one.lo, one.hi)
        : intersectSpans(region, remaining);
    const taken = shadowCount < MAX_SHADOWED ? subtractSpans(region, effective) : [];
    if (taken.length) {
      for (const p of parts) {
        if (p.policy === policy || p.policy === 'unknown') continue;
        const lost =
          taken.length === 1
            ? intersectRange(p.spans, taken[0].lo, taken[0].hi)
            : intersectSpans(p.spans, taken);
        if (!lost.length) continue;
        shadowed.push({
          rule: r.rule,
          by: p.decider,
          addresses: describeSet({ family: fam, spans: lost }, 2),
        });
        if (++shadowCount >= MAX_SHADOWED) break;
      }
    }
    if (effective.length) decide({ by: 'rule', rule: r.rule }, policy, effective);
  }

  // [R4] / [R6] defaults, lowest priority.
  if (remaining.length) {
    const policy =
      flow.direction === 'ingress'
        ? 'drop'
        : pool.groupType === 'normal'
          ? 'accept'
          : pool.groupType === 'enterprise'
            ? 'drop'
            : 'unknown';
    decide({ by: 'default', groupType: pool.groupType }, policy, remaining);
  }
  if (groupRulesSkipped)
    notes.push(
      'Rules that authorise a peer security group were not applied: the peer is a CIDR, not a known instance; ' +
        'an instance of that group inside the CIDR may be treated differently.',
    );

  return finish(pool, flow, proto, peerSet, parts, unknown, shadowed, unresolved, notes, groupRulesSkipped);
}

function finish(
  pool: SgPool,
  flow: SgFlow,
  proto: FlowProtocol,
  peerSet: AddrSet,
  parts: { decider: SgDecider; policy: 'accept' | 'drop' | 'unknown'; spans: Span[] }[],
  unknown: Span[],
  shadowed: SgShadow[],
  unresolved: SgRule[],
  notes: string[],
  groupRulesSkipped: boolean,
): SgDecision {
  const fam = peerSet.family;
  let allow: Span[] = [];
  let deny: Span[] = [];
  for (const p of parts) {
    if (p.policy === 'accept') allow = unionSpans(allow, p.spans);
    else if (p.policy === 'drop') deny = unionSpans(deny, p.spans);
  }
  allow = subtractSpans(allow, unknown);
  deny = subtractSpans(deny, unknown);
  const allowSet: AddrSet = { family: fam, spans: allow };
  const sets: SgDecision['sets'] = {
    allowed: allowSet,
    denied: { family: fam, spans: deny },
    unknown: { family: fam, spans: unknown },
  };
  const coverage: Coverage = {
    allowed: describeSet(allowSet),
    denied: describeSet({ family: fam, spans: deny }),
    unknown: describeSet({ family: fam, spans: unknown }),
    allowedShare: share(allowSet, peerSet),
  };
  const reach: Reach = unknown.length
    ? 'unknown'
    : deny.length === 0
      ? 'allow'
      : allow.length === 0
        ? 'deny'
        : 'partial';

  const firstDrop = parts.find((p) => p.policy === 'drop' && p.decider.by === 'rule');
  const primaryPart =
    reach === 'allow'
      ? parts.find((p) => p.policy === 'accept')
      : reach === 'unknown'
        ? (parts.find((p) => p.policy === 'unknown') ??
          parts.find((p) => intersectSpans(p.spans, unknown).length))
        : (firstDrop ?? parts.find((p) => p.policy === 'drop'));
  const primary: SgDecider = primaryPart?.decider ?? { by: 'default', groupType: pool.groupType };

  const label = `${flowLabel(proto, flow.port)} ${flow.direction === 'ingress' ? 'from' : 'to'} ${flow.peer}`;
  const groupIds = pool.groups.map((g) => g.id);
  let state = reachState(reach, coverage.allowedShare);
  const peerPrivate = PRIVATE_V4.some(
    (c) =>
      c.family === peerSet.family &&
      peerSet.spans[0].lo >= c.spans[0].lo &&
      peerSet.spans[0].hi <= c.spans[0].hi,
  );
  let confidence = weakest(
    reach === 'unknown' ? 'uncertain' : 'certain',
    pool.groupType === 'mixed' ? 'likely' : 'certain',
    groupRulesSkipped && peerPrivate ? 'likely' : 'certain',
    reach === 'partial' && state === 'OK' ? 'likely' : 'certain',
  );
  let detail = sgDetail(reach, label, primary, parts, coverage, shadowed, unresolved, pool);
  let code: HopDecision['code'];
  const decidedBy: SgDecisionPart[] = parts.map((p) => ({
    decider: p.decider,
    policy: p.policy,
    addresses: describeSet({ family: fam, spans: p.spans }),
  }));
  let finalReach = reach;
  let finalPrimary = primary;
  if (state === 'BLOCKED')
    code =
      flow.direction === 'egress'
        ? 'SG_EGRESS_DENIED'
        : primary.by === 'rule'
          ? 'SG_INGRESS_DENIED'
          : 'SG_INGRESS_NOT_ALLOWED';

  // [R8] the platform's TCP 25 restriction overrides whatever the groups allow.
  if (flow.direction === 'egress' && proto === 'tcp' && flow.port === 25 && !pool.options.port25Unblocked) {
    const sg = `security groups alone: ${reach}`;
    finalPrimary = { by: 'platform', reason: 'tcp-25' };
    decidedBy.unshift({ decider: finalPrimary, policy: 'drop', addresses: describeSet(peerSet) });
    finalReach = 'deny';
    state = 'BLOCKED';
    confidence = 'likely';
    code = 'PLATFORM_PORT_BLOCKED';
    detail =
      `Outbound TCP 25 is restricted by Alibaba Cloud by default, whatever the security groups say (${sg}). ` +
      'Send mail over 465 (SMTPS), or apply in the console to lift the restriction if the account qualifies.';
    coverage.allowed = [];
    coverage.denied = describeSet(peerSet);
    coverage.unknown = [];
    coverage.allowedShare = 0;
    sets.allowed = emptySet(fam);
    sets.denied = peerSet;
    sets.unknown = emptySet(fam);
  }

  return {
    state,
    confidence,
    detail,
    evidence: {
      resource: finalPrimary.by === 'rule' ? finalPrimary.rule.groupId : groupIds.join(','),
      ...(finalPrimary.by === 'rule' ? { rule: finalPrimary.rule } : {}),
      decider: finalPrimary.by,
      groups: groupIds,
      ...(shadowed.length ? { shadowed: shadowed.map((s) => s.rule.id) } : {}),
      coverage,
    },
    ...(code ? { code } : {}),
    reach: finalReach,
    coverage,
    decidedBy,
    primary: finalPrimary,
    shadowed,
    unresolved,
    notes,
    sets,
  };
}

function sgDetail(
  reach: Reach,
  label: string,
  primary: SgDecider,
  parts: { decider: SgDecider; policy: string; spans: Span[] }[],
  coverage: Coverage,
  shadowed: SgShadow[],
  unresolved: SgRule[],
  pool: SgPool,
): string {
  const who = describeDecider(primary, pool);
  const overridden = shadowed.filter((s) => s.rule.policy === 'accept' && s.by === primary);
  const over = overridden.length
    ? `; it overrides accept rule ${overridden.map((s) => describeRule(s.rule)).join(', ')}`
    : '';
  switch (reach) {
    case 'allow':
      return `Allowed: ${label} is accepted by ${who}.`;
    case 'deny':
      return primary.by === 'default'
        ? `Denied: no rule accepts ${label}, so ${who} drops it.`
        : `Denied: ${label} is dropped by ${who}${over}.`;
    case 'partial': {
      const accepting = parts.filter((p) => p.policy === 'accept');
      const allowers = accepting.slice(0, 3).map((p) => describeDecider(p.decider, pool));
      if (accepting.length > 3) allowers.push(`${accepting.length - 3} more`);
      return (
        `Partly allowed: of ${label}, only ${coverage.allowed.join(', ')} ` +
        `(${(coverage.allowedShare * 100).toFixed(coverage.allowedShare < 0.01 ? 4 : 1)}%) is accepted ` +
        `(by ${allowers.join('; ')}); ${coverage.denied.join(', ')} is dropped by ${who}${over}.`
      );
    }
    case 'unknown':
      return unresolved.length
        ? `Undecidable: ${label} depends on ${unresolved.slice(0, 3).map(describeRule).join(', ')}` +
            `${unresolved.length > 3 ? ` and ${unresolved.length - 3} more` : ''} ` +
            '(unresolved prefix list or a source-port range that covers only some client ports).'
        : `Undecidable: ${label} is left to ${who}.`;
  }
}

/** Convenience: compile and evaluate in one call (compile once with {@link compileSgPool} for many flows). */
export function evaluateSecurityGroups(
  groups: SecurityGroup[],
  flow: SgFlow,
  options?: SgOptions,
): SgDecision {
  return evaluateSg(compileSgPool(groups, options), flow);
}
