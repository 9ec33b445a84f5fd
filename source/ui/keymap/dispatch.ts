/**
 * The one dispatcher: a key event, in the current mode, becomes reducer actions and side effects (quit, refresh,
 * freeze, new intents, a confirmation's answer). Pure: the App supplies the list geometry for the state at hand
 * through `ctxFor`, because one chunk of input (":sg⏎") can change the mode halfway through.
 */
import type { Hop, Intent } from '../../model/index.js';
import { complete, runLine } from '../commandline/commands.js';
import type { Translator } from '../i18n/index.js';
import {
  currentMode,
  effectivePos,
  type ListGeom,
  type UiAction,
  type UiState,
  uiReducer,
} from '../state/reducer.js';
import { type DrillTarget, type DrillView, PANELS } from '../view/types.js';
import type { Mode } from './commands.js';
import type { Keymap } from './keymap.js';
import type { KeyEvent } from './keys.js';

export type Effect =
  | { type: 'quit' }
  | { type: 'refresh' }
  | { type: 'freeze' }
  | { type: 'setIntents'; intents: Intent[] }
  | { type: 'confirmed'; id: number; ok: boolean; typed?: string }
  /** Start the plan's run (its preview and confirmation come first). */
  | { type: 'runFix'; planId: string };

export interface DispatchCtx {
  keymap: Keymap;
  tr: Translator;
  /** The list the cursor is in for the current mode. */
  list: ListGeom;
  sortable: number[];
  resolve: (t: DrillTarget) => DrillView | undefined;
  intents: Intent[];
  egressIp?: string;
  /** Hops of the selected intent's path, in path-bar order. */
  hops: Hop[];
  intentId?: string;
  frozen: boolean;
  now: number;
  /** A fix can be started here (fixer present, not read-only). */
  canFix?: boolean;
  /** Rows of the confirmation's preview that fit on screen (its scroll page). */
  confirmPage?: number;
}

export const TEXT_MODES: readonly Mode[] = ['filter', 'command', 'help', 'confirm'];

export interface DispatchResult {
  state: UiState;
  effects: Effect[];
}

export function dispatchKeys(
  state: UiState,
  events: KeyEvent[],
  ctxFor: (s: UiState) => DispatchCtx,
): DispatchResult {
  let s = state;
  const effects: Effect[] = [];
  for (const ev of events) {
    const r = dispatchKey(s, ev, ctxFor(s));
    s = r.state;
    effects.push(...r.effects);
    if (r.effects.some((e) => e.type === 'quit')) break;
  }
  return { state: s, effects };
}

