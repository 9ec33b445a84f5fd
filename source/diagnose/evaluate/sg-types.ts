/** What the security-group evaluator is asked (a flow) and what it answers (a decision with its deciders). */
import type { SgDirection, SgRule } from '../../model/index.js';
import type { AddrSet } from './addr-set.js';
import type { Coverage, FlowProtocol, HopDecision, PortRangeSpec, Reach } from './types.js';

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
