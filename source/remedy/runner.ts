/**
 * The one runner every plan goes through (DESIGN.md §6): preview → confirm → apply → verify → FIXED/UNFIXED,
 * with the rollback offered on UNFIXED or failure. Read-only refuses before anything is asked; nothing runs
 * without a confirmation naming the exact change; lock-out-capable steps need the target's name typed back (or
 * `yes` from a script); manual steps are shown, never "applied"; guest changes that can cut access run under
 * the dead-man switch; every confirmation, change, verification and rollback is appended to the audit log
 * before the runner moves on. The UI drives it through `onEvent`. A run's state is in plan-run.ts, applying one
 * step in runner-apply.ts, the types in runner-types.ts.
 */
import type { Plan, StepOutcome } from '../model/index.js';
import { autoAnswer, type ConfirmRequest, confirmationFor } from './confirm.js';
import { PlanRun } from './plan-run.js';
import type { PlanResult, RunnerDeps, RunOptions, VerifyResult } from './runner-types.js';

export { consolePathFor } from './runner-apply.js';
export type {
  CloudCaller,
  PlanResult,
  RunnerDeps,
  RunnerEvent,
  RunOptions,
  StepReport,
  StepStatus,
  VerifyResult,
} from './runner-types.js';

function finish(run: PlanRun, result: PlanResult): PlanResult {
  run.emit({ type: 'done', result });
  return result;
}

