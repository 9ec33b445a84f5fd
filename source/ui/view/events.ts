/**
 * Events panel: what changed in the cloud (ActionTrail, newest first, the ones a finding points at marked) and
 * netdoctor's own timeline (refreshes, failures, recoveries, freezes, verdict changes).
 */

import type { TimelineEntry } from '../../engine/session.js';
import type { AuditEvent } from '../../model/index.js';
import type { Translator } from '../i18n/index.js';
import { fixText, fixTone } from './fix.js';
import { stamp } from './format.js';
import type { PanelModel, Row, Span, Tone, ViewContext } from './types.js';

export function timelineText(e: TimelineEntry, tr: Translator): string {
  const t = tr.t;
  const d = e.data ?? {};
  const source = e.source ? t(`source.${e.source}`) : '';
  switch (e.kind) {
    case 'start':
      return d.sources ? t('ev.kind.start', { sources: String(d.sources) }) : t('ev.kind.startBare');
    case 'refresh':
      if (d.first) return t('ev.kind.first', { ms: e.ms });
      return t(d.manual ? 'ev.kind.refreshManual' : 'ev.kind.refresh', { source, ms: e.ms });
    case 'failure':
      return t('ev.kind.failure', { source: source || 'diagnose', message: e.error?.message ?? e.message });
    case 'recovered':
      return t('ev.kind.recovered', { source, failed: String(d.failed ?? '') });
    case 'freeze':
      return t('ev.kind.freeze');
    case 'unfreeze':
      return t('ev.kind.unfreeze');
    case 'intents':
      return t('ev.kind.intents', { count: String(d.count ?? '') });
    case 'verdict':
      return t('ev.kind.verdict', {
        label: String(d.label ?? ''),
        from: t(`result.${String(d.from)}` as 'result.DROPPED'),
        to: t(`result.${String(d.to)}` as 'result.DROPPED'),
      });
    case 'probe':
      return t('ev.kind.probe', {
        host: String(d.host),
        port: String(d.port),
        from: String(d.from),
        to: String(d.to),
      });
    case 'fix':
      return fixText(e, tr);
    default:
      return e.message;
  }
}

export function timelineTone(e: TimelineEntry): Tone | undefined {
  if (e.kind === 'failure') return 'bad';
  if (e.kind === 'recovered') return 'ok';
  if (e.kind === 'verdict') return e.data?.to === 'DELIVERED' ? 'ok' : 'bad';
  if (e.kind === 'refresh') return 'dim';
  if (e.kind === 'fix') return fixTone(e);
  return undefined;
}

export function eventSummary(e: AuditEvent): string {
  const p = e.params;
  const bits = [
    p.IpProtocol,
    p.PortRange,
    p.SourceCidrIp ?? p.DestCidrIp,
    p.Policy,
    p.Priority && `prio ${p.Priority}`,
  ]
    .filter((x) => x !== undefined && x !== '')
    .map(String);
  return bits.length ? `${e.name} ${bits.join(' ')}` : e.name;
}

export function buildEvents(ctx: ViewContext): PanelModel {
  const { tr } = ctx;
  const t = tr.t;
  const now = ctx.snapshot?.at ?? ctx.session.startedAt;
  const events = [...(ctx.snapshot?.cloud?.events.value ?? [])].sort((a, b) => b.time - a.time);
  const involved = new Set<string>();
  for (const f of ctx.verdict?.findings ?? []) if (f.evidence.event) involved.add(f.evidence.event.id);
  for (const p of ctx.verdict?.verdicts ?? [])
    for (const h of p.path) if (h.evidence.event) involved.add(h.evidence.event.id);

  const rows: Row[] = [{ key: 's:cloud', kind: 'section', cells: [t('ev.section.cloud')] }];
  const err = ctx.snapshot?.cloud?.events.error;
  if (err) rows.push({ key: 'cloud:err', kind: 'note', cells: [{ text: `✘ ${err.message}`, tone: 'bad' }] });
  for (const e of events) {
    const hit = involved.has(e.id);
    const what: Span[] = [{ text: eventSummary(e), tone: hit ? 'bad' : undefined, bold: hit }];
    if (e.errorCode) what.push({ text: ` (${e.errorCode})`, tone: 'warn' });
    rows.push({
      key: `ev:${e.id}`,
      cells: [stamp(e.time, now), e.user, what, e.resources.join(' ')],
      mark: hit ? { glyph: '!', tone: 'bad' } : undefined,
      target: { kind: 'event', id: e.id },
      search: `${e.name} ${e.user} ${e.resources.join(' ')} ${JSON.stringify(e.params)}`.toLowerCase(),
      sort: [e.time, e.user, e.name, e.resources.join(' ')],
    });
  }
  rows.push({ key: 's:own', kind: 'section', cells: [t('ev.section.own')] });
  const own = [...ctx.timeline].reverse();
  for (const e of own) {
    rows.push({
      key: `tl:${e.id}`,
      cells: [
        stamp(e.at, now),
        t('ev.self'),
        { text: timelineText(e, tr), tone: timelineTone(e) },
        e.source ?? '',
      ],
      target: { kind: 'timeline', id: e.id },
      sort: [e.at, 'netdoctor', e.kind, e.source ?? ''],
    });
  }
  return {
    id: 'events',
    title: t('ev.title', { cloud: events.length, own: own.length }),
    sources: ['cloud'],
    columns: [
      { id: 'time', title: t('ev.col.time', {}), width: 11 },
      { id: 'who', title: t('ev.col.who'), width: 12 },
      { id: 'what', title: t('ev.col.what'), width: 0, flex: 1, min: 36 },
      { id: 'res', title: t('ev.col.resources'), width: 24, drop: 1 },
    ],
    sortable: [0, 1, 2],
    rows,
  };
}
