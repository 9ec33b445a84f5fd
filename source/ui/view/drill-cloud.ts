/** Drill-downs into cloud facts: a security group rule, an ACL entry, a VPC route, an ENI, an audit event, a source. */
import type { AuditEvent, SgRule } from '../../model/index.js';
import { Lines } from './drill-rows.js';
import { isoLocal, ports, stamp } from './format.js';
import { effectiveOrder, ruleCovers } from './security.js';
import type { DrillView, ViewContext } from './types.js';

/** Audit events that created or changed a rule like this one (same group, ports, policy, priority). */
function eventsForRule(r: SgRule, events: AuditEvent[]): AuditEvent[] {
  return events.filter((e) => {
    const p = e.params;
    if (p.SecurityGroupId !== r.groupId) return false;
    const pr = String(p.PortRange ?? '');
    const samePorts = !pr || pr === `${r.ports.from}/${r.ports.to}`;
    const samePolicy = !p.Policy || String(p.Policy).toLowerCase() === r.policy;
    const samePrio = !p.Priority || Number(p.Priority) === r.priority;
    return samePorts && samePolicy && samePrio;
  });
}

export function sgRuleView(id: string, ctx: ViewContext): DrillView | undefined {
  const t = ctx.tr.t;
  const groups = ctx.snapshot?.cloud?.securityGroups.value ?? [];
  const group = groups.find((g) => g.rules.some((r) => r.id === id));
  const r = group?.rules.find((x) => x.id === id);
  if (!group || !r) return undefined;
  const l = new Lines();
  const order = effectiveOrder(groups.flatMap((g) => g.rules.filter((x) => x.direction === r.direction)));
  const decidingHop = ctx.path?.path.find(
    (h) =>
      (h.hop === 'sg-in' || h.hop === 'sg-out') &&
      (h.evidence.rule as { id?: string } | undefined)?.id === id,
  );
  l.heading(`${group.id} (${group.name}) · ${r.direction}`);
  l.kv('id', r.id)
    .kv('policy', r.policy, r.policy === 'drop' ? 'bad' : 'ok')
    .kv('priority', String(r.priority))
    .kv('protocol', r.protocol)
    .kv('ports', ports(r.ports))
    .kv(
      r.direction === 'ingress' ? 'source' : 'destination',
      r.peerCidr ?? r.peerIpv6Cidr ?? r.peerGroupId ?? r.peerPrefixListId,
    )
    .kv('source ports', r.sourcePorts ? ports(r.sourcePorts) : undefined)
    .kv('nic type', r.nicType)
    .kv('description', r.description)
    .kv('created', isoLocal(r.createTime))
    .kv('effective position', `${order.findIndex((x) => x.id === id) + 1} / ${order.length}`);
  if (decidingHop) {
    l.blank().text(
      `➜ ${t('sec.decides', { intent: ctx.intent?.label ?? '' })}: ${decidingHop.detail}`,
      decidingHop.state === 'BLOCKED' ? 'bad' : 'ok',
      {
        kind: 'hop',
        intentId: ctx.intent?.id ?? '',
        hop: decidingHop.hop,
        leg: decidingHop.leg,
      },
    );
  } else if (ruleCovers(r, ctx.intent)) {
    l.blank().text(`↓ ${t('sec.shadowed')} (${ctx.intent?.label})`, 'dim');
  }
  const evs = eventsForRule(r, ctx.snapshot?.cloud?.events.value ?? []);
  if (evs.length) {
    l.blank().heading(t('drill.event'));
    for (const e of evs)
      l.text(`${stamp(e.time, ctx.snapshot?.at ?? e.time)} ${e.user} ${e.name}`, 'warn', {
        kind: 'event',
        id: e.id,
      });
  }
  return { title: `${r.id}`, crumb: `${r.policy} ${r.protocol}/${ports(r.ports)}`, rows: l.rows };
}

