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
import { type PlanResult, type RunnerDeps, type RunnerEvent, runPlan } from '../remedy/runner.js';
import { needsRevert, scheduleRevert } from '../remedy/temp-access.js';
import { verifyAgainst } from '../remedy/verify.js';
import type { Collector } from './collect.js';
import type { Setup } from './setup.js';
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

/** Values no preview, detail or audit line may show: the cloud client's secrets and the simulator's guest password. */
export function setupSecrets(setup: Setup): () => string[] {
  return () => [...(setup.cloud?.secrets() ?? []), ...(setup.advert?.ssh ? [setup.advert.ssh.password] : [])];
}

/**
 * What the runner needs from a collector, shared by `netdoctor fix` and the UI: the cloud client, the guest
 * transport (opened on first use), a fresh connection for the dead-man confirmation, and verification by collecting
 * and diagnosing again against the verdict the plan was made from.
 */
export function collectorRunnerDeps(
  col: Collector,
  o: Options,
  r: Pick<RunnerDeps, 'who' | 'confirm' | 'audit' | 'readOnly'> & { verdict: Verdict; intents: Intent[] },
): RunnerDeps {
  const t = r.verdict.target;
  return {
    cloud: col.setup.cloud,
    guest: async () => {
      if (!col.transport()) await col.guest(Date.now());
      const transport = col.transport();
      if (!transport) throw new Error('no way into the guest');
      return transport;
    },
    reconnectGuest: () => col.freshTransport(),
    verify: async (p: Plan) => {
      const again = await collectOnce(col, o);
      const after = withRemedies(diagnose(again.snapshot, r.intents), {
        snapshot: again.snapshot,
        who: r.who,
        now: Date.now(),
      });
      return verifyAgainst(p, r.verdict, after);
    },
    confirm: r.confirm,
    audit: r.audit,
    readOnly: r.readOnly,
    who: r.who,
    target: { name: t.name ?? t.instanceId ?? t.ssh ?? 'target', id: t.instanceId ?? t.ssh ?? 'target' },
    secrets: setupSecrets(col.setup),
  };
}

export function createFixer(col: Collector, o: Options): Fixer {
  const setup = col.setup;
  const who = operatorIdentity(setup.cloud?.credentialSource);
  const secrets = setupSecrets(setup);
  const audit = openAuditLog({ file: o.audit, secrets });
  const readOnly = !!(o['read-only'] || o['war-room'] || setup.cloud?.readOnly);
  const reverts: { cancel(): void }[] = [];
  return {
    readOnly,
    complete: (verdict, snapshot) => withRemedies(verdict, { snapshot, who, now: snapshot.at }),
    plans: (verdict, snapshot) => plansOf({ snapshot, verdict, who, now: snapshot.at }),
    async run(planId, verdict, snapshot, intents, ui) {
      const plan = planFor({ snapshot, verdict, who, now: Date.now() }, planId);
      const deps = collectorRunnerDeps(col, o, {
        verdict,
        intents,
        who,
        confirm: ui.confirm,
        audit,
        readOnly,
      });
      const result = await runPlan(plan, deps, { onEvent: ui.onEvent });
      if (needsRevert(plan, result)) reverts.push(scheduleRevert(plan, deps, { onEvent: ui.onEvent }));
      return result;
    },
    dispose() {
      for (const r of reverts) r.cancel();
    },
  };
}
