/**
 * Temporary access ("open 22 to my address for 30 minutes"): the rule carries its own expiry in its
 * description, so it can be revoked on time by this netdoctor (a timer that runs the revert through the runner,
 * confirming only that revert by itself) and, should this netdoctor be gone by then, by any later run that reads
 * the group (sweepExpired). Only Accept rules in exactly netdoctor's format are ever swept: a Drop rule dressed up
 * with such a description is left alone, since revoking it would open access instead of closing it.
 */
import { toSourceError } from '../cloud/errors.js';
import { parseSecurityGroupAttribute } from '../cloud/parse/ecs.js';
import type {
  ApiCall,
  AuditRecord,
  Plan,
  PlanStep,
  SecurityGroup,
  SgRule,
  SourceError,
} from '../model/index.js';
import type { AuditLog } from './audit.js';
import {
  autoConfirm,
  type CloudCaller,
  consolePathFor,
  type PlanResult,
  type RunnerDeps,
  type RunnerEvent,
  runPlan,
} from './runner.js';

export const TEMP_ACCESS_PREFIX = 'netdoctor temporary access until ';
const DESC_RE = /^netdoctor temporary access until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)(?: by (\S{1,120}))?$/;

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `netdoctor temporary access until 2026-11-26T13:00:00Z by alice@laptop` (the `by` part kept to safe characters). */
export function temporaryDescription(until: number, by: string): string {
  const who = by.replace(/[^A-Za-z0-9._@:+-]/g, '').slice(0, 120);
  return `${TEMP_ACCESS_PREFIX}${isoSeconds(until)}${who ? ` by ${who}` : ''}`;
}

/** The expiry (epoch ms) of a netdoctor temporary rule, from its description; undefined for any other rule. */
export function parseExpiry(description: string | undefined): number | undefined {
  return parseTemporary(description)?.until;
}

export function parseTemporary(description: string | undefined): { until: number; by?: string } | undefined {
  const m = DESC_RE.exec((description ?? '').trim());
  if (!m) return undefined;
  const until = Date.parse(m[1]);
  if (!Number.isFinite(until)) return undefined;
  return m[2] ? { until, by: m[2] } : { until };
}

export interface TemporaryAccessInput {
  groupId: string;
  regionId: string;
  /** The operator's address: `203.0.113.7`, `203.0.113.7/32` or an IPv6 address/prefix. */
  cidr: string;
  port?: number;
  protocol?: 'tcp' | 'udp';
  /** How long (minutes); or `durationMs` for sub-minute windows (tests). */
  minutes?: number;
  durationMs?: number;
  /** Operator identity for the description (`alice@laptop`). */
  by: string;
  now: number;
  nicType?: 'intranet' | 'internet';
}

function normaliseCidr(cidr: string): { v6: boolean; cidr: string } {
  const v6 = cidr.includes(':');
  return { v6, cidr: cidr.includes('/') ? cidr : `${cidr}/${v6 ? 128 : 32}` };
}

/** AuthorizeSecurityGroup of one Accept rule at priority 1 carrying its expiry; undo = revoke exactly that rule. */
export function temporaryAccessPlan(input: TemporaryAccessInput): Plan {
  const port = input.port ?? 22;
  const protocol = input.protocol ?? 'tcp';
  const ms = input.durationMs ?? (input.minutes ?? 30) * 60_000;
  if (!(ms > 0)) throw new Error('temporary access needs a positive duration');
  const until = input.now + ms;
  const description = temporaryDescription(until, input.by);
  const { v6, cidr } = normaliseCidr(input.cidr);
  const rule: Record<string, unknown> = {
    IpProtocol: protocol.toUpperCase(),
    PortRange: `${port}/${port}`,
    [v6 ? 'Ipv6SourceCidrIp' : 'SourceCidrIp']: cidr,
    Policy: 'accept',
    Priority: '1',
  };
  if (input.nicType) rule.NicType = input.nicType;
  const base = { RegionId: input.regionId, SecurityGroupId: input.groupId };
  const authorize: ApiCall = {
    product: 'ecs',
    action: 'AuthorizeSecurityGroup',
    params: { ...base, Permissions: [{ ...rule, Description: description }] },
  };
  // Revoke matches on the rule's content; the description is not part of a rule's identity.
  const revoke: ApiCall = {
    product: 'ecs',
    action: 'RevokeSecurityGroup',
    params: { ...base, Permissions: [rule] },
  };
  const span = input.minutes !== undefined ? `${input.minutes} minutes` : `${Math.round(ms / 1000)} seconds`;
  const line = `accept ${protocol}/${port} from ${cidr} priority 1 "${description}"`;
  return {
    id: 'temporary-access',
    title: `Open ${protocol}/${port} to ${cidr} for ${span}`,
    summary: `Adds one Accept rule to ${input.groupId} for ${protocol}/${port} from ${cidr} only, at priority 1, until ${isoSeconds(until)}; netdoctor revokes it then (or at its next run if it is not running).`,
    risk: 'medium',
    findingIds: [],
    intentIds: [],
    expiresAt: until,
    steps: [
      {
        id: 'authorize-temporary',
        title: `Allow ${protocol}/${port} from ${cidr} until ${isoSeconds(until)}`,
        kind: 'api',
        api: authorize,
        diff: { before: [], after: [line] },
        risk: 'medium',
        lockout: false,
        undo: { title: `Revoke the temporary ${protocol}/${port} rule for ${cidr}`, api: revoke },
      },
    ],
  };
}

