/**
 * The chain walker shared by the iptables and nftables evaluators: a base chain walked rule by rule for a piece,
 * with jumps, gotos, RETURN and the chain policy, pieces split and forked as the rules' matches decide, and the
 * stages (one base chain on one hook) the guest-firewall pipeline runs in kernel order. Pure.
 */
import type { Span } from './addr-set.js';
import type { Assumption, Piece } from './piece.js';

export type FwAction = 'accept' | 'drop' | 'reject';

/** What a rule does to the part of a piece it matches. */
export type Action =
  | { kind: 'next' }
  | { kind: 'verdict'; verdict: FwAction; rejectWith?: string }
  | { kind: 'jump'; chain: string; goto?: boolean }
  | { kind: 'return' }
  | { kind: 'unknown'; why: string };

export interface RuleStep {
  piece: Piece;
  action: Action;
}

/** How one ruleset exposes its chains to the walker. */
export interface ChainView<R> {
  /** Rules and policy of a chain; undefined when no such chain exists. */
  chain(name: string): { rules: readonly R[]; policy?: string | null } | undefined;
  /** One rule on one piece: the parts it matches get its action, the rest `next`. */
  step(rule: R, piece: Piece): RuleStep[];
  /**
   * Optional: the first rule index in [idx, limit) whose step could do anything but pass `piece` on unchanged
   * (`limit` when none). Rules before it are passed over without stepping — a thousand-address blocklist costs a
   * few comparisons per address, not a step each. Only ever asked for pieces without assumptions.
   */
  skip?(chain: string, idx: number, piece: Piece, limit: number): number;
}

/** How a piece ended in one base chain. */
export interface Outcome {
  piece: Piece;
  verdict: FwAction | 'unknown';
  rejectWith?: string;
  /** Why the walk could not decide (`unknown` only). */
  why?: string;
  /** The rule that decided (absent when the chain policy did). */
  rule?: unknown;
  /** The base chain whose policy decided. */
  policy?: { chain: string; policy: string };
  /** The chain path to the decision (calls and gotos still active), base chain first. */
  path: string[];
  /** Label of the stage (base chain) that decided, set by the pipeline. */
  stage?: string;
}

export interface Budget {
  /** Rule evaluations left; a ruleset that exhausts it gets an `unknown` outcome rather than a long stall. */
  steps: number;
}

const MAX_DEPTH = 64;

interface Frame {
  chain: string;
  idx: number;
  /** Chains this frame stands for on the path: a goto replaces the frame but keeps where it came from. */
  names: string[];
}

interface WalkState {
  piece: Piece;
  stack: Frame[];
}

const pathOf = (stack: Frame[], base: string) => (stack.length ? stack.flatMap((f) => f.names) : [base]);

function policyVerdict(policy: string | null | undefined): FwAction | 'unknown' {
  const p = (policy ?? 'accept').toLowerCase();
  return p === 'accept' ? 'accept' : p === 'drop' ? 'drop' : 'unknown';
}

/**
 * Walks a base chain for a piece: rules in order, jumps (return to the rule after), gotos (return to the
 * caller's caller), RETURN, and the base chain's policy when the walk falls off its end.
 */
