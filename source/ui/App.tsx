/**
 * The root component. It reads the session (pushed at most 4 times a second), keeps UI state in a pure reducer,
 * turns every key into commands through the one dispatcher, and lays out header, path bar, tabs, the current
 * pane, status line and footer inside rows − 1 lines. It never collects anything itself.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Fixer } from '../engine/fixer.js';
import type { Session } from '../engine/session.js';
import { Footer, StatusLine } from './components/Bars.js';
import { Header } from './components/Header.js';
import { PanelView } from './components/PanelView.js';
import { ConfirmPane, confirmGeometry, DrillPane, HelpPane, helpRows } from './components/Panes.js';
import { orderedHops, PathBar } from './components/PathBar.js';
import { Tabs } from './components/Tabs.js';
import { useFix } from './hooks/useFix.js';
import { useLive } from './hooks/useLive.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { type Lang, translator } from './i18n/index.js';
import { type DispatchCtx, dispatchKeys, type Effect, TEXT_MODES } from './keymap/dispatch.js';
import { type Keymap, withoutCommands } from './keymap/keymap.js';
import { displayKey, toKeyEvents } from './keymap/keys.js';
import { drillPage, frameLayout, helpPage, panelPage } from './layout.js';
import { wrapRows } from './render/spans.js';
import {
  type ConfirmRequest,
  currentMode,
  effectivePos,
  initialUi,
  type ListGeom,
  type UiState,
  uiReducer,
} from './state/reducer.js';
import { resolveDrill } from './view/drill.js';
import { createContextBuilder, createPanelCache } from './view/panels.js';
import { createVisibleRows, memoLast } from './view/table.js';
import type { DrillTarget, DrillView, PanelId, Tone } from './view/types.js';

/** What the surrounding program can ask of a running app. */
export interface AppController {
  confirm(request: Omit<ConfirmRequest, 'id'>): Promise<boolean>;
  flash(text: string, tone?: 'ok' | 'bad' | 'warn' | 'info'): void;
  /** Ends the screen (the program could not set the target up, for one). */
  quit(): void;
}

export interface AppProps {
  session: Session;
  lang: Lang;
  keymap: Keymap;
  readOnly?: boolean;
  /** Remediation for this session: with it (and not read-only) the fix key lists, previews and runs plans. */
  fixer?: Fixer;
  /** Messages to show once at start (keymap warnings). */
  notices?: string[];
  initialPanel?: PanelId;
  now?: () => number;
  onQuit?: () => void;
  onReady?: (ctl: AppController) => void;
}

const MESSAGE_MS = 6000;

