/**
 * `--scope vswitch|sg|vpc`: how big is the incident? Each instance sharing the target's vSwitch, security groups or
 * VPC is diagnosed on its cloud side only (diagnose() on a snapshot without guest facts), against the target's own
 * intents. A member is affected when one of those intents is DROPPED at a platform or cloud-network hop; the grade
 * follows the seed checklist (item 8): one instance low, several in one zone medium, several across zones high.
 * Causes are grouped so the report can say when one rule or ACL entry blocks them all. Pure: no I/O, no clock.
 */
import type {
  Finding,
  Hop,
  HopId,
  Instance,
  Intent,
  PathResult,
  ScopeCause,
  ScopeMember,
  ScopeResult,
  Snapshot,
} from '../model/index.js';
import { diagnose } from './index.js';

export type ScopeKind = ScopeResult['kind'];

export interface ScopeInput {
  kind: ScopeKind;
  /** The vSwitch, VPC or security group ids, comma-separated when the target has several groups. */
  resource: string;
  targetId?: string;
  /** The target's intents; each member is checked against the same ones. */
  intents: Intent[];
  /** One cloud-only snapshot per member, the target's included. */
  members: Snapshot[];
  /** How many instances matched before the member cap. */
  total?: number;
  notes?: string[];
}

/** Hops that decide nothing about this instance's own cloud side (`peer` is checked from the peer's side). */
const INFORMATIONAL: ReadonlySet<HopId> = new Set(['peer']);
const CLOUD_LAYERS: ReadonlySet<Hop['layer']> = new Set(['platform', 'cloud-network']);
/** Resources that belong to one instance: a cause keyed on them is that instance's own. */
const OWN_RESOURCE = /^(i|eip|eni)-/;

/** low: at most one instance; medium: several, all in one zone; high: several across zones. */
export function scopeGrade(affected: number, zones: number): ScopeResult['grade'] {
  if (affected < 2) return 'low';
  return zones >= 2 ? 'high' : 'medium';
}

/** The cloud part of a path: DROPPED at a platform/cloud hop, DELIVERED when every cloud hop is OK, else UNKNOWN. */
export function cloudResult(path: Hop[]): { result: PathResult; blockedAt?: HopId } {
  const hops = path.filter((h) => CLOUD_LAYERS.has(h.layer) && !INFORMATIONAL.has(h.hop));
  const blocked = hops.find((h) => h.state === 'BLOCKED');
  if (blocked) return { result: 'DROPPED', blockedAt: blocked.hop };
  if (hops.length && hops.every((h) => h.state === 'OK')) return { result: 'DELIVERED' };
  return { result: 'UNKNOWN' };
}

export function hasPublicAddress(inst: Instance): boolean {
  return !!(inst.eip?.ip || inst.publicIps.length || inst.enis.some((e) => e.publicIp));
}

/**
 * Whether the target's intent says anything about a neighbour. An instance without a public address is not meant
 * to be reached from outside the VPC (it sits behind a load balancer or serves only the VPC): inbound intents from
 * the internet do not apply to it, or every private server would count as "affected". An instance-to-instance
 * intent whose peer is the member itself does not apply either. The target is always checked.
 */
export function intentApplies(intent: Intent, inst: Instance, isTarget: boolean): boolean {
  if (isTarget) return true;
  if (intent.fromInstanceId === inst.id || intent.toInstanceId === inst.id) return false;
  if (intent.direction === 'inbound' && !hasPublicAddress(inst)) return false;
  return true;
}

