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
  /** When asked to wait after the handshake: the server sent data first, closed at once (FIN), or stayed silent. */
  after?: 'banner' | 'closed' | 'silent';
  /** First line the server sent (e.g. `SSH-2.0-OpenSSH_9.2p1`), printable ASCII, at most 120 characters. */
  banner?: string;
  /** Connect attempts made when more than one (an answer after a timed-out attempt points at loss, not a drop). */
  attempts?: number;
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
  /** NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout, unreachable, bad-response, error (same vocabulary as DnsLookup). */
  error?: string;
  /** One sentence on what the error means and what to do next. */
  detail?: string;
  ms: number;
}

export interface TraceHop {
  ttl: number;
  address?: string;
  rttMs?: number;
  /** Annotation the tool printed: `!H` `!N` `!P` `!X` `!S` (ICMP unreachable kinds), `[open]`/`[closed]` (tcptraceroute). */
  flag?: string;
}

export interface TraceProbe {
  host: string;
  port?: number;
  protocol: 'icmp' | 'udp' | 'tcp';
  tool: string;
  reached: boolean;
  hops: TraceHop[];
  error?: string;
  /** Wall time of the trace. */
  ms?: number;
  via?: 'direct' | 'sim';
}

export interface ProbeFacts {
  tcp: Fact<TcpProbe[]>;
  ping: Fact<PingProbe[]>;
  dns: Fact<DnsProbe[]>;
  trace?: Fact<TraceProbe[]>;
}
