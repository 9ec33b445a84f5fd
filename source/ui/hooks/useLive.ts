/**
 * The session state and the clock, delivered together on one tick (every 2 s: the fastest default refresh).
 * Folding data updates into the tick makes an idle screen draw one frame per tick instead of one per source
 * refresh; each Ink frame rebuilds the whole screen, so this is what keeps an idle war-room screen cheap. Right after a key press the operator is waiting for a result (a refresh, a freeze, a new
 * intent), so updates then show at once. Ink renders through React's legacy root, where two setStates in a
 * timer are two renders: one state object keeps it to one.
 */
import { type MutableRefObject, useEffect, useState } from 'react';
import type { Session, SessionState } from '../../engine/session.js';

export interface Live {
  now: number;
  session: SessionState;
}

/** How long after a key press data updates skip the tick and draw immediately. */
export const INTERACTIVE_MS = 2000;

export const TICK_MS = 2000;

export function useLive(
  session: Session,
  now: () => number,
  lastKeyAt: MutableRefObject<number>,
  tickMs = TICK_MS,
): Live {
  const [live, setLive] = useState<Live>(() => ({ now: now(), session: session.getState() }));
  useEffect(() => {
    const pull = () =>
      setLive((prev) => {
        const next = { now: now(), session: session.getState() };
        return next.now === prev.now && next.session === prev.session ? prev : next;
      });
    let timer: ReturnType<typeof setTimeout>;
    // Aligned to whole ticks of the wall clock, so ages change in step.
    const next = () => tickMs - (Date.now() % tickMs) || tickMs;
    const tick = () => {
      pull();
      timer = setTimeout(tick, next());
    };
    timer = setTimeout(tick, next());
    const unsubscribe = session.subscribe(() => {
      if (Date.now() - lastKeyAt.current < INTERACTIVE_MS) pull();
    });
    pull();
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [session, now, lastKeyAt, tickMs]);
  return live;
}
