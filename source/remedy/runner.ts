/**
 * The one runner every plan goes through (DESIGN.md §6): preview → confirm → apply → verify → FIXED/UNFIXED,
 * with the rollback offered on UNFIXED or failure. Read-only refuses before anything is asked; nothing runs
 * without a confirmation naming the exact change; lock-out-capable steps need the target's name typed back (or
 * `yes` from a script); manual steps are shown, never "applied"; guest changes that can cut access run under
 * the dead-man switch; every confirmation, change, verification and rollback is appended to the audit log
 * before the runner moves on. The UI drives it through `onEvent`.
 */
import { toSourceError } from '../cloud/errors.js';
import type { Transport } from '../guest/transport/types.js';
import type { AuditRecord, Plan, PlanStep, SourceError, StepOutcome, StepUndo } from '../model/index.js';
import type { AuditLog } from './audit.js';
import {
  accepts,
  autoAnswer,
  type ConfirmPurpose,
  ConfirmRefused,
  type ConfirmRequest,
  type ConfirmTarget,
  confirmationFor,
  describeSaves,
} from './confirm.js';
import {
  buildRestoreScript,
  DEFAULT_DEADMAN_SECONDS,
  type DeadmanEvent,
  inferSaves,
  newDeadmanId,
  runUnderDeadman,
} from './deadman.js';
import { redactText, redactValue } from './redact.js';

export interface CloudCaller {
  call(product: string, action: string, params: Record<string, unknown>): Promise<unknown>;
}

export interface VerifyResult {
  fixed: boolean;
  detail: string;
}

export interface RunnerDeps {
  cloud?: CloudCaller;
  /** The current session's transport. */
  guest?: () => Promise<Transport>;
  /** A brand-new connection (proof that access survived a change). Needed for dead-man steps. */
  reconnectGuest?: () => Promise<Transport>;
  /** Re-runs the check the plan fixes. */
  verify: (plan: Plan) => Promise<VerifyResult>;
  confirm: (req: ConfirmRequest) => Promise<string | boolean>;
  audit: AuditLog;
  readOnly: boolean;
  now?: () => number;
  /** Operator identity: OS user@host plus the credential's source name, never a key. */
  who: string;
  target: ConfirmTarget;
  /** Secret values to mask in previews and details (AccessKey secret, tokens, the sim's guest password). */
  secrets?: () => readonly string[];
  sleep?: (ms: number) => Promise<void>;
}

export interface RunOptions {
  /** --yes: every confirmation (lock-out-capable ones and rollbacks included) is given without asking. */
  yes?: boolean;
  signal?: AbortSignal;
  onEvent?: (e: RunnerEvent) => void;
  /** Why the plan runs: a fix (`apply`) or a scheduled revert (`revert`). */
  purpose?: ConfirmPurpose;
  /** Set by the revert scheduler only: netdoctor confirms the revert it scheduled itself (no prompt). */
  autoConfirm?: boolean;
  /** Timeout of a guest step without a dead-man switch (default 120 s). */
  guestTimeoutMs?: number;
}

export type StepStatus = StepOutcome | 'APPLIED' | 'MANUAL' | 'SKIPPED';

export interface StepReport {
  id: string;
  title: string;
  kind: PlanStep['kind'];
  status: StepStatus;
  detail?: string;
  error?: SourceError;
  /** Where to do it by hand (a permission error). */
  consolePath?: string;
  requestId?: string;
  deadmanId?: string;
  /** The guest command's output (redacted, last 4 KB). */
  output?: string;
}

export interface PlanResult {
  plan: string;
  outcome: StepOutcome | 'MANUAL';
  detail: string;
  steps: StepReport[];
  verify?: VerifyResult;
  rollback?: { offered: boolean; applied: boolean; detail: string };
}

