/**
 * Shapes shared by the cloud-side evaluators (security groups, network ACLs, VPC routes, the internet path).
 * Each evaluator answers with a {@link HopDecision}: the hop state it supports, how sure it is, one sentence an
 * operator can act on, the exact evidence (rule, entry, resource, field) and the finding code when it blocks.
 * The path builder copies these into `Hop`s and `Finding`s; evaluators never build findings themselves.
 */
import type { Confidence, Evidence, FindingCode, HopState, PortRange } from '../../model/index.js';

/** What an evaluator says about one hop of one leg. */
export interface HopDecision {
  /** OK, BLOCKED or UNCERTAIN (an evaluator that could not see its layer says UNCERTAIN with why). */
  state: Exclude<HopState, 'NOT_CHECKED'>;
  confidence: Confidence;
  /** One sentence: what decides, naming the rule/entry/resource. Never carries a secret. */
  detail: string;
  evidence: Evidence;
  /** The finding this decision supports (set when BLOCKED, or when OK but worth a warning). */
  code?: FindingCode;
}

/**
 * How much of the intended peer (a CIDR, and for stateless return legs a port range) gets through.
 * `partial`: some of it does (an allow-list when the intent is "from the internet", a blocklist, a return leg
 * that only opens part of the clients' ephemeral ports). `unknown`: an unresolved reference (prefix list,
 * source-port range) could change the answer.
 */
export type Reach = 'allow' | 'deny' | 'partial' | 'unknown';

/** CIDR lists (minimal, for display) of what is allowed, denied and undecidable. */
export interface Coverage {
  allowed: string[];
  denied: string[];
  unknown: string[];
  /** Share of the intended peer that is allowed, 0..1 (address count; address × port for stateless legs). */
  allowedShare: number;
}

/** Protocols a flow can have once an intent is mapped to the cloud layer. */
export type FlowProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'gre';

/** A port range as the model writes it (`-1/-1` = all ports). */
export type PortRangeSpec = PortRange;

/**
 * Linux's default `net.ipv4.ip_local_port_range` (32768 60999 since kernel 4.x; Alibaba's NACL doc rounds it to
 * 32768/61000). Used for the replies to an instance's outbound connections when the guest's own range is unknown.
 */
export const LINUX_EPHEMERAL: PortRangeSpec = { from: 32768, to: 60999 };

/**
 * The client range Alibaba's network ACL doc recommends opening for replies so that every client OS works
 * (Linux 32768–61000, Windows Server 2003 1025–5000, Windows 2008+ 49152–65535): 1024–65535.
 */
export const ANY_CLIENT_EPHEMERAL: PortRangeSpec = { from: 1024, to: 65535 };

/**
 * Below this share of the intended peer, a partly allowed flow counts as BLOCKED (an allow-list of a few
 * addresses when the intent is "from the internet"); at or above it, OK with a warning (a blocklist of a few
 * ranges). Half is the honest cut: the answer to "does it work for the peer I named?" is then mostly yes.
 */
export const PARTIAL_OK_SHARE = 0.5;

const CONFIDENCE_ORDER: Record<Confidence, number> = { certain: 0, likely: 1, uncertain: 2 };

/** The weakest of several confidences (a chain is only as sure as its least sure link). */
export function weakest(...c: Confidence[]): Confidence {
  return c.reduce<Confidence>((w, x) => (CONFIDENCE_ORDER[x] > CONFIDENCE_ORDER[w] ? x : w), 'certain');
}

/** Hop state for a reach: partial counts as OK only when most of the intended peer gets through. */
export function reachState(reach: Reach, allowedShare: number): HopDecision['state'] {
  if (reach === 'allow') return 'OK';
  if (reach === 'deny') return 'BLOCKED';
  if (reach === 'unknown') return 'UNCERTAIN';
  return allowedShare >= PARTIAL_OK_SHARE ? 'OK' : 'BLOCKED';
}

/** `tcp/443`, `icmp`, `udp/53`. */
export function flowLabel(protocol: FlowProtocol, port?: number): string {
  return port === undefined || protocol === 'icmp' || protocol === 'icmpv6' || protocol === 'gre'
    ? protocol
    : `${protocol}/${port}`;
}
