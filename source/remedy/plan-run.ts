/**
 * One run of a plan: its step reports and applied steps, events (scrubbed like the audit log), audit records,
 * confirmations, and the rollback offered newest first. runner.ts drives it step by step.
 */
import type { AuditRecord, Plan, PlanStep, StepUndo } from '../model/index.js';
import { accepts, type ConfirmPurpose, ConfirmRefused, confirmationFor } from './confirm.js';
import { buildRestoreScript, DEFAULT_DEADMAN_SECONDS, inferSaves } from './deadman.js';
import { redactText, redactValue } from './redact.js';
import { applyStep } from './runner-apply.js';
import type {
  PlanResult,
  RunnerDeps,
  RunnerEvent,
  RunOptions,
  StepReport,
  StepStatus,
} from './runner-types.js';

export interface Applied {
  step: PlanStep;
  deadmanId?: string;
}

export class PlanRun {
  readonly reports: StepReport[] = [];
  readonly applied: Applied[] = [];
  readonly now: () => number;
  constructor(
    readonly plan: Plan,
    readonly deps: RunnerDeps,
    readonly opts: RunOptions,
  ) {
    this.now = deps.now ?? Date.now;
  }

  emit(e: RunnerEvent): void {
    if (!this.opts.onEvent) return;
    try {
      // Events reach the screen: what they carry (steps, commands, outputs) is scrubbed like the audit log.
      this.opts.onEvent(redactValue(e, this.secrets()));
    } catch {}
  }
  secrets(): readonly string[] {
    return this.deps.secrets?.() ?? [];
  }
  clean(s: string): string {
    return redactText(s, this.secrets());
  }

  async audit(
    step: PlanStep,
    outcome: AuditRecord['outcome'],
    detail?: string,
    rollback?: StepUndo,
  ): Promise<void> {
    const t = this.deps.target;
    const rec: AuditRecord = {
      at: new Date(this.now()).toISOString(),
      who: this.deps.who,
      target: t.name && t.name !== t.id ? `${t.name} (${t.id})` : t.id,
      plan: this.plan.id,
      step: step.id,
      outcome,
    };
    if (step.api) rec.call = step.api;
    if (step.command !== undefined) rec.command = step.command;
    if (step.diff) {
      rec.before = step.diff.before;
      rec.after = step.diff.after;
    }
    if (detail) rec.detail = detail;
    if (rollback) rec.rollback = rollback;
    await this.deps.audit.append(rec);
  }

  report(step: PlanStep, status: StepStatus, extra: Partial<StepReport> = {}): StepReport {
    const r: StepReport = { id: step.id, title: step.title, kind: step.kind, status, ...extra };
    if (r.detail) r.detail = this.clean(r.detail);
    this.reports.push(r);
    return r;
  }

  /** Asks for (or, with --yes, gives) the confirmation. Returns a refusal/cancel reason, or undefined when confirmed. */
  async confirm(
    step: PlanStep,
    purpose: ConfirmPurpose,
  ): Promise<{ status: 'REFUSED' | 'CANCELLED'; reason: string } | undefined> {
    const req = confirmationFor(step, this.deps.target, {
      purpose,
      plan: this.plan.id,
      secrets: this.secrets(),
    });
    if (this.opts.yes || this.opts.autoConfirm) {
      this.emit({ type: 'confirmed', step, by: this.opts.yes ? '--yes' : 'auto' });
      return undefined;
    }
    this.emit({ type: 'confirm-requested', step, request: req });
    let answer: string | boolean;
    try {
      answer = await this.deps.confirm(req);
    } catch (e) {
      if (e instanceof ConfirmRefused)
        return { status: 'REFUSED', reason: `${e.message}${e.hint ? ` ${e.hint}` : ''}` };
      return {
        status: 'CANCELLED',
        reason: `The confirmation was interrupted (${this.clean(String((e as Error)?.message ?? e))}).`,
      };
    }
    if (!accepts(req, answer)) {
      const reason =
        req.kind === 'type-name' && typeof answer === 'string' && answer.trim()
          ? `The name typed did not match "${req.expect}": nothing was changed.`
          : 'Declined: nothing was changed.';
      return { status: 'CANCELLED', reason };
    }
    this.emit({ type: 'confirmed', step, by: req.kind === 'type-name' ? 'typed' : 'yes' });
    return undefined;
  }