export function walkChain<R>(view: ChainView<R>, base: string, piece: Piece, budget: Budget): Outcome[] {
  const out: Outcome[] = [];
  const work: WalkState[] = [{ piece, stack: [{ chain: base, idx: 0, names: [base] }] }];
  const pending = new Map<string, WalkState>();
  while (work.length) {
    const st = work.pop()!;
    if (st.piece.assumptions.length) pending.delete(stateKey(st));
    if (st.stack.length === 0) {
      const policy = view.chain(base)?.policy ?? 'accept';
      const v = policyVerdict(policy);
      out.push({
        piece: st.piece,
        verdict: v,
        policy: { chain: base, policy: String(policy) },
        path: [base],
        ...(v === 'unknown' ? { why: `chain ${base} has the unrecognised policy ${policy}` } : {}),
      });
      continue;
    }
    const top = st.stack[st.stack.length - 1];
    const chain = view.chain(top.chain);
    if (!chain) {
      out.push({
        piece: st.piece,
        verdict: 'unknown',
        why: `chain ${top.chain} does not exist`,
        path: pathOf(st.stack, base),
      });
      continue;
    }
    if (top.idx >= chain.rules.length) {
      work.push({ ...st, stack: st.stack.slice(0, -1) });
      continue;
    }
    if (view.skip && st.piece.assumptions.length === 0 && budget.steps > 0) {
      // Rules passed over are charged to the budget as if stepped, so a too-large ruleset ends where it did.
      const to = view.skip(
        top.chain,
        top.idx,
        st.piece,
        Math.min(chain.rules.length, top.idx + budget.steps),
      );
      if (to > top.idx) {
        budget.steps -= to - top.idx;
        work.push({ piece: st.piece, stack: [...st.stack.slice(0, -1), { ...top, idx: to }] });
        continue;
      }
    }
    if (--budget.steps < 0) {
      out.push({
        piece: st.piece,
        verdict: 'unknown',
        why: 'the ruleset is too large or too branchy to evaluate exactly',
        path: pathOf(st.stack, base),
      });
      continue;
    }
    const rule = chain.rules[top.idx];
    const steps = view.step(rule, st.piece);
    const next: WalkState[] = [];
    // Stacks and frames are never changed once made, so the pieces of one step share one advanced stack and
    // one chain path (a blocklist walk takes a step per rule: no per-piece copies, no closures).
    let advanced: Frame[] | undefined;
    let path: string[] | undefined;
    for (const { piece: p, action: a } of steps) {
      switch (a.kind) {
        case 'next':
          advanced ??= [...st.stack.slice(0, -1), { ...top, idx: top.idx + 1 }];
          next.push({ piece: p, stack: advanced });
          break;
        case 'return':
          next.push({ piece: p, stack: st.stack.slice(0, -1) });
          break;
        case 'verdict':
          path ??= pathOf(st.stack, base);
          out.push({
            piece: p,
            verdict: a.verdict,
            rule,
            path,
            ...(a.rejectWith ? { rejectWith: a.rejectWith } : {}),
          });
          break;
        case 'unknown':
          path ??= pathOf(st.stack, base);
          out.push({ piece: p, verdict: 'unknown', why: a.why, rule, path });
          break;
        case 'jump': {
          if (!view.chain(a.chain)) {
            path ??= pathOf(st.stack, base);
            out.push({
              piece: p,
              verdict: 'unknown',
              why: `the rule ${a.goto ? 'goes' : 'jumps'} to chain ${a.chain}, which does not exist in this view`,
              rule,
              path,
            });
            break;
          }
          if (st.stack.length >= MAX_DEPTH) {
            path ??= pathOf(st.stack, base);
            out.push({
              piece: p,
              verdict: 'unknown',
              why: 'chain jumps nest too deep (a loop?)',
              rule,
              path,
            });
            break;
          }
          const frame = a.goto
            ? { chain: a.chain, idx: 0, names: [...top.names, a.chain] }
            : { chain: a.chain, idx: 0, names: [a.chain] };
          const from = a.goto
            ? st.stack.slice(0, -1)
            : (advanced ??= [...st.stack.slice(0, -1), { ...top, idx: top.idx + 1 }]);
          next.push({ piece: p, stack: [...from, frame] });
          break;
        }
      }
    }
    // Depth-first, in rule order: the first piece's continuation is explored first. A state that reaches a
    // position where an identical piece already waits joins it (two ways past an undecidable match that meet
    // again), which keeps chains of rate-limited LOG/jump rules linear instead of exponential.
    for (let i = next.length - 1; i >= 0; i--) {
      // Only pieces forked on an assumption can meet an identical twin; others never need the key.
      if (!next[i].piece.assumptions.length) {
        work.push(next[i]);
        continue;
      }
      const k = stateKey(next[i]);
      const waiting = pending.get(k);
      if (waiting)
        waiting.piece.assumptions = joinAssumptions(waiting.piece.assumptions, next[i].piece.assumptions);
      else {
        pending.set(k, next[i]);
        work.push(next[i]);
      }
    }
  }
  return out;
}

const spanKey = (s: Span[]) => s.map((x) => `${x.lo}-${x.hi}`).join(',');

function stateKey(st: WalkState): string {
  const p = st.piece;
  return [
    st.stack.map((f) => `${f.chain}@${f.idx}`).join('/'),
    spanKey(p.src),
    spanKey(p.dst),
    spanKey(p.sport),
    spanKey(p.dport),
    p.ct,
    p.ctStatus.join(','),
    p.mark,
    p.ctmark,
    p.caveats.join('|'),
    p.nat.map((n) => n.text).join('|'),
  ].join(' ');
}

/**
 * The assumptions under which a joined state is reached: either list. What both share stays; a matched /
 * not-matched pair of the same rule cancels (the state is reached either way); anything else left over is kept
 * as one "either" assumption, so the outcome is never mistaken for an unconditional one.
 */
function joinAssumptions(a: Assumption[], b: Assumption[]): Assumption[] {
  const same = (x: Assumption, y: Assumption) => x.rule === y.rule && x.why === y.why;
  const common = a.filter((x) => b.some((y) => same(x, y) && x.matched === y.matched));
  const onlyA = a.filter((x) => !common.includes(x));
  const onlyB = b.filter((y) => !common.some((x) => same(x, y) && x.matched === y.matched));
  const cancels =
    onlyA.length === onlyB.length &&
    onlyA.every((x) => onlyB.some((y) => same(x, y) && x.matched !== y.matched));
  if (cancels && onlyA.length <= 1) return common;
  const rest = [...onlyA, ...onlyB];
  if (rest.length === 0) return common;
  const first = rest[0];
  const text = `either ${rest.map((x) => x.text).join(', or ')}`;
  return [...common, { ...first, why: text, text }];
}

export type Hook = 'ingress' | 'prerouting' | 'input' | 'output' | 'postrouting';

/** The hooks a packet traverses, in order: local delivery, or locally generated. */
export const HOOKS_BY_DIRECTION: Record<'in' | 'out', Hook[]> = {
  in: ['ingress', 'prerouting', 'input'],
  out: ['output', 'postrouting'],
};

/** One base chain on one hook: the unit the pipeline runs in priority order. */
export interface Stage {
  /** `iptables filter INPUT`, `nft inet filter input`. */
  label: string;
  view: 'iptables' | 'nft';
  hook: Hook;
  prio: number;
  /** A NAT chain: it only rewrites (first packet of a connection), it never drops. */
  nat: boolean;
  /** IP families the chain sees (an `ip` table never sees IPv6). */
  families: (4 | 6)[];
  run(piece: Piece, budget: Budget): Outcome[];
  /** The text an operator reads for a rule of this stage (iptables-save line, nft statement). */
  describe(rule: unknown): string;
}
