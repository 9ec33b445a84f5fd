/**
 * Remediation for the live UI: the plans the current verdict offers, and running one through the runner with the
 * UI's own confirmation prompt. After a run, the session refreshes so the panels show the new state.
 */

import type { Options } from '../commands/args.js';
import { diagnose } from '../diagnose/index.js';
import type { Intent, Plan, Snapshot, Verdict } from '../model/index.js';
import { openAuditLog, operatorIdentity } from '../remedy/audit.js';
import type { ConfirmRequest } from '../remedy/confirm.js';
import { planFor, plansOf, withRemedies } from '../remedy/plans/index.js';
import { type PlanResult, type RunnerEvent, runPlan } from '../remedy/runner.js';
import { needsRevert, scheduleRevert } from '../remedy/temp-access.js';
import { verifyAgainst } from '../remedy/verify.js';
import type { Collector } from './collect.js';
import { collectOnce } from './snapshot.js';

export interface Fixer {
  readonly readOnly: boolean;
  /** The verdict with remedies completed (temporary access, manual plans). */
  complete(verdict: Verdict, snapshot: Snapshot): Verdict;
  plans(verdict: Verdict, snapshot: Snapshot): { plans: Plan[]; errors: { id: string; error: string }[] };
  run(
    planId: string,
    verdict: Verdict,
    snapshot: Snapshot,
    intents: Intent[],
    ui: { confirm: (req: ConfirmRequest) => Promise<string | boolean>; onEvent?: (e: RunnerEvent) => void },
  ): Promise<PlanResult>;
  /** Cancels scheduled reverts' timers (they are revoked at the next run then). */
  dispose(): void;
}

export function createFixer(col: Collector, o: Options): Fixer {
  const setup = col.setup;
  const who = operatorIdentity(setup.cloud?.credentialSource);
  const secrets = () => [
    ...(setup.cloud?.secrets() ?? []),
    ...(setup.advert?.ssh ? [setup.advert.ssh.password] : []),
  ];
  const audit = openAuditLog({ file: o.audit, secrets });
  const readOnly = !!(o['read-only'] || o['war-room'] || setup.cloud?.readOnly);
  const reverts: { cancel(): void }[] = [];
  return {
    readOnly,
    complete: (verdict, snapshot) => withRemedies(verdict, { snapshot, who, now: snapshot.at }),
    plans: (verdict, snapshot) => plansOf({ snapshot, verdict, who, now: snapshot.at }),
    async run(planId, verdict, snapshot, intents, ui) {
      const plan = planFor({ snapshot, verdict, who, now: Date.now() }, planId);
      const target = {
        name: verdict.target.name ?? verdict.target.instanceId ?? 'target',
        id: verdict.target.instanceId ?? verdict.target.ssh ?? 'target',
      };
      const deps = {
        cloud: setup.cloud,
        guest: async () => {
          if (!col.transport()) await col.guest(Date.now());
          const t = col.transport();
          if (!t) throw new Error('no way into the guest');
          return t;
        },
        reconnectGuest: () => col.freshTransport(),
        verify: async (p: Plan) => {
          const again = await collectOnce(col, o);
          return verifyAgainst(
            p,
            verdict,
            withRemedies(diagnose(again.snapshot, intents), {
              snapshot: again.snapshot,
              who,
              now: Date.now(),
            }),
          );
        },
        confirm: ui.confirm,
        audit,
        readOnly,
        who,
        target,
        secrets,
      };
      const result = await runPlan(plan, deps, { onEvent: ui.onEvent });
      if (needsRevert(plan, result)) reverts.push(scheduleRevert(plan, deps, { onEvent: ui.onEvent }));
      return result;
    },
    dispose() {
      for (const r of reverts) r.cancel();
    },
  };
}
