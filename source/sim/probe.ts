/** STUB (owned by the lead): operator-side probe answers computed from the world's current state. */
import type { PingProbe, TcpProbe } from '../model/index.js';
import type { World } from './world.js';

export type ProbeQuery = { kind: 'tcp'; host: string; port: number } | { kind: 'ping'; host: string };

export function answerProbe(_world: World, q: ProbeQuery, _now: number): TcpProbe | PingProbe {
  if (q.kind === 'tcp')
    return { host: q.host, port: q.port, outcome: 'error', ms: 0, error: 'not implemented', via: 'sim' };
  return { host: q.host, sent: 0, received: 0, lossPct: 100, error: 'not implemented', via: 'sim' };
}
