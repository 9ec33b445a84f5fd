/**
 * DNS probes from the operator's side: the system resolver (getaddrinfo, what every program here uses) and
 * one chosen server asked directly (c-ares), each bounded in time and classified in the vocabulary of
 * DnsLookup: NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout, unreachable, bad-response, error.
 */
import dns from 'node:dns';
import net from 'node:net';
import type { DnsProbe } from '../model/index.js';

export interface DnsProbeOptions {
  /** Whole budget for the lookup (default 2500 ms). */
  timeoutMs?: number;
  /** Tries per query against a chosen server (default 2). */
  tries?: number;
  signal?: AbortSignal;
}

export type DnsErrorKind =
  | 'NXDOMAIN'
  | 'NODATA'
  | 'SERVFAIL'
  | 'REFUSED'
  | 'timeout'
  | 'unreachable'
  | 'bad-response'
  | 'bad-server'
  | 'error';

/** Maps a Node DNS error code (c-ares or getaddrinfo) to the probe vocabulary, with a sentence. */
export function classifyDnsError(
  code: string | undefined,
  via: 'system' | 'server',
): { kind: DnsErrorKind; detail: string } {
  switch (code) {
    case 'ENOTFOUND':
      return via === 'server'
        ? {
            kind: 'NXDOMAIN',
            detail: 'the server says the name does not exist (NXDOMAIN): check its spelling',
          }
        : {
            kind: 'NXDOMAIN',
            detail:
              'the system resolver found no address (NXDOMAIN, or no A/AAAA records): check the name, /etc/hosts and the search domains',
          };
    case 'ENODATA':
    case 'EAI_NODATA':
      return { kind: 'NODATA', detail: 'the name exists but has no A/AAAA records' };
    case 'ESERVFAIL':
      return {
        kind: 'SERVFAIL',
        detail: 'the server failed to answer (SERVFAIL): its upstream or the zone is broken',
      };
    case 'EREFUSED':
      return {
        kind: 'REFUSED',
        detail: 'the server refused the query (REFUSED): it does not serve this client',
      };
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return {
        kind: 'timeout',
        detail: 'no answer from the server in time: it is down, filtered or too far',
      };
    case 'EAI_AGAIN':
      return {
        kind: 'timeout',
        detail:
          'temporary failure in name resolution: no configured name server answered (or it said SERVFAIL); check resolv.conf and the path to the servers',
      };
    case 'ECONNREFUSED':
      return {
        kind: 'unreachable',
        detail:
          'nothing answers DNS at that address (ICMP port unreachable): the server is not running there',
      };
    case 'EBADRESP':
    case 'EFORMERR':
    case 'EBADQUERY':
    case 'ENOTIMP':
      return { kind: 'bad-response', detail: `the server sent an answer that could not be used (${code})` };
    case 'EAI_FAIL':
      return { kind: 'SERVFAIL', detail: 'the resolver reported a non-recoverable failure (EAI_FAIL)' };
    default:
      return { kind: 'error', detail: `the lookup failed (${code ?? 'UNKNOWN'})` };
  }
}

function codeOf(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/** A timer and abort listener that reject; `clear` removes both. */
function deadline(ms: number, signal: AbortSignal | undefined, onFire: () => void) {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    onFire();
  };
  const timer = setTimeout(fire, ms);
  signal?.addEventListener('abort', fire, { once: true });
  return {
    get fired() {
      return fired;
    },
    clear() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', fire);
    },
  };
}

/** Resolves `name` with the system resolver (getaddrinfo: /etc/hosts, nsswitch, resolv.conf). Never throws. */
export async function resolveSystem(name: string, opts: DnsProbeOptions = {}): Promise<DnsProbe> {
  const timeoutMs = Math.max(1, opts.timeoutMs ?? 2500);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  // getaddrinfo runs on the libuv pool and cannot be cancelled: race it, and let it finish in the background.
  let settle!: (v: DnsProbe) => void;
  const result = new Promise<DnsProbe>((r) => (settle = r));
  const d = deadline(timeoutMs, opts.signal, () =>
    settle({
      name,
      ok: false,
      addresses: [],
      error: 'timeout',
      detail: `the system resolver gave no answer within ${timeoutMs} ms: the configured name servers are slow or unreachable`,
      ms: ms(),
    }),
  );
  dns.promises.lookup(name, { all: true, verbatim: true }).then(
    (list) => settle({ name, ok: list.length > 0, addresses: uniq(list.map((a) => a.address)), ms: ms() }),
    (e) => {
      const c = classifyDnsError(codeOf(e), 'system');
      settle({ name, ok: false, addresses: [], error: c.kind, detail: c.detail, ms: ms() });
    },
  );
  const r = await result;
  d.clear();
  return r;
}

/** `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]:5353` → true. What Resolver.setServers accepts. */
export function validServer(server: string): boolean {
  const s = server.trim();
  if (net.isIP(s)) return true;
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  return !!m && net.isIP(m[1]) !== 0 && Number(m[2]) > 0 && Number(m[2]) < 65536;
}

/** Asks one chosen server for A and AAAA records of `name`. Never throws. */
export async function resolveWith(
  name: string,
  server: string,
  opts: DnsProbeOptions = {},
): Promise<DnsProbe> {
  const timeoutMs = Math.max(1, opts.timeoutMs ?? 2500);
  const tries = Math.max(1, Math.floor(opts.tries ?? 2));
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const base = { name, server };
  if (!validServer(server))
    return {
      ...base,
      ok: false,
      addresses: [],
      error: 'bad-server',
      detail: `"${server}" is not a DNS server address (give an IP, optionally with :port)`,
      ms: 0,
    };
  // c-ares doubles the per-try timeout on each retry round: split the budget so all tries fit in it.
  const perTry = Math.max(50, Math.floor(timeoutMs / (2 ** tries - 1)));
  const resolver = new dns.promises.Resolver({ timeout: perTry, tries });
  try {
    resolver.setServers([server.trim()]);
  } catch (e) {
    return { ...base, ok: false, addresses: [], error: 'bad-server', detail: (e as Error).message, ms: 0 };
  }
  const d = deadline(timeoutMs, opts.signal, () => resolver.cancel());
  const settled = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  d.clear();
  const addresses = uniq(settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : [])));
  if (addresses.length) return { ...base, ok: true, addresses, ms: ms() };
  const codes = settled.map((s) => (s.status === 'rejected' ? codeOf(s.reason) : 'ENODATA'));
  // A says more than AAAA (most names have no AAAA); NODATA on A defers to what AAAA said.
  const code = codes[0] === 'ENODATA' ? codes[1] : codes[0];
  const c = classifyDnsError(d.fired && code === 'ECANCELLED' ? 'ETIMEOUT' : code, 'server');
  const detail =
    c.kind === 'timeout'
      ? `${server} gave no answer within ${timeoutMs} ms: it is down, filtered or too far`
      : c.detail;
  return { ...base, ok: false, addresses: [], error: c.kind, detail, ms: ms() };
}

/** The system resolver when `server` is undefined, else the chosen server. */
export function probeDns(name: string, server?: string, opts: DnsProbeOptions = {}): Promise<DnsProbe> {
  return server === undefined ? resolveSystem(name, opts) : resolveWith(name, server, opts);
}

function uniq(a: string[]): string[] {
  return [...new Set(a)];
}