export async function runPlan(plan: Plan, deps: RunnerDeps, opts: RunOptions = {}): Promise<PlanResult> {
  const run = new PlanRun(plan, deps, opts);
  const purpose = opts.purpose ?? 'apply';
  for (const step of plan.steps) {
    const req = confirmationFor(step, deps.target, { purpose, plan: plan.id, secrets: run.secrets() });
    run.emit({ type: 'previewed', step, preview: req.preview, confirm: req.kind });
  }
  const writes = plan.steps.filter((s) => s.kind !== 'manual');
  if (deps.readOnly) {
    // Read-only: refuse before anything is asked or sent.
    const reason =
      'netdoctor is in read-only mode: no change is made. Restart without --read-only to apply fixes.';
    for (const step of plan.steps) {
      if (step.kind === 'manual') {
        run.emit({ type: 'manual', step, instructions: step.instructions ?? [] });
        run.report(step, 'MANUAL', { detail: (step.instructions ?? []).join(' ') });
      } else {
        run.emit({ type: 'refused', step, reason });
        run.report(step, 'REFUSED', { detail: reason });
      }
    }
    return finish(run, {
      plan: plan.id,
      outcome: writes.length ? 'REFUSED' : 'MANUAL',
      detail: writes.length ? reason : 'Only manual steps: follow them by hand.',
      steps: run.reports,
    });
  }

  let stop: { outcome: StepOutcome; detail: string } | undefined;
  for (const step of plan.steps) {
    if (stop) {
      run.report(step, 'SKIPPED', { detail: 'Not run: an earlier step did not complete.' });
      continue;
    }
    if (step.kind === 'manual') {
      run.emit({ type: 'manual', step, instructions: step.instructions ?? [] });
      run.report(step, 'MANUAL', { detail: (step.instructions ?? []).join(' ') });
      continue;
    }
    const missing = run.unavailable(step);
    if (missing) {
      run.emit({ type: 'refused', step, reason: missing });
      run.report(step, 'REFUSED', { detail: missing });
      stop = { outcome: 'REFUSED', detail: missing };
      continue;
    }
    if (opts.signal?.aborted) {
      run.report(step, 'CANCELLED', { detail: 'Cancelled before this step.' });
      stop = { outcome: 'CANCELLED', detail: 'Cancelled.' };
      continue;
    }
    const no = await run.confirm(step, purpose);
    if (no) {
      if (no.status === 'REFUSED') run.emit({ type: 'refused', step, reason: no.reason });
      else run.emit({ type: 'cancelled', step, reason: no.reason });
      await run.audit(step, no.status, no.reason).catch(() => undefined);
      run.report(step, no.status, { detail: no.reason });
      stop = { outcome: no.status, detail: no.reason };
      continue;
    }
    try {
      const how = opts.yes
        ? 'confirmed by --yes'
        : opts.autoConfirm
          ? 'confirmed by netdoctor: the revert it scheduled'
          : undefined;
      await run.audit(step, 'CONFIRMED', how);
    } catch (e) {
      // The record of a change is written before the change, or the change is not made.
      const detail = `${(e as Error).message} ${(e as { hint?: string }).hint ?? ''}`.trim();
      run.emit({ type: 'failed', step, error: { code: 'AUDIT_WRITE_FAILED', message: detail } });
      run.report(step, 'FAILED', { detail, error: { code: 'AUDIT_WRITE_FAILED', message: detail } });
      stop = { outcome: 'FAILED', detail };
      continue;
    }
    const r = await run.apply(step);
    const rep = run.report(step, r.status, r.extra);
    if (r.status === 'APPLIED') run.applied.push({ step, deadmanId: r.extra.deadmanId });
    // A guest command that failed without the switch may have done part of its work: its undo is offered too.
    else if (r.status === 'FAILED' && step.kind === 'guest' && !r.extra.deadmanId && step.undo)
      run.applied.push({ step });
    const auditOutcome = r.status === 'APPLIED' ? 'APPLIED' : (r.status as StepOutcome);
    await run.audit(step, auditOutcome, rep.detail).catch(() => undefined);
    if (r.status === 'APPLIED') run.emit({ type: 'applied', step, detail: rep.detail ?? '' });
    else {
      run.emit({
        type: 'failed',
        step,
        error: rep.error ?? { code: r.status, message: rep.detail ?? r.status },
        consolePath: rep.consolePath,
      });
      stop = { outcome: r.status as StepOutcome, detail: rep.detail ?? r.status };
    }
  }

  if (stop) {
    const rollback =
      stop.outcome === 'FAILED' || stop.outcome === 'ROLLED_BACK' ? await run.offerRollback() : undefined;
    const outcome = rollback?.applied ? 'ROLLED_BACK' : stop.outcome;
    const detail = rollback ? `${stop.detail} ${rollback.detail}`.trim() : stop.detail;
    return finish(run, {
      plan: plan.id,
      outcome,
      detail,
      steps: run.reports,
      ...(rollback ? { rollback } : {}),
    });
  }
  if (!run.applied.length)
    return finish(run, {
      plan: plan.id,
      outcome: 'MANUAL',
      detail: 'Only manual steps: follow them by hand, then refresh.',
      steps: run.reports,
    });

  run.emit({ type: 'verifying', plan });
  let verify: VerifyResult;
  try {
    verify = await deps.verify(plan);
  } catch (e) {
    verify = { fixed: false, detail: `Could not verify: ${run.clean(String((e as Error)?.message ?? e))}` };
  }
  verify = { fixed: verify.fixed, detail: run.clean(verify.detail) };
  const outcome: StepOutcome = verify.fixed ? 'FIXED' : 'UNFIXED';
  run.emit({ type: outcome, plan, detail: verify.detail });
  for (const a of run.applied) {
    await run.audit(a.step, outcome, verify.detail).catch(() => undefined);
    const rep = run.reports.find((x) => x.id === a.step.id);
    if (rep) rep.status = outcome;
  }
  if (verify.fixed)
    return finish(run, { plan: plan.id, outcome, detail: verify.detail, steps: run.reports, verify });
  const rollback = await run.offerRollback();
  return finish(run, {
    plan: plan.id,
    outcome: rollback?.applied ? 'ROLLED_BACK' : 'UNFIXED',
    detail: `${verify.detail}${rollback ? ` ${rollback.detail}` : ''}`.trim(),
    steps: run.reports,
    verify,
    ...(rollback ? { rollback } : {}),
  });
}

/** A confirm function that answers exactly the expected answer (the revert scheduler's own confirmation). */
export function autoConfirm(req: ConfirmRequest): Promise<string | boolean> {
  return Promise.resolve(autoAnswer(req));
}
