/**
 * The guest-firewall pipeline: the stages of every view (iptables tables, nft base chains) run in kernel order
 * (hook, then priority), an accept handing the piece to the next stage and anything else ending it. Pure.
 */
import type { Piece } from './piece.js';
import { type Budget, HOOKS_BY_DIRECTION, type Outcome, type Stage } from './walk.js';

const HOOK_RANK: Record<string, number> = { ingress: 0, prerouting: 1, input: 2, output: 3, postrouting: 4 };

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
