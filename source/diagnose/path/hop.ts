/** Hops from evaluator decisions, and the findings they support. */
import type {
  Confidence,
  Evidence,
  Finding,
  FindingCode,
  Hop,
  HopId,
  Intent,
  Severity,
} from '../../model/index.js';
import type { HopDecision } from '../evaluate/types.js';
import { makeFinding } from '../finding.js';

export interface HopOut {
  hop: Hop;
  findings: Finding[];
}

export function hopFrom(hop: HopId, leg: Hop['leg'], layer: Hop['layer'], d: HopDecision): Hop {
  return {
    hop,
    leg,
    layer,
    state: d.state,
    detail: d.detail,
    evidence: d.evidence,
    confidence: d.confidence,
  };
}

export function notChecked(
  hop: HopId,
  leg: Hop['leg'],
  layer: Hop['layer'],
  detail: string,
  evidence: Evidence = {},
): Hop {
  return { hop, leg, layer, state: 'NOT_CHECKED', detail, evidence, confidence: 'certain' };
}

export function ok(
  hop: HopId,
  leg: Hop['leg'],
  layer: Hop['layer'],
  detail: string,
  evidence: Evidence = {},
  confidence: Confidence = 'certain',
): Hop {
  return { hop, leg, layer, state: 'OK', detail, evidence, confidence };
}

/** Titles per code, with the hop's own detail appended. */
const TITLES: Partial<Record<FindingCode, string>> = {
  SG_INGRESS_DENIED: 'Security group denies',
  SG_INGRESS_NOT_ALLOWED: 'No security group rule allows',
  SG_EGRESS_DENIED: 'Security group denies outbound',
  NACL_INGRESS_DENIED: 'Network ACL denies inbound',
  NACL_EGRESS_DENIED: 'Network ACL denies outbound',
  VPC_ROUTE_MISDIRECTED: 'VPC route sends the traffic elsewhere',
  VPC_ROUTE_MISSING: 'No VPC route for',
  NO_INTERNET_EGRESS: 'No way out to the internet for',
  NO_PUBLIC_ADDRESS: 'No public address for',
  PUBLIC_BANDWIDTH_ZERO: 'Public bandwidth is 0 Mbit/s for',
  PLATFORM_PORT_BLOCKED: 'The platform blocks',
  GUEST_FIREWALL_DROP: 'Guest firewall drops',
  GUEST_FIREWALL_EGRESS_DROP: 'Guest firewall drops outbound',
  HOSTS_DENY_MATCH: 'tcp wrappers (hosts.deny) refuse',
  SERVICE_NOT_LISTENING: 'Nothing listens for',
  SERVICE_LOOPBACK_ONLY: 'Listener is bound to loopback only for',
  SERVICE_DOWN: 'The service behind',
  GUEST_DEFAULT_ROUTE_MISSING: 'No default route for',
  EIP_ASSOCIATED_ELSEWHERE: 'The expected EIP is bound to another resource: no public address for',
  EIP_NOT_ASSOCIATED: 'The expected EIP is not bound: no public address for',
  CONNTRACK_TABLE_FULL: 'Connection tracking table full: new connections dropped for',
  GUEST_NIC_DOWN: 'Interface down for',
  GUEST_ADDRESS_MISSING: 'Address missing for',
  EPHEMERAL_PORTS_EXHAUSTED: 'Ephemeral ports exhausted for',
  INSTANCE_NOT_RUNNING: 'Instance not running for',
  INSTANCE_LOCKED: 'Instance locked for',
  DNS_RESOLVER_UNREACHABLE: 'DNS resolvers unreachable for',
  DNS_RESOLUTION_FAILED: 'DNS resolution fails for',
};

export function severityFor(code: FindingCode, state: Hop['state']): Severity {
  if (code === 'EPHEMERAL_PORTS_EXHAUSTED' && state !== 'BLOCKED') return 'warning';
  return state === 'BLOCKED' ? 'critical' : 'warning';
}

/** The finding a decision supports, keyed by the deciding resource/rule so intents that share it merge. */
export function findingFrom(
  intent: Intent,
  hop: Hop,
  code: FindingCode,
  opts: { key?: string; remedies?: string[]; advice?: string[]; title?: string } = {},
): Finding {
  const rule = hop.evidence.rule as { id?: string; line?: number; handle?: number } | undefined;
  // Key on what decided (a rule, an entry, a chain policy, a default), so intents it blocks alike share one finding.
  const decider =
    rule?.id ??
    (rule?.line !== undefined
      ? `line${rule.line}`
      : rule?.handle !== undefined
        ? `handle${rule.handle}`
        : undefined) ??
    (typeof hop.evidence.stage === 'string' ? `policy ${hop.evidence.stage}` : undefined) ??
    (typeof hop.evidence.decider === 'string' ? `${hop.evidence.decider}:${hop.leg}` : undefined);
  const key =
    opts.key ??
    [hop.evidence.resource, decider ?? `${intent.protocol}:${intent.port ?? 'any'}`]
      .filter((x) => x !== undefined)
      .join(':');
  return makeFinding({
    code,
    severity: severityFor(code, hop.state),
    confidence: hop.confidence,
    key: key || intent.id,
    title: opts.title ?? `${TITLES[code] ?? code} ${intent.label}`,
    detail: hop.detail,
    evidence: hop.evidence,
    hop: hop.hop,
    intentIds: [intent.id],
    remedies: opts.remedies,
    advice: opts.advice,
  });
}
