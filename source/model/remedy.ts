/** Remediation is data (DESIGN.md §1, §6): a plan is steps, each previewed, confirmed, applied, verified, reversible. */

export type Risk = 'low' | 'medium' | 'high';

/** The exact OpenAPI call a step makes, as shown in the preview and written to the audit log. */
export interface ApiCall {
  product: 'ecs' | 'vpc';
  action: string;
  params: Record<string, unknown>;
}

export interface RuleDiff {
  /** What the rules (or file, or table) looked like, one line each, with the changed lines marked by the UI. */
  before: string[];
  after: string[];
}

export interface StepUndo {
  title: string;
  api?: ApiCall;
  command?: string;
}

/** A piece of guest state the dead-man switch saves and restores. */
export type DeadmanSave = 'iptables' | 'nft' | 'routes' | 'links' | `file:${string}`;

export interface PlanStep {
  id: string;
  title: string;
  /** api: a cloud write; guest: a shell command on the instance; manual: only a human can do it (instructions). */
  kind: 'api' | 'guest' | 'manual';
  api?: ApiCall;
  command?: string;
  diff?: RuleDiff;
  risk: Risk;
  /** Can cut the operator's own access or change production traffic: confirmation means typing the target's name. */
  lockout: boolean;
  /** Guest network changes run under a dead-man switch: restored by the guest after `seconds` unless confirmed. */
  deadmanSeconds?: number;
  /**
   * What the dead-man switch saves before the change and restores if netdoctor cannot reconnect:
   * `iptables` (iptables-save/ip6tables-save), `nft` (the whole ruleset), `routes` (main tables), `links`
   * (interfaces up/down), `file:/abs/path`. Absent: inferred from the command.
   */
  saves?: DeadmanSave[];
  undo?: StepUndo;
  /** Manual steps: exactly what to do and where. */
  instructions?: string[];
  /** A read-only guest command whose output completes the instructions (e.g. finding the config line to change). */
  lookup?: string;
}

export interface Plan {
  /** The remedy id findings carry (`netdoctor fix TARGET --remedy ID`). */
  id: string;
  title: string;
  /** Why this fix, in one or two sentences. */
  summary: string;
  risk: Risk;
  /** Findings this plan is expected to clear (verified after apply). */
  findingIds: string[];
  /** Intents that should be DELIVERED afterwards. */
  intentIds: string[];
  steps: PlanStep[];
  /** Plans that schedule their own revert (temporary access): when the revert is due, epoch ms. */
  expiresAt?: number;
}

export type StepOutcome = 'FIXED' | 'UNFIXED' | 'FAILED' | 'ROLLED_BACK' | 'CANCELLED' | 'REFUSED';

/** One line of the append-only audit log. */
export interface AuditRecord {
  at: string;
  who: string;
  target: string;
  plan: string;
  step: string;
  call?: ApiCall;
  command?: string;
  before?: unknown;
  after?: unknown;
  outcome: StepOutcome | 'APPLIED' | 'PREVIEWED' | 'CONFIRMED' | 'EXPIRED_REVOKED';
  detail?: string;
  rollback?: StepUndo;
}
