/**
 * Pure helpers of the live session: how a collector's part merges into the snapshot, when a part means its
 * source failed (the old data is then kept), and what of the probes diagnose() draws conclusions from.
 */
import type { PathResult, ProbeFacts, Snapshot, SourceError, Verdict } from '../model/index.js';
import type { SnapshotPart, SourceName } from './session-types.js';

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

export function threw(source: SourceName, e: unknown): SourceError {
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

export function results(v: Verdict | undefined): Map<string, { label: string; result: PathResult }> {
  return new Map((v?.verdicts ?? []).map((p) => [p.intent.id, { label: p.intent.label, result: p.result }]));
}
