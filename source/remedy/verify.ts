/**
 * FIXED or UNFIXED: the check a plan fixes is run again. A plan is fixed when the findings it targets are gone
 * and the hops they blocked are no longer BLOCKED; other causes on the same path are reported, not counted.
 */
import type { Plan, Verdict } from '../model/index.js';
import type { VerifyResult } from './runner.js';

export function verifyAgainst(plan: Plan, before: Verdict, after: Verdict): VerifyResult {
  const targeted = before.findings.filter((f) => plan.findingIds.includes(f.id));
  const still = plan.findingIds.filter((id) => after.findings.some((f) => f.id === id));
  const blockedStill: string[] = [];
  for (const f of targeted) {
    if (!f.hop) continue;
    for (const intentId of f.intentIds ?? []) {
      const p = after.verdicts.find((v) => v.intent.id === intentId);
      if (p?.path.some((h) => h.hop === f.hop && h.state === 'BLOCKED'))
        blockedStill.push(`${p.intent.label} at ${f.hop}`);
    }
  }
  const intents = [...new Set([...plan.intentIds, ...targeted.flatMap((f) => f.intentIds ?? [])])];
  const states = intents
    .map((id) => after.verdicts.find((v) => v.intent.id === id))
    .filter((v) => v !== undefined)
    .map((v) => `${v.intent.label}: ${v.result}${v.blockedAt ? ` at ${v.blockedAt}` : ''}`);
  const fixed = still.length === 0 && blockedStill.length === 0;
  const others = after.findings.filter(
    (f) =>
      f.severity === 'critical' &&
      (f.intentIds ?? []).some((i) => intents.includes(i)) &&
      !plan.findingIds.includes(f.id),
  );
  const detail = fixed
    ? `cleared ${plan.findingIds.length ? plan.findingIds.join(', ') : 'the targeted problem'}${states.length ? `; now ${states.join('; ')}` : ''}${others.length ? ` — still to fix: ${others.map((f) => f.code).join(', ')}` : ''}`
    : `still present: ${[...still, ...blockedStill].join('; ')}`;
  return { fixed, detail };
}
