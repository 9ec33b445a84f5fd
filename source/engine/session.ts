/**
 * The live session the UI reads: collectors on their own intervals (through the scheduler) fill one Snapshot,
 * diagnose() turns it into a Verdict after every change, and subscribers hear about it at most a few times a
 * second. A failed source keeps what it had (marked failed, with why) instead of blanking the screen, and the
 * session keeps a timeline of its own events so the operator sees what netdoctor did and when.
 */
import type {
  CloudFacts,
  GuestFacts,
  Intent,
  NetDevCounters,
  PathResult,
  PingProbe,
  ProbeFacts,
  Snapshot,
  SourceError,
  TcpProbe,
  Verdict,
} from '../model/index.js';
import { createScheduler } from './scheduler.js';

export type SourceName = 'cloud' | 'guest' | 'probes' | 'counters';
export const SOURCE_NAMES: readonly SourceName[] = ['cloud', 'guest', 'probes', 'counters'];
export const DEFAULT_INTERVALS: Readonly<Record<SourceName, number>> = {
  cloud: 30_000,
  guest: 5_000,
  probes: 2_000,
  counters: 2_000,
};

/**
 * What a collector returns: the parts of the snapshot it owns plus `sources`. `cloud`, `guest` and `probes` may
 * be partial (the counters collector returns `{guest: {netdev}}`); they merge fact by fact into what is there.
 */
export type SnapshotPart = Omit<Partial<Snapshot>, 'cloud' | 'guest' | 'probes'> & {
  cloud?: Partial<CloudFacts>;
  guest?: Partial<GuestFacts>;
  probes?: Partial<ProbeFacts>;
};

/** Returns the parts of the snapshot it owns (`{cloud}`, `{guest}`, …) plus `sources`. Should never throw. */
export type Collector = (prev: Snapshot | undefined) => Promise<SnapshotPart>;

export interface SourceState {
  name: SourceName;
  /** A collector exists for this source. */
  enabled: boolean;
  intervalMs: number;
  inFlight: boolean;
  lastOkAt?: number;
  lastErrorAt?: number;
  lastError?: SourceError;
  /** Duration of the last run, ms. */
  lastMs?: number;
  runs: number;
  failures: number;
  /** Failures in a row since the last success (0 when healthy). */
  failing: number;
}

export type TimelineKind =
  | 'start'
  | 'refresh'
  | 'failure'
  | 'recovered'
  | 'freeze'
  | 'unfreeze'
  | 'intents'
  | 'verdict'
  | 'probe'
  | 'fix'
  | 'note';

export interface TimelineEntry {
  id: number;
  at: number;
  kind: TimelineKind;
  source?: SourceName;
  /** English sentence for logs and reports; the UI renders known kinds from `data` in the chosen language. */
  message: string;
  error?: SourceError;
  ms?: number;
  data?: Record<string, string | number | boolean | undefined>;
}

/** One point of the live history the Bandwidth panel charts (guest counters and probe outcomes). */
export interface HistorySample {
  at: number;
  netdev?: NetDevCounters[];
  ping?: PingProbe[];
  tcp?: TcpProbe[];
}

export interface SessionState {
  snapshot?: Snapshot;
  verdict?: Verdict;
  intents: Intent[];
  sources: Record<SourceName, SourceState>;
  timeline: readonly TimelineEntry[];
  history: readonly HistorySample[];
  frozen: boolean;
  startedAt: number;
  diagnoseMs?: number;
  diagnoseError?: SourceError;
  /** Increases with every change; cheap identity for memoisation. */
  version: number;
}

export interface SessionOptions {
  collectors: Partial<Record<SourceName, Collector>>;
  intervals?: Partial<Record<SourceName, number>>;
  diagnose: (s: Snapshot, intents: Intent[]) => Verdict;
  intents: Intent[];
  initial?: Snapshot;
  /** Live history to start from (e.g. counters kept from an earlier session, or a deterministic demo). */
  initialHistory?: HistorySample[];
  now?: () => number;
  /** Minimum gap between two notifications to subscribers, ms (default 250: at most 4 per second). */
  notifyEveryMs?: number;
  /** Start collecting at once (default true). */
  autoStart?: boolean;
  /** Bounds of the kept timeline and history (defaults 500 and 1,800 samples). */
  timelineMax?: number;
  historyMax?: number;
}