type StepEvent<T> = T & { step: PlanStep };
export type RunnerEvent =
  | StepEvent<{ type: 'previewed'; preview: string[]; confirm: ConfirmRequest['kind'] }>
  | StepEvent<{ type: 'refused'; reason: string }>
  | StepEvent<{ type: 'confirm-requested'; request: ConfirmRequest }>
  | StepEvent<{ type: 'confirmed'; by: 'typed' | 'yes' | '--yes' | 'auto' }>
  | StepEvent<{ type: 'cancelled'; reason: string }>
  | StepEvent<{ type: 'manual'; instructions: string[] }>
  | StepEvent<{ type: 'applying' }>
  | StepEvent<{ type: 'applied'; detail: string }>
  | StepEvent<{ type: 'failed'; error: SourceError; consolePath?: string }>
  | StepEvent<DeadmanEvent>
  | { type: 'verifying'; plan: Plan }
  | { type: 'FIXED' | 'UNFIXED'; plan: Plan; detail: string }
  | StepEvent<{ type: 'rollback-offered'; undo: PlanStep }>
  | StepEvent<{ type: 'rolled-back'; detail: string }>
  | StepEvent<{ type: 'rollback-declined' | 'rollback-failed'; detail: string }>
  | { type: 'done'; result: PlanResult };

/** Where to make an API change by hand in the console, when the credential may not. */
export function consolePathFor(product: string, action: string, params: Record<string, unknown>): string {
  const p = (k: string) => (typeof params[k] === 'string' ? (params[k] as string) : `<${k}>`);
  if (/SecurityGroup/.test(action))
    return `ECS console › Network & Security › Security Groups › ${p('SecurityGroupId')} › Rules › ${/Egress/.test(action) ? 'Outbound' : 'Inbound'}`;
  if (/Instance/.test(action) && product === 'ecs')
    return `ECS console › Instances & Images › Instances › ${p('InstanceId')} › ${action.replace(/Instances?$/, '')}`;
  if (/Eip/.test(action))
    return `VPC console › Elastic IP Addresses › ${p('AllocationId')} › ${action.replace(/EipAddress$/, '')}`;
  if (/RouteEntry/.test(action))
    return `VPC console › Route Tables › ${p('RouteTableId')} › Route Entry List › Custom Route`;
  if (/NetworkAcl/.test(action))
    return `VPC console › Network ACL › ${p('NetworkAclId')} › Inbound/Outbound Rules`;
  if (/Snat/.test(action)) return `VPC console › NAT Gateways › ${p('SnatTableId')} › SNAT`;
  if (/Command|Invocation/.test(action)) return 'ECS console › Maintenance & Monitoring › Cloud Assistant';
  return `${product.toUpperCase()} console`;
}

function isPermissionError(e: { code?: unknown; status?: unknown; ramAction?: unknown }): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  return (
    /^Forbidden|NoPermission|^AccessForbidden|^Unauthorized/.test(code) || (e.status === 403 && !!e.ramAction)
  );
}

const tail = (s: string, n = 4096) => (s.length > n ? `…${s.slice(-n)}` : s);
const hhmmss = (iso?: string) => (iso ? `${iso.slice(11, 19)} UTC` : 'the end of the window');

interface Applied {
  step: PlanStep;
  deadmanId?: string;
}