/** The plan that undoes a plan's API steps (newest first): what the scheduler runs when the access expires. */
export function revertPlanOf(plan: Plan): Plan {
  const steps: PlanStep[] = [...plan.steps]
    .reverse()
    .filter((s) => s.undo?.api)
    .map((s) => ({
      id: `${s.id}:revert`,
      title: s.undo!.title,
      kind: 'api',
      api: s.undo!.api,
      risk: 'low',
      lockout: false,
    }));
  return {
    id: `${plan.id}:revert`,
    title: `Revert: ${plan.title}`,
    summary: `Scheduled revert of "${plan.title}".`,
    risk: 'low',
    findingIds: [],
    intentIds: [],
    steps,
  };
}

/** The descriptions a plan's authorize calls give their rules (what must be gone after the revert). */
function descriptionsOf(plan: Plan): { groupId: string; description: string }[] {
  const out: { groupId: string; description: string }[] = [];
  for (const s of plan.steps) {
    const p = s.api?.params as
      | { SecurityGroupId?: string; Permissions?: { Description?: string }[] }
      | undefined;
    for (const perm of p?.Permissions ?? [])
      if (p?.SecurityGroupId && perm.Description)
        out.push({ groupId: p.SecurityGroupId, description: perm.Description });
  }
  return out;
}

/** Verifies a revert by reading the groups back: FIXED when no rule with the temporary description remains. */
export function revertVerifier(
  cloud: CloudCaller,
  plan: Plan,
  regionId?: string,
): () => Promise<{ fixed: boolean; detail: string }> {
  return async () => {
    const left: string[] = [];
    for (const { groupId, description } of descriptionsOf(plan)) {
      const params: Record<string, unknown> = { SecurityGroupId: groupId, Direction: 'all' };
      if (regionId) params.RegionId = regionId;
      const sg = parseSecurityGroupAttribute(
        (await cloud.call('ecs', 'DescribeSecurityGroupAttribute', params)) as Record<string, any>,
      );
      if (sg.rules.some((r) => r.description === description)) left.push(`${groupId}: ${description}`);
    }
    return left.length
      ? { fixed: false, detail: `The temporary rule is still there (${left.join('; ')}).` }
      : { fixed: true, detail: 'The temporary rule is gone.' };
  };
}

/**
 * Whether a run of `plan` left something that must be reverted on time: the plan expires and one of its steps
 * was applied and not rolled back (FIXED, UNFIXED with the rollback declined, or applied before a later failure).
 */
export function needsRevert(plan: Plan, result: PlanResult): boolean {
  return (
    plan.expiresAt !== undefined &&
    result.steps.some((s) => ['APPLIED', 'FIXED', 'UNFIXED'].includes(s.status))
  );
}

export interface RevertHandle {
  plan: string;
  /** Epoch ms when the revert runs. */
  due: number;
  cancel(): void;
  /** The revert's result (undefined when cancelled). */
  done: Promise<PlanResult | undefined>;
}

export interface ScheduleOptions {
  onEvent?: (e: RunnerEvent) => void;
  /** Keep the process alive until the revert ran (default false: a later run's sweep catches it). */
  keepAlive?: boolean;
  regionId?: string;
}

const MAX_TIMER = 2 ** 31 - 1;

/**
 * Runs the revert of `plan` at `plan.expiresAt`, through the runner, with a confirmation that approves exactly
 * that revert (nothing else the runner might ask). Verification reads the group back.
 */
export function scheduleRevert(plan: Plan, deps: RunnerDeps, opts: ScheduleOptions = {}): RevertHandle {
  const now = deps.now ?? Date.now;
  const due = plan.expiresAt ?? now();
  const revert = revertPlanOf(plan);
  let timer: NodeJS.Timeout | undefined;
  let settle: (r: PlanResult | undefined) => void = () => undefined;
  const done = new Promise<PlanResult | undefined>((r) => (settle = r));
  const arm = () => {
    const left = due - now();
    // setTimeout cannot wait longer than ~24.8 days at once.
    timer = setTimeout(left > MAX_TIMER ? arm : fire, Math.max(0, Math.min(left, MAX_TIMER)));
    if (!opts.keepAlive) timer.unref?.();
  };
  const fire = () => {
    timer = undefined;
    const verify = deps.cloud ? revertVerifier(deps.cloud, plan, opts.regionId) : deps.verify;
    runPlan(
      revert,
      { ...deps, confirm: autoConfirm, verify },
      { purpose: 'revert', autoConfirm: true, onEvent: opts.onEvent },
    ).then(settle, (e) =>
      settle({ plan: revert.id, outcome: 'FAILED', detail: String((e as Error)?.message ?? e), steps: [] }),
    );
  };
  arm();
  return {
    plan: plan.id,
    due,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      settle(undefined);
    },
    done,
  };
}

