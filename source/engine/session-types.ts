/** The live session's types: its sources, their states, the timeline, the history and the Session interface. */
import type {
  CloudFacts,
  GuestFacts,
  Intent,
  NetDevCounters,
  PingProbe,
  ProbeFacts,
  Snapshot,
  SourceError,
  TcpProbe,
  Verdict,
} from '../model/index.js';

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
