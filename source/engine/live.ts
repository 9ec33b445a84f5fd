/**
 * The live session's collectors: the same sources as `check`, each on its own interval (cloud ~30 s, guest ~5 s,
 * probes and counters ~2 s). Counters are one tiny command over the already-open guest transport.
 */
import { parseProcNetDev } from '../guest/parsers/proc-net-dev.js';
import type { Intent, Snapshot } from '../model/index.js';
import { type Collector, targetSummary } from './collect.js';
import type { Collector as SessionCollector, SourceName } from './session.js';

export function liveCollectors(
  col: Collector,
  intents: () => Intent[],
): Partial<Record<SourceName, SessionCollector>> {
  const out: Partial<Record<SourceName, SessionCollector>> = {
    probes: async (prev) => {
      const now = Date.now();
      const addresses = prev?.target.addresses ?? [];
      const r = await col.probe(now, addresses, intents());
      return { probes: r.probes, sources: r.sources };
    },
    guest: async (prev) => {
      const now = Date.now();
      const r = await col.guest(now, prev?.cloud?.instance.value);
      return r;
    },
    counters: async (prev) => {
      const t = col.transport();
      const at = Date.now();
      if (!t || !prev?.guest) return {};
      const r = await t.run('cat /proc/net/dev', { timeoutMs: 5000 }).catch(() => undefined);
      if (r?.code !== 0) return {};
      const parsed = parseProcNetDev(r.stdout);
      return {
        guest: {
          ...prev.guest,
          netdev: { source: 'guest:/proc/net/dev', at, value: parsed.value, ms: r.ms },
        },
      } as Partial<Snapshot>;
    },
  };
  if (col.setup.cloud && col.setup.instanceId) {
    out.cloud = async () => {
      const now = Date.now();
      const r = await col.cloud(now);
      const part: Partial<Snapshot> = { sources: r.sources, ...(r.notes ? { notes: r.notes } : {}) };
      if (r.cloud) {
        part.cloud = r.cloud;
        part.target = targetSummary(col.setup, r.cloud.instance.value);
      }
      return part;
    };
  }
  return out;
}