export function aclEntryView(id: string, ctx: ViewContext): DrillView | undefined {
  const acl = ctx.snapshot?.cloud?.networkAcl.value;
  if (!acl) return undefined;
  const dir = acl.ingress.some((e) => e.id === id) ? 'ingress' : 'egress';
  const list = dir === 'ingress' ? acl.ingress : acl.egress;
  const idx = list.findIndex((e) => e.id === id);
  if (idx < 0) return undefined;
  const e = list[idx];
  const l = new Lines().heading(
    `${acl.id} · ${dir} · #${idx + 1} of ${list.length} (first match wins, stateless)`,
  );
  l.object(e);
  return { title: e.id, crumb: `${e.policy} ${e.protocol}/${ports(e.ports)}`, rows: l.rows };
}

export function vpcRouteView(id: string, ctx: ViewContext): DrillView | undefined {
  for (const tb of ctx.snapshot?.cloud?.routeTables.value ?? []) {
    const e = tb.entries.find((x) => x.id === id);
    if (!e) continue;
    const l = new Lines().heading(`${tb.id} (${tb.type}) · vSwitches ${tb.vSwitchIds.join(', ')}`);
    l.object(e, ['nextHops']);
    for (const h of e.nextHops)
      l.kv(
        'next hop',
        `${h.type} ${h.id}${h.enabled ? '' : ' (disabled)'}${h.weight ? ` weight ${h.weight}` : ''}`,
      );
    return { title: e.id, crumb: e.destination, rows: l.rows };
  }
  return undefined;
}

export function eniView(id: string, ctx: ViewContext): DrillView | undefined {
  const eni = ctx.snapshot?.cloud?.instance.value?.enis.find((e) => e.id === id);
  if (!eni) return undefined;
  return { title: eni.id, crumb: eni.id, rows: new Lines().object(eni).rows };
}

export function eventView(id: string, ctx: ViewContext): DrillView | undefined {
  const e = ctx.snapshot?.cloud?.events.value?.find((x) => x.id === id);
  if (!e) return undefined;
  const t = ctx.tr.t;
  const l = new Lines().heading(`${e.service} ${e.name}`);
  l.kv('time', `${isoLocal(new Date(e.time).toISOString())}`)
    .kv('user', `${e.user}${e.userType ? ` (${e.userType})` : ''}`)
    .kv('read/write', e.rw)
    .kv('source ip', e.sourceIp)
    .kv('user agent', e.userAgent)
    .kv('resources', e.resources.join(', '))
    .kv('error', e.errorCode, 'bad')
    .kv('event id', e.id);
  l.blank().heading(t('drill.params'));
  for (const [k, v] of Object.entries(e.params)) l.kv(k, typeof v === 'string' ? v : JSON.stringify(v));
  const related = (ctx.verdict?.findings ?? []).filter((f) => f.evidence.event?.id === id);
  if (related.length) {
    l.blank().heading(ctx.tr.t('panel.findings'));
    for (const f of related)
      l.text(`${ctx.tr.finding(f.code)}: ${f.title}`, 'bad', { kind: 'finding', id: f.id });
  }
  return { title: e.name, crumb: `${e.name} · ${e.user}`, rows: l.rows };
}

export function sourceView(name: string, ctx: ViewContext): DrillView | undefined {
  const t = ctx.tr.t;
  const s = ctx.snapshot?.sources.find((x) => x.name === name);
  if (!s) return undefined;
  const l = new Lines().heading(name);
  l.kv('ok', s.ok ? '✔' : '✘', s.ok ? 'ok' : 'bad')
    .kv('ms', String(s.ms))
    .kv('calls', s.calls === undefined ? undefined : String(s.calls))
    .kv('at', s.at ? isoLocal(new Date(s.at).toISOString()) : undefined);
  if (s.error) {
    l.blank()
      .heading(t('drill.error'))
      .kv('code', s.error.code, 'bad')
      .kv('message', s.error.message)
      .kv(t('drill.hint'), s.error.hint)
      .kv(t('drill.ramAction'), s.error.ramAction, 'warn');
  }
  return { title: name, crumb: name, rows: l.rows };
}
