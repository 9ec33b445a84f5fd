/**
 * The guest firewall as one hop: which view to trust (iptables-save or `nft -j`), the base chains of both in
 * kernel order (hook, then priority), and one verdict with the rule that decided. iptables-nft rules show in
 * both views; they are read from iptables-save (exact match text) and the nft copies of those tables are left
 * out, while native nft tables (firewalld's `inet firewalld`, a hand-written `inet filter`) are evaluated from
 * the nft view. Legacy iptables and nft hook the kernel side by side, so both apply. An accept in one base
 * chain hands the packet to the next; a drop or reject anywhere is final. Pure.
 */
import type {
  Confidence,
  GuestFirewall,
  IptablesRuleset,
  IptRule,
  NftRule,
  NftRuleset,
} from '../../model/index.js';
import { formatCidr } from '../../net/ip.js';
import { type Span, subtractSpans, unionSpans } from './addr-set.js';
import { type IptablesOptions, iptablesStages } from './iptables.js';
import { nftStages } from './nft.js';
import {
  type Budget,
  type FwAction,
  HOOKS_BY_DIRECTION,
  laterPacket,
  type NatNote,
  type Outcome,
  type Packet,
  type Piece,
  pieceOf,
  protoName,
  replyPacket,
  type Stage,
  shareOf,
} from './packet.js';
import { type HopDecision, PARTIAL_OK_SHARE } from './types.js';

export interface FirewallOptions extends IptablesOptions {
  /** Rule evaluations allowed before giving up as uncertain (default 200 000). */
  maxSteps?: number;
}

/** How one part of the flow ends. */
export interface FwBranch {
  verdict: FwAction | 'uncertain';
  rejectWith?: string;
  /** Which part of the flow (`from 10.0.0.0/8`); empty for the whole flow. */
  scope: string;
  /** Share of the flow's address × port space (0..1); pieces forked on an assumption each count in full. */
  share: number;
  /** Base chain that decided (`iptables filter INPUT`, `nft inet filter input`). */
  stage?: string;
  rule?: IptRule | NftRule;
  /** The deciding rule as an operator reads it, or `policy DROP of …`. */
  line?: string;
  policy?: { chain: string; policy: string };
  path: string[];
  /** Things assumed to reach this end (`-m limit … assumed to match`). */
  assumptions: string[];
  /** The first rule whose match could not be decided on the way (and its text). */
  undecided?: { rule: IptRule | NftRule; line?: string };
  /** Why it could not be decided (uncertain only). */
  why?: string;
}

export interface FirewallVerdict {
  /** accept/drop/reject when every part of the flow ends the same way; otherwise uncertain. */
  verdict: FwAction | 'uncertain';
  /** For reject: `tcp-reset`, `icmp-port-unreachable`, `icmp-host-prohibited`, `icmp6-adm-prohibited`, … */
  rejectWith?: string;
  confidence: Confidence;
  /** The rule that decided (IptRule with its `line`, or NftRule with its `handle`). */
  rule?: IptRule | NftRule;
  /** Base chain that decided. */
  stage?: string;
  policy?: { chain: string; policy: string };
  /** Chains walked in the deciding stage. */
  path: string[];
  /** Evidence lines: the deciding rule text(s). */
  lines: string[];
  /** One line for an operator. */
  detail: string;
  /** Why the verdict is uncertain (undecidable matches, assumptions). */
  reasons: string[];
  /** The flow splits by address/port only (exactly known per part): `branches` say which part gets what. */
  partial: boolean;
  /** Share of the flow accepted, counting only parts decided without assumptions. */
  acceptedShare: number;
  branches: FwBranch[];
  /** NAT rules that rewrote the destination (REDIRECT 80→8080: check the listener on 8080). */
  nat: NatNote[];
  /** Views evaluated: `iptables (nf_tables)`, `ip6tables (legacy)`, `nft inet firewalld`, … */
  views: string[];
}

const HOOK_RANK: Record<string, number> = { ingress: 0, prerouting: 1, input: 2, output: 3, postrouting: 4 };

function portsText(s: Span[]): string {
  return s.map((x) => (x.lo === x.hi ? `${x.lo}` : `${x.lo}-${x.hi}`)).join(',');
}

/**
 * The first `max` CIDRs of an address set, then `… and more`: generated lazily, because a piece carved by a
 * long blocklist covers hundreds of thousands of CIDRs that nobody reads.
 */
