/**
 * The guest firewall as one hop: which view to trust (iptables-save or `nft -j`), the base chains of both in
 * kernel order (hook, then priority), and one verdict with the rule that decided. iptables-nft rules show in
 * both views; they are read from iptables-save (exact match text) and the nft copies of those tables are left
 * out, while native nft tables (firewalld's `inet firewalld`, a hand-written `inet filter`) are evaluated from
 * the nft view. Legacy iptables and nft hook the kernel side by side, so both apply. An accept in one base
 * chain hands the packet to the next; a drop or reject anywhere is final (fw-pipeline.ts); the ends are folded
 * into one verdict by fw-verdict.ts. This module picks the stages and answers for packets and connections. Pure.
 */
import type { GuestFirewall, IptablesRuleset, NftRuleset } from '../../model/index.js';
import { runStages } from './fw-pipeline.js';
import { aggregate, type FirewallVerdict, VERB } from './fw-verdict.js';
import { type IptablesOptions, iptablesStages } from './iptables.js';
import { nftStages } from './nft.js';
import { laterPacket, type Packet, pieceOf, replyPacket } from './packet.js';
import { type HopDecision, PARTIAL_OK_SHARE } from './types.js';
import type { Stage } from './walk.js';

export { type Final, runStages } from './fw-pipeline.js';
export { aggregate, type FirewallVerdict, type FwBranch, pct } from './fw-verdict.js';

export interface FirewallOptions extends IptablesOptions {
  /** Rule evaluations allowed before giving up as uncertain (default 200 000). */
  maxSteps?: number;
}

/** Whether an nft table is iptables-nft's own copy of a table shown by iptables-save. */
function compatTable(fw: GuestFirewall, family: string, table: string): boolean {
  const rs = family === 'ip' ? fw.ipv4 : family === 'ip6' ? fw.ipv6 : undefined;
  return !!rs && rs.variant !== 'legacy' && !!rs.tables[table];
}

function iptView(rs: IptablesRuleset): string {
  return `${rs.family === 6 ? 'ip6tables' : 'iptables'} (${rs.variant === 'unknown' ? 'variant unknown' : rs.variant})`;
}

/** The stages to evaluate for a guest firewall, and the views they come from. */
export function firewallStages(
  fw: GuestFirewall,
  direction: 'in' | 'out',
  opts: FirewallOptions = {},
): { stages: Stage[]; views: string[] } {
  const stages: Stage[] = [];
  const views: string[] = [];
  if (fw.backend === 'none') return { stages, views };
  for (const rs of [fw.ipv4, fw.ipv6]) {
    if (!rs || Object.keys(rs.tables).length === 0) continue;
    stages.push(...iptablesStages(rs, direction, opts));
    views.push(iptView(rs));
  }
  if (fw.nft) {
    const ns = nftStages(fw.nft, direction, (f, t) => compatTable(fw, f, t));
    stages.push(...ns);
    const tables = [...new Set(ns.map((s) => s.label.split(' ').slice(1, 3).join(' ')))];
    views.push(...tables.map((t) => `nft ${t}`));
  }
  return { stages, views };
}

/** The guest firewall's verdict on a packet (both views, kernel order). */
export function evaluateGuestFirewall(
  fw: GuestFirewall,
  packet: Packet,
  opts: FirewallOptions = {},
): FirewallVerdict {
  const piece = pieceOf(packet);
  const { stages, views } = firewallStages(fw, packet.direction, opts);
  const v = aggregate(runStages(stages, piece, opts.maxSteps), piece, views);
  if (fw.backend === 'unknown' && v.confidence === 'certain') {
    v.confidence = 'likely';
    v.reasons.push('the firewall backend could not be identified');
  }
  return v;
}

/** One iptables ruleset alone (as iptables-save printed it). */
export function evaluateIptables(
  rs: IptablesRuleset,
  packet: Packet,
  opts: FirewallOptions = {},
): FirewallVerdict {
  const piece = pieceOf(packet);
  return aggregate(runStages(iptablesStages(rs, packet.direction, opts), piece, opts.maxSteps), piece, [
    iptView(rs),
  ]);
}

/** An nft ruleset alone (as `nft -j list ruleset` printed it), every table included. */
export function evaluateNft(rs: NftRuleset, packet: Packet, opts: FirewallOptions = {}): FirewallVerdict {
  const piece = pieceOf(packet);
  const stages = nftStages(rs, packet.direction);
  return aggregate(runStages(stages, piece, opts.maxSteps), piece, [...new Set(stages.map((s) => s.label))]);
}