export function dispatchKey(s: UiState, ev: KeyEvent, ctx: DispatchCtx): DispatchResult {
  const mode = currentMode(s);
  const effects: Effect[] = [];
  const act = (...actions: UiAction[]) => actions.reduce(uiReducer, s);
  const msg = (text: string, tone: 'ok' | 'bad' | 'warn' | 'info' = 'info'): UiAction => ({
    type: 'message',
    text,
    tone,
    at: ctx.now,
  });

  // A confirmation without a name to type back takes one key: y applies, n declines.
  if (mode === 'confirm' && s.confirm && !s.confirm.typeBack && ev.text !== undefined) {
    const c = s.confirm;
    if (/^y$/i.test(ev.text))
      return { state: act({ type: 'confirmClose' }), effects: [{ type: 'confirmed', id: c.id, ok: true }] };
    if (/^n$/i.test(ev.text))
      return { state: act({ type: 'confirmClose' }), effects: [{ type: 'confirmed', id: c.id, ok: false }] };
    return { state: act({ type: 'confirmError', error: ctx.tr.t('confirm.pressY') }), effects };
  }
  // Printable keys type text in text-entry modes, whatever they are bound to elsewhere.
  if (TEXT_MODES.includes(mode) && ev.text !== undefined) {
    return { state: act({ type: 'insert', text: ev.text }), effects };
  }
  const cmd = ctx.keymap.lookup(mode, ev.name);
  if (!cmd) return { state: s, effects };

  switch (cmd) {
    case 'interrupt':
    case 'quit':
      return { state: s, effects: [{ type: 'quit' }] };
    case 'help':
      return { state: act({ type: 'pushMode', mode: 'help' }), effects };
    case 'filter':
      return { state: act({ type: 'pushMode', mode: 'filter' }), effects };
    case 'command':
      return { state: act({ type: 'pushMode', mode: 'command' }), effects };
    case 'back':
      return { state: act({ type: 'back' }), effects };
    case 'down':
    case 'up':
    case 'pageDown':
    case 'pageUp':
      if (mode === 'confirm') {
        // The preview scrolls under the prompt; there is no cursor in it.
        const page = Math.max(1, ctx.confirmPage ?? 1);
        const step = cmd === 'down' || cmd === 'up' ? 1 : Math.max(1, page - 1);
        return {
          state: act({
            type: 'confirmScroll',
            delta: cmd === 'down' || cmd === 'pageDown' ? step : -step,
            rows: s.confirm?.rows?.length ?? s.confirm?.lines.length ?? 0,
            page,
          }),
          effects,
        };
      }
      if (cmd === 'down' || cmd === 'up')
        return { state: act({ type: 'move', delta: cmd === 'down' ? 1 : -1, list: ctx.list }), effects };
      return {
        state: act({
          type: 'move',
          delta: (cmd === 'pageDown' ? 1 : -1) * Math.max(1, ctx.list.page - 1),
          list: ctx.list,
        }),
        effects,
      };
    case 'top':
    case 'bottom':
      return { state: act({ type: 'moveTo', where: cmd, list: ctx.list }), effects };
    case 'nextPanel':
    case 'prevPanel':
      return { state: act({ type: 'panelStep', delta: cmd === 'nextPanel' ? 1 : -1 }), effects };
    case 'panel1':
    case 'panel2':
    case 'panel3':
    case 'panel4':
    case 'panel5':
    case 'panel6':
    case 'panel7':
      return { state: act({ type: 'panel', panel: PANELS[Number(cmd.slice(5)) - 1] }), effects };
    case 'open': {
      const pos = effectivePos(mode === 'drill' ? s.drill[s.drill.length - 1].pos : s.pos[s.panel], ctx.list);
      const target = ctx.list.rows[pos.cursor]?.target;
      if (!target) return { state: s, effects };
      if (target.kind === 'plan') return startFix(s, target.id, ctx, act, msg);
      return { state: act({ type: 'open', target, view: ctx.resolve(target) }), effects };
    }
    case 'fix': {
      if (!ctx.canFix) return { state: act(msg(ctx.tr.t('fix.unavailable'), 'warn')), effects };
      const top = s.drill[s.drill.length - 1];
      const pos = effectivePos(mode === 'drill' && top ? top.pos : s.pos[s.panel], ctx.list);
      const row = ctx.list.rows[pos.cursor]?.target;
      // In a remedies list the key fixes with the selected plan; on a finding (its row, or its page) it lists them.
      if (row?.kind === 'plan') return startFix(s, row.id, ctx, act, msg);
      const findingId =
        mode === 'drill'
          ? top?.target.kind === 'finding'
            ? top.target.id
            : top?.target.kind === 'remedies'
              ? top.target.findingId
              : row?.kind === 'finding'
                ? row.id
                : undefined
          : row?.kind === 'finding'
            ? row.id
            : undefined;
      if (!findingId) return { state: act(msg(ctx.tr.t('fix.noFinding'), 'warn')), effects };
      if (top?.target.kind === 'remedies' && top.target.findingId === findingId) return { state: s, effects };
      const target: DrillTarget = { kind: 'remedies', findingId };
      return { state: act({ type: 'open', target, view: ctx.resolve(target) }), effects };
    }
    case 'hopLeft':
    case 'hopRight':
      return {
        state: act({ type: 'hopStep', delta: cmd === 'hopRight' ? 1 : -1, count: ctx.hops.length }),
        effects,
      };
    case 'hopOpen': {
      const h = ctx.hops[s.hop] ?? ctx.hops.find((x) => x.state === 'BLOCKED');
      if (!h || !ctx.intentId) return { state: act(msg(ctx.tr.t('status.noHop'), 'warn')), effects };
      const target: DrillTarget = { kind: 'hop', intentId: ctx.intentId, hop: h.hop, leg: h.leg };
      return { state: act({ type: 'open', target, view: ctx.resolve(target) }), effects };
    }
    case 'nextIntent':
    case 'prevIntent':
      return {
        state: act({ type: 'intentStep', delta: cmd === 'nextIntent' ? 1 : -1, count: ctx.intents.length }),
        effects,
      };
    case 'sort':
      return { state: act({ type: 'sortCycle', sortable: ctx.sortable }), effects };
    case 'refresh':
      return { state: act(msg(ctx.tr.t('status.refreshing'))), effects: [{ type: 'refresh' }] };
    case 'freeze':
      return {
        state: act(
          msg(ctx.tr.t(ctx.frozen ? 'status.unfrozen' : 'status.frozen'), ctx.frozen ? 'ok' : 'warn'),
        ),
        effects: [{ type: 'freeze' }],
      };
    case 'deleteChar':
      return { state: act({ type: 'deleteChar' }), effects };
    case 'clearInput':
      return { state: act({ type: 'clearInput' }), effects };
    case 'cancel':
      if (mode === 'filter') return { state: act({ type: 'filterCancel' }), effects };
      if (mode === 'command') return { state: act({ type: 'commandDone' }), effects };
      if (mode === 'help') return { state: act({ type: 'popMode' }), effects };
      if (mode === 'confirm' && s.confirm)
        return {
          state: act({ type: 'confirmClose' }),
          effects: [{ type: 'confirmed', id: s.confirm.id, ok: false }],
        };
      return { state: s, effects };
    case 'complete': {
      const items = complete(s.input, ctx.intents);
      if (!items.length) return { state: s, effects };
      const cur = s.completion;
      const index = cur && cur.items.join('\n') === items.join('\n') ? (cur.index + 1) % items.length : 0;
      // A single candidate, or a shared longer prefix, completes in place; otherwise Tab cycles.
      return { state: act({ type: 'completion', items, input: items[index], index }), effects };
    }
    case 'accept':
      if (mode === 'filter') return { state: act({ type: 'filterCommit' }), effects };
      if (mode === 'confirm' && s.confirm) {
        const c = s.confirm;
        // Enter never confirms a y/n question: a stray Enter must not apply a change.
        if (!c.typeBack)
          return { state: act({ type: 'confirmError', error: ctx.tr.t('confirm.pressY') }), effects };
        if (c.typed.trim() !== c.typeBack) {
          return {
            state: act({ type: 'confirmError', error: ctx.tr.t('confirm.mismatch', { name: c.typeBack }) }),
            effects,
          };
        }
        return {
          state: act({ type: 'confirmClose' }),
          effects: [{ type: 'confirmed', id: c.id, ok: true, typed: c.typed.trim() }],
        };
      }
      if (mode === 'command') return runCommandLine(s, ctx);
      return { state: s, effects };
  }
  return { state: s, effects };
}

