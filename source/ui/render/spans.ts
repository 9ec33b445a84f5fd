/**
 * Rows to lines of styled spans, exactly as wide as the terminal allows. Pure: the React layer only turns
 * spans into <Text>. Every cell is padded or cut with CJK-aware widths so columns line up in both languages.
 */
import { cutToWidth, fitWidth, truncate, width } from '../text/width.js';
import type { Cell, Column, Row, Span } from '../view/types.js';

export function cellSpans(c: Cell): Span[] {
  if (typeof c === 'string') return [{ text: c }];
  return Array.isArray(c) ? c : [c];
}

/** Cuts a list of spans to `w` columns (ellipsis on the last kept span) and pads to exactly `w`. */
export function fitSpans(spans: Span[], w: number, align: 'left' | 'right' = 'left'): Span[] {
  if (w <= 0) return [];
  const total = spans.reduce((n, s) => n + width(s.text), 0);
  if (total <= w) {
    const pad = { text: ' '.repeat(w - total) };
    return align === 'right' ? [pad, ...spans] : [...spans, pad];
  }
  const out: Span[] = [];
  let used = 0;
  for (const s of spans) {
    const sw = width(s.text);
    if (used + sw <= w - 1 || (used + sw <= w && s === spans[spans.length - 1])) {
      out.push(s);
      used += sw;
      continue;
    }
    const cut = truncate(s.text, w - used);
    out.push({ ...s, text: cut });
    used += width(cut);
    break;
  }
  if (used < w) out.push({ text: ' '.repeat(w - used) });
  return out;
}

export interface LineOpts {
  selected: boolean;
  /** Total width of the line, gutter included. */
  width: number;
}

/** The 2-column gutter: the cursor and the row's mark (✘ decides, ➜ matches, ✔ serves). */
function gutter(row: Row, selected: boolean): Span[] {
  return [
    { text: selected ? '›' : ' ', tone: 'accent', bold: true },
    row.mark ? { text: row.mark.glyph, tone: row.mark.tone, bold: true } : { text: ' ' },
  ];
}

export function rowSpans(row: Row, columns: Column[], widths: number[], o: LineOpts): Span[] {
  const inner = Math.max(0, o.width - 2);
  if (row.kind === 'section') {
    const title = cellSpans(row.cells[0] ?? '').map((s) => ({ ...s, tone: s.tone ?? 'accent', bold: true }));
    return [{ text: '▌', tone: 'accent' }, { text: ' ' }, ...fitSpans(title, inner)];
  }
  if (row.kind === 'note') return [...gutter(row, false), ...fitSpans(cellSpans(row.cells[0] ?? ''), inner)];
  // The mark's label (e.g. "decides tcp/443…") rides at the end of the widest visible column.
  let labelCol = -1;
  if (row.mark?.label) {
    let best = -1;
    widths.forEach((w, i) => {
      if (w > best) {
        best = w;
        labelCol = i;
      }
    });
  }
  const out: Span[] = gutter(row, o.selected);
  let first = true;
  columns.forEach((col, i) => {
    const w = widths[i];
    if (!w) return;
    if (!first) out.push({ text: ' ' });
    first = false;
    let spans = cellSpans(row.cells[i] ?? '');
    if (row.tone) spans = spans.map((s) => ({ ...s, tone: s.tone ?? row.tone }));
    if (i === labelCol && row.mark?.label) {
      const label: Span = { text: ` ◀ ${row.mark.label}`, tone: row.mark.tone, bold: true };
      const own = spans.reduce((n, s) => n + width(s.text), 0);
      // The cell keeps at least 12 columns of its own text; the label takes the rest (cut when it must be).
      const keep = Math.min(own, Math.max(Math.min(own, 12), w - width(label.text)));
      if (w - keep >= 4) spans = [...fitSpans(spans, keep), label];
    }
    out.push(...fitSpans(spans, w, col.align));
  });
  const used = out.reduce((n, s) => n + width(s.text), 0);
  if (used < o.width) out.push({ text: ' '.repeat(o.width - used) });
  return out;
}

export function headerSpans(columns: Column[], widths: number[], total: number): Span[] {
  const out: Span[] = [{ text: '  ' }];
  let first = true;
  columns.forEach((c, i) => {
    if (!widths[i]) return;
    if (!first) out.push({ text: ' ' });
    first = false;
    out.push({ text: fitWidth(c.title, widths[i], c.align), tone: 'dim', bold: true });
  });
  const used = out.reduce((n, s) => n + width(s.text), 0);
  if (used < total) out.push({ text: ' '.repeat(total - used) });
  return out;
}

/** Plain text of a line (tests, screenshots' text twin). */
export function spansText(spans: Span[]): string {
  return spans.map((s) => s.text).join('');
}

/** Joins groups of spans with a separator until the width runs out; later groups are dropped whole. */
export function packSpans(groups: Span[][], w: number, sep: Span = { text: '  ' }): Span[] {
  const out: Span[] = [];
  let used = 0;
  for (const g of groups) {
    const gw = g.reduce((n, s) => n + width(s.text), 0);
    const need = (out.length ? width(sep.text) : 0) + gw;
    if (used + need > w) break;
    if (out.length) out.push(sep);
    out.push(...g);
    used += need;
  }
  return out;
}

/** Word-wraps styled spans to lines of at most `w` columns (long words are cut hard). */
export function wrapSpans(spans: Span[], w: number): Span[][] {
  if (w <= 0) return [spans];
  const lines: Span[][] = [[]];
  let lw = 0;
  const push = (sp: Span) => {
    const line = lines[lines.length - 1];
    const last = line[line.length - 1];
    if (last && last.tone === sp.tone && last.bold === sp.bold) last.text += sp.text;
    else line.push({ ...sp });
    lw += width(sp.text);
  };
  const newline = () => {
    lines.push([]);
    lw = 0;
  };
  for (const s of spans) {
    for (const tok of s.text.split(/(\s+)/)) {
      if (!tok) continue;
      const tw = width(tok);
      if (/^\s+$/.test(tok)) {
        if (lw + tw <= w) push({ ...s, text: tok });
        else if (lw > 0) newline();
        continue;
      }
      if (lw + tw <= w) {
        push({ ...s, text: tok });
        continue;
      }
      if (tw <= w && lw > 0) {
        newline();
        push({ ...s, text: tok });
        continue;
      }
      let rest = tok;
      while (rest) {
        if (lw >= w) newline();
        const head = cutToWidth(rest, w - lw);
        push({ ...s, text: head });
        rest = rest.slice(head.length);
      }
    }
  }
  return lines.map((l) => (l.length ? l : [{ text: '' }]));
}

/** Wraps one-column rows (drill-down lines) to a width; continuation lines keep the row's target. */
export function wrapRows(rows: Row[], w: number): Row[] {
  const out: Row[] = [];
  for (const r of rows) {
    const spans = cellSpans(r.cells[0] ?? '');
    if (r.kind === 'section' || spans.reduce((n, x) => n + width(x.text), 0) <= w) {
      out.push(r);
      continue;
    }
    wrapSpans(spans, w).forEach((line, i) => {
      out.push({
        ...r,
        key: i ? `${r.key}~${i}` : r.key,
        cells: [i ? [{ text: '  ' }, ...line] : line],
        kind: i ? 'note' : r.kind,
      });
    });
  }
  return out;
}
