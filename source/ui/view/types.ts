/**
 * View models: what a panel shows, computed outside React from the session state by pure functions. React
 * components only lay these out; filtering, sorting and windowing also happen here, memoised by identity.
 */

import type { HistorySample, SessionState, SourceName, TimelineEntry } from '../../engine/session.js';
import type { HopId, Intent, PathVerdict, Plan, Snapshot, Verdict } from '../../model/index.js';
import type { Translator } from '../i18n/index.js';

export const PANELS = [
  'instance',
  'security',
  'sockets',
  'routes',
  'bandwidth',
  'findings',
  'events',
] as const;
export type PanelId = (typeof PANELS)[number];

/** Meaning, not colour: the theme maps tones to colours (or to nothing under NO_COLOR). */
export type Tone = 'ok' | 'bad' | 'warn' | 'dim' | 'accent' | 'info' | 'strong';

export interface Span {
  text: string;
  tone?: Tone;
  bold?: boolean;
}
export type Cell = string | Span | Span[];

export interface Column {
  id: string;
  title: string;
  /** Fixed width in columns (0 with `flex`: takes a share of what is left). */
  width: number;
  flex?: number;
  min?: number;
  align?: 'left' | 'right';
  /** Dropped first when the terminal is narrow (higher drops earlier); undefined: never dropped. */
  drop?: number;
}

export type DrillTarget =
  | { kind: 'sg-rule'; id: string }
  | { kind: 'acl-entry'; id: string }
  | { kind: 'ipt-rule'; family: 4 | 6; table: string; chain: string; index: number }
  | { kind: 'socket'; key: string }
  | { kind: 'route'; table: 'vpc' | 'guest'; key: string }
  | { kind: 'hop'; intentId: string; hop: HopId; leg: 'forward' | 'return' }
  | { kind: 'finding'; id: string }
  | { kind: 'event'; id: string }
  | { kind: 'timeline'; id: number }
  | { kind: 'eni'; id: string }
  | { kind: 'source'; name: string }
  | { kind: 'series'; key: string }
  | { kind: 'service'; name: string }
  | { kind: 'process'; pid: number }
  /** The remedies of one finding (the fix key). */
  | { kind: 'remedies'; findingId: string }
  /** One remedy plan in that list: opening it starts the run (preview and confirmation first). */
  | { kind: 'plan'; id: string; findingId: string }
  /** A fix as it runs: the runner's events, as recorded in the session timeline. */
  | { kind: 'fix-run'; run: number };

export interface Row {
  key: string;
  /** section: a heading over the rows after it; note: a full-width line of text (not a table row). */
  kind?: 'row' | 'section' | 'note';
  cells: Cell[];
  tone?: Tone;
  /** Gutter mark: the rule that decides, the route that matches, the listener that serves. */
  mark?: { glyph: string; tone?: Tone; label?: string };
  target?: DrillTarget;
  /** Lower-case text the filter searches; derived from the cells when absent. */
  search?: string;
  /** Sort keys, one per column. */
  sort?: (string | number)[];
  /** Side-by-side panels (Routes): which half the row belongs to. */
  side?: 0 | 1;
}

export interface ChartBlock {
  key: string;
  title: string;
  /** Values oldest first; undefined = no sample. */
  values: (number | undefined)[];
  /** Top of the scale (the bandwidth cap when known). */
  scale: number;
  scaleLabel: string;
  unit: 'bps' | 'count' | 'pct';
  /** Per-sample trouble marks under the chart (loss, drops, failed probes): true = trouble. */
  marks?: (boolean | undefined)[];
  /** One-line summary shown beside the title (now, peak). */
  summary: Span[];
  /** A row of marks only (no chart). */
  marksOnly?: boolean;
  target?: DrillTarget;
  /** Sample times, epoch ms, parallel to `values`. */
  times: number[];
}

export interface PanelModel {
  id: PanelId;
  /** What is listed and how many, e.g. `6 rules`. */
  title: string;
  sources: SourceName[];
  columns: Column[];
  rows: Row[];
  /** Column indexes `s` cycles through. */
  sortable?: number[];
  /** Draw rows with side 0 and side 1 next to each other when the terminal is wide enough. */
  split?: boolean;
  summary?: Span[];
  charts?: ChartBlock[];
  empty?: string;
  /** Lines about the selected row, shown under a short table in the room left over (Findings). */
  preview?: (rowKey: string) => Span[][];
}

export interface DrillView {
  title: string;
  /** Short form for breadcrumbs. */
  crumb: string;
  rows: Row[];
  /** Resolved from the last data seen: the item is no longer in the live data. */
  gone?: boolean;
}

/** Everything a panel or a drill-down may read. */
export interface ViewContext {
  tr: Translator;
  snapshot?: Snapshot;
  verdict?: Verdict;
  session: SessionState;
  /** The selected intent and its verdict (the path bar's). */
  intent?: Intent;
  path?: PathVerdict;
  history: readonly HistorySample[];
  timeline: readonly TimelineEntry[];
  /** Present when this screen can fix things (a fixer, not read-only). */
  fix?: FixContext;
}

/** What the views need to offer fixes: the plans the current verdict offers, and the key that starts one. */
export interface FixContext {
  /** The fix key as shown to the operator (`x`). */
  key: string;
  /** The plans for the current verdict (built once per verdict), and the remedy ids that could not be built. */
  plans(): { plans: Plan[]; errors: { id: string; error: string }[] };
}
