/**
 * TCP connect probe: what a client from the operator's side really meets. The outcome classifies the
 * symptom (DESIGN.md §4): delivered, refused, reset, timeout, unreachable.
 *
 * What Linux reports for each iptables REJECT variant on the target's INPUT chain (verified in
 * test/host/probe-classify.test.ts, kernel 6.x, iptables 1.8.9):
 *   (default) icmp-port-unreachable  → ECONNREFUSED → refused   (indistinguishable from a closed port)
 *   tcp-reset                        → ECONNREFUSED → refused
 *   icmp-net-unreachable             → ENETUNREACH  → unreachable
 *   icmp-net-prohibited              → ENETUNREACH  → unreachable
 *   icmp-host-unreachable            → EHOSTUNREACH → unreachable
 *   icmp-host-prohibited             → EHOSTUNREACH → unreachable
 *   icmp-admin-prohibited            → EHOSTUNREACH → unreachable
 *   icmp-proto-unreachable           → ENOPROTOOPT  → unreachable
 *   DROP                             → no answer    → timeout
 * The operator's own firewall looks the same from here: an OUTPUT DROP is a timeout (connect() itself would only
 * fail with ETIMEDOUT after the SYN retries, ~2 min), an OUTPUT REJECT is ECONNREFUSED (checked by hand in a
 * namespace). EPERM/EACCES come from local security policy (cgroup/eBPF, SELinux, a broadcast address).
 * The target's ICMP errors are rate limited (net.ipv4.icmp_ratelimit, 1 s by default): a REJECT hit in quick
 * succession answers only the SYN retransmission, a second later, so keep the timeout above ~1.5 s.
 */
import net from 'node:net';
import type { TcpOutcome, TcpProbe } from '../model/index.js';
import { bareHost } from './tools.js';

export interface TcpProbeOptions {
  /** Whole budget for the probe, all attempts included (default 3000 ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * After the handshake, wait this long to see what the server does (sends a banner, closes at once,
   * resets). 0 (default) closes as soon as the handshake completes.
   */
  holdMs?: number;
  /**
   * Connect attempts, each with an equal share of the budget (default 1). A fresh attempt uses a new source
   * port: an answer after a timed-out attempt points at loss on the path rather than a drop rule.
   */
  attempts?: number;
}

interface Attempt {
  outcome: TcpOutcome;
  ms: number;
  error?: string;
  after?: TcpProbe['after'];
  banner?: string;
}

