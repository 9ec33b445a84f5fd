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
import type { SecurityGroup, SgRule } from '../../model/index.js';
import {
  cidrSet,
  describeSet,
  emptySet,
  intersectRange,
  intersectSpans,
  parseCidrCached,
  portSpan,
  portSpanContains,
  portSpanOverlaps,
  type Span,
  subtractRange,
  subtractSpans,
  unionSpans,
} from './addr-set.js';
import { bucket, compileSgPool, hasPorts, protoMatches, ruleIndex, type SgPool } from './sg-compile.js';
import { sgDecision } from './sg-decision.js';
import type { SgDecider, SgDecision, SgFlow, SgOptions, SgShadow } from './sg-types.js';
import { ANY_CLIENT_EPHEMERAL, type FlowProtocol, LINUX_EPHEMERAL } from './types.js';

export { compileSgPool, type SgPool } from './sg-compile.js';
export { describeDecider, describeRule } from './sg-describe.js';
export type { SgDecider, SgDecision, SgDecisionPart, SgFlow, SgOptions, SgShadow } from './sg-types.js';

const MAX_SHADOWED = 25;

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

  return sgDecision(
    pool,
    flow,
    proto,
    peerSet,
    parts,
    unknown,
    shadowed,
    unresolved,
    notes,
    groupRulesSkipped,
  );
}

/** Convenience: compile and evaluate in one call (compile once with {@link compileSgPool} for many flows). */
export function evaluateSecurityGroups(
  groups: SecurityGroup[],
  flow: SgFlow,
  options?: SgOptions,
): SgDecision {
  return evaluateSg(compileSgPool(groups, options), flow);
}
