/** Operator-side probes: what the network actually does right now, from where the operator sits. */
import type { Fact } from './common.js';

/**
 * delivered: the handshake completed. refused: RST to the SYN (reachable; nothing listening, or REJECT with tcp-reset).
 * reset: connection reset after it opened. timeout: no answer (dropped on the path).
 * unreachable: ICMP unreachable / EHOSTUNREACH / ENETUNREACH (REJECT with icmp-*-unreachable lands here).
 */
export type TcpOutcome = 'delivered' | 'refused' | 'reset' | 'timeout' | 'unreachable' | 'error';

export interface TcpProbe {
  host: string;
  port: number;
  outcome: TcpOutcome;
  ms: number;
  error?: string;
  /** `direct` (a real connect) or `sim` (answered by the simulated region for a scenario address). */
  via: 'direct' | 'sim';
}

export interface PingProbe {
  host: string;
  sent: number;
  received: number;
  lossPct: number;
  rttMs?: { min: number; avg: number; max: number };
  error?: string;
  via: 'direct' | 'sim';
}

export interface DnsProbe {
  name: string;
  /** undefined = the system resolver. */
  server?: string;
  ok: boolean;
  addresses: string[];
  error?: string;
  ms: number;
}

export interface TraceHop {
  ttl: number;
  address?: string;
  rttMs?: number;
}

export interface TraceProbe {
  host: string;
  port?: number;
  protocol: 'icmp' | 'udp' | 'tcp';
  tool: string;
  reached: boolean;
  hops: TraceHop[];
  error?: string;
}

export interface ProbeFacts {
  tcp: Fact<TcpProbe[]>;
  ping: Fact<PingProbe[]>;
  dns: Fact<DnsProbe[]>;
  trace?: Fact<TraceProbe[]>;
}
