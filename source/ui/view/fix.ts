/**
 * The fix flow's views: a finding's remedies (plan, risk, how it is confirmed), the confirmation's preview (the
 * exact call or command, the diff, what is verified, the undo) and a fix as it runs — the runner's events as the
 * session timeline recorded them, so the same lines show in the Events panel.
 */
import type { TimelineEntry } from '../../engine/session.js';
import type { Plan, PlanStep, Risk } from '../../model/index.js';
import { formatApiCall, needsTypedName, type ConfirmRequest as RunnerConfirm } from '../../remedy/confirm.js';
import type { Translator } from '../i18n/index.js';
import { Lines } from './drill-rows.js';
import { clock } from './format.js';
import type { DrillView, Row, Span, Tone, ViewContext } from './types.js';

export const RISK_TONE: Record<Risk, Tone> = { low: 'ok', medium: 'warn', high: 'bad' };

/** `risk medium · the name typed back · 1 step(s)` */
export function planMeta(plan: Plan, tr: Translator): string {
  const t = tr.t;
  const writes = plan.steps.filter((s) => s.kind !== 'manual');
  const confirm = !writes.length
    ? t('fix.manualOnly')
    : writes.some(needsTypedName)
      ? t('fix.typed')
      : t('fix.yes');
  return t('fix.meta', {
    risk: t(`risk.${plan.risk}`),
    confirm,
    steps: t('fix.steps', { n: plan.steps.length }),
  });
}

/** The plans of one finding, in the finding's order, with the ids that could not be built. */
export function plansOfFinding(
  findingId: string,
  ctx: ViewContext,
): { plans: Plan[]; errors: { id: string; error: string }[] } | undefined {
  const f = ctx.verdict?.findings.find((x) => x.id === findingId);
  if (!f || !ctx.fix) return undefined;
  const all = ctx.fix.plans();
  const plans: Plan[] = [];
  const errors: { id: string; error: string }[] = [];
  for (const id of f.remedies) {
    const p = all.plans.find((x) => x.id === id);
    if (p) plans.push(p);
    else errors.push({ id, error: all.errors.find((e) => e.id === id)?.error ?? '?' });
  }
  return { plans, errors };
}

export function remediesView(findingId: string, ctx: ViewContext): DrillView | undefined {
  const f = ctx.verdict?.findings.find((x) => x.id === findingId);
  const found = plansOfFinding(findingId, ctx);
  if (!f || !found) return undefined;
  const { tr } = ctx;
  const t = tr.t;
  const l = new Lines().heading(`${tr.finding(f.code)} · ${f.title}`);
  if (!found.plans.length && !found.errors.length) l.text(t('fix.none'), 'dim');
  for (const p of found.plans) {
    l.blank();
    l.rows.push({
      key: `plan:${p.id}`,
      cells: [
        [
          { text: p.title, bold: true },
          { text: '  ⏎', tone: 'accent' },
        ],
      ],
      target: { kind: 'plan', id: p.id, findingId },
    });
    l.rows.push({
      key: `meta:${p.id}`,
      kind: 'note',
      cells: [{ text: `  ${planMeta(p, tr)}`, tone: RISK_TONE[p.risk] }],
    });
    l.rows.push({ key: `sum:${p.id}`, kind: 'note', cells: [{ text: `  ${p.summary}`, tone: 'dim' }] });
    for (const s of p.steps)
      l.rows.push({
        key: `step:${p.id}:${s.id}`,
        kind: 'note',
        cells: [{ text: `  • ${s.title}`, tone: 'dim' }],
      });
  }
  for (const e of found.errors) l.text(`✘ ${t('fix.notBuilt', { id: e.id, error: e.error })}`, 'bad');
  if (f.advice?.length) {
    l.blank().heading(t('drill.advice'));
    for (const a of f.advice) l.text(`• ${a}`);
  }
  if (found.plans.length) l.blank().text(t('fix.howTo'), 'dim');
  return { title: t('fix.title', { finding: tr.finding(f.code) }), crumb: t('fix.crumb'), rows: l.rows };
}

/** The preview's own headings in the UI's language (the runner writes them in English). */
function previewHeading(line: string, tr: Translator): string | undefined {
  if (tr.lang !== 'zh') return undefined;
  if (line.startsWith('API call ')) return `API 调用 ${line.slice(9)}`;
  if (line === 'Command on the guest:') return '在客户机上执行的命令：';
  if (line === 'Change:') return '改动：';
  return undefined;
}

/**
 * The confirmation's body: what runs (the runner's own preview: the call with every parameter or the command,
 * the dead-man note, the diff), its risk, what is checked afterwards, and how to undo it.
 */
