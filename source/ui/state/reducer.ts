/**
 * UI state outside React: which panel, where each cursor is, the mode stack (normal / filter / command /
 * help / drill / confirm), the drill stack, the text being typed. A pure reducer over a discriminated union of
 * actions; list geometry (row count, which rows can be selected, page height) arrives inside the actions.
 */
import type { Lang } from '../i18n/index.js';
import type { Mode } from '../keymap/commands.js';
import { nearestSelectable, windowTop } from '../view/table.js';
import {
  type DrillTarget,
  type DrillView,
  PANELS,
  type PanelId,
  type Row,
  type Tone,
} from '../view/types.js';

export interface ListPos {
  cursor: number;
  top: number;
}

export interface DrillFrame {
  target: DrillTarget;
  pos: ListPos;
  /** The view as last resolved, shown when the item leaves the live data. */
  last?: DrillView;
}

export interface ConfirmRequest {
  id: number;
  title: string;
  /** The preview as plain lines. */
  lines: string[];
  /** The preview as styled rows (the fix flow: diff lines coloured, headings): shown instead of `lines`. */
  rows?: Row[];
  /** The word the operator must type back (a target name) for destructive steps; without it, `y` or `n`. */
  typeBack?: string;
}

export interface UiState {
  panel: PanelId;
  pos: Record<PanelId, ListPos>;
  filter: Record<PanelId, string>;
  sort: Partial<Record<PanelId, { col: number; desc: boolean }>>;
  /** Mode stack; the last entry is the current mode, the first is always `normal`. */
  modes: Mode[];
  drill: DrillFrame[];
  /** Text being typed in filter or command mode. */
  input: string;
  /** The filter before editing began (Esc restores it). */
  filterBefore?: string;
  completion?: { items: string[]; index: number };
  help: { filter: string; pos: ListPos };
  intentIndex: number;
  /** Index into the selected path's hops; -1 when no hop is selected. */
  hop: number;
  message?: { text: string; tone: Tone; at: number };
  confirm?: ConfirmRequest & { typed: string; error?: string; top: number };
  lang: Lang;
}

/** The list the cursor moves in: its rows (for selectability) and how many fit on screen. */
export interface ListGeom {
  rows: Row[];
  page: number;
}

export type UiAction =
  | { type: 'panel'; panel: PanelId }
  | { type: 'panelStep'; delta: 1 | -1 }
  | { type: 'move'; delta: number; list: ListGeom }
  | { type: 'moveTo'; where: 'top' | 'bottom'; list: ListGeom }
  | { type: 'clamp'; list: ListGeom }
  | {
      type: 'open';
      target: DrillTarget;
      view?: DrillView /** Replace the top frame (a fix's run replaces its remedy list). */;
      replace?: boolean;
    }
  | { type: 'drillSeen'; view: DrillView }
  | { type: 'back' }
  | { type: 'pushMode'; mode: Mode }
  | { type: 'popMode' }
  | { type: 'insert'; text: string }
  | { type: 'deleteChar' }
  | { type: 'clearInput' }
  | { type: 'filterCommit' }
  | { type: 'filterCancel' }
  | { type: 'commandDone' }
  | { type: 'completion'; items: string[]; input: string; index: number }
  | { type: 'sortCycle'; sortable: number[] }
  | { type: 'intentStep'; delta: number; count: number }
  | { type: 'intentSelect'; index: number }
  | { type: 'hopStep'; delta: number; count: number }
  | { type: 'message'; text: string; tone: Tone; at: number }
  | { type: 'confirmOpen'; request: ConfirmRequest }
  | { type: 'confirmError'; error: string }
  | { type: 'confirmScroll'; delta: number; rows: number; page: number }
  | { type: 'confirmClose' }
  | { type: 'lang'; lang: Lang };

export function initialUi(lang: Lang, panel: PanelId = 'findings'): UiState {
  const rec = <T>(v: () => T) => Object.fromEntries(PANELS.map((p) => [p, v()])) as Record<PanelId, T>;
  return {
    panel,
    pos: rec(() => ({ cursor: -1, top: 0 })),
    filter: rec(() => ''),
    sort: {},
    modes: ['normal'],
    drill: [],
    input: '',
    help: { filter: '', pos: { cursor: 0, top: 0 } },
    intentIndex: 0,
    hop: -1,
    lang,
  };
}

export const currentMode = (s: UiState): Mode => s.modes[s.modes.length - 1];