export function App(props: AppProps) {
  const { session } = props;
  const canFix = !!props.fixer && !props.fixer.readOnly && !props.readOnly;
  // Without a way to fix, the fix key is not there at all: not in the footer, not in help, not bound.
  const keymap = useMemo(
    () => (canFix ? props.keymap : withoutCommands(props.keymap, ['fix'])),
    [canFix, props.keymap],
  );
  const now = props.now ?? Date.now;
  const { exit } = useApp();
  const size = useTerminalSize();
  const layout = frameLayout(size.columns, size.rows);
  const lastKeyAt = useRef(0);
  const { now: clockNow, session: sess } = useLive(session, now, lastKeyAt);
  const [ui, setUi] = useState<UiState>(() => {
    let s = initialUi(props.lang, props.initialPanel);
    if (props.notices?.length)
      s = uiReducer(s, { type: 'message', text: props.notices.join(' · '), tone: 'warn', at: now() });
    return s;
  });
  const uiRef = useRef(ui);
  uiRef.current = ui;
  const sessRef = useRef(sess);
  sessRef.current = sess;

  const caches = useMemo(
    () => ({
      ctx: createContextBuilder(
        canFix && props.fixer
          ? {
              key: displayKey(keymap.keysOf('fix')[0] ?? 'x'),
              plans: (v, snap) => props.fixer!.plans(v, snap),
            }
          : undefined,
      ),
      panels: createPanelCache(),
      visible: createVisibleRows(),
      drill: memoLast(resolveDrill),
      wrap: memoLast(wrapRows),
    }),
    [canFix, props.fixer, keymap],
  );
  const confirmWaiters = useRef(new Map<number, (r: { ok: boolean; typed: string }) => void>());
  const confirmSeq = useRef(0);
  const setUiNow = useCallback((next: UiState) => {
    uiRef.current = next;
    setUi(next);
  }, []);
  const ask = useCallback(
    (request: Omit<ConfirmRequest, 'id'>) => {
      const id = ++confirmSeq.current;
      return new Promise<{ ok: boolean; typed: string }>((resolve) => {
        confirmWaiters.current.set(id, resolve);
        setUiNow(uiReducer(uiRef.current, { type: 'confirmOpen', request: { ...request, id } }));
      });
    },
    [setUiNow],
  );
  const flash = useCallback(
    (text: string, tone: Tone = 'info') =>
      setUiNow(uiReducer(uiRef.current, { type: 'message', text, tone, at: now() })),
    [now, setUiNow],
  );
  const fix = useFix({
    fixer: props.fixer,
    readOnly: props.readOnly,
    session,
    ask,
    lang: () => uiRef.current.lang,
    open: (target: DrillTarget, view: DrillView) => {
      const top = uiRef.current.drill[uiRef.current.drill.length - 1];
      const replace = top?.target.kind === 'remedies';
      setUiNow(uiReducer(uiRef.current, { type: 'open', target, view, replace }));
    },
    flash,
    touch: () => {
      lastKeyAt.current = Date.now();
    },
  });
  // Leaving with a question open answers it: no.
  useEffect(
    () => () => {
      for (const w of confirmWaiters.current.values()) w({ ok: false, typed: '' });
      confirmWaiters.current.clear();
    },
    [],
  );

  /** Everything derived for one UI state: the translator, the panel, the list the cursor is in. */
  const derive = useCallback(
    (s: UiState) => {
      const tr = translator(s.lang);
      const st = sessRef.current;
      const ctx = caches.ctx(st, tr, s.intentIndex);
      const model = caches.panels(s.panel, ctx);
      const visible = caches.visible(model, s.filter[s.panel], s.sort[s.panel]);
      const mode = currentMode(s);
      const frame = s.drill[s.drill.length - 1];
      let drillView: DrillView | undefined;
      if (frame)
        drillView =
          caches.drill(frame.target, ctx) ?? (frame.last ? { ...frame.last, gone: true } : undefined);
      if (drillView)
        drillView = { ...drillView, rows: caches.wrap(drillView.rows, Math.max(10, layout.width - 2)) };
      let list: ListGeom;
      if (mode === 'help') list = { rows: helpRows(keymap, tr, s.help.filter), page: helpPage(layout.body) };
      else if (frame && drillView) list = { rows: drillView.rows, page: drillPage(layout.body) };
      else list = { rows: visible.rows, page: panelPage(model, layout.body) };
      return { tr, ctx, model, visible, drillView, list, hops: orderedHops(ctx.path) };
    },
    [caches, keymap, layout.body, layout.width],
  );

  const d = derive(ui);
  const mode = currentMode(ui);

  const runEffects = useCallback(
    (effects: Effect[]) => {
      for (const e of effects) {
        switch (e.type) {
          case 'quit':
            props.onQuit?.();
            exit();
            return;
          case 'refresh':
            void session.refresh();
            break;
          case 'freeze':
            session.setFrozen(!session.getState().frozen);
            break;
          case 'setIntents':
            session.setIntents(e.intents);
            break;
          case 'confirmed': {
            const w = confirmWaiters.current.get(e.id);
            confirmWaiters.current.delete(e.id);
            w?.({ ok: e.ok, typed: e.typed ?? '' });
            break;
          }
          case 'runFix':
            fix.start(e.planId);
            break;
        }
      }
    },
    [exit, props.onQuit, session, fix],
  );

  const handleInput = useCallback(
    (input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
      lastKeyAt.current = Date.now();
      const s0 = uiRef.current;
      const events = toKeyEvents(input, key, TEXT_MODES.includes(currentMode(s0)));
      if (!events.length) return;
      const ctxFor = (s: UiState): DispatchCtx => {
        const x = derive(s);
        return {
          keymap,
          tr: x.tr,
          list: x.list,
          sortable: x.model.sortable ?? [],
          resolve: (t) => resolveDrill(t, x.ctx),
          intents: session.getState().intents,
          egressIp: session.getState().snapshot?.operator.egressIp,
          hops: x.hops,
          intentId: x.ctx.intent?.id,
          frozen: session.getState().frozen,
          now: now(),
          canFix,
          confirmPage: s.confirm ? confirmGeometry(s.confirm.title, layout.width, layout.body).page : 1,
        };
      };
      const { state, effects } = dispatchKeys(s0, events, ctxFor);
      if (state !== s0) {
        uiRef.current = state;
        setUi(state);
      }
      if (effects.length) runEffects(effects);
    },
    [derive, keymap, now, runEffects, session, canFix, layout.body, layout.width],
  );
  useInput(handleInput);

  // biome-ignore lint/correctness/useExhaustiveDependencies: registered once per mount
  useEffect(() => {
    props.onReady?.({
      confirm: (request) => ask(request).then((r) => r.ok),
      flash,
      quit: () => {
        props.onQuit?.();
        exit();
      },
    });
  }, []);

  const t = d.tr.t;
  if (layout.tooSmall) {
    return (
      <Box width={layout.width} height={layout.height}>
        <Text wrap="truncate-end">{`netdoctor: ${size.columns}x${size.rows} — ≥ 40x12 (q)`}</Text>
      </Box>
    );
  }

  const intents = sess.intents;
  const intentIndex = intents.length ? Math.min(ui.intentIndex, intents.length - 1) : 0;
  const hop = ui.hop >= d.hops.length ? d.hops.length - 1 : ui.hop;
  const frame = ui.drill[ui.drill.length - 1];
  const crumbs = [
    t(`panel.${ui.panel}`),
    ...ui.drill.map((f, i) =>
      i === ui.drill.length - 1 && d.drillView ? d.drillView.crumb : (f.last?.crumb ?? '…'),
    ),
  ];
  if (mode === 'help') crumbs.push(t('cmd.help'));
  const message = ui.message && clockNow - ui.message.at < MESSAGE_MS ? ui.message : undefined;

  let body: ReactNode;
  if (mode === 'confirm' && ui.confirm) {
    body = <ConfirmPane request={ui.confirm} width={layout.width} height={layout.body} tr={d.tr} />;
  } else if (mode === 'help') {
    const pos = effectivePos(ui.help.pos, d.list);
    body = (
      <HelpPane
        rows={d.list.rows}
        filter={ui.help.filter}
        cursor={pos.cursor}
        top={pos.top}
        width={layout.width}
        height={layout.body}
        tr={d.tr}
      />
    );
  } else if (frame && d.drillView) {
    const pos = effectivePos(frame.pos, d.list);
    body = (
      <DrillPane
        view={d.drillView}
        cursor={pos.cursor}
        top={pos.top}
        width={layout.width}
        height={layout.body}
        tr={d.tr}
      />
    );
  } else {
    const pos = effectivePos(ui.pos[ui.panel], {
      rows: d.visible.rows,
      page: panelPage(d.model, layout.body),
    });
    body = (
      <PanelView
        model={d.model}
        rows={d.visible.rows}
        total={d.visible.total}
        cursor={pos.cursor}
        top={pos.top}
        filter={ui.filter[ui.panel]}
        sort={ui.sort[ui.panel]}
        session={sess}
        now={clockNow}
        tr={d.tr}
        width={layout.width}
        height={layout.body}
      />
    );
  }

  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      <Header session={sess} tr={d.tr} now={clockNow} width={layout.width} readOnly={!!props.readOnly} />
      <PathBar
        tr={d.tr}
        intents={intents}
        index={intentIndex}
        path={d.ctx.path}
        hop={hop}
        width={layout.width}
      />
      <Tabs tr={d.tr} active={ui.panel} path={d.ctx.path} verdict={sess.verdict} width={layout.width} />
      <Box height={layout.body} width={layout.width} flexDirection="column">
        {body}
      </Box>
      <StatusLine
        mode={mode}
        crumbs={crumbs}
        input={mode === 'help' ? ui.help.filter : ui.input}
        completions={ui.completion}
        message={message}
        width={layout.width}
        tr={d.tr}
      />
      <Footer
        keymap={keymap}
        mode={mode}
        width={layout.width}
        tr={d.tr}
        yesNo={mode === 'confirm' && !!ui.confirm && !ui.confirm.typeBack}
      />
    </Box>
  );
}