  /** Why this step cannot run here at all, before anyone is asked. */
  unavailable(step: PlanStep): string | undefined {
    if (step.kind === 'api') {
      if (!step.api) return 'The step names no API call.';
      if (!this.deps.cloud) return 'No cloud credentials in this session, so the API call cannot be made.';
    }
    if (step.kind === 'guest') {
      if (step.command === undefined) return 'The step names no command.';
      if (!this.deps.guest)
        return 'No guest access in this session (SSH / Cloud Assistant / local), so the command cannot run.';
      if (this.deadmanSeconds(step) && !this.deps.reconnectGuest)
        return 'This change runs under a dead-man switch, which needs a way to reconnect to the guest to confirm it; none is available here.';
    }
    return undefined;
  }

  deadmanSeconds(step: PlanStep): number | undefined {
    if (step.kind !== 'guest') return undefined;
    if (step.deadmanSeconds) return step.deadmanSeconds;
    // A guest change that can cut access never runs without the switch.
    return step.lockout ? DEFAULT_DEADMAN_SECONDS : undefined;
  }

  /** Applies one step (or an undo shaped as a step). Returns its report status and extras. */
  apply(step: PlanStep): Promise<{ status: StepStatus; extra: Partial<StepReport> }> {
    return applyStep(this, step);
  }

  undoOf(a: Applied): PlanStep | undefined {
    const s = a.step;
    const u: StepUndo | undefined =
      s.undo ??
      (a.deadmanId
        ? {
            title: `Restore what dead-man switch ${a.deadmanId} saved`,
            command: buildRestoreScript(a.deadmanId),
          }
        : undefined);
    if (!u || (!u.api && u.command === undefined)) return undefined;
    const step: PlanStep = {
      id: `${s.id}:undo`,
      title: u.title,
      kind: u.api ? 'api' : 'guest',
      risk: s.risk,
      lockout: s.lockout,
    };
    if (u.api) step.api = u.api;
    if (u.command !== undefined) {
      step.command = u.command;
      // Restoring the switch's own record goes back to a state that worked; an arbitrary undo command is guarded too.
      if (s.undo?.command !== undefined && this.deadmanSeconds(s)) {
        step.deadmanSeconds = this.deadmanSeconds(s);
        step.saves = s.saves?.length ? s.saves : inferSaves(s.command ?? u.command);
      } else step.lockout = false;
    }
    return step;
  }

  /** Offers the undo of every applied step, newest first; applies each one confirmed. */
  async offerRollback(): Promise<PlanResult['rollback']> {
    if (!this.applied.length) return undefined;
    let applied = 0;
    const notes: string[] = [];
    for (const a of [...this.applied].reverse()) {
      const undo = this.undoOf(a);
      if (!undo) {
        notes.push(`"${a.step.title}" has no automatic rollback.`);
        continue;
      }
      this.emit({ type: 'rollback-offered', step: a.step, undo });
      const no = await this.confirm(undo, 'rollback');
      if (no) {
        this.emit({ type: 'rollback-declined', step: a.step, detail: no.reason });
        notes.push(`Rollback of "${a.step.title}" not applied: ${no.reason}`);
        continue;
      }
      const r = await this.apply(undo);
      const rollback: StepUndo = {
        title: undo.title,
        ...(undo.api ? { api: undo.api } : {}),
        ...(undo.command !== undefined ? { command: undo.command } : {}),
      };
      if (r.status === 'APPLIED') {
        applied++;
        await this.audit(a.step, 'ROLLED_BACK', r.extra.detail, rollback).catch(() => undefined);
        this.emit({ type: 'rolled-back', step: a.step, detail: r.extra.detail ?? '' });
        const rep = this.reports.find((x) => x.id === a.step.id);
        if (rep) rep.status = 'ROLLED_BACK';
        notes.push(`"${a.step.title}" rolled back.`);
      } else {
        await this.audit(a.step, 'FAILED', `rollback failed: ${r.extra.detail ?? ''}`, rollback).catch(
          () => undefined,
        );
        this.emit({ type: 'rollback-failed', step: a.step, detail: r.extra.detail ?? '' });
        notes.push(`Rollback of "${a.step.title}" failed: ${r.extra.detail ?? ''}`);
      }
    }
    return {
      offered: true,
      applied: applied > 0 && applied === this.applied.length,
      detail: this.clean(notes.join(' ')),
    };
  }
}