/**
 * Where the cursor really is for a list as it is now: -1 (never moved, or reset by a filter) means the first
 * selectable row; a cursor past the end (the data shrank) comes back to the last one.
 */
export function effectivePos(p: ListPos, list: ListGeom): ListPos {
  if (!list.rows.length) return { cursor: -1, top: 0 };
  const want = p.cursor < 0 ? 0 : Math.min(p.cursor, list.rows.length - 1);
  const cursor = nearestSelectable(list.rows, want, p.cursor < 0 ? 1 : -1);
  if (cursor < 0) return { cursor: -1, top: Math.min(p.top, Math.max(0, list.rows.length - list.page)) };
  return { cursor, top: windowTop(p.top, cursor, list.page, list.rows.length) };
}

function move(pos: ListPos, list: ListGeom, target: number, dir: 1 | -1): ListPos {
  const cursor = nearestSelectable(list.rows, target, dir);
  if (cursor < 0) return { cursor: -1, top: 0 };
  let top = windowTop(pos.top, cursor, list.page, list.rows.length);
  // Show the heading right above the cursor when it fits.
  if (top === cursor && cursor > 0 && list.rows[cursor - 1]?.kind === 'section' && list.page > 1)
    top = cursor - 1;
  return { cursor, top };
}

/** Applies a movement to whichever list is current: the help list, the top drill frame, or the panel. */
function withPos(s: UiState, f: (p: ListPos) => ListPos): UiState {
  const mode = currentMode(s);
  if (mode === 'help') return { ...s, help: { ...s.help, pos: f(s.help.pos) } };
  if (mode === 'drill' && s.drill.length) {
    const d = [...s.drill];
    const top = d[d.length - 1];
    d[d.length - 1] = { ...top, pos: f(top.pos) };
    return { ...s, drill: d };
  }
  return { ...s, pos: { ...s.pos, [s.panel]: f(s.pos[s.panel]) } };
}

function popTo(s: UiState, mode: Mode): Mode[] {
  const i = s.modes.lastIndexOf(mode);
  return i > 0 ? s.modes.slice(0, i) : s.modes;
}

