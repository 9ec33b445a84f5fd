/**
 * The guest firewall's verdict on a flow: the pieces' ends folded into branches (which part of the flow ends
 * how, by which rule, under which assumptions) and one verdict with the rule an operator should look at. Pure.
 */
import type { Confidence, IptRule, NftRule } from '../../model/index.js';
import { unionSpans } from './addr-set.js';
import type { Final } from './fw-pipeline.js';
import { scopeOf } from './fw-scope.js';
import { protoName } from './packet.js';
import { type NatNote, type Piece, shareOf } from './piece.js';
import type { FwAction } from './walk.js';

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

/** Each verdict as a participle, for sentences (`dropped by …`). */
export const VERB: Record<string, string> = {
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