function cidrList(family: 4 | 6, spans: Span[], max: number): string[] {
  const bits = family === 4 ? 32 : 128;
  const out: string[] = [];
  for (const s of spans) {
    let lo = s.lo;
    while (lo <= s.hi) {
      if (out.length === max) return [...out, '… and more'];
      let size = 0;
      while (size < bits && ((lo >> BigInt(size)) & 1n) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= s.hi)
        size++;
      out.push(formatCidr({ family, base: lo, prefix: bits - size }));
      lo += 1n << BigInt(size);
    }
  }
  return out;
}

/**
 * `from 10.0.0.0/8`; `from all but 192.0.2.0/24` or `from 192.0.2.0/24 except 192.0.2.66/32` when that reads
 * shorter than the exact list of CIDRs.
 */
function spanScope(
  label: string,
  part: Span[],
  whole: Span[],
  fmt: (s: Span[]) => string[],
  bits?: number,
): string {
  const options = [`${label} ${fmt(part).join(', ')}`];
  const rest = subtractSpans(whole, part);
  if (rest.length) options.push(`${label} all but ${fmt(rest).join(', ')}`);
  if (bits && part.length) {
    // The smallest aligned block holding the whole part, minus what it does not cover.
    const lo = part[0].lo;
    const hi = part[part.length - 1].hi;
    let size = 0;
    while (size < bits && lo >> BigInt(size) !== hi >> BigInt(size)) size++;
    const base = (lo >> BigInt(size)) << BigInt(size);
    const block = [{ lo: base, hi: base + (1n << BigInt(size)) - 1n }];
    const holes = subtractSpans(block, part);
    if (holes.length) options.push(`${label} ${fmt(block).join(', ')} except ${fmt(holes).join(', ')}`);
  }
  const cost = (s: string) => (s.includes('… and') ? 1000 : 0) + s.length;
  return options.reduce((a, b) => (cost(b) < cost(a) ? b : a));
}

function scopeOf(p: Piece, whole: Piece): string {
  const parts: string[] = [];
  const same = (a: Span[], b: Span[]) =>
    a.length === b.length && a.every((x, i) => x.lo === b[i].lo && x.hi === b[i].hi);
  const addrs = (s: Span[]) => cidrList(p.family, s, 3);
  const ports = (s: Span[]) => [portsText(s)];
  if (!same(p.src, whole.src))
    parts.push(spanScope('from', p.src, whole.src, addrs, p.family === 4 ? 32 : 128));
  if (!same(p.dst, whole.dst))
    parts.push(spanScope('to', p.dst, whole.dst, addrs, p.family === 4 ? 32 : 128));
  if (!same(p.sport, whole.sport)) parts.push(spanScope('source ports', p.sport, whole.sport, ports));
  if (!same(p.dport, whole.dport)) parts.push(spanScope('ports', p.dport, whole.dport, ports));
  return parts.join(' ');
}

/**
 * Joins ends that differ only in their source addresses (the same rule dropping 192.0.2.66 at ingress and the
 * rest of 192.0.2.0/24 in prerouting stays two; the same policy catching two address ranges becomes one).
 */
function mergeFinals(finals: Final[]): Final[] {
  const out: Final[] = [];
  const sig = (f: Final) => {
    const o = f.outcome;
    const p = o.piece;
    return JSON.stringify([
      o.verdict,
      o.rejectWith,
      o.why,
      o.stage,
      o.policy,
      p.assumptions.map((a) => a.text),
      [p.dst, p.sport, p.dport].map((s) => s.map((x) => `${x.lo}-${x.hi}`)),
      p.ct,
      p.nat.map((n) => n.text),
    ]);
  };
  const seen = new Map<string, Final>();
  for (const f of finals) {
    const k = sig(f);
    const prev = seen.get(k);
    if (prev && prev.outcome.rule === f.outcome.rule) {
      prev.outcome = {
        ...prev.outcome,
        piece: { ...prev.outcome.piece, src: unionSpans(prev.outcome.piece.src, f.outcome.piece.src) },
      };
      continue;
    }
    const copy = { ...f };
    if (!prev) seen.set(k, copy);
    out.push(copy);
  }
  return out;
}

export interface Final {
  outcome: Outcome;
  stage?: Stage;
}

