/**
 * A live session over the storefront fixture (test/fixtures/ui/storefront.*.json): collectors that return the
 * fixture's parts with fresh times and advancing NIC counters, a diagnose that answers with the fixture's
 * verdict, and options to scale the data (20,000 sockets, 2,000 rules), fail a source, or hold everything
 * still. Used by the component tests and, through the fixture app, the UI bench.
 */

import {
  type Collector,
  createSession,
  type HistorySample,
  type Session,
  type SourceName,
} from '../../source/engine/session.js';
import type {
  GuestSocket,
  Intent,
  NetDevCounters,
  PathVerdict,
  SgRule,
  Snapshot,
  Verdict,
} from '../../source/model/index.js';
import intentsJson from '../fixtures/ui/storefront.intents.json' with { type: 'json' };
import snapshotJson from '../fixtures/ui/storefront.snapshot.json' with { type: 'json' };
import verdictJson from '../fixtures/ui/storefront.verdict.json' with { type: 'json' };

export const STOREFRONT = {
  snapshot: snapshotJson as unknown as Snapshot,
  verdict: verdictJson as unknown as Verdict,
  intents: intentsJson as unknown as Intent[],
};

/** Deep copy, so a test that mutates never leaks into another. */
export function storefront(): { snapshot: Snapshot; verdict: Verdict; intents: Intent[] } {
  return structuredClone(STOREFRONT);
}

/** diagnose() for the fixture: the recorded verdict, restricted to the asked intents (new ones come back UNKNOWN). */
export function fixtureDiagnose(verdict: Verdict): (s: Snapshot, intents: Intent[]) => Verdict {
  return (s, intents) => {
    const verdicts: PathVerdict[] = intents.map(
      (i) =>
        verdict.verdicts.find((v) => v.intent.id === i.id) ?? {
          intent: i,
          result: 'UNKNOWN',
          path: [],
          confidence: 'uncertain',
        },
    );
    return { ...verdict, at: s.at, target: s.target, sources: s.sources, verdicts };
  };
}

/** Adds bulk ESTAB sockets to :443 and accept rules, deterministic, to load the UI like a busy server. */
export function scaleSnapshot(s: Snapshot, opts: { sockets?: number; rules?: number }): Snapshot {
  if (!opts.sockets && !opts.rules) return s;
  const out = structuredClone(s);
  const g = out.guest;
  if (g && opts.sockets) {
    const bulk: GuestSocket[] = [];
    for (let i = 0; i < opts.sockets; i++) {
      bulk.push({
        proto: 'tcp',
        family: 4,
        state: i % 7 === 0 ? 'TIME-WAIT' : 'ESTAB',
        local: { address: '172.16.1.10', port: i % 3 === 0 ? 443 : 9000 },
        peer: { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 30000 + (i % 30000) },
        processes:
          i % 7 === 0
            ? []
            : [{ name: i % 3 === 0 ? 'nginx' : 'php-fpm', pid: 2000 + (i % 64), fd: 10 + (i % 900) }],
        recvQ: 0,
        sendQ: i % 11,
      });
    }
    g.sockets = { ...g.sockets, value: [...(g.sockets.value ?? []), ...bulk] };
    const states: Record<string, number> = {};
    for (const k of g.sockets.value ?? []) states[k.state] = (states[k.state] ?? 0) + 1;
    g.socketStates = { ...g.socketStates, value: states };
  }
  const groups = out.cloud?.securityGroups.value;
  if (groups?.length && opts.rules) {
    const extra: SgRule[] = [];
    for (let i = 0; i < opts.rules; i++) {
      extra.push({
        id: `sgr-bulk${String(i).padStart(5, '0')}`,
        groupId: groups[0].id,
        direction: i % 5 === 0 ? 'egress' : 'ingress',
        policy: i % 13 === 0 ? 'drop' : 'accept',
        priority: 2 + (i % 98),
        protocol: i % 4 === 0 ? 'udp' : 'tcp',
        ports: { from: 10000 + i, to: 10000 + i },
        peerCidr: `10.${i >> 8}.${i & 255}.0/24`,
        description: `bulk rule ${i}`,
        createTime: '2026-01-01T00:00:00Z',
      });
    }
    groups[0] = { ...groups[0], rules: [...groups[0].rules, ...extra] };
  }
  return out;
}

/** Counters after `seconds` of the post-incident traffic (a trickle: SSH and health checks). Monotonic. */
function counters(base: NetDevCounters[], seconds: number): NetDevCounters[] {
  // Rate r + a·sin(t/9) integrates to r·t + 9a·(1 − cos(t/9)): never decreasing while a < r.
  const bytes = (r: number, a: number) => Math.round(r * seconds + 9 * a * (1 - Math.cos(seconds / 9)));
  return base.map((c) => {
    if (c.iface === 'lo') return c;
    return {
      ...c,
      rxBytes: c.rxBytes + bytes(11_000, 5_500),
      rxPackets: c.rxPackets + Math.round(seconds * 90),
      txBytes: c.txBytes + bytes(6_000, 3_000),
      txPackets: c.txPackets + Math.round(seconds * 70),
      rxDrop: c.rxDrop + Math.floor(seconds / 13),
    };
  });
}

