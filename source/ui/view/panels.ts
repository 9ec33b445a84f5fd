/**
 * The panel registry: which builder makes each panel and which inputs it depends on. A panel is rebuilt only
 * when one of its inputs changes identity, so a counters refresh every 2 s does not rebuild 20,000 socket rows.
 */
import type { SessionState } from '../../engine/session.js';
import type { Snapshot, Verdict } from '../../model/index.js';
import type { Translator } from '../i18n/index.js';
import { buildBandwidth } from './bandwidth.js';
import { buildEvents } from './events.js';
import { buildFindings } from './findings.js';
import { buildInstance } from './instance.js';
import { buildRoutes } from './routes.js';
import { buildSecurity } from './security.js';
import { buildSockets } from './sockets.js';
import { memoLast } from './table.js';
import type { FixContext, PanelId, PanelModel, ViewContext } from './types.js';

/** Where the views get a verdict's plans from (the App's fixer), and the key that starts a fix. */
export interface FixSource {
  key: string;
  plans(verdict: Verdict, snapshot: Snapshot): ReturnType<FixContext['plans']>;
}

interface Builder {
  build: (ctx: ViewContext) => PanelModel;
  deps: (ctx: ViewContext) => unknown[];
}

const BUILDERS: Record<PanelId, Builder> = {
  instance: {
    build: buildInstance,
    deps: (c) => [
      c.tr,
      c.snapshot?.cloud,
      c.snapshot?.guest?.interfaces,
      c.snapshot?.guest?.conntrack,
      c.snapshot?.sources,
      c.snapshot?.guestError,
    ],
  },
  security: {
    build: buildSecurity,
    deps: (c) => [
      c.tr,
      c.snapshot?.cloud?.securityGroups,
      c.snapshot?.cloud?.networkAcl,
      c.snapshot?.guest?.firewall,
      c.intent,
      c.path,
    ],
  },
  sockets: {
    build: buildSockets,
    deps: (c) => [c.tr, c.snapshot?.guest?.sockets, c.snapshot?.guest?.socketStates, c.intent],
  },
  routes: {
    build: buildRoutes,
    deps: (c) => [
      c.tr,
      c.snapshot?.cloud?.routeTables,
      c.snapshot?.cloud?.vSwitch,
      c.snapshot?.guest?.routes,
      c.intent,
      c.path,
    ],
  },
  bandwidth: {
    build: buildBandwidth,
    deps: (c) => [
      c.tr,
      c.snapshot?.cloud?.metrics,
      c.snapshot?.cloud?.instance,
      c.snapshot?.guest?.netdev,
      c.history,
    ],
  },
  findings: { build: buildFindings, deps: (c) => [c.tr, c.verdict?.findings, c.intent, c.fix] },
  events: { build: buildEvents, deps: (c) => [c.tr, c.snapshot?.cloud?.events, c.verdict, c.timeline] },
};

export type PanelCache = (id: PanelId, ctx: ViewContext) => PanelModel;

export function createPanelCache(): PanelCache {
  const last = new Map<PanelId, { deps: unknown[]; model: PanelModel }>();
  return (id, ctx) => {
    const b = BUILDERS[id];
    const deps = b.deps(ctx);
    const hit = last.get(id);
    if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => Object.is(d, deps[i])))
      return hit.model;
    const model = b.build(ctx);
    last.set(id, { deps, model });
    return model;
  };
}

/**
 * The context every view reads. The selected intent is chosen by index into the session's intents; its path
 * verdict is looked up by id (the verdict may not have caught up with a just-added intent yet).
 */
export function createContextBuilder(
  fixer?: FixSource,
): (session: SessionState, tr: Translator, intentIndex: number) => ViewContext {
  let last: { session: SessionState; tr: Translator; idx: number; ctx: ViewContext } | undefined;
  // One FixContext per verdict: its plans are built once, when a view first asks.
  const fixFor = memoLast(
    (verdict: Verdict | undefined, snapshot: Snapshot | undefined): FixContext | undefined => {
      if (!fixer || !verdict || !snapshot) return undefined;
      let plans: ReturnType<FixContext['plans']> | undefined;
      return {
        key: fixer.key,
        plans: () => {
          plans ??= fixer.plans(verdict, snapshot);
          return plans;
        },
      };
    },
  );
  return (session, tr, intentIndex) => {
    if (last && last.session === session && last.tr === tr && last.idx === intentIndex) return last.ctx;
    const intents = session.intents;
    const idx = intents.length ? Math.min(Math.max(0, intentIndex), intents.length - 1) : -1;
    const intent = idx >= 0 ? intents[idx] : undefined;
    const path = intent ? session.verdict?.verdicts.find((v) => v.intent.id === intent.id) : undefined;
    // Keep the previous intent/path objects when unchanged so panels that depend on them are not rebuilt.
    const prev = last?.ctx;
    const ctx: ViewContext = {
      tr,
      session,
      snapshot: session.snapshot,
      verdict: session.verdict,
      intent: prev && prev.intent === intent ? prev.intent : intent,
      path,
      history: session.history,
      timeline: session.timeline,
      fix: fixFor(session.verdict, session.snapshot),
    };
    last = { session, tr, idx: intentIndex, ctx };
    return ctx;
  };
}
