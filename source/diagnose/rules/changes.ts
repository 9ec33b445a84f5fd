/**
 * RECENT_CHANGE: ties an audit-trail event (who, when, what, from where) to the hop it broke. An event that
 * created or modified the exact deciding rule is `certain`; another write to the same resource is `likely`;
 * a write to an involved resource in the last day that explains nothing is listed as `info`.
 */
import type { AuditEvent, Finding, SgRule } from '../../model/index.js';
import { makeFinding } from '../finding.js';

const DAY = 24 * 3600_000;

/**
 * Configuration changes only: security groups, ACLs, routes, EIPs, NAT, instance state and NICs. RunCommand and
 * the like are not changes to the network (and netdoctor's own Cloud Assistant collection records RunCommand).
 */
const CONFIG_ACTION =
  /SecurityGroup|NetworkAcl|RouteEntry|RouteTable|Eip|EipAddress|NatGateway|SnatEntry|ForwardEntry|VSwitch|Vpc|NetworkInterface|^(Start|Stop|Reboot|Modify|Release|Delete|Renew)Instance|InstanceNetworkSpec|InstanceAttribute|Bandwidth/;
const LINK_WINDOW = 30 * DAY;

/** Request parameters in the flat (`IpProtocol`), indexed (`Permissions.1.IpProtocol`) or nested form. */
function permissionSets(params: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (Array.isArray(params.Permissions))
    for (const p of params.Permissions)
      if (p && typeof p === 'object') out.push(p as Record<string, unknown>);
  const indexed = new Map<string, Record<string, unknown>>();
  for (const [k, v] of Object.entries(params)) {
    const m = /^Permissions\.(\d+)\.(.+)$/.exec(k);
    if (!m) continue;
    if (!indexed.has(m[1])) indexed.set(m[1], {});
    indexed.get(m[1])![m[2]] = v;
  }
  out.push(...indexed.values());
  if (params.IpProtocol !== undefined || params.PortRange !== undefined) out.push(params);
  return out;
}

function lower(v: unknown): string {
  return String(v ?? '').toLowerCase();
}

/** Does this event's request describe exactly this security group rule? */
export function eventCreatesRule(ev: AuditEvent, rule: SgRule): boolean {
  const p = ev.params;
  if (
    p.SecurityGroupRuleId === rule.id ||
    (Array.isArray(p.SecurityGroupRuleId) && p.SecurityGroupRuleId.includes(rule.id))
  )
    return true;
  if (!/^(Authorize|Modify)SecurityGroup/.test(ev.name)) return false;
  const ports = rule.ports.from === -1 ? '-1/-1' : `${rule.ports.from}/${rule.ports.to}`;
  return permissionSets(p).some((perm) => {
    const proto = lower(perm.IpProtocol);
    const cidr = perm.SourceCidrIp ?? perm.DestCidrIp;
    return (
      (proto === rule.protocol || (proto === 'all' && rule.protocol === 'all')) &&
      String(perm.PortRange ?? '') === ports &&
      (perm.Policy === undefined || lower(perm.Policy) === rule.policy) &&
      (perm.Priority === undefined || Number(perm.Priority) === rule.priority) &&
      (cidr === undefined || cidr === rule.peerCidr)
    );
  });
}

function describe(ev: AuditEvent, at: number): string {
  const mins = Math.round((at - ev.time) / 60_000);
  const ago =
    mins < 120
      ? `${mins} min ago`
      : mins < 2880
        ? `${Math.round(mins / 60)} h ago`
        : `${Math.round(mins / 1440)} days ago`;
  return `${ev.name} by ${ev.user}${ev.sourceIp ? ` from ${ev.sourceIp}` : ''}, ${ago} (${new Date(ev.time).toISOString()})`;
}

export function changeFindings(
  events: AuditEvent[],
  findings: Finding[],
  involved: Set<string>,
  at: number,
): Finding[] {
  const writes = events
    .filter(
      (e) =>
        e.rw !== 'Read' &&
        !e.errorCode &&
        e.time <= at &&
        at - e.time <= LINK_WINDOW &&
        !/^(Describe|List|Get|Lookup)/.test(e.name) &&
        CONFIG_ACTION.test(e.name),
    )
    .sort((a, b) => b.time - a.time);
  const out: Finding[] = [];
  const used = new Set<string>();
  const blockers = findings.filter(
    (f) =>
      (f.severity === 'critical' || f.severity === 'warning') &&
      f.code !== 'SOURCE_UNAVAILABLE' &&
      f.code !== 'RECENT_CHANGE',
  );
  for (const f of blockers) {
    const res = typeof f.evidence.resource === 'string' ? f.evidence.resource : undefined;
    if (!res) continue;
    const rule = f.evidence.rule as SgRule | undefined;
    const exact =
      rule && typeof rule === 'object' && 'priority' in rule
        ? writes.find((e) => !used.has(e.id) && e.resources.includes(res) && eventCreatesRule(e, rule))
        : undefined;
    const ev = exact ?? writes.find((e) => !used.has(e.id) && e.resources.includes(res));
    if (!ev) continue;
    used.add(ev.id);
    out.push(
      makeFinding({
        code: 'RECENT_CHANGE',
        severity: f.severity === 'critical' ? 'warning' : 'info',
        confidence: exact ? 'certain' : 'likely',
        key: ev.id,
        title: `${res} was changed: ${describe(ev, at)}`,
        detail: exact
          ? `This change created the rule that now decides ${f.hop ?? 'the path'}: ${f.title}.`
          : `A change to ${res}, which decides ${f.hop ?? 'the path'} (${f.code}).`,
        evidence: { resource: res, event: ev, explains: f.id },
        hop: f.hop,
        intentIds: f.intentIds,
      }),
    );
  }
  for (const ev of writes) {
    if (used.has(ev.id) || at - ev.time > DAY || !ev.resources.some((r) => involved.has(r))) continue;
    used.add(ev.id);
    out.push(
      makeFinding({
        code: 'RECENT_CHANGE',
        severity: 'info',
        confidence: 'uncertain',
        key: ev.id,
        title: `${ev.resources.filter((r) => involved.has(r)).join(', ')} was changed: ${describe(ev, at)}`,
        detail:
          'A change to a resource on the path in the last day; it does not explain a blocked hop by itself.',
        evidence: { resource: ev.resources.find((r) => involved.has(r)), event: ev },
      }),
    );
  }
  return out;
}