export interface ConnectionVerdict {
  /** The first packet (NEW): whether the connection is set up at all. */
  first: FirewallVerdict;
  /** Later packets the same way (ESTABLISHED): a ruleset that accepts only NEW breaks the connection here. */
  rest: FirewallVerdict;
  /** The replies, the other way (ESTABLISHED). */
  reply: FirewallVerdict;
  /** The leg as one verdict: the first packet's, unless it passes and the rest of the connection does not. */
  forward: FirewallVerdict;
}

/**
 * A whole connection through the guest firewall: its first packet, its later packets and its replies. NAT
 * found on the first packet carries over (conntrack rewrites the later ones the same way).
 */
export function evaluateConnection(
  fw: GuestFirewall,
  packet: Packet,
  opts: FirewallOptions = {},
): ConnectionVerdict {
  const first = evaluateGuestFirewall(fw, packet, opts);
  const nat = first.nat.find((n) => n.dport !== undefined || n.dst !== undefined);
  const rewrite = {
    ...(nat?.dport !== undefined ? { dport: nat.dport } : {}),
    ...(nat?.dst ? { dst: nat.dst } : {}),
  };
  const single = packet.protocol === 'icmp' || packet.protocol === 'icmpv6';
  const rest = single ? first : evaluateGuestFirewall(fw, laterPacket(packet, rewrite), opts);
  const reply = evaluateGuestFirewall(
    fw,
    replyPacket(nat?.dst ? { ...packet, dst: nat.dst } : packet, { natDport: nat?.dport }),
    opts,
  );
  let forward = first;
  if (first.verdict === 'accept' && rest.verdict !== 'accept') {
    const how = rest.verdict === 'uncertain' ? 'may not be' : VERB[rest.verdict];
    forward = {
      ...rest,
      detail: `the first packet passes, but later packets of the connection ${how === 'may not be' ? how : `are ${how}`}: ${rest.detail}`,
    };
  }
  return { first, rest, reply, forward };
}

/**
 * What an operator-side TCP connect should see when this verdict holds: an ICMP port-unreachable and a TCP reset
 * both read as "refused"; host/net unreachable and admin-prohibited as "unreachable"; a drop as a timeout.
 */
export function expectedProbe(
  v: Pick<FirewallVerdict, 'verdict' | 'rejectWith'>,
): 'delivered' | 'timeout' | 'refused' | 'reset' | 'unreachable' | 'unknown' {
  if (v.verdict === 'accept') return 'delivered';
  if (v.verdict === 'drop') return 'timeout';
  if (v.verdict !== 'reject') return 'unknown';
  const k = v.rejectWith ?? '';
  if (k === 'tcp-reset' || /port-unreach/.test(k)) return 'refused';
  if (/unreach|prohib|no-route/.test(k)) return 'unreachable';
  return 'unknown';
}

/**
 * What a TCP connect may report for a whole connection. When the handshake passes but the firewall rejects
 * the handshake's last ACK, the client's connect() has usually already completed: the ICMP error or RST then
 * races the application's connect check (libuv reads SO_ERROR, which includes the soft error), so both
 * "delivered" and the refusal are correct observations. A later-packet DROP is invisible to a bare connect.
 */
export function connectOutcomes(c: ConnectionVerdict): ReturnType<typeof expectedProbe>[] {
  if (c.first.verdict !== 'accept') return [expectedProbe(c.first)];
  if (c.rest.verdict === 'accept' || c.rest.verdict === 'drop') return ['delivered'];
  if (c.rest.verdict !== 'reject') return ['unknown'];
  return ['delivered', c.rest.rejectWith === 'tcp-reset' ? 'reset' : expectedProbe(c.rest)];
}

/** The hop an inbound (`guest-firewall-in`) or outbound (`guest-firewall-out`) leg gets from a verdict. */
export function firewallHop(v: FirewallVerdict, direction: 'in' | 'out'): HopDecision {
  const code = direction === 'in' ? 'GUEST_FIREWALL_DROP' : 'GUEST_FIREWALL_EGRESS_DROP';
  const evidence = { rule: v.rule, lines: v.lines, stage: v.stage, path: v.path, views: v.views };
  if (v.verdict === 'accept') return { state: 'OK', confidence: v.confidence, detail: v.detail, evidence };
  if (v.verdict === 'drop' || v.verdict === 'reject')
    return { state: 'BLOCKED', confidence: v.confidence, detail: v.detail, evidence, code };
  if (v.partial) {
    const ok = v.acceptedShare >= PARTIAL_OK_SHARE;
    return { state: ok ? 'OK' : 'BLOCKED', confidence: 'likely', detail: v.detail, evidence, code };
  }
  return { state: 'UNCERTAIN', confidence: 'uncertain', detail: v.detail, evidence };
}
