/**
 * Screen geometry. The root is one row shorter than the terminal: Ink 6 clears and redraws the whole screen on
 * every frame when the output is as tall as the terminal (measured: 20 clears per 10 frames at full height,
 * none at rows − 1).
 */
import type { PanelModel } from './view/types.js';

export const HEADER_ROWS = 2;
export const PATH_ROWS = 2;
export const TABS_ROWS = 1;
export const STATUS_ROWS = 1;
export const FOOTER_ROWS = 1;
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

export interface FrameLayout {
  width: number;
  height: number;
  /** Rows for the panel (or drill, help, confirm pane). */
  body: number;
  tooSmall: boolean;
}

export function frameLayout(columns: number, rows: number): FrameLayout {
  const height = Math.max(1, rows - 1);
  const body = Math.max(0, height - HEADER_ROWS - PATH_ROWS - TABS_ROWS - STATUS_ROWS - FOOTER_ROWS);
  return { width: Math.max(1, columns), height, body, tooSmall: columns < MIN_COLUMNS || rows < MIN_ROWS };
}

/** How many list rows a panel shows (its page for PgUp/PgDn and the window for the cursor). */
export function panelPage(model: PanelModel, body: number): number {
  if (model.charts) return Math.max(1, model.charts.length);
  return Math.max(1, body - 1 /* title */ - (model.summary?.length ? 1 : 0) - 1 /* column header */);
}

export const drillPage = (body: number) => Math.max(1, body - 1);
export const helpPage = (body: number) => Math.max(1, body - 3);
