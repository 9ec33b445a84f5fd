/**
 * The live-data plumbing the UI reads (source/engine/session.ts, scheduler.ts): per-source intervals, merging,
 * failed sources keeping their data, the timeline, freeze, intents, and notifications throttled to ≤ 4 Hz.
 * Collectors return the storefront fixture's parts (test/fixtures/ui, see its .source.txt).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../../source/engine/scheduler.js';
import {
  type Collector,
  createSession,
  mergeParts,
  type SnapshotPart,
  sourceFailure,
} from '../../source/engine/session.js';
import type { Snapshot } from '../../source/model/index.js';
import { fixtureDiagnose, storefront } from '../e2e/fixture-session.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 20, 4, 25, 0) });
});
afterEach(() => {
  vi.useRealTimers();
});

function counting(part: () => SnapshotPart) {
  const calls: number[] = [];
  const fn: Collector = async () => {
    calls.push(Date.now());
    return part();
  };
  return { fn, calls };
}

describe('scheduler', () => {
  it('runs each source on its own interval, counted from the end of the previous run, never overlapping', async () => {
    const runs: Record<string, number[]> = { a: [], b: [] };
    let inFlight = 0;
    let maxInFlight = 0;
    const s = createScheduler<'a' | 'b'>({
      intervals: { a: 1000, b: 300 },
      run: async (src) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        runs[src].push(Date.now());
        await new Promise((r) => setTimeout(r, src === 'a' ? 200 : 0));
        inFlight--;
      },
    });
    s.start();
    await vi.advanceTimersByTimeAsync(2500);
    s.stop();
    const t0 = runs.a[0];
    expect(runs.a.map((t) => t - t0)).toEqual([0, 1200, 2400]);
    expect(runs.b.length).toBeGreaterThanOrEqual(8);
    // A trigger while running queues exactly one more run instead of a parallel one.
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('pauses without losing a manual trigger, and resumes overdue sources at once', async () => {
    const runs: number[] = [];
    const s = createScheduler<'a'>({ intervals: { a: 1000 }, run: async () => void runs.push(Date.now()) });
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    s.setPaused(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(1);
    s.setPaused(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(2);
    s.setPaused(true);
    await s.trigger('a');
    expect(runs).toHaveLength(3);
    expect(s.nextDue('a')).toBeUndefined();
    // Just refreshed by hand: on resume it waits a full interval.
    s.setPaused(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(600);
    expect(runs).toHaveLength(4);
    s.stop();
  });
});

describe('session', () => {
  it('can start empty (the screen first) and take its collectors and first collection later', async () => {
    const fx = storefront();
    const guest = counting(() => ({ guest: fx.snapshot.guest }));
    const cloud = counting(() => ({ cloud: fx.snapshot.cloud }));
    const diagnose = vi.fn(fixtureDiagnose(fx.verdict));
    const s = createSession({ collectors: {}, diagnose, intents: [] });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.getState().verdict).toBeUndefined();
    expect(diagnose).not.toHaveBeenCalled();
    const heard = vi.fn();
    s.subscribe(heard);
    s.attach({
      collectors: { guest: guest.fn, cloud: cloud.fn },
      initial: fx.snapshot,
      intents: fx.intents,
      ms: 812,
    });
    const st = s.getState();
    expect(st.verdict?.verdicts).toHaveLength(fx.intents.length);
    expect(st.intents).toEqual(fx.intents);
    expect(st.sources.guest).toMatchObject({ enabled: true, lastOkAt: fx.snapshot.at });
    expect(st.timeline.at(-1)).toMatchObject({ kind: 'refresh', ms: 812, data: { first: true } });
    expect(heard).toHaveBeenCalled();
    // Just collected: the first timed runs come one interval on, not at once.
    await vi.advanceTimersByTimeAsync(4_000);
    expect(guest.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(guest.calls).toHaveLength(1);
    expect(cloud.calls).toHaveLength(0);
    await s.refresh('cloud');
    expect(cloud.calls).toHaveLength(1);
    s.dispose();
  });

  it('merges each collector part into one snapshot and re-runs diagnose', async () => {
    const fx = storefront();
    const cloud = counting(() => ({
      cloud: fx.snapshot.cloud,
      sources: [{ name: 'ecs', ok: true, ms: 10 }],
    }));
    const guest = counting(() => ({
      guest: fx.snapshot.guest,
      sources: [{ name: 'guest:ssh', ok: true, ms: 20 }],
    }));
    const diagnose = vi.fn(fixtureDiagnose(fx.verdict));
    const s = createSession({
      collectors: { cloud: cloud.fn, guest: guest.fn },
      intervals: { cloud: 30_000, guest: 5_000 },
      diagnose,
      intents: fx.intents,
    });
    await vi.advanceTimersByTimeAsync(0);
    const st = s.getState();
    expect(st.snapshot?.cloud?.instance.value?.id).toBe(fx.snapshot.cloud?.instance.value?.id);
    expect(st.snapshot?.guest?.sockets.value?.length).toBe(fx.snapshot.guest?.sockets.value?.length);
    expect(st.snapshot?.sources.map((x) => x.name).sort()).toEqual(['ecs', 'guest:ssh']);
    expect(st.verdict?.verdicts.map((v) => v.intent.id)).toEqual(fx.intents.map((i) => i.id));
    expect(st.sources.cloud.lastOkAt).toBeDefined();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(cloud.calls.length).toBe(2);
    expect(guest.calls.length).toBe(7);
    expect(diagnose).toHaveBeenCalledTimes(9);
    s.dispose();
  });

  it('keeps the data of a failed source, marks it failed, logs the failure once and the recovery', async () => {
    const fx = storefront();
    let fail = false;
    const guest: Collector = async () => {
      if (fail) throw new Error('ssh: connection reset by peer');
      return { guest: fx.snapshot.guest };
    };
    const s = createSession({
      collectors: { guest },
      intervals: { guest: 1000 },
      diagnose: fixtureDiagnose(fx.verdict),
      intents: fx.intents,
    });
    await vi.advanceTimersByTimeAsync(0);
    const before = s.getState().snapshot?.guest;
    expect(before).toBeDefined();
    fail = true;
    await vi.advanceTimersByTimeAsync(3000);
    const st = s.getState();
    expect(st.snapshot?.guest).toBe(before);
    expect(st.sources.guest.failing).toBe(3);
    expect(st.sources.guest.lastError?.code).toBe('COLLECTOR_FAILED');
    expect(st.sources.guest.lastError?.message).toContain('connection reset');
    expect(st.timeline.filter((e) => e.kind === 'failure')).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    const rec = s.getState();
    expect(rec.sources.guest.failing).toBe(0);
    expect(rec.timeline.at(-1)?.kind).toBe('recovered');
    expect(rec.timeline.at(-1)?.data?.failed).toBe(3);
    s.dispose();
  });

  it('treats a guest collector that reports guestError as failed, keeping the old guest facts', async () => {
    const fx = storefront();
    const s = createSession({
      collectors: {},
      diagnose: fixtureDiagnose(fx.verdict),
      intents: fx.intents,
      initial: fx.snapshot,
    });
    const err = { code: 'ECONNREFUSED', message: 'SSH refused on 47.96.183.27:22' };
    expect(sourceFailure('guest', { guestError: err })).toEqual(err);
    expect(sourceFailure('guest', { guest: fx.snapshot.guest })).toBeUndefined();
    expect(sourceFailure('cloud', {})?.code).toBe('NO_DATA');
    const merged = mergeParts(fx.snapshot, { guestError: err }, 5);
    expect(merged.guest).toBe(fx.snapshot.guest);
    expect(merged.guestError).toEqual(err);
    expect(
      mergeParts(merged, { guest: fx.snapshot.guest, guestError: undefined }, 6).guestError,
    ).toBeUndefined();
    s.dispose();
  });

  it('an empty part is "nothing this time": neither a failure nor a refresh', async () => {
    const fx = storefront();
    const s = createSession({
      collectors: { counters: async () => ({}) },
      diagnose: fixtureDiagnose(fx.verdict),
      intents: fx.intents,
      initial: fx.snapshot,
      autoStart: false,
    });
    const before = s.getState().sources.counters.lastOkAt;
    await s.refresh('counters');
    const st = s.getState().sources.counters;
    expect(st.failing).toBe(0);
    expect(st.runs).toBe(1);
    expect(st.lastOkAt).toBe(before);
    expect(s.getState().timeline.filter((e) => e.source === 'counters')).toEqual([]);
    s.dispose();
  });

  it('a partial guest part (counters) updates only its facts', () => {
    const fx = storefront();
    const netdev = { ...fx.snapshot.guest!.netdev, at: 99 };
    const merged = mergeParts(fx.snapshot, { guest: { netdev } }, 99);
    expect(merged.guest?.netdev).toBe(netdev);
    expect(merged.guest?.sockets).toBe(fx.snapshot.guest?.sockets);
    // Before any full guest collection a partial part cannot become the guest.
    const early = mergeParts({ ...fx.snapshot, guest: undefined }, { guest: { netdev } }, 99);
    expect(early.guest).toBeUndefined();
  });

  it('notifies subscribers at most 4 times a second however often data changes', async () => {
    const fx = storefront();
    const fast = counting(() => ({ probes: fx.snapshot.probes }));
    const s = createSession({
      collectors: { probes: fast.fn },
      intervals: { probes: 10 },
      diagnose: fixtureDiagnose(fx.verdict),
      intents: fx.intents,
      initial: fx.snapshot,
    });
    const notes: number[] = [];
    s.subscribe(() => notes.push(Date.now()));
    await vi.advanceTimersByTimeAsync(2000);
    expect(fast.calls.length).toBeGreaterThan(100);
    expect(notes.length).toBeLessThanOrEqual(9);
    expect(notes.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < notes.length; i++) expect(notes[i] - notes[i - 1]).toBeGreaterThanOrEqual(250);
    s.dispose();
  });

  it('freeze stops collection; refresh still collects by hand; both go on the timeline', async () => {
    const fx = storefront();
    const c = counting(() => ({ cloud: fx.snapshot.cloud }));
    const s = createSession({
      collectors: { cloud: c.fn },
      intervals: { cloud: 1000 },
      diagnose: fixtureDiagnose(fx.verdict),
      intents: fx.intents,
    });
    await vi.advanceTimersByTimeAsync(0);
    s.setFrozen(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(c.calls).toHaveLength(1);
    await s.refresh('cloud');
    expect(c.calls).toHaveLength(2);
    s.setFrozen(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.calls.length).toBeGreaterThanOrEqual(3);
    const kinds = s.getState().timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['start', 'refresh', 'freeze', 'unfreeze']));
    expect(s.getState().timeline.find((e) => e.kind === 'refresh' && e.data?.manual)).toBeDefined();
    s.dispose();
  });

  it('setIntents re-diagnoses at once and records verdict changes', async () => {
    const fx = storefront();
    let verdict = fx.verdict;
    const s = createSession({
      collectors: { probes: async () => ({ probes: fx.snapshot.probes }) },
      diagnose: (snap, intents) => fixtureDiagnose(verdict)(snap, intents),
      intents: fx.intents.slice(0, 1),
      initial: fx.snapshot,
      autoStart: false,
    });
    expect(s.getState().verdict?.verdicts).toHaveLength(1);
    s.setIntents(fx.intents);
    expect(s.getState().verdict?.verdicts).toHaveLength(fx.intents.length);
    // The drop rule is revoked: the next diagnose says DELIVERED, and the timeline says so.
    verdict = {
      ...fx.verdict,
      verdicts: fx.verdict.verdicts.map((v) =>
        v.intent.id === 'in-tcp-443-internet' ? { ...v, result: 'DELIVERED' } : v,
      ),
    };
    await s.refresh('probes');
    const change = s.getState().timeline.find((e) => e.kind === 'verdict');
    expect(change?.data).toMatchObject({ intent: 'in-tcp-443-internet', from: 'DROPPED', to: 'DELIVERED' });
    s.dispose();
  });

  it('keeps the last verdict when diagnose throws, and says so', async () => {
    const fx = storefront();
    let broken = false;
    const s = createSession({
      collectors: { cloud: async () => ({ cloud: fx.snapshot.cloud }) },
      diagnose: (snap, i) => {
        if (broken) throw new Error('evaluator bug');
        return fixtureDiagnose(fx.verdict)(snap, i);
      },
      intents: fx.intents,
      initial: fx.snapshot,
      autoStart: false,
    });
    const v = s.getState().verdict;
    broken = true;
    await s.refresh();
    expect(s.getState().verdict).toBe(v);
    expect(s.getState().diagnoseError?.code).toBe('DIAGNOSE_FAILED');
    s.dispose();
  });

  it('bounds the timeline and the history (RSS stays flat on a long run)', async () => {
    const fx = storefront();
    const s = createSession({
      collectors: {
        counters: async () => ({
          guest: { netdev: fx.snapshot.guest!.netdev } as unknown as Snapshot['guest'],
        }),
        cloud: async () => ({ cloud: fx.snapshot.cloud }),
      },
      intervals: { counters: 10, cloud: 10 },
      diagnose: fixtureDiagnose(fx.verdict),
      intents: fx.intents,
      timelineMax: 50,
      historyMax: 40,
    });
    await vi.advanceTimersByTimeAsync(3000);
    expect(s.getState().timeline.length).toBe(50);
    expect(s.getState().history.length).toBe(40);
    s.dispose();
  });
});