export function uiReducer(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'panel':
      return { ...s, panel: a.panel, drill: [], modes: ['normal'] };
    case 'panelStep': {
      const i = PANELS.indexOf(s.panel);
      return {
        ...s,
        panel: PANELS[(i + a.delta + PANELS.length) % PANELS.length],
        drill: [],
        modes: ['normal'],
      };
    }
    case 'move':
      return withPos(s, (p) => {
        const cur = effectivePos(p, a.list).cursor;
        if (cur < 0) return p;
        const target = Math.max(0, Math.min(a.list.rows.length - 1, cur + a.delta));
        const moved = move(p, a.list, target, a.delta < 0 ? -1 : 1);
        // At the edge with no selectable row further on, stay put.
        return (a.delta > 0 && moved.cursor < cur) || (a.delta < 0 && moved.cursor > cur)
          ? { ...p, cursor: cur }
          : moved;
      });
    case 'moveTo':
      return withPos(s, (p) =>
        a.where === 'top'
          ? move({ ...p, top: 0 }, a.list, 0, 1)
          : move(p, a.list, a.list.rows.length - 1, -1),
      );
    case 'clamp':
      return withPos(s, (p) => effectivePos(p, a.list));
    case 'open': {
      const frame: DrillFrame = { target: a.target, pos: { cursor: -1, top: 0 }, last: a.view };
      const modes =
        currentMode(s) === 'drill' ? s.modes : [...s.modes.filter((m) => m === 'normal'), 'drill' as Mode];
      const below = a.replace && s.drill.length ? s.drill.slice(0, -1) : s.drill;
      return { ...s, drill: [...below, frame], modes };
    }
    case 'drillSeen': {
      if (!s.drill.length) return s;
      const d = [...s.drill];
      d[d.length - 1] = { ...d[d.length - 1], last: a.view };
      return { ...s, drill: d };
    }
    case 'back': {
      const mode = currentMode(s);
      if (mode === 'drill') {
        const drill = s.drill.slice(0, -1);
        return { ...s, drill, modes: drill.length ? s.modes : popTo(s, 'drill') };
      }
      if (mode === 'help') return { ...s, modes: popTo(s, 'help') };
      if (mode === 'normal' && s.filter[s.panel]) return { ...s, filter: { ...s.filter, [s.panel]: '' } };
      if (mode === 'normal' && s.hop >= 0) return { ...s, hop: -1 };
      return s;
    }
    case 'pushMode': {
      if (currentMode(s) === a.mode) return s;
      const next = { ...s, modes: [...s.modes, a.mode], completion: undefined };
      if (a.mode === 'filter') return { ...next, input: s.filter[s.panel], filterBefore: s.filter[s.panel] };
      if (a.mode === 'command') return { ...next, input: '' };
      if (a.mode === 'help') return { ...next, help: { filter: '', pos: { cursor: 0, top: 0 } } };
      return next;
    }
    case 'popMode':
      return s.modes.length > 1 ? { ...s, modes: s.modes.slice(0, -1), completion: undefined } : s;
    case 'insert':
    case 'deleteChar':
    case 'clearInput':
      return edit(s, a);
    case 'filterCommit':
      return { ...s, modes: popTo(s, 'filter'), filterBefore: undefined };
    case 'filterCancel':
      return {
        ...s,
        modes: popTo(s, 'filter'),
        filter: { ...s.filter, [s.panel]: s.filterBefore ?? '' },
        filterBefore: undefined,
      };
    case 'commandDone':
      return { ...s, modes: popTo(s, 'command'), input: '', completion: undefined };
    case 'completion':
      return { ...s, input: a.input, completion: { items: a.items, index: a.index } };
    case 'sortCycle': {
      if (!a.sortable.length) return s;
      const cur = s.sort[s.panel];
      // Cycle: each sortable column ascending, then descending, then the panel's own order.
      let next: { col: number; desc: boolean } | undefined;
      if (!cur) next = { col: a.sortable[0], desc: false };
      else if (!cur.desc) next = { col: cur.col, desc: true };
      else {
        const i = a.sortable.indexOf(cur.col);
        next = i + 1 < a.sortable.length ? { col: a.sortable[i + 1], desc: false } : undefined;
      }
      return { ...s, sort: { ...s.sort, [s.panel]: next } };
    }
    case 'intentStep':
      if (!a.count) return s;
      return { ...s, intentIndex: (((s.intentIndex + a.delta) % a.count) + a.count) % a.count, hop: -1 };
    case 'intentSelect':
      return { ...s, intentIndex: Math.max(0, a.index), hop: -1 };
    case 'hopStep': {
      if (!a.count) return s;
      const start = s.hop < 0 ? (a.delta > 0 ? -1 : a.count) : s.hop;
      return { ...s, hop: Math.max(0, Math.min(a.count - 1, start + a.delta)) };
    }
    case 'message':
      return { ...s, message: { text: a.text, tone: a.tone, at: a.at } };
    case 'confirmOpen':
      return {
        ...s,
        confirm: { ...a.request, typed: '', top: 0 },
        modes: [...s.modes.filter((m) => m !== 'confirm'), 'confirm'],
      };
    case 'confirmError':
      return s.confirm ? { ...s, confirm: { ...s.confirm, error: a.error, typed: '' } } : s;
    case 'confirmScroll': {
      if (!s.confirm) return s;
      const top = Math.max(0, Math.min(Math.max(0, a.rows - a.page), s.confirm.top + a.delta));
      return top === s.confirm.top ? s : { ...s, confirm: { ...s.confirm, top } };
    }
    case 'confirmClose':
      return { ...s, confirm: undefined, modes: popTo(s, 'confirm') };
    case 'lang':
      return { ...s, lang: a.lang };
  }
}

/** Text editing in the current text mode; the filter applies as it is typed. */
function edit(s: UiState, a: Extract<UiAction, { type: 'insert' | 'deleteChar' | 'clearInput' }>): UiState {
  const apply = (v: string) =>
    a.type === 'insert' ? v + a.text : a.type === 'deleteChar' ? [...v].slice(0, -1).join('') : '';
  switch (currentMode(s)) {
    case 'filter': {
      const input = apply(s.input);
      return {
        ...s,
        input,
        filter: { ...s.filter, [s.panel]: input },
        pos: { ...s.pos, [s.panel]: { cursor: -1, top: 0 } },
      };
    }
    case 'command':
      return { ...s, input: apply(s.input), completion: undefined };
    case 'help':
      return { ...s, help: { filter: apply(s.help.filter), pos: { cursor: 0, top: 0 } } };
    case 'confirm':
      return s.confirm
        ? { ...s, confirm: { ...s.confirm, typed: apply(s.confirm.typed), error: undefined } }
        : s;
    default:
      return s;
  }
}