export interface Session {
  getState(): SessionState;
  subscribe(listener: () => void): () => void;
  /** Collects one source (or all) now, even when frozen; resolves when the run and the verdict are done. */
  refresh(source?: SourceName): Promise<void>;
  setFrozen(frozen: boolean): void;
  setIntents(intents: Intent[]): void;
  /** Adds an entry to netdoctor's own timeline (a fix applied, a note). */
  record(kind: TimelineKind, message: string, data?: TimelineEntry['data']): void;
  /**
   * Gives a session created before its sources were ready (the screen comes up while the target is still being
   * set up) its collectors, the first collection and the intents; collection starts if the session was started.
   */
  attach(o: AttachOptions): void;
  start(): void;
  dispose(): void;
}

export interface AttachOptions {
  collectors: Partial<Record<SourceName, Collector>>;
  /** The first collection, taken outside the session: its parts count as collected at its time. */
  initial?: Snapshot;
  intents?: Intent[];
  /** How long the first collection took, for the timeline. */
  ms?: number;
}

const OBJECT_PARTS = ['cloud', 'guest', 'probes'] as const;
/** A fact every complete part carries: a partial part (counters) cannot stand in for a missing whole. */
const WHOLE: Record<(typeof OBJECT_PARTS)[number], string> = {
  cloud: 'instance',
  guest: 'interfaces',
  probes: 'tcp',
};

/** Merges a collector's parts into the snapshot; objects of facts merge key by key, `sources` by name. */
export function mergeParts(prev: Snapshot | undefined, part: SnapshotPart, at: number): Snapshot {
  const base: Snapshot = prev ?? {
    at,
    target: part.target ?? { kind: 'instance', addresses: [] },
    operator: part.operator ?? { source: 'unknown' },
    sources: [],
  };
  const next: Snapshot = { ...base, at };
  for (const [k, v] of Object.entries(part) as [keyof Snapshot, unknown][]) {
    if (v === undefined || k === 'sources' || k === 'at') continue;
    const obj = (OBJECT_PARTS as readonly string[]).includes(k)
      ? (k as (typeof OBJECT_PARTS)[number])
      : undefined;
    if (obj && base[obj] && typeof v === 'object') {
      (next as unknown as Record<string, unknown>)[k] = { ...(base[obj] as object), ...(v as object) };
    } else if (obj && !(WHOLE[obj] in (v as object))) {
      // Counters before the first full guest collection: nothing to attach them to yet (history keeps them).
    } else {
      (next as unknown as Record<string, unknown>)[k] = v;
    }
  }
  if ('guestError' in part && part.guestError === undefined) delete next.guestError;
  if (part.sources?.length) {
    const byName = new Map(base.sources.map((s) => [s.name, s]));
    for (const s of part.sources) byName.set(s.name, s);
    next.sources = [...byName.values()];
  }
  return next;
}

/** Whether a collector's result means the source as a whole could not deliver (its data is then kept as it was). */
export function sourceFailure(source: SourceName, part: SnapshotPart): SourceError | undefined {
  switch (source) {
    case 'cloud': {
      const inst = part.cloud?.instance;
      if (!part.cloud) return part.sources?.find((s) => !s.ok)?.error ?? noData(source);
      return inst && inst.value === undefined ? inst.error : undefined;
    }
    case 'guest':
      if (part.guest) return undefined;
      return part.guestError ?? noData(source);
    case 'probes': {
      const p = part.probes;
      if (!p) return noData(source);
      return p.tcp?.value === undefined && p.ping?.value === undefined
        ? (p.tcp?.error ?? p.ping?.error ?? noData(source))
        : undefined;
    }
    case 'counters': {
      const nd = part.guest?.netdev;
      if (!nd) return part.guestError ?? noData(source);
      return nd.value === undefined ? nd.error : undefined;
    }
  }
}

function noData(source: SourceName): SourceError {
  return {
    code: 'NO_DATA',
    message: `The ${source} collector returned nothing.`,
    hint: 'The previous data stays on screen; netdoctor retries on the next interval.',
  };
}

function threw(source: SourceName, e: unknown): SourceError {
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'COLLECTOR_FAILED',
    message: `The ${source} collector failed: ${msg}`,
    hint: 'The previous data stays on screen; netdoctor retries on the next interval.',
  };
}

/** Probe results without their timings (ms, round trips, times): what diagnose() draws conclusions from. */
export function probeMeaning(p: Partial<ProbeFacts> | undefined): string {
  return JSON.stringify(p ?? null, (k, v) => (k === 'ms' || k === 'rttMs' || k === 'at' ? undefined : v));
}

function results(v: Verdict | undefined): Map<string, { label: string; result: PathResult }> {
  return new Map((v?.verdicts ?? []).map((p) => [p.intent.id, { label: p.intent.label, result: p.result }]));
}

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
