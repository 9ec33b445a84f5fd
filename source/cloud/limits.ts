/**
 * Flow control for API calls: a counting semaphore per product (bounded concurrency), a sliding-window pacer
 * per action (published per-API limits such as ActionTrail's 2 calls/s, and limits learnt from throttling),
 * and a shared "not before" gate so that once an action is throttled, every queued call of it waits together
 * instead of each hammering the API on its own schedule.
 */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  async acquire(): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      const next = this.queue.shift();
      if (next) next();
    };
  }
}

/**
 * At most `perSecond` calls in any window of `windowMs` (plus a margin), counting a call from its start until
 * it has *finished*. The server sees a request somewhere between the two, so spacing a start a full window
 * after the end of the call it displaces guarantees the server's own count (by calendar second or by token
 * bucket) never exceeds the limit, however slow the send or the network was.
 */
export class RateWindow {
  private slots: { start: number; end?: number }[] = [];
  constructor(
    public perSecond: number,
    private readonly windowMs = 1000,
    private readonly marginMs = 100,
  ) {}

  private get limit(): number {
    return Math.max(1, Math.floor(this.perSecond));
  }

  /** Milliseconds until a call may start (0: now). While the displaced call is still running, polls. */
  delay(now = Date.now()): number {
    const span = this.windowMs + this.marginMs;
    this.slots = this.slots.filter((s) => s.end === undefined || s.end > now - span);
    const excess = this.slots.length - this.limit + 1;
    if (excess <= 0) return 0;
    const ends = this.slots.map((s) => s.end ?? Number.POSITIVE_INFINITY).sort((x, y) => x - y);
    const end = ends[excess - 1];
    return Number.isFinite(end) ? end + span - now + 1 : 20;
  }

  /** Occupies a slot if one is free now; call the returned function when the call has finished. */
  tryTake(now = Date.now()): (() => void) | undefined {
    if (this.delay(now) > 0) return undefined;
    const slot: { start: number; end?: number } = { start: now };
    this.slots.push(slot);
    return () => {
      slot.end ??= Date.now();
    };
  }

  /** Waits for a free slot and occupies it. */
  async take(): Promise<() => void> {
    for (;;) {
      const done = this.tryTake();
      if (done) return done;
      await sleep(this.delay());
    }
  }
}

/** Per-action pacing, either configured (a known published limit) or learnt when the API throttles us. */
export class ActionPacer {
  private readonly windows = new Map<string, RateWindow>();
  private readonly observed = new Map<string, number[]>();
  private readonly notBefore = new Map<string, number>();
  /** When a learnt limit was last tightened; it is forgotten after `forgetMs` without throttling. */
  private readonly learntAt = new Map<string, number>();

  constructor(
    private readonly configured: Record<string, number> = {},
    private readonly forgetMs = 30_000,
  ) {
    for (const [k, v] of Object.entries(configured)) this.windows.set(k, new RateWindow(v));
  }

  private forget(key: string, now: number): void {
    const t = this.learntAt.get(key);
    if (t === undefined || now - t < this.forgetMs) return;
    this.learntAt.delete(key);
    const c = this.configured[key];
    if (c === undefined) this.windows.delete(key);
    else this.windows.get(key)!.perSecond = c;
  }

  /** Waits until the action's gate is open and its pacing has room (records nothing). */
  async wait(key: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.forget(key, now);
      const gate = (this.notBefore.get(key) ?? 0) - now;
      const room = this.windows.get(key)?.delay(now) ?? 0;
      const d = Math.max(gate, room);
      if (d <= 0) return;
      await sleep(d);
    }
  }

  /**
   * Records a start if the gate and pacing allow one now, returning what to call when the call has finished;
   * undefined: wait() again.
   */
  tryStart(key: string): (() => void) | undefined {
    const now = Date.now();
    if ((this.notBefore.get(key) ?? 0) > now) return undefined;
    const w = this.windows.get(key);
    const done = w ? w.tryTake(now) : () => undefined;
    if (!done) return undefined;
    const list = this.observed.get(key) ?? [];
    list.push(now);
    this.observed.set(
      key,
      list.filter((t) => t > now - 1000),
    );
    return done;
  }

  /** wait() and tryStart() until a start is recorded (for callers without a concurrency slot to take). */
  async before(key: string): Promise<() => void> {
    for (;;) {
      await this.wait(key);
      const done = this.tryStart(key);
      if (done) return done;
    }
  }

  /**
   * The action was throttled: hold every call of it for `backoffMs`, and pace it from now on at half the rate
   * we were starting it at (at least 1/s). A configured limit is only ever tightened.
   */
  throttled(key: string, backoffMs: number): void {
    const now = Date.now();
    this.notBefore.set(key, Math.max(this.notBefore.get(key) ?? 0, now + backoffMs));
    const recent = (this.observed.get(key) ?? []).filter((t) => t > now - 1000).length;
    const learnt = Math.max(1, Math.floor(recent / 2));
    const w = this.windows.get(key);
    if (!w) this.windows.set(key, new RateWindow(learnt));
    else if (learnt < w.perSecond) w.perSecond = learnt;
    this.learntAt.set(key, now);
  }

  limitOf(key: string): number | undefined {
    return this.windows.get(key)?.perSecond;
  }
}
