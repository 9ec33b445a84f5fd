/**
 * The longest chain of dependent calls in a set of call records: following `parent` links (a retry's previous
 * attempt, a page's previous page, the call whose result a call used), the path with the largest summed wire
 * time. No collector can finish faster than this chain, so it is the yardstick for parallel collection.
 */
import type { CallRecord } from './client.js';

export interface Chain {
  /** Sum of the wire times along the chain. */
  ms: number;
  /** The chain, first call first. */
  calls: CallRecord[];
}

export function longestChain(records: readonly CallRecord[]): Chain {
  const byId = new Map(records.map((r) => [r.id, r]));
  const memo = new Map<number, number>();
  const total = (r: CallRecord): number => {
    const m = memo.get(r.id);
    if (m !== undefined) return m;
    const p = r.parent !== undefined ? byId.get(r.parent) : undefined;
    const v = r.ms + (p ? total(p) : 0);
    memo.set(r.id, v);
    return v;
  };
  let best: CallRecord | undefined;
  for (const r of records) if (!best || total(r) > total(best)) best = r;
  if (!best) return { ms: 0, calls: [] };
  const calls: CallRecord[] = [];
  for (let r: CallRecord | undefined = best; r; r = r.parent !== undefined ? byId.get(r.parent) : undefined)
    calls.unshift(r);
  return { ms: total(best), calls };
}

/** Sum of every call's wire time: what a one-by-one walk would take. */
export function serialMs(records: readonly CallRecord[]): number {
  return records.reduce((s, r) => s + r.ms, 0);
}
