/** What the plan runner needs (its dependencies and options) and what it reports (events, step and plan results). */
import type { Transport } from '../guest/transport/types.js';
import type { Plan, PlanStep, SourceError, StepOutcome } from '../model/index.js';
import type { AuditLog } from './audit.js';
import type { ConfirmPurpose, ConfirmRequest, ConfirmTarget } from './confirm.js';
import type { DeadmanEvent } from './deadman.js';

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
