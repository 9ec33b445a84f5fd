/**
 * Hidden switches for tests, screenshots and benchmarks only (README, "The full-screen UI" → "For tests"):
 *
 *   NETDOCTOR_CLOCK=2026-11-26T04:20:00Z  the process's clock starts at that instant and runs on from there
 *                                         (Date is shifted, never frozen: timeouts and deadlines still work), so
 *                                         the simulated region's times and the screen's are the same each run.
 *                                         Only for the simulator: a real endpoint would refuse the timestamps.
 *   NETDOCTOR_TEST_THROW=uncaught[:MS]    an error thrown from a timer MS ms (default 1000) after the first verdict
 *   NETDOCTOR_TEST_THROW=render[:MS]      … or thrown while the screen renders: both must give the terminal back.
 *   NETDOCTOR_LIVE_SCALE=0.1              the live refresh intervals times 0.1 (ten minutes of refreshes in one).
 *
 * None of them changes what netdoctor concludes; they only make runs repeatable or provoke the error paths.
 */
import type { Session, SourceName } from '../engine/session.js';
import { DEFAULT_INTERVALS } from '../engine/session.js';

type Env = Record<string, string | undefined>;

/** Shifts Date.now so that the process starts at NETDOCTOR_CLOCK. Returns the pinned start, if any. */
export function pinClock(env: Env = process.env): number | undefined {
  const v = env.NETDOCTOR_CLOCK;
  if (!v) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at))
    throw new Error(
      `NETDOCTOR_CLOCK="${v}" is not a date and time: use ISO 8601, e.g. 2026-11-26T12:20:00Z (or unset it).`,
    );
  const Real = Date;
  const offset = at - Real.now();
  // `new Date()` as well as Date.now(): the simulator checks request timestamps (signed with `new Date()`)
  // against its own Date.now(), and both must read the same clock.
  function PinnedDate(this: unknown, ...args: unknown[]): Date | string {
    if (!new.target) return new Real(Real.now() + offset).toString();
    return args.length ? (Reflect.construct(Real, args) as Date) : new Real(Real.now() + offset);
  }
  PinnedDate.prototype = Real.prototype;
  PinnedDate.now = () => Real.now() + offset;
  PinnedDate.parse = Real.parse;
  PinnedDate.UTC = Real.UTC;
  globalThis.Date = PinnedDate as unknown as DateConstructor;
  return at;
}

/** The live intervals scaled by NETDOCTOR_LIVE_SCALE (undefined when unset). */
export function liveIntervals(env: Env = process.env): Partial<Record<SourceName, number>> | undefined {
  const v = env.NETDOCTOR_LIVE_SCALE;
  if (!v) return undefined;
  const k = Number(v);
  if (!(k > 0 && k <= 10))
    throw new Error(`NETDOCTOR_LIVE_SCALE="${v}" must be a number above 0 and at most 10 (e.g. 0.1).`);
  return Object.fromEntries(
    Object.entries(DEFAULT_INTERVALS).map(([name, ms]) => [name, Math.max(50, Math.round(ms * k))]),
  ) as Partial<Record<SourceName, number>>;
}

export interface ThrowHook {
  /** The session the screen should read (it throws while rendering once a `render` injection fires). */
  session: Session;
  /** Call when the first verdict is on screen: the injection fires MS later. */
  arm(): void;
}

export function throwHook(session: Session, env: Env = process.env): ThrowHook {
  const v = env.NETDOCTOR_TEST_THROW;
  if (!v) return { session, arm: () => undefined };
  const m = /^(uncaught|render)(?::(\d{1,6}))?$/.exec(v.trim());
  if (!m) throw new Error(`NETDOCTOR_TEST_THROW="${v}" must be uncaught[:MS] or render[:MS].`);
  const ms = Number(m[2] ?? 1000);
  let boom = false;
  const shown: Session = {
    ...session,
    getState() {
      if (boom) throw new Error('a render-time failure injected by NETDOCTOR_TEST_THROW');
      return session.getState();
    },
  };
  let armed = false;
  return {
    session: shown,
    arm() {
      if (armed) return;
      armed = true;
      setTimeout(() => {
        if (m[1] === 'uncaught') throw new Error('an uncaught failure injected by NETDOCTOR_TEST_THROW');
        boom = true;
        // A change makes the screen render (and read the state) again.
        session.record('note', 'render failure injected');
      }, ms);
    },
  };
}
