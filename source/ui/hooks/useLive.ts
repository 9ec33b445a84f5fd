/**
 * The session state and the clock, delivered together on one tick. Folding data updates into the tick makes the
 * screen draw one frame per tick instead of one per source refresh; each Ink frame rebuilds the whole screen, so
 * this is what keeps a live screen cheap.
 *
 * The tick is 2 s (the fastest default refresh) while someone uses the screen, and 5 s once nobody has pressed a
 * key for 30 s: an unattended war-room screen still moves, at a fraction of the cost. What matters never waits
 * for the tick: right after a key press (the operator waits for a refresh, a freeze, a new intent, a fix), the
 * first data of a screen that came up before it, and any timeline event worth seeing at once — a verdict that
 * changed, a source that failed or recovered, a probe that saw something else, a fix's progress — draw at once.
 * Ink renders through React's legacy root, where two setStates in a timer are two renders: one state object
 * keeps it to one.
 */
import { type MutableRefObject, useEffect, useRef, useState } from 'react';
import type { Session, SessionState, TimelineKind } from '../../engine/session.js';

export interface Live {
  now: number;
  session: SessionState;
}

/** How long after a key press data updates skip the tick and draw immediately. */
export const INTERACTIVE_MS = 2000;
/** The tick while the screen is in use. */
export const TICK_MS = 2000;
/** The tick once nobody has pressed a key for IDLE_AFTER_MS. */
export const IDLE_TICK_MS = 5000;
export const IDLE_AFTER_MS = 30_000;

/** Timeline events that draw at once, whatever the tick. */
const URGENT: ReadonlySet<TimelineKind> = new Set<TimelineKind>([
  'verdict',
  'failure',
  'recovered',
  'probe',
  'fix',
  'intents',
  'freeze',
  'unfreeze',
]);

/** The id of the newest urgent timeline entry (0 when none). */
function lastUrgent(s: SessionState): number {
  const tl = s.timeline;
  for (let i = tl.length - 1; i >= 0; i--) if (URGENT.has(tl[i].kind)) return tl[i].id;
  return 0;
}

export function useLive(
  session: Session,
  now: () => number,
  lastKeyAt: MutableRefObject<number>,
  tickMs = TICK_MS,
  idleTickMs = IDLE_TICK_MS,
): Live {
  const [live, setLive] = useState<Live>(() => ({ now: now(), session: session.getState() }));
  /** Whether a snapshot is on screen yet, and the newest urgent event on screen. */
  const shown = useRef({ data: false, urgent: 0 });
  shown.current = { data: !!live.session.snapshot, urgent: lastUrgent(live.session) };
  useEffect(() => {
    const pull = () =>
      setLive((prev) => {
        const next = { now: now(), session: session.getState() };
        return next.now === prev.now && next.session === prev.session ? prev : next;
      });
    let timer: ReturnType<typeof setTimeout>;
    // Aligned to whole ticks of the wall clock, so ages change in step.
    const next = () => {
      const ms = Date.now() - lastKeyAt.current < IDLE_AFTER_MS ? tickMs : idleTickMs;
      return ms - (Date.now() % ms) || ms;
    };
    const tick = () => {
      pull();
      timer = setTimeout(tick, next());
    };
    timer = setTimeout(tick, next());
    const unsubscribe = session.subscribe(() => {
      if (
        Date.now() - lastKeyAt.current < INTERACTIVE_MS ||
        !shown.current.data ||
        lastUrgent(session.getState()) > shown.current.urgent
      )
        pull();
    });
    pull();
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [session, now, lastKeyAt, tickMs, idleTickMs]);
  return live;
}
