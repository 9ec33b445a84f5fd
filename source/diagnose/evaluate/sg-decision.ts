/**
 * The security-group decision for one flow, from what the rule walk settled: allowed, denied and undecidable
 * address sets, coverage, reach, the primary decider, the finding code and, over all of it, the platform's
 * outbound TCP 25 restriction [R8] (see security-group.ts). Pure.
 */
import type { SgRule } from '../../model/index.js';
import {
  type AddrSet,
  cidrSet,
  describeSet,
  emptySet,
  intersectSpans,
  parseCidrCached,
  type Span,
  share,
  subtractSpans,
  unionSpans,
} from './addr-set.js';
import type { SgPool } from './sg-compile.js';
import { sgDetail } from './sg-describe.js';
import type { SgDecider, SgDecision, SgDecisionPart, SgFlow, SgShadow } from './sg-types.js';
import {
  type Coverage,
  type FlowProtocol,
  flowLabel,
  type HopDecision,
  type Reach,
  reachState,
  weakest,
} from './types.js';

/** RFC 1918 and Alibaba's 100.64.0.0/10: where peer-group members (private addresses) can be. */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) =>
  cidrSet(parseCidrCached(c)!),
);

/** Folds the parts the rule walk decided into the decision (coverage, reach, primary decider, code, detail). */
export function sgDecision(
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