export interface SweepOptions {
  audit?: AuditLog;
  who?: string;
  /** Read-only: report expired rules, revoke nothing. */
  readOnly?: boolean;
  regionId?: string;
  /** What to name as the audit record's target (default the group id). */
  target?: string;
}

export interface SweepAction {
  groupId: string;
  ruleId: string;
  direction: SgRule['direction'];
  description: string;
  expiredAt: number;
  by?: string;
  action: 'revoked' | 'failed' | 'kept-read-only';
  /** One sentence for the output/UI. */
  message: string;
  error?: SourceError;
}

function ruleText(r: SgRule): string {
  const ports = r.ports.from === r.ports.to ? `${r.ports.from}` : `${r.ports.from}-${r.ports.to}`;
  return `${r.protocol}/${ports} ${r.direction === 'ingress' ? 'from' : 'to'} ${r.peerCidr ?? r.peerIpv6Cidr ?? r.peerGroupId ?? r.peerPrefixListId ?? '?'}`;
}

function revokeCall(r: SgRule, regionId: string | undefined): ApiCall {
  const ing = r.direction === 'ingress';
  const params: Record<string, unknown> = { SecurityGroupId: r.groupId };
  if (regionId) params.RegionId = regionId;
  if (r.id.startsWith('sgr-')) params.SecurityGroupRuleId = [r.id];
  else {
    const perm: Record<string, unknown> = {
      IpProtocol: r.protocol.toUpperCase(),
      PortRange: `${r.ports.from}/${r.ports.to}`,
      Policy: r.policy,
      Priority: String(r.priority),
    };
    if (r.peerCidr) perm[ing ? 'SourceCidrIp' : 'DestCidrIp'] = r.peerCidr;
    if (r.peerIpv6Cidr) perm[ing ? 'Ipv6SourceCidrIp' : 'Ipv6DestCidrIp'] = r.peerIpv6Cidr;
    if (r.nicType) perm.NicType = r.nicType;
    params.Permissions = [perm];
  }
  return { product: 'ecs', action: ing ? 'RevokeSecurityGroup' : 'RevokeSecurityGroupEgress', params };
}

/** Revokes every expired netdoctor temporary rule in `groups` and says what it did, rule by rule. */
export async function sweepExpired(
  client: CloudCaller & { region?: string },
  groups: readonly SecurityGroup[],
  now: number,
  opts: SweepOptions = {},
): Promise<SweepAction[]> {
  const regionId = opts.regionId ?? client.region;
  const out: SweepAction[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      const t = parseTemporary(r.description);
      if (!t || t.until > now || r.policy !== 'accept') continue;
      const call = revokeCall({ ...r, groupId: r.groupId || g.id }, regionId);
      const when = isoSeconds(t.until);
      const base = {
        groupId: g.id,
        ruleId: r.id,
        direction: r.direction,
        description: r.description,
        expiredAt: t.until,
        ...(t.by ? { by: t.by } : {}),
      };
      if (opts.readOnly) {
        out.push({
          ...base,
          action: 'kept-read-only',
          message: `Temporary rule ${r.id} (${ruleText(r)}) in ${g.id} expired at ${when} but is still open: netdoctor is read-only, so it was not revoked. Revoke it in ${consolePathFor('ecs', call.action, call.params)}.`,
        });
        continue;
      }
      const rec: AuditRecord = {
        at: new Date(now).toISOString(),
        who: opts.who ?? 'netdoctor',
        target: opts.target ?? g.id,
        plan: 'temporary-access:sweep',
        step: r.id,
        call,
        before: [`${r.policy} ${ruleText(r)} priority ${r.priority} "${r.description}"`],
        after: [],
        outcome: 'EXPIRED_REVOKED',
      };
      try {
        await client.call(call.product, call.action, call.params);
        const message = `Revoked temporary rule ${r.id} (${ruleText(r)}) in ${g.id}: it expired at ${when}${t.by ? ` (opened by ${t.by})` : ''}.`;
        out.push({ ...base, action: 'revoked', message });
        await opts.audit?.append({ ...rec, detail: message }).catch(() => undefined);
      } catch (e) {
        const error = toSourceError(e);
        const message = `Could not revoke expired temporary rule ${r.id} (${ruleText(r)}) in ${g.id}: ${error.message}${error.ramAction ? ` Grant ${error.ramAction}, or revoke it in ${consolePathFor('ecs', call.action, call.params)}.` : ''}`;
        out.push({ ...base, action: 'failed', message, error });
        await opts.audit?.append({ ...rec, outcome: 'FAILED', detail: message }).catch(() => undefined);
      }
    }
  }
  return out;
}
