/** The answer: per intent an ordered path of hops, plus ranked findings. Produced by diagnose(). */
import type { AuditEvent } from './cloud.js';
import type { Confidence, Layer, Severity, SourceStatus } from './common.js';
import type { Intent } from './intent.js';

export type HopState = 'OK' | 'BLOCKED' | 'UNCERTAIN' | 'NOT_CHECKED';

/** Known hop ids, in the order an inbound flow meets them; outbound and return legs reuse them. */
export const HOPS = [
  'operator',
  'internet',
  'instance',
  'public-ip',
  'nacl-in',
  'sg-in',
  'guest-nic',
  'guest-firewall-in',
  'tcp-wrappers',
  'listener',
  'service',
  'guest-firewall-out',
  'guest-route',
  'sg-out',
  'nacl-out',
  'vpc-route',
  'internet-egress',
  'dns',
  'peer',
] as const;
export type HopId = (typeof HOPS)[number];

/** Exact evidence: the rule, entry, line or socket that decided, with the raw text it came from. */
export interface Evidence {
  /** Resource id that decided (`sg-…`, `nacl-…`, `vtb-…`, `eip-…`, `i-…`). */
  resource?: string;
  /** The deciding rule or entry, as a model object (SgRule, AclEntry, RouteEntry, IptRule, …). */
  rule?: unknown;
  /** Raw lines (iptables-save line, ss line, resolv.conf line) with their origin. */
  lines?: string[];
  /** An audit-trail event tied to this hop. */
  event?: AuditEvent;
  [key: string]: unknown;
}

export interface Hop {
  hop: HopId;
  /** forward: the request; return: the reply traffic (stateless layers need their own allowance). */
  leg: 'forward' | 'return';
  layer: Layer | 'operator';
  state: HopState;
  detail: string;
  evidence: Evidence;
  confidence: Confidence;
}

export type PathResult = 'DELIVERED' | 'DROPPED' | 'UNKNOWN';

export interface ProbeAgreement {
  kind: 'tcp' | 'ping' | 'dns';
  /** What the probe saw (delivered, refused, timeout, …). */
  outcome: string;
  /** Whether the model's result agrees with the probe. */
  agrees: boolean;
  note: string;
}

export interface PathVerdict {
  intent: Intent;
  result: PathResult;
  path: Hop[];
  /** The first BLOCKED hop, when any. */
  blockedAt?: HopId;
  probe?: ProbeAgreement;
  confidence: Confidence;
}

