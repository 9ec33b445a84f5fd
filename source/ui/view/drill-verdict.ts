/** Drill-downs into the verdict: a hop's evidence with the raw lines it came from, a finding, a timeline entry, a series. */
import type { Evidence, Finding } from '../../model/index.js';
import { buildBandwidth } from './bandwidth.js';
import { Lines, scalar } from './drill-rows.js';
import { timelineText } from './events.js';
import { plansOfFinding } from './fix.js';
import { bps, clock, count, isoLocal, stamp } from './format.js';
import type { DrillTarget, DrillView, ViewContext } from './types.js';

const STATE_GLYPH = { OK: '✔', BLOCKED: '✘', UNCERTAIN: '?', NOT_CHECKED: '–' } as const;

/** Evidence as lines: the deciding resource and rule, the raw lines with their origin, the audit event. */
function evidenceLines(l: Lines, ev: Evidence, ctx: ViewContext): void {
  const t = ctx.tr.t;
  l.kv('resource', ev.resource);
  if (ev.rule && typeof ev.rule === 'object') {
    const r = ev.rule as { id?: string; groupId?: string; raw?: string; line?: number };
    const target: DrillTarget | undefined =
      typeof r.id === 'string' && r.id.startsWith('sgr-')
        ? { kind: 'sg-rule', id: r.id }
        : typeof r.groupId === 'string' && typeof r.id === 'string'
          ? { kind: 'sg-rule', id: r.id }
          : undefined;
    l.blank().heading(t('drill.rule'));
    if (target) l.text(`${r.id}`, 'strong', target);
    l.object(ev.rule, ['raw']);
    if (typeof r.raw === 'string') l.raw([`${typeof r.line === 'number' ? `line ${r.line}: ` : ''}${r.raw}`]);
  }
  if (ev.lines?.length) l.blank().heading(t('drill.rawLines')).raw(ev.lines);
  if (ev.event) {
    const e = ev.event;
    l.blank()
      .heading(t('drill.event'))
      .text(
        `${stamp(e.time, ctx.snapshot?.at ?? e.time)}  ${e.user}  ${e.name}  ${e.resources.join(' ')}`,
        'warn',
        {
          kind: 'event',
          id: e.id,
        },
      );
  }
  const rest = Object.entries(ev).filter(
    ([k, v]) => !['resource', 'rule', 'lines', 'event'].includes(k) && v !== undefined,
  );
  if (rest.length) {
    l.blank();
    for (const [k, v] of rest) l.kv(k, scalar(v));
  }
}

export function hopView(
  target: Extract<DrillTarget, { kind: 'hop' }>,
  ctx: ViewContext,
): DrillView | undefined {
  const { tr } = ctx;
  const t = tr.t;
  const pv = ctx.verdict?.verdicts.find((v) => v.intent.id === target.intentId);
  const h = pv?.path.find((x) => x.hop === target.hop && x.leg === target.leg);
  if (!pv || !h) return undefined;
  const bad = h.state === 'BLOCKED';
  const l = new Lines().heading(
    `${pv.intent.label} · ${tr.hop(h.hop)}${h.leg === 'return' ? ` (${t('path.return')})` : ''}`,
  );
  l.kv(
    t('drill.hop'),
    `${STATE_GLYPH[h.state]} ${t(`state.${h.state}`)}`,
    bad ? 'bad' : h.state === 'OK' ? 'ok' : h.state === 'UNCERTAIN' ? 'warn' : 'dim',
  )
    .kv('layer', t(`layer.${h.layer}`))
    .kv('confidence', t(`confidence.${h.confidence}`))
    .kv(t('drill.detail'), h.detail, bad ? 'bad' : undefined);
  l.blank().heading(t('drill.evidence'));
  evidenceLines(l, h.evidence, ctx);
  const related = (ctx.verdict?.findings ?? []).filter(
    (f) => f.hop === h.hop && (!f.intentIds || f.intentIds.includes(pv.intent.id)),
  );
  if (related.length) {
    l.blank().heading(t('panel.findings'));
    for (const f of related)
      l.text(`${tr.finding(f.code)}: ${f.title}`, f.severity === 'critical' ? 'bad' : 'warn', {
        kind: 'finding',
        id: f.id,
      });
  }
  return {
    title: `${tr.hop(h.hop)}`,
    crumb: `${tr.hopShort(h.hop)}${h.leg === 'return' ? '↩' : ''}`,
    rows: l.rows,
  };
}