/**
 * Runs the pieces through the stages in kernel order. An accepted piece goes on to the next stage (remembering
 * the last rule that accepted it, the one an operator wants to see); anything else ends it.
 */
export function runStages(stages: Stage[], first: Piece, maxSteps = 200_000): Final[] {
  const order = stages
    .map((s, i) => ({ s, i }))
    .sort((a, b) => HOOK_RANK[a.s.hook] - HOOK_RANK[b.s.hook] || a.s.prio - b.s.prio || a.i - b.i)
    .map((x) => x.s)
    .filter((s) => HOOKS_BY_DIRECTION[first.direction].includes(s.hook));
  const budget: Budget = { steps: maxSteps };
  let live: Final[] = [{ outcome: { piece: first, verdict: 'accept', path: [] } }];
  const done: Final[] = [];
  for (const stage of order) {
    const next: Final[] = [];
    for (const f of live) {
      const p = f.outcome.piece;
      if (!stage.families.includes(p.family) || (stage.nat && p.ct !== 'NEW')) {
        next.push(f);
        continue;
      }
      for (const o of stage.run(p, budget)) {
        o.stage = stage.label;
        if (o.verdict !== 'accept') {
          // iptables-legacy and nft chains on the same hook and priority run in the order they were registered.
          const tie = order.find(
            (t) =>
              t !== stage &&
              t.view !== stage.view &&
              t.hook === stage.hook &&
              t.prio === stage.prio &&
              !t.nat,
          );
          if (tie)
            o.piece = {
              ...o.piece,
              caveats: [
                ...o.piece.caveats,
                `${stage.label} and ${tie.label} share priority ${stage.prio}: which runs first is not known`,
              ],
            };
        }
        for (const a of o.piece.assumptions)
          if (a.line === undefined && a.rule) a.line = stage.describe(a.rule);
        if (o.verdict !== 'accept') done.push({ outcome: o, stage });
        else if (!stage.nat && (o.rule || !f.outcome.rule)) next.push({ outcome: o, stage });
        else next.push({ outcome: { ...f.outcome, piece: o.piece }, stage: f.stage });
      }
    }
    live = next;
  }
  return [...done, ...live];
}

function lineOf(f: Final): string | undefined {
  const o = f.outcome;
  if (o.rule && f.stage) return f.stage.describe(o.rule);
  if (o.policy && o.stage) return `policy ${o.policy.policy.toUpperCase()} of ${o.stage}`;
  return undefined;
}

/** 42%, but never "100%" or "0%" for a share that is not exactly that. */
export function pct(x: number): string {
  if (x <= 0 || x >= 1) return x <= 0 ? '0%' : '100%';
  if (x < 0.001) return '<0.1%';
  if (x < 1 && x > 0.999) return '>99.9%';
  const p = x * 100;
  return `${p < 1 || p > 99 ? p.toFixed(1) : Math.round(p)}%`;
}

const VERB: Record<string, string> = {
  accept: 'accepted',
  drop: 'dropped',
  reject: 'rejected',
  uncertain: 'undecided',
};

function branchOf(f: Final, whole: Piece): FwBranch {
  const o = f.outcome;
  const b: FwBranch = {
    verdict: o.verdict === 'unknown' ? 'uncertain' : o.verdict,
    scope: scopeOf(o.piece, whole),
    share: shareOf(o.piece, whole),
    path: o.path,
    assumptions: o.piece.assumptions.map((a) => a.text),
  };
  if (o.rejectWith) b.rejectWith = o.rejectWith;
  if (o.stage) b.stage = o.stage;
  if (o.rule) b.rule = o.rule as IptRule | NftRule;
  if (o.policy) b.policy = o.policy;
  const line = lineOf(f);
  if (line) b.line = line;
  if (o.why) b.why = o.why;
  const a = o.piece.assumptions.find((x) => x.rule);
  if (a) b.undecided = { rule: a.rule as IptRule | NftRule, ...(a.line ? { line: a.line } : {}) };
  return b;
}

function key(b: FwBranch): string {
  return `${b.verdict}/${b.rejectWith ?? ''}`;
}

function branchText(b: FwBranch): string {
  const what = b.verdict === 'reject' ? `rejected (${b.rejectWith ?? 'kind not shown'})` : VERB[b.verdict];
  const by = b.why ? `: ${b.why}` : b.line ? ` by ${b.line}` : '';
  const scope = b.scope ? ` ${b.scope}` : '';
  const ifs = b.assumptions.length ? ` if ${b.assumptions.join(' and ')}` : '';
  return `${what}${scope}${by}${ifs}`;
}