class PlanRun {
  readonly reports: StepReport[] = [];
  readonly applied: Applied[] = [];
  private readonly now: () => number;
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
  async apply(step: PlanStep): Promise<{ status: StepStatus; extra: Partial<StepReport> }> {
    this.emit({ type: 'applying', step });
    if (step.kind === 'api') {
      const api = step.api!;
      try {
        const body = (await this.deps.cloud!.call(api.product, api.action, api.params)) as
          | { RequestId?: string }
          | undefined;
        const requestId = typeof body?.RequestId === 'string' ? body.RequestId : undefined;
        return {
          status: 'APPLIED',
          extra: {
            requestId,
            detail: `${api.product}:${api.action} accepted${requestId ? ` (RequestId ${requestId})` : ''}.`,
          },
        };
      } catch (e) {
        const err = toSourceError(e, this.secrets());
        err.message = this.clean(err.message);
        if (err.hint) err.hint = this.clean(err.hint);
        if (err.code === 'READ_ONLY')
          return { status: 'REFUSED', extra: { error: err, detail: err.message } };
        if (isPermissionError(e as object)) {
          const ram = err.ramAction ?? `${api.product}:${api.action}`;
          err.ramAction = ram;
          const consolePath = consolePathFor(api.product, api.action, api.params);
          return {
            status: 'FAILED',
            extra: {
              error: err,
              consolePath,
              // An explicit Deny is not fixed by granting: say what the client found instead.
              detail: /explicit Deny/i.test(err.hint ?? '')
                ? `${err.hint} Nothing was changed; it can also be done by hand: ${consolePath}.`
                : `The credential in use lacks the RAM permission ${ram}, so nothing was changed. Grant ${ram} to this identity, or make the change by hand: ${consolePath}.`,
            },
          };
        }
        return {
          status: 'FAILED',
          extra: { error: err, detail: `${err.message}${err.hint ? ` ${err.hint}` : ''}` },
        };
      }
    }
    let guest: Transport;
    try {
      guest = await this.deps.guest!();
    } catch (e) {
      const err = toSourceError(e, this.secrets());
      return {
        status: 'FAILED',
        extra: { error: err, detail: `Could not reach the guest: ${this.clean(err.message)}` },
      };
    }
    const seconds = this.deadmanSeconds(step);
    if (!seconds) {
      try {
        const r = await guest.run(step.command!, {
          timeoutMs: this.opts.guestTimeoutMs ?? 120_000,
          signal: this.opts.signal,
        });
        const output = this.clean(tail(`${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`.trim()));
        if (r.code === 0) return { status: 'APPLIED', extra: { output, detail: 'The command exited 0.' } };
        const why = r.timedOut
          ? 'timed out'
          : r.code === null
            ? `was killed (${r.signal ?? 'signal'})`
            : `exited ${r.code}`;
        return {
          status: 'FAILED',
          extra: {
            output,
            error: { code: 'COMMAND_FAILED', message: `The command ${why}.` },
            detail: `The command ${why}: ${tail(this.clean(r.stderr.trim()), 500) || 'no error output'}`,
          },
        };
      } catch (e) {
        const err = toSourceError(e, this.secrets());
        return {
          status: 'FAILED',
          extra: { error: err, detail: `The command could not run: ${this.clean(err.message)}` },
        };
      }
    }
    const saves = step.saves?.length ? step.saves : inferSaves(step.command!);
    const id = newDeadmanId();
    const what = describeSaves(saves);
    const out = await runUnderDeadman({
      guest,
      reconnect: this.deps.reconnectGuest!,
      spec: { id, seconds, saves, command: step.command! },
      now: this.now,
      sleep: this.deps.sleep,
      signal: this.opts.signal,
      onEvent: (e) => this.emit({ ...e, step }),
    });
    const extra: Partial<StepReport> = { deadmanId: id };
    if (out.kind === 'confirmed') {
      extra.output = this.clean(tail(out.state.output));
      extra.detail = `Applied under dead-man switch ${id}; a new connection got in and confirmed it${out.state.at ? ` at ${hhmmss(out.state.at)}` : ''}.`;
      return { status: 'APPLIED', extra };
    }
    if (out.kind === 'rolled-back') {
      extra.output = this.clean(tail(out.state.output));
      const rc = out.state.rc
        ? ` (the restore exited ${out.state.rc}: ${tail(this.clean(out.state.restoreLog), 300)})`
        : '';
      if (out.state.reason === 'apply-failed') {
        extra.error = { code: 'COMMAND_FAILED', message: `The command exited ${out.state.applyRc ?? '≠0'}.` };
        extra.detail = `The command exited ${out.state.applyRc ?? 'with an error'}; the guest restored ${what} at ${hhmmss(out.state.at)}${rc}.`;
        return { status: 'FAILED', extra };
      }
      extra.detail = `The guest restored ${what} at ${hhmmss(out.state.at)} because netdoctor could not reconnect within ${seconds} s${rc}. The change cut access (or broke the path netdoctor uses); nothing of it remains.`;
      return { status: 'ROLLED_BACK', extra };
    }
    extra.error = {
      code: out.kind === 'not-armed' ? 'DEADMAN_NOT_ARMED' : 'GUEST_UNREACHABLE',
      message: out.detail,
    };
    extra.detail = out.detail;
    return { status: 'FAILED', extra };
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
