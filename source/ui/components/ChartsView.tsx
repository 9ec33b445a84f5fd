/**
 * Bandwidth charts: vertical bars in eighth blocks scaled to the cap (values over the cap show ▲ in red),
 * and rows of trouble marks (✘ loss, drop or failed probe; · clean; ? no sample) so loss is never hidden
 * behind a calm-looking line.
 */
import { Box } from 'ink';
import { memo } from 'react';
import { fitSpans } from '../render/spans.js';
import { Line } from '../render/theme.js';
import { width as colWidth } from '../text/width.js';
import type { ChartBlock, Span } from '../view/types.js';

const EIGHTHS = ' ▁▂▃▄▅▆▇█';

/** Left padding where the chart has no samples at all (not the same as a missing sample, which shows `·`). */
export const PAD = Symbol('pad');

/** Maps `n` samples onto `w` columns: right-aligned, each sample as wide as fits, the newest kept. */
export function columnsFor<T>(values: T[], w: number): (T | typeof PAD)[] {
  if (w <= 0) return [];
  if (!values.length) return Array(w).fill(PAD);
  const src = values.length > w ? values.slice(values.length - w) : values;
  const each = Math.max(1, Math.floor(w / src.length));
  const out: (T | typeof PAD)[] = [];
  for (const v of src) for (let i = 0; i < each; i++) out.push(v);
  return [...Array(Math.max(0, w - out.length)).fill(PAD), ...out];
}

/** Chart rows, top first, as spans: one character per column. */
export function chartRows(block: ChartBlock, w: number, h: number): Span[][] {
  const cols = columnsFor(block.values, w);
  const rows: Span[][] = [];
  for (let r = 0; r < h; r++) {
    const fromBottom = h - 1 - r;
    let text = '';
    let over = '';
    for (const v of cols) {
      if (v === PAD) {
        text += ' ';
        over += ' ';
        continue;
      }
      if (v === undefined) {
        text += fromBottom === 0 ? '·' : ' ';
        over += ' ';
        continue;
      }
      const f = v / block.scale;
      if (f > 1 && r === 0) {
        text += '▲';
        over += '▲';
        continue;
      }
      const level = Math.min(1, Math.max(0, f)) * h * 8;
      let e = Math.round(Math.max(0, Math.min(8, level - fromBottom * 8)));
      if (fromBottom === 0 && v > 0 && e === 0) e = 1;
      text += EIGHTHS[e];
      over += ' ';
    }
    // Split the row into runs: over-cap marks in red, the rest in the chart colour.
    const spans: Span[] = [];
    let run = '';
    let runOver = false;
    for (let i = 0; i < text.length; i++) {
      const isOver = over[i] === '▲';
      if (i > 0 && isOver !== runOver) {
        spans.push({ text: run, tone: runOver ? 'bad' : 'accent' });
        run = '';
      }
      runOver = isOver;
      run += text[i];
    }
    if (run) spans.push({ text: run, tone: runOver ? 'bad' : 'accent' });
    rows.push(spans);
  }
  return rows;
}

export function markRow(marks: (boolean | undefined)[], w: number): Span[] {
  const cols = columnsFor(
    marks.map((m) => (m === undefined ? 'n' : m ? 'x' : 'o')),
    w,
  );
  const spans: Span[] = [];
  for (const c of cols) {
    const s: Span =
      c === PAD
        ? { text: ' ' }
        : c === 'x'
          ? { text: '✘', tone: 'bad', bold: true }
          : c === 'o'
            ? { text: '·', tone: 'dim' }
            : { text: '?', tone: 'dim' };
    const last = spans[spans.length - 1];
    if (last && last.tone === s.tone && last.bold === s.bold) last.text += s.text;
    else spans.push(s);
  }
  return spans;
}

/** Rows each block gets, given the height: marks-only blocks one line, charts a title plus 1–6 bar rows. */
export function blockHeights(blocks: ChartBlock[], height: number): number[] {
  const charts = blocks.filter((b) => !b.marksOnly).length;
  const fixed = blocks.length;
  const perChart = charts ? Math.max(1, Math.min(6, Math.floor((height - fixed) / charts))) : 0;
  return blocks.map((b) => (b.marksOnly ? 1 : 1 + perChart));
}

export interface ChartsViewProps {
  blocks: ChartBlock[];
  cursor: number;
  width: number;
  height: number;
}

export const ChartsView = memo(function ChartsView({ blocks, cursor, width, height }: ChartsViewProps) {
  const heights = blockHeights(blocks, height);
  // Window over blocks so the selected one is on screen.
  let start = 0;
  const sum = (a: number, b: number) => heights.slice(a, b + 1).reduce((x, y) => x + y, 0);
  while (cursor >= 0 && start < cursor && sum(start, cursor) > height) start++;
  const lines: { key: string; spans: Span[]; inverse?: boolean }[] = [];
  const labelW = Math.min(44, Math.floor(width * 0.45));
  for (let i = start; i < blocks.length; i++) {
    const b = blocks[i];
    if (lines.length + heights[i] > height) break;
    const sel = i === cursor;
    const gutter: Span = { text: sel ? '›' : ' ', tone: 'accent', bold: true };
    if (b.marksOnly) {
      const title = fitSpans([{ text: b.title }], labelW);
      const summary = fitSpans(b.summary, 12);
      const marks = markRow(b.marks ?? [], Math.max(0, width - labelW - 12 - 4));
      lines.push({
        key: b.key,
        spans: [gutter, { text: ' ' }, ...title, { text: ' ' }, ...summary, { text: ' ' }, ...marks],
        inverse: sel,
      });
      continue;
    }
    const right: Span[] = [{ text: b.scaleLabel, tone: 'dim' }];
    const rightW = colWidth(b.scaleLabel);
    const head = fitSpans(
      [{ text: b.title, bold: true }, { text: '  ' }, ...b.summary],
      Math.max(0, width - 3 - rightW),
    );
    lines.push({
      key: `${b.key}:t`,
      spans: [gutter, { text: ' ' }, ...head, { text: ' ' }, ...right],
      inverse: sel,
    });
    chartRows(b, width - 2, heights[i] - 1).forEach((r, j) => {
      lines.push({ key: `${b.key}:${j}`, spans: [{ text: '  ' }, ...r] });
    });
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.map((l) => (
        <Line key={l.key} spans={l.spans} inverse={l.inverse} />
      ))}
    </Box>
  );
});