/** A deterministic live history ending at `at`: counters every `stepMs` and the fixture's probe outcomes. */
export function syntheticHistory(s: Snapshot, n: number, stepMs: number): HistorySample[] {
  const base = s.guest?.netdev.value ?? [];
  const out: HistorySample[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const at = s.at - i * stepMs;
    const seconds = (n - 1 - i) * (stepMs / 1000);
    out.push({ at, netdev: counters(base, seconds), ping: s.probes?.ping.value, tcp: s.probes?.tcp.value });
  }
  return out;
}

export interface FixtureOptions {
  /** Collect on timers (default) or hold still (screenshots: fixed clock, nothing changes). */
  still?: boolean;
  intervals?: Partial<Record<SourceName, number>>;
  now?: () => number;
  sockets?: number;
  rules?: number;
  /** Make a source fail from its Nth run on (1 = the first run). */
  fail?: { source: SourceName; fromRun: number };
  /** Synthetic history samples to start with (default 30 when still, 0 when live). */
  history?: number;
  /** Bounds of the session's timeline and history (scaled down with the intervals in a fast run). */
  timelineMax?: number;
  historyMax?: number;
}

export function createFixtureSession(o: FixtureOptions = {}): {
  session: Session;
  snapshot: Snapshot;
  verdict: Verdict;
  intents: Intent[];
} {
  const fx = storefront();
  const now = o.now ?? Date.now;
  const started = now();
  const snapshot = scaleSnapshot(fx.snapshot, { sockets: o.sockets, rules: o.rules });
  // Live: the fixture counts as collected just now (its events and metrics keep their recorded times).
  if (!o.still) snapshot.at = started;
  const runs: Record<SourceName, number> = { cloud: 0, guest: 0, probes: 0, counters: 0 };
  const failing = (src: SourceName) => {
    runs[src]++;
    return o.fail?.source === src && runs[src] >= o.fail.fromRun;
  };
  const stamp = <T extends { at: number }>(f: T, at: number): T => ({ ...f, at });
  const collectors: Record<SourceName, Collector> = {
    async cloud() {
      const at = now();
      if (failing('cloud'))
        return {
          sources: [
            {
              name: 'ecs',
              ok: false,
              ms: 5000,
              at,
              error: { code: 'ETIMEDOUT', message: 'ecs.cn-hangzhou.aliyuncs.com did not answer in 5 s' },
            },
          ],
        };
      const c = snapshot.cloud!;
      return {
        cloud: {
          ...c,
          instance: stamp(c.instance, at),
          securityGroups: stamp(c.securityGroups, at),
          metrics: stamp(c.metrics, at),
        },
        sources: snapshot.sources
          .filter((x) => !x.name.startsWith('guest') && x.name !== 'probe')
          .map((x) => ({ ...x, at })),
      };
    },
    async guest() {
      const at = now();
      if (failing('guest')) {
        return {
          guestError: {
            code: 'ECONNRESET',
            message: 'SSH connection to 47.96.183.27:22 was reset',
            hint: 'netdoctor keeps the last guest data and retries; Cloud Assistant is the fallback.',
          },
          sources: [
            {
              name: 'guest:ssh',
              ok: false,
              ms: 1200,
              at,
              error: { code: 'ECONNRESET', message: 'SSH connection reset' },
            },
          ],
        };
      }
      const g = snapshot.guest!;
      return {
        guest: { ...g, sockets: stamp(g.sockets, at) },
        guestError: undefined,
        sources: [{ name: 'guest:ssh', ok: true, ms: 840, at, calls: 1 }],
      };
    },
    async probes() {
      const at = now();
      if (failing('probes')) return {};
      const p = snapshot.probes!;
      return {
        probes: { ...p, tcp: stamp(p.tcp, at), ping: stamp(p.ping, at) },
        sources: [{ name: 'probe', ok: true, ms: 3012, at, calls: 4 }],
      };
    },
    async counters() {
      const at = now();
      if (failing('counters')) return {};
      const g = snapshot.guest!;
      const netdev = { ...g.netdev, at, value: counters(g.netdev.value ?? [], (at - started) / 1000) };
      return { guest: { netdev } };
    },
  };
  const history = o.history ?? (o.still ? 30 : 0);
  const session = createSession({
    collectors,
    intervals: o.intervals,
    diagnose: fixtureDiagnose(fx.verdict),
    intents: fx.intents,
    initial: snapshot,
    initialHistory: history ? syntheticHistory(snapshot, history, 2000) : undefined,
    now,
    autoStart: !o.still,
    timelineMax: o.timelineMax,
    historyMax: o.historyMax,
  });
  return { session, snapshot, verdict: fx.verdict, intents: fx.intents };
}
