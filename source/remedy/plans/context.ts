/** What every plan builder reads: the snapshot and verdict the remedy came from, and who asks. */
import type { Finding, Instance, SecurityGroup, Snapshot, Verdict } from '../../model/index.js';

export interface PlanContext {
  snapshot: Snapshot;
  verdict: Verdict;
  /** Operator identity (`alice@laptop (cli_profile:default)`), for descriptions and the audit log. */
  who: string;
  now: number;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export function instanceOf(ctx: PlanContext): Instance | undefined {
  return ctx.snapshot.cloud?.instance.value;
}

export function regionOf(ctx: PlanContext): string {
  return ctx.snapshot.cloud?.regionId ?? ctx.snapshot.target.region ?? '';
}

export function groupOf(ctx: PlanContext, id: string): SecurityGroup | undefined {
  return ctx.snapshot.cloud?.securityGroups.value?.find((g) => g.id === id);
}

/** Findings (and their intents) that name this remedy id: what the plan must clear. */
export function findingsFor(ctx: PlanContext, remedyId: string): Finding[] {
  return ctx.verdict.findings.filter((f) => f.remedies.includes(remedyId));
}

export function targetsOf(ctx: PlanContext, remedyId: string): { findingIds: string[]; intentIds: string[] } {
  const fs = findingsFor(ctx, remedyId);
  return { findingIds: fs.map((f) => f.id), intentIds: [...new Set(fs.flatMap((f) => f.intentIds ?? []))] };
}

/** Single-quote a value for POSIX sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