function ruleIdOf(rule: unknown): string | undefined {
  const id = (rule as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** A cause as one member sees it; gradeScope adds who else it blocks. */
type MemberCause = Omit<ScopeCause, 'instanceIds' | 'shared'>;

/** Groups a finding with the same finding on other members: one shared resource, or one kind of own fault. */
function causeOf(f: Finding, instanceId: string): MemberCause {
  const res = typeof f.evidence.resource === 'string' ? f.evidence.resource : undefined;
  const rule = ruleIdOf(f.evidence.rule);
  const own = !res || OWN_RESOURCE.test(res) || res === instanceId || f.layer === 'platform';
  if (own)
    return {
      id: `${f.code}:each`,
      code: f.code,
      ...(f.hop ? { hop: f.hop } : {}),
      perInstance: true,
      title: f.title,
      intentIds: [...(f.intentIds ?? [])],
    };
  // Finding ids name the rule and the flow, so the same rule on two members gives the same id — unless the
  // id was normalised to the instance (NO_INTERNET_EGRESS): then the resource and rule make the key.
  const id = f.id.includes(instanceId) ? [f.code, res, rule].filter(Boolean).join(':') : f.id;
  return {
    id,
    code: f.code,
    ...(f.hop ? { hop: f.hop } : {}),
    resource: res,
    ...(rule ? { rule } : {}),
    perInstance: false,
    title: f.title,
    intentIds: [...(f.intentIds ?? [])],
  };
}

interface Evaluated {
  member: ScopeMember;
  causes: MemberCause[];
}

/** One member: the cloud part of each applicable intent, and the findings behind its blocked hops. */
export function evaluateMember(s: Snapshot, intents: Intent[], isTarget: boolean): Evaluated {
  const inst = s.cloud?.instance.value;
  const instanceId = inst?.id ?? s.target.instanceId ?? 'unknown';
  const base: ScopeMember = {
    instanceId,
    zoneId: inst?.zoneId ?? 'unknown',
    result: 'UNKNOWN',
    codes: [],
  };
  const name = inst?.name ?? s.target.name;
  if (name) base.name = name;
  if (isTarget) base.target = true;
  if (!inst) {
    const err = s.cloud?.instance.error;
    base.note = `could not be read${err ? `: ${err.code} — ${err.message}` : ''}`;
    return { member: base, causes: [] };
  }
  const applicable = intents.filter((i) => intentApplies(i, inst, isTarget));
  const v = diagnose(s, applicable);
  const perIntent: NonNullable<ScopeMember['intents']> = [];
  const causes = new Map<string, MemberCause>();
  for (const intent of intents) {
    const pv = v.verdicts.find((p) => p.intent.id === intent.id);
    if (!pv) {
      perIntent.push({ id: intent.id, result: 'n/a' });
      continue;
    }
    const r = cloudResult(pv.path);
    perIntent.push({ id: intent.id, result: r.result, ...(r.blockedAt ? { blockedAt: r.blockedAt } : {}) });
    if (r.result !== 'DROPPED') continue;
    const blocked = new Set(
      pv.path.filter((h) => h.state === 'BLOCKED' && CLOUD_LAYERS.has(h.layer)).map((h) => h.hop),
    );
    for (const f of v.findings) {
      if (f.layer !== 'platform' && f.layer !== 'cloud-network') continue;
      if (!f.hop || !blocked.has(f.hop) || !f.intentIds?.includes(intent.id)) continue;
      const c = causeOf(f, instanceId);
      const prev = causes.get(c.id);
      if (prev) prev.intentIds = [...new Set([...prev.intentIds, ...c.intentIds])];
      else causes.set(c.id, c);
    }
  }
  const results = perIntent.map((p) => p.result).filter((r): r is PathResult => r !== 'n/a');
  base.result = results.includes('DROPPED')
    ? 'DROPPED'
    : results.length && results.every((r) => r === 'DELIVERED')
      ? 'DELIVERED'
      : 'UNKNOWN';
  base.intents = perIntent;
  const list = [...causes.values()];
  base.codes = [...new Set(list.map((c) => c.code))];
  if (list.length) base.causes = list.map((c) => c.id);
  if (!results.length)
    base.note = 'no public address: the inbound intents from outside the VPC do not apply to it';
  return { member: base, causes: list };
}

const ORDER: Record<PathResult, number> = { DROPPED: 0, UNKNOWN: 1, DELIVERED: 2 };

function label(m: ScopeMember): string {
  return m.name && m.name !== m.instanceId ? `${m.name} (${m.instanceId})` : m.instanceId;
}

function describeResource(kind: ScopeKind, resource: string): string {
  const many = resource.includes(',');
  const what = kind === 'sg' ? 'security group' : kind === 'vswitch' ? 'vSwitch' : 'VPC';
  return `${what}${many ? 's' : ''} ${resource.split(',').join(', ')}`;
}

function causeText(c: ScopeCause): string {
  if (c.perInstance) return `${c.code} (${c.title})`;
  const where = c.rule ? `${c.rule} in ${c.resource}` : c.resource;
  return `${c.title}${where ? ` — ${where}` : ''}`;
}

function summarise(
  input: ScopeInput,
  members: ScopeMember[],
  affected: ScopeMember[],
  zones: string[],
  causes: ScopeCause[],
): string {
  const what = describeResource(input.kind, input.resource);
  const n = members.length;
  const target = members.find((m) => m.target);
  const s = (k: number, one: string, many: string) => (k === 1 ? one : many);
  if (affected.length === 0)
    return `None of the ${n} ${s(n, 'instance', 'instances')} sharing ${what} is blocked on the cloud side${
      target
        ? `: what stops ${label(target)} is inside it or specific to how it is reached (see the findings)`
        : ''
    }.`;
  if (affected.length === 1) {
    const only = affected[0];
    const why = causes.length ? ` (${causes.map(causeText).join('; ')})` : '';
    if (only.target)
      return n === 1
        ? `${label(only)} is the only instance in ${what}${why}.`
        : `Only ${label(only)} is blocked; the ${n - 1} other ${s(n - 1, 'instance', 'instances')} sharing ${what} pass the same checks: the cause is specific to this instance${why}.`;
    return `1 of ${n} instances sharing ${what} is blocked: ${label(only)}${why}.${
      target ? ` ${label(target)} itself is not blocked on the cloud side.` : ''
    }`;
  }
  const where = zones.length === 1 ? `one zone (${zones[0]})` : `${zones.length} zones (${zones.join(', ')})`;
  let out = `${affected.length} of ${n} instances sharing ${what} are blocked, in ${where}.`;
  const all = causes.filter((c) => c.shared);
  const one = all.find((c) => !c.perInstance);
  if (one) out += ` One cause blocks all of them: ${causeText(one)}. Fixing it once fixes them all.`;
  else if (all.length) out += ` Each of them has the same kind of fault: ${causeText(all[0])}.`;
  else if (causes.length)
    out += ` No single cause explains all of them: ${causes
      .slice(0, 3)
      .map((c) => `${causeText(c)} on ${c.instanceIds.length}`)
      .join('; ')}.`;
  if (target && target.result !== 'DROPPED')
    out += ` ${label(target)} itself is not blocked on the cloud side.`;
  return out;
}

/** The scope verdict: every member's cloud-side result, the causes they share, and the grade. */
export function gradeScope(input: ScopeInput): ScopeResult {
  const evaluated = input.members.map((s) => {
    const id = s.cloud?.instance.value?.id ?? s.target.instanceId;
    return evaluateMember(s, input.intents, id !== undefined && id === input.targetId);
  });
  const members = evaluated
    .map((e) => e.member)
    .sort(
      (a, b) =>
        Number(!!b.target) - Number(!!a.target) ||
        ORDER[a.result] - ORDER[b.result] ||
        a.zoneId.localeCompare(b.zoneId) ||
        (a.name ?? a.instanceId).localeCompare(b.name ?? b.instanceId),
    );
  const affected = members.filter((m) => m.result === 'DROPPED');
  const zones = [...new Set(affected.map((m) => m.zoneId))].sort();

  const byId = new Map<string, ScopeCause>();
  for (const e of evaluated)
    for (const c of e.causes) {
      const prev = byId.get(c.id);
      if (prev) {
        prev.intentIds = [...new Set([...prev.intentIds, ...c.intentIds])];
        if (!prev.instanceIds.includes(e.member.instanceId)) prev.instanceIds.push(e.member.instanceId);
      } else byId.set(c.id, { ...c, instanceIds: [e.member.instanceId], shared: false });
    }
  const causes = [...byId.values()];
  for (const c of causes)
    c.shared = affected.length > 0 && affected.every((m) => c.instanceIds.includes(m.instanceId));
  causes.sort(
    (a, b) =>
      b.instanceIds.length - a.instanceIds.length ||
      Number(a.perInstance) - Number(b.perInstance) ||
      a.id.localeCompare(b.id),
  );

  const notes = [...(input.notes ?? [])];
  const unread = members.filter((m) => m.zoneId === 'unknown' && m.note?.startsWith('could not be read'));
  if (unread.length)
    notes.push(
      `${unread.length} ${unread.length === 1 ? 'member' : 'members'} could not be read and ${unread.length === 1 ? 'is' : 'are'} not graded: ${unread.map((m) => m.instanceId).join(', ')}.`,
    );
  const partly = members.filter((m) => m.intents?.some((i) => i.result === 'n/a') && !m.note);
  if (partly.length)
    notes.push(
      `${partly.length} ${partly.length === 1 ? 'member has' : 'members have'} no public address: the inbound intents from outside the VPC were not checked on ${partly.length === 1 ? 'it' : 'them'}, the others were.`,
    );
  notes.push(
    'Members are checked on the cloud side only (instance, public address, network ACL, security groups, routes); their guests are not: run netdoctor on one of them for its guest.',
  );

  const out: ScopeResult = {
    kind: input.kind,
    resource: input.resource,
    members,
    affected: affected.length,
    zones,
    grade: scopeGrade(affected.length, zones.length),
  };
  if (input.targetId) out.target = input.targetId;
  out.total = Math.max(input.total ?? members.length, members.length);
  out.causes = causes;
  out.summary = summarise(input, members, affected, zones, causes);
  out.notes = notes;
  return out;
}
