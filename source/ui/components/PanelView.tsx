/**
 * One panel: a title line (what and how many, filter and sort, the age of each source it shows — marked stale
 * or failed without blanking the data), an optional summary line, then the table or the charts.
 */
import { Box } from 'ink';
import type { SessionState, SourceName } from '../../engine/session.js';
import type { Translator } from '../i18n/index.js';
import { fitSpans, wrapSpans } from '../render/spans.js';
import { Line } from '../render/theme.js';
import { width as colWidth } from '../text/width.js';
import { age } from '../view/format.js';
import type { PanelModel, Row, Span } from '../view/types.js';
import { ChartsView } from './ChartsView.js';
import { SplitView, TableView } from './TableView.js';

/** A source is stale when it missed about three refreshes (and at least 10 s). */
export function isStale(s: SessionState['sources'][SourceName], now: number): boolean {
  if (!s.lastOkAt) return false;
  return now - s.lastOkAt > Math.max(10_000, s.intervalMs * 3);
}

export function sourceAges(
  sources: SourceName[],
  session: SessionState,
  now: number,
  tr: Translator,
): Span[] {
  const out: Span[] = [];
  for (const name of sources) {
    const s = session.sources[name];
    if (!s?.enabled) continue;
    if (out.length) out.push({ text: '  ' });
    const label = tr.t(`source.${name}`);
    if (s.failing > 0) {
      out.push({
        text: `✘ ${label} ${s.lastOkAt ? age(now - s.lastOkAt) : tr.t('age.never')}`,
        tone: 'bad',
        bold: true,
      });
    } else if (!s.lastOkAt) {
      out.push({ text: `${label} ${s.inFlight ? tr.t('age.loading') : tr.t('age.never')}`, tone: 'dim' });
    } else if (isStale(s, now) && !session.frozen) {
      out.push({
        text: `! ${label} ${age(now - s.lastOkAt)} ${tr.t('age.stale')}`,
        tone: 'warn',
        bold: true,
      });
    } else {
      out.push(
        { text: `${label} ${age(now - s.lastOkAt)}`, tone: 'dim' },
        ...(s.inFlight ? [{ text: ` ${tr.t('age.loading')}`, tone: 'accent' as const }] : []),
      );
    }
  }
  return out;
}

export interface PanelViewProps {
  model: PanelModel;
  rows: Row[];
  total: number;
  cursor: number;
  top: number;
  filter: string;
  sort?: { col: number; desc: boolean };
  session: SessionState;
  now: number;
  tr: Translator;
  width: number;
  height: number;
}

export function PanelView(p: PanelViewProps) {
  const t = p.tr.t;
  const left: Span[] = [
    { text: ` ${t(`panel.${p.model.id}`)}`, bold: true },
    { text: ` · ${p.model.title}`, tone: 'dim' },
  ];
  if (p.filter) {
    const shown = p.rows.filter((r) => r.kind === undefined || r.kind === 'row').length;
    left.push(
      { text: `  /${p.filter}`, tone: 'accent', bold: true },
      { text: ` (${t('common.shown', { shown, n: p.total })})`, tone: 'dim' },
    );
  }
  if (p.sort) {
    const col = p.model.columns[p.sort.col];
    left.push({
      text: `  ${t('common.sortedBy', { col: col?.title ?? '?' })} ${p.sort.desc ? '↓' : '↑'}`,
      tone: 'dim',
    });
  }
  const ages = sourceAges(p.model.sources, p.session, p.now, p.tr);
  const agesW = ages.reduce((n, s) => n + colWidth(s.text), 0);
  const title = [...fitSpans(left, Math.max(0, p.width - agesW - 1)), { text: ' ' }, ...ages];
  const summary = p.model.summary?.length ? p.model.summary : undefined;
  const bodyH = Math.max(0, p.height - 1 - (summary ? 1 : 0));
  const emptyText =
    p.filter && !p.rows.length
      ? t('common.noMatch', { filter: p.filter })
      : (p.model.empty ?? t('common.empty'));
  // A short table leaves room: show what the selected row says (Findings: the detail and the fix command).
  const selectedKey = p.rows[p.cursor]?.key;
  let previewLines: Span[][] = [];
  let tableH = bodyH;
  if (p.model.preview && selectedKey && !p.model.charts) {
    const used = 1 + p.rows.length;
    const room = bodyH - used - 1;
    if (room >= 3) {
      previewLines = p.model
        .preview(selectedKey)
        .flatMap((l) => wrapSpans(l, p.width - 3))
        .slice(0, room);
      if (previewLines.length) tableH = used;
    }
  }
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Line spans={title} />
      {summary ? <Line spans={[{ text: '   ' }, ...summary]} /> : null}
      {p.model.charts ? (
        <ChartsView blocks={p.model.charts} cursor={p.cursor} width={p.width} height={bodyH} />
      ) : p.model.split ? (
        <SplitView
          columns={p.model.columns}
          rows={p.rows}
          cursor={p.cursor}
          width={p.width}
          height={bodyH}
          top={p.top}
          empty={emptyText}
        />
      ) : (
        <TableView
          columns={p.model.columns}
          rows={p.rows}
          cursor={p.cursor}
          top={p.top}
          width={p.width}
          height={tableH}
          empty={emptyText}
        />
      )}
      {previewLines.length ? (
        <Line spans={[{ text: ` ${'─'.repeat(Math.max(0, p.width - 2))}`, tone: 'dim' }]} />
      ) : null}
      {previewLines.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: preview lines are positional
        <Line key={i} spans={[{ text: '   ' }, ...l]} />
      ))}
    </Box>
  );
}
