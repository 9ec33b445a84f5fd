/**
 * Table work done outside React: filter, sort (within sections), the visible window, and column widths for a
 * terminal width. Results are memoised by input identity so a keypress that only moves the cursor costs a
 * slice of an existing array, even with 20,000 rows.
 */
import { width as colWidth } from '../text/width.js';
import type { Cell, Column, PanelModel, Row } from './types.js';

export function cellText(c: Cell): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((s) => s.text).join('');
  return c.text;
}

const searchCache = new WeakMap<Row, string>();
export function searchText(r: Row): string {
  if (r.search !== undefined) return r.search;
  let s = searchCache.get(r);
  if (s === undefined) {
    s = r.cells.map(cellText).join(' ').toLowerCase();
    searchCache.set(r, s);
  }
  return s;
}

export function isSelectable(r: Row | undefined): boolean {
  return !!r && (r.kind === undefined || r.kind === 'row');
}

export interface SortSpec {
  col: number;
  desc: boolean;
}

function compare(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Filter (every word must appear) and sort rows; sections stay over their rows, empty sections vanish. */
export function filterSort(rows: Row[], filter: string, sort?: SortSpec): Row[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length && !sort) return rows;
  const out: Row[] = [];
  let section: Row | undefined;
  let group: Row[] = [];
  const flush = () => {
    if (sort) {
      const key = (r: Row) => r.sort?.[sort.col] ?? cellText(r.cells[sort.col] ?? '');
      group.sort((a, b) => (sort.desc ? -1 : 1) * compare(key(a), key(b)));
    }
    if (group.length || (!words.length && section)) {
      if (section) out.push(section);
      out.push(...group);
    }
    group = [];
  };
  for (const r of rows) {
    if (r.kind === 'section') {
      flush();
      section = r;
      continue;
    }
    if (words.length) {
      const s = searchText(r);
      if (!words.every((w) => s.includes(w))) continue;
    }
    group.push(r);
  }
  flush();
  return out;
}

/** One-slot memo per call site: recomputes only when an argument changes identity. */
export function memoLast<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let last: { args: A; value: R } | undefined;
  return (...args: A) => {
    if (last && last.args.length === args.length && last.args.every((a, i) => Object.is(a, args[i])))
      return last.value;
    const value = fn(...args);
    last = { args, value };
    return value;
  };
}

/** Nearest selectable row at or after `i` in direction `dir`, else the other way; -1 when none. */
export function nearestSelectable(rows: Row[], i: number, dir: 1 | -1 = 1): number {
  if (!rows.length) return -1;
  const start = Math.max(0, Math.min(rows.length - 1, i));
  for (let j = start; j >= 0 && j < rows.length; j += dir) if (isSelectable(rows[j])) return j;
  for (let j = start; j >= 0 && j < rows.length; j -= dir) if (isSelectable(rows[j])) return j;
  return -1;
}

/** The first row index to draw so that the cursor is visible, moving the window as little as possible. */
export function windowTop(prevTop: number, cursor: number, height: number, total: number): number {
  if (height <= 0) return 0;
  let top = Math.min(prevTop, Math.max(0, total - height));
  if (cursor < top) top = cursor;
  if (cursor >= top + height) top = cursor - height + 1;
  // Keep a section heading visible when the cursor sits right under it.
  return Math.max(0, top);
}

/**
 * Column widths for a total width (the 2-column gutter excluded). Fixed columns keep their width (at least
 * their title's), flex columns share the rest; when it does not fit, columns with the highest `drop` go first.
 * A dropped column gets width 0.
 */
export function layoutColumns(columns: Column[], total: number): number[] {
  const base = columns.map((c) => Math.max(c.width, c.flex ? (c.min ?? 6) : colWidth(c.title)));
  const alive = columns.map(() => true);
  const need = () =>
    base.reduce((s, w, i) => s + (alive[i] ? w : 0), 0) + Math.max(0, alive.filter(Boolean).length - 1);
  const droppable = columns
    .map((c, i) => ({ i, d: c.drop ?? 0 }))
    .filter((x) => x.d > 0)
    .sort((a, b) => b.d - a.d);
  while (need() > total && droppable.length) alive[droppable.shift()!.i] = false;
  const widths = base.map((w, i) => (alive[i] ? w : 0));
  let spare = total - need();
  const flex = columns.map((c, i) => (alive[i] ? (c.flex ?? 0) : 0));
  const flexSum = flex.reduce((a, b) => a + b, 0);
  if (spare > 0 && flexSum > 0) {
    let given = 0;
    flex.forEach((f, i) => {
      if (!f) return;
      const add = Math.floor((spare * f) / flexSum);
      widths[i] += add;
      given += add;
    });
    const last = flex
      .map((f, i) => (f ? i : -1))
      .filter((i) => i >= 0)
      .pop();
    if (last !== undefined) widths[last] += spare - given;
    spare = 0;
  }
  if (spare < 0) {
    // Still too wide: shrink the widest flexible columns down to 4.
    let over = -spare;
    const order = widths.map((w, i) => ({ w, i })).sort((a, b) => b.w - a.w);
    for (const { i } of order) {
      if (over <= 0) break;
      const cut = Math.min(over, Math.max(0, widths[i] - 4));
      widths[i] -= cut;
      over -= cut;
    }
  }
  return widths;
}

export interface Visible {
  rows: Row[];
  /** Rows before filtering (for "12 of 480"). */
  total: number;
}

/** Memoised filter+sort of a panel's rows. Create one per App instance. */
export function createVisibleRows(): (
  model: PanelModel,
  filter: string,
  sort: SortSpec | undefined,
) => Visible {
  const cache = new Map<string, (rows: Row[], filter: string, col: number, desc: boolean) => Visible>();
  return (model, filter, sort) => {
    let f = cache.get(model.id);
    if (!f) {
      f = memoLast((rows: Row[], filt: string, col: number, desc: boolean) => ({
        rows: filterSort(rows, filt, col >= 0 ? { col, desc } : undefined),
        total: rows.filter(isSelectable).length,
      }));
      cache.set(model.id, f);
    }
    return f(model.rows, filter, sort?.col ?? -1, sort?.desc ?? false);
  };
}