/** Folds the pieces' ends into one verdict. */
export function aggregate(all: Final[], whole: Piece, views: string[]): FirewallVerdict {
  const finals = mergeFinals(all);
  const branches = finals.map((f) => branchOf(f, whole)).sort((a, b) => b.share - a.share);
  const nat = finals
    .flatMap((f) => f.outcome.piece.nat)
    .filter((n, i, a) => a.findIndex((m) => m.rule === n.rule) === i);
  const groups = new Map<string, FwBranch[]>();
  for (const b of branches) groups.set(key(b), [...(groups.get(key(b)) ?? []), b]);
  const sure = branches.filter((b) => b.assumptions.length === 0 && b.verdict !== 'uncertain');
  const acceptedShare = Math.min(
    1,
    sure.filter((b) => b.verdict === 'accept').reduce((s, b) => s + b.share, 0),
  );
  const caveats = [...new Set(finals.flatMap((f) => f.outcome.piece.caveats))];
  const flow = `${protoName(whole.proto)}${whole.dport.length === 1 && whole.dport[0].lo === whole.dport[0].hi ? `/${whole.dport[0].lo}` : ''}`;
  if (branches.length === 0)
    return {
      verdict: 'uncertain',
      confidence: 'uncertain',
      path: [],
      lines: [],
      detail: 'the firewall evaluation produced no result',
      reasons: ['no result'],
      partial: false,
      acceptedShare: 0,
      branches,
      nat,
      views,
    };
  const [first] = groups.size === 1 ? [...groups.values()] : [[]];
  if (groups.size === 1 && first[0].verdict !== 'uncertain') {
    // One end for every part: decided, whatever was assumed on the way. Name the rule covering the most.
    const main = first.reduce((a, b) => (b.share > a.share || (!a.rule && b.rule) ? b : a));
    const v: FirewallVerdict = {
      verdict: main.verdict,
      confidence: caveats.length ? 'likely' : 'certain',
      path: main.path,
      lines: [...new Set(first.map((b) => b.line).filter((l): l is string => !!l))],
      detail: views.length
        ? `${flow} ${branchText({ ...main, scope: '', assumptions: [] })}`
        : `${flow} accepted: no firewall rules`,
      reasons: caveats,
      partial: false,
      acceptedShare,
      branches,
      nat,
      views,
    };
    if (main.rejectWith) v.rejectWith = main.rejectWith;
    if (main.rule) v.rule = main.rule;
    if (main.stage) v.stage = main.stage;
    if (main.policy) v.policy = main.policy;
    return v;
  }
  const partial = branches.every((b) => b.assumptions.length === 0 && b.verdict !== 'uncertain');
  const reasons = [
    ...new Set([
      ...branches.filter((b) => b.why).map((b) => `${b.why}${b.line ? ` (${b.line})` : ''}`),
      ...branches.flatMap((b) => b.assumptions),
      ...caveats,
    ]),
  ];
  const decider =
    branches.find((b) => b.verdict === 'uncertain') ??
    branches.find((b) => b.assumptions.length) ??
    branches[0];
  const shown = branches.slice(0, 4).map(branchText);
  const more = branches.length > 4 ? `; … ${branches.length - 4} more` : '';
  const v: FirewallVerdict = {
    verdict: 'uncertain',
    confidence: 'uncertain',
    path: decider.path,
    lines: [...new Set(branches.map((b) => b.line).filter((l): l is string => !!l))],
    detail: `${flow} ${partial ? 'depends on the peer' : 'cannot be decided'}: ${shown.join('; ')}${more}`,
    reasons: partial ? reasons.concat(`only part of the flow is accepted (${pct(acceptedShare)})`) : reasons,
    partial,
    acceptedShare,
    branches,
    nat,
    views,
  };
  // The rule to show: the one that could not be decided (a rate limit, an unknown module), else the first end's.
  const undecided = decider.verdict === 'uncertain' ? decider.rule : decider.undecided?.rule;
  const shownRule = undecided ?? decider.rule;
  if (shownRule) v.rule = shownRule;
  if (decider.undecided?.line && !v.lines.includes(decider.undecided.line))
    v.lines.unshift(decider.undecided.line);
  if (decider.stage) v.stage = decider.stage;
  return v;
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