export function findingView(id: string, ctx: ViewContext): DrillView | undefined {
  const f: Finding | undefined = ctx.verdict?.findings.find((x) => x.id === id);
  if (!f) return undefined;
  const { tr } = ctx;
  const t = tr.t;
  const l = new Lines().heading(
    `${f.code} · ${t(`severity.${f.severity}`)} · ${t(`layer.${f.layer}`)} · ${t(`confidence.${f.confidence}`)} · #${f.rank}`,
  );
  l.text(f.title, f.severity === 'critical' ? 'bad' : 'strong');
  if (f.detail) l.blank().text(f.detail);
  if (f.hop) {
    const intentId =
      f.intentIds?.find((i) => ctx.verdict?.verdicts.some((v) => v.intent.id === i)) ?? ctx.intent?.id;
    const pv = ctx.verdict?.verdicts.find((v) => v.intent.id === intentId);
    const hop = pv?.path.find((h) => h.hop === f.hop);
    l.kv(
      t('drill.hop'),
      tr.hop(f.hop),
      undefined,
      hop && pv ? { kind: 'hop', intentId: pv.intent.id, hop: hop.hop, leg: hop.leg } : undefined,
    );
  }
  if (f.intentIds?.length) {
    const labels = f.intentIds.map(
      (i) => ctx.verdict?.verdicts.find((v) => v.intent.id === i)?.intent.label ?? i,
    );
    l.kv(t('drill.intents'), labels.join(', '));
  }
  l.blank().heading(t('drill.evidence'));
  evidenceLines(l, f.evidence, ctx);
  l.blank().heading(t('drill.remedies'));
  const fixable = ctx.fix ? plansOfFinding(f.id, ctx)?.plans : undefined;
  if (ctx.fix && fixable?.length) {
    // This screen can fix: each line opens the fix list (so does the fix key anywhere on this page).
    for (const p of fixable)
      l.text(`${ctx.fix.key}  ${t('fix.hint', { title: p.title })}`, 'accent', {
        kind: 'remedies',
        findingId: f.id,
      });
  } else if (f.remedies.length) {
    const target = ctx.verdict?.target.instanceId ?? ctx.verdict?.target.ssh ?? 'TARGET';
    for (const r of f.remedies) l.text(`${r}    ${t('drill.fixCmd', { target, id: r })}`, 'accent');
  } else l.text(t('drill.noRemedy'), 'dim');
  if (f.advice?.length) {
    l.blank().heading(t('drill.advice'));
    for (const a of f.advice) l.text(`• ${a}`);
  }
  return { title: tr.finding(f.code), crumb: f.code, rows: l.rows };
}

export function timelineView(id: number, ctx: ViewContext): DrillView | undefined {
  const e = ctx.timeline.find((x) => x.id === id);
  if (!e) return undefined;
  const t = ctx.tr.t;
  const l = new Lines().heading(
    `${clock(e.at)} · ${e.kind}${e.source ? ` · ${t(`source.${e.source}`)}` : ''}`,
  );
  l.text(timelineText(e, ctx.tr), e.kind === 'failure' ? 'bad' : undefined)
    .kv('ms', e.ms === undefined ? undefined : String(e.ms))
    .kv('at', isoLocal(new Date(e.at).toISOString()));
  if (e.error) {
    l.blank()
      .heading(t('drill.error'))
      .kv('code', e.error.code, 'bad')
      .kv('message', e.error.message)
      .kv(t('drill.hint'), e.error.hint)
      .kv(t('drill.ramAction'), e.error.ramAction, 'warn');
  }
  const s = e.source ? ctx.session.sources[e.source] : undefined;
  if (e.source && s) {
    l.blank()
      .heading(t(`source.${e.source}`))
      .kv('interval', `${s.intervalMs} ms`)
      .kv('runs', String(s.runs))
      .kv('failures', String(s.failures), s.failures ? 'warn' : undefined)
      .kv('last ok', s.lastOkAt ? clock(s.lastOkAt) : t('age.never'));
  }
  return { title: e.kind, crumb: `${e.kind} #${e.id}`, rows: l.rows };
}

export function seriesView(key: string, ctx: ViewContext): DrillView | undefined {
  const block = buildBandwidth(ctx).charts?.find((c) => c.key === key);
  if (!block) return undefined;
  const t = ctx.tr.t;
  const l = new Lines().heading(`${block.title}${block.scaleLabel ? ` · ${block.scaleLabel}` : ''}`);
  const fmt = (v: number | undefined) => (block.unit === 'bps' ? bps(v) : count(v));
  l.heading(`${t('bw.col.time')}  ${block.marksOnly ? '' : t('bw.col.avg')}`);
  const n = Math.max(block.values.length, block.marks?.length ?? 0);
  for (let i = n - 1; i >= 0; i--) {
    const time = block.times[i] === undefined ? '?' : clock(block.times[i]);
    const v = block.marksOnly ? '' : fmt(block.values[i]);
    const trouble = block.marks?.[i];
    l.text(`${time}  ${v}${trouble ? '  ✘' : ''}`, trouble ? 'bad' : undefined);
  }
  return { title: block.title, crumb: block.key, rows: l.rows };
}
