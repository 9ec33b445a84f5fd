/** Findings panel: ranked, most important first; each row opens its evidence and remedies. */
import { type Finding, SEVERITY_ORDER, type Severity } from '../../model/index.js';
import { plansOfFinding } from './fix.js';
import type { PanelModel, Row, Span, Tone, ViewContext } from './types.js';

export const SEVERITY_GLYPH: Record<Severity, { glyph: string; tone: Tone }> = {
  critical: { glyph: '✘', tone: 'bad' },
  warning: { glyph: '!', tone: 'warn' },
  info: { glyph: 'i', tone: 'info' },
};

export function rankedFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => a.rank - b.rank || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
}

export function buildFindings(ctx: ViewContext): PanelModel {
  const { tr } = ctx;
  const t = tr.t;
  const findings = rankedFindings(ctx.verdict?.findings ?? []);
  const critical = findings.filter((f) => f.severity === 'critical').length;
  const intentId = ctx.intent?.id;
  const rows: Row[] = findings.map((f) => {
    const sev = SEVERITY_GLYPH[f.severity];
    const forIntent = !!intentId && !!f.intentIds?.includes(intentId);
    const title: Span[] = [
      { text: tr.finding(f.code), tone: f.severity === 'critical' ? 'bad' : undefined, bold: true },
    ];
    title.push({ text: `  ${f.title}` });
    return {
      key: f.id,
      cells: [
        String(f.rank),
        { text: `${sev.glyph} ${t(`severity.${f.severity}`)}`, tone: sev.tone },
        title,
        t(`layer.${f.layer}`),
        t(`confidence.${f.confidence}`),
      ],
      mark: forIntent ? { glyph: '•', tone: 'accent' } : undefined,
      target: { kind: 'finding', id: f.id },
      search:
        `${f.code} ${tr.finding(f.code)} ${f.title} ${f.detail ?? ''} ${f.layer} ${f.severity}`.toLowerCase(),
      sort: [f.rank, SEVERITY_ORDER[f.severity], f.code, f.layer, f.confidence],
    };
  });
  const byId = new Map(findings.map((f) => [f.id, f]));
  const target = ctx.verdict?.target.instanceId ?? ctx.verdict?.target.ssh ?? 'TARGET';
  const preview = (key: string): Span[][] => {
    const f = byId.get(key);
    if (!f) return [];
    const lines: Span[][] = [
      [{ text: f.title, bold: true, tone: f.severity === 'critical' ? 'bad' : undefined }],
    ];
    if (f.detail) lines.push([{ text: f.detail }]);
    if (f.hop) lines.push([{ text: `${t('drill.hop')}: `, tone: 'dim' }, { text: tr.hop(f.hop) }]);
    const fixable = ctx.fix ? plansOfFinding(f.id, ctx)?.plans : undefined;
    if (ctx.fix && fixable?.length) {
      // This screen can fix: the key, and what it would do.
      for (const p of fixable)
        lines.push([
          { text: ctx.fix.key, tone: 'accent', bold: true },
          { text: `  ${t('fix.hint', { title: p.title })}` },
        ]);
    } else
      for (const r of f.remedies)
        lines.push([
          { text: `${t('drill.remedies')}: `, tone: 'dim' },
          { text: t('drill.fixCmd', { target, id: r }), tone: 'accent' },
        ]);
    for (const a of f.advice ?? [])
      lines.push([{ text: `${t('drill.advice')}: `, tone: 'dim' }, { text: a }]);
    lines.push([{ text: `⏎ ${t('drill.evidence')}`, tone: 'dim' }]);
    return lines;
  };
  return {
    id: 'findings',
    preview,
    title: t('find.title', { n: findings.length, c: critical }),
    sources: ['cloud', 'guest', 'probes'],
    columns: [
      { id: 'rank', title: t('find.col.rank'), width: 2, align: 'right' },
      { id: 'sev', title: t('find.col.sev'), width: 10 },
      { id: 'title', title: t('find.col.title'), width: 0, flex: 1, min: 40 },
      { id: 'layer', title: t('find.col.layer'), width: 13, drop: 2 },
      { id: 'conf', title: t('find.col.conf'), width: 10, drop: 1 },
    ],
    sortable: [0, 1, 2, 3],
    rows,
    empty: ctx.verdict ? t('find.none') : t('path.waiting'),
  };
}