export function confirmRows(
  req: RunnerConfirm,
  plan: Plan | undefined,
  tr: Translator,
  label: (intentId: string) => string = (id) => id,
): Row[] {
  const t = tr.t;
  const rows: Row[] = [];
  let n = 0;
  const push = (spans: Span[], kind?: Row['kind']) => rows.push({ key: `c${n++}`, kind, cells: [spans] });
  const risk: Span[] = [
    { text: t('confirm.risk', { risk: t(`risk.${req.risk}`) }), tone: RISK_TONE[req.risk] },
  ];
  if (req.lockout) risk.push({ text: ` · ${t('confirm.lockout')}`, tone: 'warn' });
  push(risk);
  push([{ text: '' }]);
  for (const line of req.preview) {
    const tone: Tone | undefined = /^\s{2}- /.test(line)
      ? 'bad'
      : /^\s{2}\+ /.test(line)
        ? 'ok'
        : /^(API call|Command on the guest:|Change:|Manual step)/.test(line)
          ? 'strong'
          : line.startsWith('Runs under a dead-man switch')
            ? 'warn'
            : 'info';
    push([{ text: previewHeading(line, tr) ?? line, tone, bold: tone === 'strong' }]);
  }
  if (req.purpose === 'apply' && plan) {
    push([{ text: '' }]);
    push([{ text: t('confirm.verify'), tone: 'strong', bold: true }]);
    if (plan.findingIds.length)
      push([{ text: `  ${t('confirm.verifyFindings', { ids: plan.findingIds.join(', ') })}` }]);
    if (plan.intentIds.length)
      push([{ text: `  ${t('confirm.verifyIntents', { labels: plan.intentIds.map(label).join(', ') })}` }]);
    const step: PlanStep | undefined = plan.steps.find((s) => s.id === req.step);
    push([{ text: '' }]);
    push([{ text: t('confirm.undo'), tone: 'strong', bold: true }]);
    const u = step?.undo;
    if (u) {
      push([{ text: `  ${u.title}` }]);
      if (u.api) push([{ text: `  ${formatApiCall(u.api)}`, tone: 'info' }]);
      if (u.command !== undefined)
        for (const c of u.command.split('\n')) push([{ text: `  $ ${c}`, tone: 'info' }]);
    } else push([{ text: `  ${t('confirm.noUndo')}`, tone: 'dim' }]);
  }
  return rows;
}

/** The title of a confirmation: what is applied (or rolled back) and on which target. */
export function confirmTitle(req: RunnerConfirm, tr: Translator): string {
  const target =
    req.target.name && req.target.id && req.target.name !== req.target.id
      ? `${req.target.name} (${req.target.id})`
      : req.target.name || req.target.id;
  const key =
    req.purpose === 'apply'
      ? 'confirm.apply'
      : req.purpose === 'rollback'
        ? 'confirm.rollback'
        : 'confirm.revert';
  return tr.t(key, { title: req.title, target });
}

/** Tone of a recorded fix event. */
export function fixTone(e: TimelineEntry): Tone | undefined {
  const ev = String(e.data?.ev ?? '');
  if (ev === 'FIXED' || ev === 'rolled-back' || ev === 'deadman-confirmed') return 'ok';
  if (ev === 'UNFIXED' || ev === 'failed' || ev === 'rollback-failed' || ev === 'error') return 'bad';
  if (ev === 'cancelled' || ev === 'refused' || ev === 'rollback-declined' || ev.startsWith('deadman'))
    return 'warn';
  if (ev === 'done') return e.data?.outcome === 'FIXED' ? 'ok' : 'warn';
  return 'accent';
}

/** A plan's outcome in the UI's language (`FIXED`, `已修复`). */
export function outcomeText(outcome: unknown, tr: Translator): string {
  if (outcome === undefined || outcome === '') return '';
  const key = `outcome.${String(outcome)}` as Parameters<Translator['t']>[0];
  const text = tr.t(key);
  return text === key ? String(outcome) : text;
}

/** One recorded fix event in the UI's language. */
export function fixText(e: TimelineEntry, tr: Translator): string {
  const d = e.data ?? {};
  const ev = String(d.ev ?? '');
  const key = `fix.ev.${ev}` as Parameters<Translator['t']>[0];
  const text = tr.t(key, {
    plan: String(d.plan ?? ''),
    step: String(d.step ?? ''),
    detail: String(d.detail ?? ''),
    outcome: outcomeText(d.outcome, tr),
  });
  return text === key ? e.message : text.trim();
}

/** A fix as it runs: its recorded events, then the verdict changes that followed it. */
export function fixRunView(run: number, ctx: ViewContext): DrillView | undefined {
  const { tr } = ctx;
  const t = tr.t;
  const mine = ctx.timeline.filter((e) => e.kind === 'fix' && e.data?.run === run);
  if (!mine.length) return undefined;
  const plan = String(mine[0].data?.plan ?? '');
  const done = mine.find((e) => e.data?.ev === 'done');
  const l = new Lines();
  l.text(
    done ? t('fix.run.outcome', { outcome: outcomeText(done.data?.outcome, tr) }) : t('fix.run.running'),
    done ? (done.data?.outcome === 'FIXED' ? 'ok' : 'warn') : 'accent',
  );
  l.blank();
  for (const e of ctx.timeline) {
    // The run's first entry only opens it: the page's title already names the plan.
    const ours = e.kind === 'fix' && e.data?.run === run && e.data?.ev !== 'start';
    // The verdict changes since the fix began: the path bar's result as the refreshes saw it.
    const verdict = e.kind === 'verdict' && e.id > mine[0].id;
    if (!ours && !verdict) continue;
    const text = ours
      ? fixText(e, tr)
      : t('ev.kind.verdict', {
          label: String(e.data?.label ?? ''),
          from: t(`result.${String(e.data?.from)}` as 'result.DROPPED'),
          to: t(`result.${String(e.data?.to)}` as 'result.DROPPED'),
        });
    const tone = ours ? fixTone(e) : e.data?.to === 'DELIVERED' ? 'ok' : 'bad';
    l.rows.push({
      key: `f${e.id}`,
      cells: [
        [
          { text: `${clock(e.at)}  `, tone: 'dim' },
          { text, tone },
        ],
      ],
      target: { kind: 'timeline', id: e.id },
    });
  }
  if (done) l.blank().text(t('fix.run.back'), 'dim');
  return { title: t('fix.run.title', { plan }), crumb: t('fix.run.crumb'), rows: l.rows };
}
