/**
 * Per-source refresh timing. Each source runs on its own interval, never overlaps itself, and counts its
 * interval from the end of the previous run (a slow cloud read does not pile up behind itself). Pausing
 * (freeze) stops the timers without losing a run asked for by hand; resuming runs whatever is overdue.
 * The scheduler only decides *when*; what a run does is the caller's `run(source)`.
 */

export interface SchedulerOptions<S extends string> {
  /** Interval per source, ms. Sources absent here are never scheduled (manual trigger still works). */
  intervals: Partial<Record<S, number>>;
  run: (source: S) => Promise<void>;
  now?: () => number;
}

export interface Scheduler<S extends string> {
  /**
   * Runs every scheduled source once now, then keeps them on their intervals. Sources in `fresh` were just
   * collected by someone else (the first collection before the screen): their first timed run is one interval on.
   */
  start(fresh?: readonly S[]): void;
  /** Runs one source (or every scheduled source) now; a source already running runs once more after it. */
  trigger(source?: S): Promise<void>;
  setPaused(paused: boolean): void;
  isPaused(): boolean;
  inFlight(source: S): boolean;
  /** Epoch ms of the next timed run of a source, undefined when none is pending (paused, stopped, running). */
  nextDue(source: S): number | undefined;
  stop(): void;
}

interface Slot {
  timer?: ReturnType<typeof setTimeout>;
  due?: number;
  running?: Promise<void>;
  /** A trigger arrived while running: run again right after. */
  again?: Promise<void>;
  lastEnd?: number;
}

export function createScheduler<S extends string>(opts: SchedulerOptions<S>): Scheduler<S> {
  const now = opts.now ?? Date.now;
  const sources = Object.keys(opts.intervals) as S[];
  const slots = new Map<S, Slot>();
  let paused = false;
  let stopped = false;
  let started = false;

  const slot = (s: S): Slot => {
    let x = slots.get(s);
    if (!x) {
      x = {};
      slots.set(s, x);
    }
    return x;
  };

  function clear(s: S) {
    const x = slot(s);
    if (x.timer) clearTimeout(x.timer);
    x.timer = undefined;
    x.due = undefined;
  }

  function arm(s: S, delay: number) {
    const interval = opts.intervals[s];
    if (stopped || paused || !started || interval === undefined) return;
    clear(s);
    const x = slot(s);
    const d = Math.max(0, delay);
    x.due = now() + d;
    x.timer = setTimeout(() => {
      x.timer = undefined;
      x.due = undefined;
      void execute(s);
    }, d);
  }

  function execute(s: S): Promise<void> {
    const x = slot(s);
    if (stopped) return Promise.resolve();
    if (x.running) {
      x.again ??= x.running.then(() => {
        x.again = undefined;
        return execute(s);
      });
      return x.again;
    }
    clear(s);
    const p = (async () => {
      try {
        await opts.run(s);
      } catch {
        // run() reports its own failures; the schedule must survive them.
      } finally {
        x.running = undefined;
        x.lastEnd = now();
        if (!x.again) arm(s, opts.intervals[s] ?? 0);
      }
    })();
    x.running = p;
    return p;
  }

  return {
    start(fresh = []) {
      if (started || stopped) return;
      started = true;
      if (paused) return;
      for (const s of sources) {
        if (fresh.includes(s)) arm(s, opts.intervals[s] ?? 0);
        else void execute(s);
      }
    },
    async trigger(source) {
      const list = source ? [source] : sources;
      await Promise.all(list.map((s) => execute(s)));
    },
    setPaused(p) {
      if (p === paused || stopped) return;
      paused = p;
      if (paused) {
        for (const s of sources) clear(s);
        return;
      }
      for (const s of sources) {
        const x = slot(s);
        if (x.running) continue;
        const interval = opts.intervals[s] ?? 0;
        const since = x.lastEnd === undefined ? interval : now() - x.lastEnd;
        if (started) arm(s, interval - since);
      }
    },
    isPaused: () => paused,
    inFlight: (s) => !!slot(s).running,
    nextDue: (s) => slot(s).due,
    stop() {
      stopped = true;
      for (const s of slots.keys()) clear(s);
    },
  };
}