/** What a connect() error code means, in the probe's vocabulary. */
export function classifyTcpError(code: string | undefined): { outcome: TcpOutcome; error: string } {
  switch (code) {
    case 'ECONNREFUSED':
      return {
        outcome: 'refused',
        error:
          'ECONNREFUSED: the host answered with a reset (nothing listens on that port, or a firewall REJECTs with tcp-reset or icmp-port-unreachable)',
      };
    case 'ECONNRESET':
      // On a fast path the RST can beat the connect callback: the handshake completed, then the peer reset.
      return {
        outcome: 'reset',
        error: 'ECONNRESET: the connection was reset as it opened (the server or a middlebox sent RST)',
      };
    case 'ETIMEDOUT':
      return { outcome: 'timeout', error: 'ETIMEDOUT: no answer to the SYN (dropped on the path)' };
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return {
        outcome: 'unreachable',
        error: `${code}: an ICMP host-unreachable or host/admin-prohibited came back (a REJECT rule or a router with no way on)`,
      };
    case 'ENETUNREACH':
      return {
        outcome: 'unreachable',
        error: `${code}: no route to the network here, or an ICMP net-unreachable/prohibited came back`,
      };
    case 'ENETDOWN':
      return { outcome: 'unreachable', error: `${code}: the local network interface is down` };
    case 'ENOPROTOOPT':
      return {
        outcome: 'unreachable',
        error: `${code}: an ICMP protocol-unreachable came back (REJECT --reject-with icmp-proto-unreachable)`,
      };
    case 'EPERM':
    case 'EACCES':
      return {
        outcome: 'unreachable',
        error: `${code}: this machine refused to send the SYN (a local security policy: cgroup/eBPF, SELinux, or a broadcast address)`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return { outcome: 'error', error: `${code}: the host name could not be resolved` };
    default:
      return { outcome: 'error', error: `${code ?? 'UNKNOWN'}: the connection attempt failed` };
  }
}

function errorCode(e: unknown): string | undefined {
  const err = e as { code?: string; errors?: { code?: string }[] };
  // Happy-eyeballs (autoSelectFamily) failures arrive as an AggregateError without a code of their own.
  return err?.code ?? err?.errors?.find((x) => x?.code)?.code;
}

/** The first line of what the server sent, printable ASCII only, at most 120 characters. */
function bannerLine(buf: Buffer): string {
  const line = buf.toString('latin1').split(/\r?\n/)[0] ?? '';
  return line.replace(/[^\x20-\x7e]/g, '.').slice(0, 120);
}

function attemptOnce(
  host: string,
  port: number,
  timeoutMs: number,
  holdMs: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  return new Promise((resolve) => {
    const started = performance.now();
    let connectedMs: number | undefined;
    let done = false;
    let socket: net.Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (a: Attempt) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(a);
    };
    const elapsed = () => Math.round(performance.now() - started);
    const onAbort = () => {
      if (connectedMs !== undefined) finish({ outcome: 'delivered', ms: connectedMs, after: 'silent' });
      else
        finish({
          outcome: 'timeout',
          ms: elapsed(),
          error: 'cancelled before any answer (probe budget spent)',
        });
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket = net.connect({ host, port });
    } catch (e) {
      // The test network guard throws synchronously; so would an invalid port.
      const code = errorCode(e);
      return finish({
        outcome: 'error',
        ms: elapsed(),
        error: `${code ?? 'ERROR'}: ${(e as Error).message}`,
      });
    }
    timer = setTimeout(
      () => finish({ outcome: 'timeout', ms: elapsed(), error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => {
      connectedMs = elapsed();
      if (holdMs <= 0) return finish({ outcome: 'delivered', ms: connectedMs });
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish({ outcome: 'delivered', ms: connectedMs!, after: 'silent' }), holdMs);
      socket!.once('data', (b: Buffer) =>
        finish({ outcome: 'delivered', ms: connectedMs!, after: 'banner', banner: bannerLine(b) }),
      );
      socket!.once('end', () => finish({ outcome: 'delivered', ms: connectedMs!, after: 'closed' }));
    });
    socket.on('error', (e) => {
      const code = errorCode(e);
      if (connectedMs !== undefined) {
        // Open, then torn down: a reset right after accept (SO_LINGER 0, a crashing worker, an IPS).
        if (code === 'ECONNRESET' || code === 'EPIPE')
          return finish({
            outcome: 'reset',
            ms: connectedMs,
            error: `${code}: the server accepted the connection, then reset it ${elapsed() - connectedMs} ms later`,
          });
        return finish({ outcome: 'delivered', ms: connectedMs, after: 'closed' });
      }
      const c = classifyTcpError(code);
      finish({ outcome: c.outcome, ms: elapsed(), error: c.error });
    });
  });
}

/** Connects to host:port and classifies what happens. Never throws; bounded by `timeoutMs` (+ `holdMs`). */
export async function probeTcp(host: string, port: number, opts: TcpProbeOptions = {}): Promise<TcpProbe> {
  const h = bareHost(host);
  const timeoutMs = Math.max(1, opts.timeoutMs ?? 3000);
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 1));
  const holdMs = Math.max(0, opts.holdMs ?? 0);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return {
      host: h,
      port,
      outcome: 'error',
      ms: 0,
      error: `port ${port} is not a TCP port (1-65535)`,
      via: 'direct',
    };
  const deadline = performance.now() + timeoutMs;
  let last: Attempt = { outcome: 'timeout', ms: 0, error: 'cancelled before the first attempt' };
  let made = 0;
  while (made < attempts && !opts.signal?.aborted) {
    const left = deadline - performance.now();
    if (left < 1) break;
    const share = Math.max(1, Math.floor(left / (attempts - made)));
    made++;
    last = await attemptOnce(h, port, share, holdMs, opts.signal);
    if (last.outcome !== 'timeout') break;
  }
  if (last.outcome === 'timeout' && made > 0) {
    // Report the whole wait, not the last attempt's share of it.
    const total = Math.round(performance.now() - (deadline - timeoutMs));
    last = {
      ...last,
      ms: total,
      error: last.error?.startsWith('no answer')
        ? `no answer within ${total} ms${made > 1 ? ` over ${made} attempts` : ''} (dropped on the path, or the host is down)`
        : last.error,
    };
  }
  return toProbe(h, port, last, made);
}

function toProbe(host: string, port: number, a: Attempt, attempts: number): TcpProbe {
  const p: TcpProbe = { host, port, outcome: a.outcome, ms: a.ms, via: 'direct' };
  if (a.error) p.error = a.error;
  if (a.after) p.after = a.after;
  if (a.banner !== undefined) p.banner = a.banner;
  if (attempts > 1) p.attempts = attempts;
  return p;
}
