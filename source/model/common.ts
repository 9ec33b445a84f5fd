/**
 * Shared vocabulary of the pure core. Every fact carries where it came from, when, how long it took
 * and, when it could not be had, why — a failed source never throws past its collector.
 */

export type Confidence = 'certain' | 'likely' | 'uncertain';
export type Layer = 'platform' | 'cloud-network' | 'guest';
export type Severity = 'critical' | 'warning' | 'info';

/** Why a source could not deliver. `message` is safe to show: it never carries a secret. */
export interface SourceError {
  /** Machine code: an Alibaba error code (`Forbidden.RAM`), a Node code (`ECONNREFUSED`) or our own (`PARSE_ERROR`). */
  code: string;
  /** What happened, in one sentence. */
  message: string;
  /** What it means and what to do next (names the RAM action, the credential source, the command to run). */
  hint?: string;
  /** The exact RAM action missing, when the error is a permission error. */
  ramAction?: string;
}

/**
 * One collected fact. `value` is undefined when the source failed; `error` then says why.
 * A partially failed source may carry both (e.g. 3 of 4 security groups read).
 */
export interface Fact<T> {
  value?: T;
  /** Collector name, e.g. `ecs:DescribeInstances`, `guest:ss`, `probe:tcp`. */
  source: string;
  /** Epoch ms when the fact was collected (time always comes in, never read by the core). */
  at: number;
  /** Wall time the collection took. */
  ms?: number;
  error?: SourceError;
  /** Raw text the fact was parsed from (guest outputs), kept for drill-down evidence. */
  raw?: string;
  /** What a parser could not read (skipped lines, unknown tokens): the value may be incomplete. */
  warnings?: string[];
}

export interface SourceStatus {
  name: string;
  ok: boolean;
  ms: number;
  at?: number;
  error?: SourceError;
  /** Number of API calls or round trips behind this source. */
  calls?: number;
}

export type IpFamily = 4 | 6;

export function fact<T>(source: string, at: number, value: T, ms?: number, raw?: string): Fact<T> {
  const f: Fact<T> = { source, at, value };
  if (ms !== undefined) f.ms = ms;
  if (raw !== undefined) f.raw = raw;
  return f;
}

export function failed<T>(source: string, at: number, error: SourceError, ms?: number): Fact<T> {
  const f: Fact<T> = { source, at, error };
  if (ms !== undefined) f.ms = ms;
  return f;
}
