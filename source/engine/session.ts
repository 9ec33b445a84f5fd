/**
 * The live session the UI reads: collectors on their own intervals (through the scheduler) fill one Snapshot,
 * diagnose() turns it into a Verdict after every change, and subscribers hear about it at most a few times a
 * second. A failed source keeps what it had (marked failed, with why) instead of blanking the screen, and the
 * session keeps a timeline of its own events so the operator sees what netdoctor did and when.
 */
import type { Intent, Snapshot, SourceError, TcpProbe } from '../model/index.js';
import { createScheduler } from './scheduler.js';
import { mergeParts, probeMeaning, results, sourceFailure, threw } from './session-merge.js';
import {
  DEFAULT_INTERVALS,
  type HistorySample,
  type Session,
  type SessionOptions,
  type SessionState,
  type SnapshotPart,
  SOURCE_NAMES,
  type SourceName,
  type SourceState,
  type TimelineEntry,
} from './session-types.js';

export { mergeParts, probeMeaning, sourceFailure } from './session-merge.js';
export * from './session-types.js';

export function createSession(opts: SessionOptions): Session {
  const now = opts.now ?? Date.now;
  const intervals = { ...DEFAULT_INTERVALS, ...opts.intervals };
  const notifyEvery = opts.notifyEveryMs ?? 250;
  const timelineMax = opts.timelineMax ?? 500;
  const historyMax = opts.historyMax ?? 1800;
  const listeners = new Set<() => void>();
  let disposed = false;
  let seq = 0;
  let lastNotify = 0;
  let notifyTimer: ReturnType<typeof setTimeout> | undefined;
  const manual = new Set<SourceName>();
  /** What the last probes saw, timings aside (see probeMeaning). */
  let lastProbes: string | undefined;

  let collectors = opts.collectors;
  let started = false;

  /** Parts present in an initial snapshot count as collected at its time, so their age shows from the start. */
  const seededBy = (init: Snapshot | undefined): Record<SourceName, boolean> => ({
    cloud: !!init?.cloud,
    guest: !!init?.guest,
    counters: !!init?.guest?.netdev.value,
    probes: !!init?.probes,
  });
  const sourceStates = (init: Snapshot | undefined) => {
    const seeded = seededBy(init);
    return Object.fromEntries(
      SOURCE_NAMES.map((n) => [
        n,
        {
          name: n,
          enabled: !!collectors[n],
          intervalMs: intervals[n],
          inFlight: false,
          runs: 0,
          failures: 0,
          failing: 0,
          ...(seeded[n] && init ? { lastOkAt: init.at } : {}),
        } satisfies SourceState,
      ]),
    ) as Record<SourceName, SourceState>;
  };
  const sources = sourceStates(opts.initial);

  let state: SessionState = {
    snapshot: opts.initial,
    intents: opts.intents,
    sources,
    timeline: [],
    history: (opts.initialHistory ?? []).slice(-historyMax),
    frozen: false,
    startedAt: now(),
    version: 0,
  };

  function notify() {
    if (disposed || notifyTimer) return;
    const wait = lastNotify + notifyEvery - now();
    const fire = () => {
      notifyTimer = undefined;
      lastNotify = now();
      for (const l of [...listeners]) l();
    };
    if (wait <= 0) fire();
    else notifyTimer = setTimeout(fire, wait);
  }

  function update(patch: Partial<SessionState>) {
    state = { ...state, ...patch, version: state.version + 1 };
    notify();
  }

  function entry(e: Omit<TimelineEntry, 'id' | 'at'> & { at?: number }): TimelineEntry {
    return { id: ++seq, at: e.at ?? now(), ...e };
  }

  function pushTimeline(list: readonly TimelineEntry[], ...add: TimelineEntry[]): readonly TimelineEntry[] {
    if (!add.length) return list;
    const next = [...list, ...add];
    return next.length > timelineMax ? next.slice(next.length - timelineMax) : next;
  }

  function setSource(name: SourceName, patch: Partial<SourceState>) {
    return { ...state.sources, [name]: { ...state.sources[name], ...patch } };
  }

  /** Re-runs diagnose on the current snapshot; keeps the previous verdict when it throws. */
  function diagnosed(snapshot: Snapshot | undefined, intents: Intent[]) {
    if (!snapshot) return { extra: [] as TimelineEntry[] };
    const t0 = performance.now();
    try {
      const verdict = opts.diagnose(snapshot, intents);
      const diagnoseMs = Math.round((performance.now() - t0) * 10) / 10;
      const extra: TimelineEntry[] = [];
      const before = results(state.verdict);
      if (state.verdict) {
        for (const [id, r] of results(verdict)) {
          const was = before.get(id);
          if (was && was.result !== r.result) {
            extra.push(
              entry({
                kind: 'verdict',
                message: `${r.label}: ${was.result} → ${r.result}`,
                data: { intent: id, label: r.label, from: was.result, to: r.result },
              }),
            );
          }
        }
      }
      return { verdict, diagnoseMs, diagnoseError: undefined, extra };
    } catch (e) {
      const err: SourceError = {
        code: 'DIAGNOSE_FAILED',
        message: `diagnose() failed: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'The last verdict stays on screen. This is a netdoctor bug: please report it with the incident bundle.',
      };
      return {
        verdict: state.verdict,
        diagnoseError: err,
        extra: [entry({ kind: 'failure', message: err.message, error: err })],
      };
    }
  }

  function probeChanges(prev: TcpProbe[] | undefined, next: TcpProbe[] | undefined): TimelineEntry[] {
    if (!prev || !next) return [];
    const was = new Map(prev.map((p) => [`${p.host}:${p.port}`, p.outcome]));
    return next
      .filter((p) => was.has(`${p.host}:${p.port}`) && was.get(`${p.host}:${p.port}`) !== p.outcome)
      .map((p) =>
        entry({
          kind: 'probe',
          source: 'probes',
          message: `probe tcp ${p.host}:${p.port}: ${was.get(`${p.host}:${p.port}`)} → ${p.outcome}`,
          data: { host: p.host, port: p.port, from: was.get(`${p.host}:${p.port}`), to: p.outcome },
        }),
      );
  }

  async function run(name: SourceName, isManual: boolean): Promise<void> {
    const collector = collectors[name];
    if (!collector || disposed) return;
    update({ sources: setSource(name, { inFlight: true }) });
    const t0 = now();
    let part: SnapshotPart | undefined;
    let error: SourceError | undefined;
    try {
      part = await collector(state.snapshot);
      // An empty part means "nothing this time" (e.g. counters before the guest is reachable): not a failure,
      // not a success; the source that cannot reach the guest reports that itself.
      if (!part || Object.values(part).every((v) => v === undefined)) {
        if (!disposed)
          update({
            sources: setSource(name, {
              inFlight: false,
              lastMs: now() - t0,
              runs: state.sources[name].runs + 1,
            }),
          });
        return;
      }
      error = sourceFailure(name, part);
    } catch (e) {
      error = threw(name, e);
    }
    if (disposed) return;
    const at = now();
    const ms = at - t0;
    const src = state.sources[name];
    const add: TimelineEntry[] = [];
    let snapshot = state.snapshot;
    let history = state.history;
    if (error) {
      // Keep the data we had: only statuses (and the guest's error) move forward.
      if (part) {
        const keep: SnapshotPart = { sources: part.sources };
        if (part.guestError) keep.guestError = part.guestError;
        if (keep.sources || keep.guestError) snapshot = mergeParts(snapshot, keep, at);
      }
      if (src.failing === 0 || src.lastError?.code !== error.code) {
        add.push(entry({ kind: 'failure', source: name, message: `${name}: ${error.message}`, error, ms }));
      }
    } else if (part) {
      const prevTcp = state.snapshot?.probes?.tcp.value;
      snapshot = mergeParts(snapshot, part, at);
      if (src.failing > 0) {
        add.push(
          entry({
            kind: 'recovered',
            source: name,
            message: `${name} recovered after ${src.failing} failed ${src.failing === 1 ? 'try' : 'tries'}`,
            ms,
            data: { failed: src.failing },
          }),
        );
      } else if (isManual || name === 'cloud' || name === 'guest' || src.runs === 0) {
        add.push(
          entry({
            kind: 'refresh',
            source: name,
            message: `${name} refreshed in ${ms} ms`,
            ms,
            data: { manual: isManual },
          }),
        );
      }
      if (name === 'probes') add.push(...probeChanges(prevTcp, part.probes?.tcp?.value));
      const sample: HistorySample = { at };
      if ((name === 'counters' || name === 'guest') && part.guest?.netdev?.value)
        sample.netdev = part.guest.netdev.value;
      if (name === 'probes') {
        sample.ping = part.probes?.ping?.value;
        sample.tcp = part.probes?.tcp?.value;
      }
      if (sample.netdev || sample.ping || sample.tcp) {
        const h = [...history, sample];
        history = h.length > historyMax ? h.slice(h.length - historyMax) : h;
      }
    }
    // diagnose() reads no NIC counters, and probes that saw the same as last time (only their timings moved)
    // change nothing it concludes: the verdict stands, and an idle screen does not re-diagnose every second.
    const sig = name === 'probes' && !error ? probeMeaning(part?.probes) : undefined;
    const same = name === 'counters' || (sig !== undefined && sig === lastProbes && !!state.verdict);
    if (sig !== undefined) lastProbes = sig;
    const d = same
      ? {
          verdict: state.verdict,
          diagnoseMs: state.diagnoseMs,
          diagnoseError: state.diagnoseError,
          extra: [],
        }
      : diagnosed(snapshot, state.intents);
    const sourcesNext = setSource(name, {
      inFlight: false,
      lastMs: ms,
      runs: src.runs + 1,
      ...(error
        ? { lastError: error, lastErrorAt: at, failures: src.failures + 1, failing: src.failing + 1 }
        : { lastOkAt: at, failing: 0 }),
    });
    update({
      snapshot,
      history,
      sources: sourcesNext,
      verdict: d.verdict,
      diagnoseMs: d.diagnoseMs ?? state.diagnoseMs,
      diagnoseError: d.diagnoseError,
      timeline: pushTimeline(state.timeline, ...add, ...d.extra),
    });
  }

  const makeScheduler = () =>
    createScheduler<SourceName>({
      intervals: Object.fromEntries(
        SOURCE_NAMES.filter((n) => collectors[n]).map((n) => [n, intervals[n]]),
      ) as Partial<Record<SourceName, number>>,
      run: (s) => run(s, manual.delete(s)),
      now,
    });
  let scheduler = makeScheduler();
  const enabled = () => SOURCE_NAMES.filter((n) => collectors[n]);
  const freshSources = (init: Snapshot | undefined) => {
    const seeded = seededBy(init);
    return SOURCE_NAMES.filter((n) => seeded[n]);
  };

  // A verdict for the initial snapshot right away, so the first frame has something to show.
  if (opts.initial) {
    const d = diagnosed(opts.initial, opts.intents);
    state = { ...state, verdict: d.verdict, diagnoseMs: d.diagnoseMs, diagnoseError: d.diagnoseError };
  }
  state = {
    ...state,
    timeline: [
      entry({
        kind: 'start',
        message: 'session started',
        data: { sources: enabled().join(',') },
      }),
    ],
  };

  const session: Session = {
    getState: () => state,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async refresh(source) {
      const list = source ? [source] : enabled();
      // Through the scheduler, so a manual run never overlaps a timed one and the timers re-arm after it.
      for (const s of list) manual.add(s);
      await Promise.all(list.map((s) => scheduler.trigger(s)));
    },
    setFrozen(frozen) {
      if (frozen === state.frozen || disposed) return;
      scheduler.setPaused(frozen);
      update({
        frozen,
        timeline: pushTimeline(
          state.timeline,
          entry({
            kind: frozen ? 'freeze' : 'unfreeze',
            message: frozen ? 'live data frozen' : 'live data resumed',
          }),
        ),
      });
    },
    setIntents(intents) {
      if (disposed) return;
      const d = diagnosed(state.snapshot, intents);
      update({
        intents,
        verdict: d.verdict,
        diagnoseMs: d.diagnoseMs ?? state.diagnoseMs,
        diagnoseError: d.diagnoseError,
        timeline: pushTimeline(
          state.timeline,
          entry({
            kind: 'intents',
            message: `intents: ${intents.map((i) => i.label).join(', ')}`,
            data: { count: intents.length },
          }),
          ...d.extra,
        ),
      });
      // Probes follow the intents: look again now rather than in two seconds.
      if (collectors.probes && !state.frozen) void scheduler.trigger('probes');
    },
    record(kind, message, data) {
      if (disposed) return;
      update({ timeline: pushTimeline(state.timeline, entry({ kind, message, data })) });
    },
    attach(o) {
      if (disposed) return;
      scheduler.stop();
      collectors = o.collectors;
      scheduler = makeScheduler();
      if (state.frozen) scheduler.setPaused(true);
      const intents = o.intents ?? state.intents;
      const snapshot = o.initial ?? state.snapshot;
      const d = diagnosed(snapshot, intents);
      const first = o.initial
        ? [
            entry({
              kind: 'refresh',
              message: `first collection in ${o.ms ?? 0} ms`,
              ms: o.ms,
              data: { first: true },
            }),
          ]
        : [];
      let history = state.history;
      if (o.initial) {
        const sample: HistorySample = { at: o.initial.at };
        if (o.initial.guest?.netdev?.value) sample.netdev = o.initial.guest.netdev.value;
        if (o.initial.probes) {
          sample.ping = o.initial.probes.ping?.value;
          sample.tcp = o.initial.probes.tcp?.value;
        }
        if (sample.netdev || sample.ping || sample.tcp) history = [...history, sample].slice(-historyMax);
      }
      update({
        snapshot,
        intents,
        history,
        sources: sourceStates(o.initial),
        verdict: d.verdict,
        diagnoseMs: d.diagnoseMs ?? state.diagnoseMs,
        diagnoseError: d.diagnoseError,
        timeline: pushTimeline(state.timeline, ...first, ...d.extra),
      });
      if (started) scheduler.start(freshSources(o.initial));
    },
    start() {
      started = true;
      scheduler.start();
    },
    dispose() {
      disposed = true;
      scheduler.stop();
      if (notifyTimer) clearTimeout(notifyTimer);
      notifyTimer = undefined;
      listeners.clear();
    },
  };
  if (opts.autoStart !== false) session.start();
  return session;
}