export const FINDING_CODES = [
  // platform
  'INSTANCE_NOT_RUNNING',
  'INSTANCE_LOCKED',
  'NO_PUBLIC_ADDRESS',
  'EIP_NOT_ASSOCIATED',
  'EIP_ASSOCIATED_ELSEWHERE',
  'PUBLIC_BANDWIDTH_ZERO',
  'BANDWIDTH_SATURATED',
  'RESOURCE_EXHAUSTED',
  'PLATFORM_PORT_BLOCKED',
  'ASSISTANT_UNAVAILABLE',
  // cloud-network
  'SG_INGRESS_NOT_ALLOWED',
  'SG_INGRESS_DENIED',
  'SG_EGRESS_DENIED',
  'NACL_INGRESS_DENIED',
  'NACL_EGRESS_DENIED',
  'VPC_ROUTE_MISDIRECTED',
  'VPC_ROUTE_MISSING',
  'NO_INTERNET_EGRESS',
  // guest
  'GUEST_NIC_DOWN',
  'GUEST_ADDRESS_MISSING',
  'GUEST_DEFAULT_ROUTE_MISSING',
  'GUEST_FIREWALL_DROP',
  'GUEST_FIREWALL_EGRESS_DROP',
  'HOSTS_DENY_MATCH',
  'SERVICE_NOT_LISTENING',
  'SERVICE_LOOPBACK_ONLY',
  'SERVICE_DOWN',
  'DNS_RESOLVER_UNREACHABLE',
  'DNS_RESOLUTION_FAILED',
  'CONNTRACK_TABLE_FULL',
  'EPHEMERAL_PORTS_EXHAUSTED',
  'NETWORK_SERVICE_DOWN',
  // any
  'RECENT_CHANGE',
  'SOURCE_UNAVAILABLE',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const FINDING_LAYER: Record<FindingCode, Layer | 'any'> = Object.fromEntries(
  FINDING_CODES.map((c, i) => [c, i < 10 ? 'platform' : i < 18 ? 'cloud-network' : i < 32 ? 'guest' : 'any']),
) as Record<FindingCode, Layer | 'any'>;

export interface Finding {
  /** Stable within a verdict: `CODE:resource` (e.g. `SG_INGRESS_DENIED:sgr-…`). */
  id: string;
  code: FindingCode;
  severity: Severity;
  layer: Layer | 'any';
  confidence: Confidence;
  title: string;
  detail?: string;
  evidence: Evidence;
  /** Remedy plan ids (`netdoctor fix TARGET --remedy ID`). */
  remedies: string[];
  /** Human advice when no automatic plan applies (billing, security lock, console path). */
  advice?: string[];
  hop?: HopId;
  intentIds?: string[];
  /** 1 = first to look at. */
  rank: number;
}

export interface TargetSummary {
  kind: 'instance' | 'ssh' | 'local';
  instanceId?: string;
  name?: string;
  region?: string;
  /** Public first, then private. */
  addresses: string[];
  ssh?: string;
  /** What the operator typed as TARGET when it was an address or a name (an EIP they expect on this instance). */
  query?: string;
}

export interface ScopeMember {
  instanceId: string;
  name?: string;
  zoneId: string;
  result: PathResult;
  codes: FindingCode[];
  /** The instance the check is about. */
  target?: boolean;
  /** Per intent, the cloud part's result (`n/a`: the intent does not apply, e.g. inbound from the internet to an instance with no public address). */
  intents?: { id: string; result: PathResult | 'n/a'; blockedAt?: HopId }[];
  /** Ids of the ScopeResult causes that block this member. */
  causes?: string[];
  note?: string;
}

/** A cloud or platform cause blocking scope members: one shared resource (a rule, an ACL entry, a route) or one kind of per-instance fault. */
export interface ScopeCause {
  /** The finding id for a shared resource (`SG_INGRESS_DENIED:sg-…:sgr-…:tcp:443`); `CODE:each` for a per-instance cause. */
  id: string;
  code: FindingCode;
  hop?: HopId;
  /** The deciding resource (`sg-…`, `nacl-…`, `vtb-…`), absent for a per-instance cause. */
  resource?: string;
  /** The deciding rule or entry (`sgr-…`, `nae-…`, `rte-…`). */
  rule?: string;
  /** Each member has its own (stopped, locked, no bandwidth…) rather than one resource blocking them all. */
  perInstance: boolean;
  title: string;
  intentIds: string[];
  instanceIds: string[];
  /** It blocks every affected member. */
  shared: boolean;
}

export interface ScopeResult {
  kind: 'vswitch' | 'sg' | 'vpc';
  resource: string;
  members: ScopeMember[];
  affected: number;
  zones: string[];
  /** low: one instance; medium: several in one zone; high: across zones. */
  grade: 'low' | 'medium' | 'high';
  /** The target instance. */
  target?: string;
  /** Instances that matched before the member cap (members.length when nothing was left out). */
  total?: number;
  /** Causes, most members first. */
  causes?: ScopeCause[];
  /** One or two sentences: how big, and whether one cause explains it. */
  summary?: string;
  /** Caps, unreadable members, what was not checked. */
  notes?: string[];
}

export interface Verdict {
  /** Epoch ms of the snapshot it was computed from. */
  at: number;
  target: TargetSummary;
  verdicts: PathVerdict[];
  findings: Finding[];
  sources: SourceStatus[];
  operator?: { egressIp?: string; source: string };
  scope?: ScopeResult;
}

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