function startFix(
  s: UiState,
  planId: string,
  ctx: DispatchCtx,
  act: (...a: UiAction[]) => UiState,
  msg: (text: string, tone?: 'ok' | 'bad' | 'warn' | 'info') => UiAction,
): DispatchResult {
  if (!ctx.canFix) return { state: act(msg(ctx.tr.t('fix.unavailable'), 'warn')), effects: [] };
  return { state: s, effects: [{ type: 'runFix', planId }] };
}

function runCommandLine(s: UiState, ctx: DispatchCtx): DispatchResult {
  const t = ctx.tr.t;
  const done = uiReducer(s, { type: 'commandDone' });
  const r = runLine(s.input, { intents: ctx.intents, egressIp: ctx.egressIp });
  const message = (text: string, tone: 'ok' | 'bad' | 'info' = 'info'): UiAction => ({
    type: 'message',
    text,
    tone,
    at: ctx.now,
  });
  switch (r.kind) {
    case 'panel':
      return { state: uiReducer(done, { type: 'panel', panel: r.panel }), effects: [] };
    case 'intent': {
      if (r.existingIndex >= 0) {
        return {
          state: [
            { type: 'intentSelect', index: r.existingIndex } as UiAction,
            message(t('status.intentSelected', { label: r.intent.label })),
          ].reduce(uiReducer, done),
          effects: [],
        };
      }
      const intents = [...ctx.intents, r.intent];
      return {
        state: [
          { type: 'intentSelect', index: intents.length - 1 } as UiAction,
          message(t('status.intentAdded', { label: r.intent.label }), 'ok'),
        ].reduce(uiReducer, done),
        effects: [{ type: 'setIntents', intents }],
      };
    }
    case 'refresh':
      return { state: uiReducer(done, message(t('status.refreshing'))), effects: [{ type: 'refresh' }] };
    case 'freeze':
      return {
        state: uiReducer(done, message(t(ctx.frozen ? 'status.unfrozen' : 'status.frozen'))),
        effects: [{ type: 'freeze' }],
      };
    case 'lang':
      return {
        state: [
          { type: 'lang', lang: r.lang } as UiAction,
          message(t('status.lang', { lang: r.lang })),
        ].reduce(uiReducer, done),
        effects: [],
      };
    case 'help':
      return { state: uiReducer(done, { type: 'pushMode', mode: 'help' }), effects: [] };
    case 'quit':
      return { state: done, effects: [{ type: 'quit' }] };
    case 'error':
      return { state: uiReducer(done, message(t(r.key, r.params), 'bad')), effects: [] };
    case 'none':
      return { state: done, effects: [] };
  }
}
