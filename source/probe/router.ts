/**
 * Where a probe goes. Direct probes leave this machine; against the simulated region a scenario's
 * addresses belong to the world, not to the network (DESIGN.md §5), so those probes are asked of the
 * simulator's probe endpoint instead and come back marked `via: 'sim'`. `--no-probes` turns them all off.
 */
import type {
  DnsProbe,
  Fact,
  PingProbe,
  ProbeFacts,
  TcpOutcome,
  TcpProbe,
  TraceProbe,
} from '../model/index.js';
import { fact, failed } from '../model/index.js';
import type { SimAdvert } from '../sim/advert.js';
import { type DnsProbeOptions, probeDns } from './dns.js';
import { type PingOptions, ping } from './ping.js';
import { probeTcp, type TcpProbeOptions } from './tcp.js';
import { bareHost } from './tools.js';
import { type TraceOptions, trace } from './trace.js';

export interface ProbeRunnerOptions {
  sim?: SimAdvert;
  noProbes?: boolean;
  /**
   * With `sim`: does this address belong to the scenario? Those go to the simulator. Default: every
   * address does, so nothing a scenario names is ever contacted.
   */
  ownsAddress?: (host: string) => boolean;
  /** Defaults for each kind (a call's own options win). */
  tcp?: TcpProbeOptions;
  ping?: PingOptions;
  dns?: DnsProbeOptions;
  trace?: TraceOptions;
  /** Bound on one question to the simulator (default 3000 ms). */
  simTimeoutMs?: number;
}

export interface ProbeRunner {
  readonly mode: 'direct' | 'sim' | 'off';
  tcp(host: string, port: number, opts?: TcpProbeOptions): Promise<TcpProbe>;
  ping(host: string, opts?: PingOptions): Promise<PingProbe>;
  dns(name: string, server?: string, opts?: DnsProbeOptions): Promise<DnsProbe>;
  trace(host: string, opts?: TraceOptions): Promise<TraceProbe>;
}

const NOT_RUN = 'not run: operator-side probes are off (--no-probes)';
const OUTCOMES: TcpOutcome[] = ['delivered', 'refused', 'reset', 'timeout', 'unreachable', 'error'];

type SimAnswer = { json: Record<string, unknown> } | { why: string };

/** GET `${probeUrl}?kind=…&…` on the simulator; JSON object or a reason. */
export async function askSim(
  advert: SimAdvert,
  params: Record<string, string | number | undefined>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SimAnswer> {
  let url: URL;
  try {
    url = new URL(advert.probeUrl);
  } catch {
    return { why: `the advertised probe URL is not a URL` };
  }
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
  const signals = [AbortSignal.timeout(Math.max(1, timeoutMs))];
  if (signal) signals.push(signal);
  try {
    const res = await fetch(url, {
      signal: AbortSignal.any(signals),
      headers: { accept: 'application/json' },
    });
    const text = await res.text();
    if (!res.ok) return { why: `HTTP ${res.status}${text ? `: ${text.trim().slice(0, 200)}` : ''}` };
    const json = JSON.parse(text) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json))
      return { why: 'the answer is not a JSON object' };
    return { json: json as Record<string, unknown> };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError')
      return { why: `no answer within ${timeoutMs} ms` };
    if (err instanceof SyntaxError) return { why: 'the answer is not JSON' };
    return { why: `${err.cause?.code ?? err.name}: ${err.message}` };
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function simTcp(host: string, port: number, a: SimAnswer): TcpProbe {
  const why = 'why' in a ? a.why : undefined;
  const j = 'json' in a ? a.json : {};
  const outcome = OUTCOMES.find((o) => o === j.outcome);
  if (why || !outcome)
    return {
      host,
      port,
      outcome: 'error',
      ms: 0,
      error: `the simulated region did not answer the TCP probe (${why ?? 'no valid outcome in its answer'})`,
      via: 'sim',
    };
  const p: TcpProbe = { host, port, outcome, ms: num(j.ms) ?? 0, via: 'sim' };
  if (str(j.error)) p.error = str(j.error);
  if (j.after === 'banner' || j.after === 'closed' || j.after === 'silent') p.after = j.after;
  if (str(j.banner)) p.banner = str(j.banner);
  return p;
}

function simPing(host: string, a: SimAnswer): PingProbe {
  const j = 'json' in a ? a.json : {};
  const sent = num(j.sent);
  const received = num(j.received);
  if ('why' in a || sent === undefined || received === undefined)
    return {
      host,
      sent: 0,
      received: 0,
      lossPct: 100,
      error: `the simulated region did not answer the ping (${'why' in a ? a.why : 'no counts in its answer'})`,
      via: 'sim',
    };
  const p: PingProbe = {
    host,
    sent,
    received,
    lossPct: num(j.lossPct) ?? (sent ? Math.round(((sent - received) / sent) * 100) : 100),
    via: 'sim',
  };
  const r = j.rttMs as Record<string, unknown> | undefined;
  if (r && num(r.min) !== undefined && num(r.avg) !== undefined && num(r.max) !== undefined)
    p.rttMs = { min: num(r.min)!, avg: num(r.avg)!, max: num(r.max)! };
  if (str(j.error)) p.error = str(j.error);
  return p;
}

function simDns(name: string, server: string | undefined, a: SimAnswer): DnsProbe {
  const j = 'json' in a ? a.json : {};
  const base = server === undefined ? { name } : { name, server };
  if ('why' in a || typeof j.ok !== 'boolean' || !Array.isArray(j.addresses))
    return {
      ...base,
      ok: false,
      addresses: [],
      error: 'error',
      detail: `the simulated region did not answer the DNS probe (${'why' in a ? a.why : 'no ok/addresses in its answer'})`,
      ms: 0,
    };
  const p: DnsProbe = {
    ...base,
    ok: j.ok,
    addresses: j.addresses.filter((x): x is string => typeof x === 'string'),
    ms: num(j.ms) ?? 0,
  };
  if (str(j.error)) p.error = str(j.error);
  if (str(j.detail)) p.detail = str(j.detail);
  return p;
}

function simTrace(host: string, o: TraceOptions, a: SimAnswer): TraceProbe {
  const j = 'json' in a ? a.json : {};
  const base = { host, protocol: o.protocol ?? 'udp', tool: 'sim', via: 'sim' as const };
  const port = o.port !== undefined ? { port: o.port } : {};
  if ('why' in a || typeof j.reached !== 'boolean' || !Array.isArray(j.hops))
    return {
      ...base,
      ...port,
      reached: false,
      hops: [],
      error: `the simulated region did not answer the trace (${'why' in a ? a.why : 'no hops in its answer'})`,
    };
  const hops = j.hops
    .filter(
      (h): h is Record<string, unknown> => !!h && typeof h === 'object' && num((h as any).ttl) !== undefined,
    )
    .map((h) => {
      const hop: TraceProbe['hops'][number] = { ttl: num(h.ttl)! };
      if (str(h.address)) hop.address = str(h.address);
      if (num(h.rttMs) !== undefined) hop.rttMs = num(h.rttMs);
      if (str(h.flag)) hop.flag = str(h.flag);
      return hop;
    });
  const p: TraceProbe = { ...base, ...port, reached: j.reached, hops };
  if (str(j.error)) p.error = str(j.error);
  return p;
}

/**
 * A call's options over the runner's defaults; a call's `timeoutMs` only ever shortens the default (it is
 * how runProbes imposes its budget without overriding a configured, shorter timeout).
 */
function merge<T extends { timeoutMs?: number }>(
  d: T | undefined,
  o: T | undefined,
  kindDefault?: number,
): T {
  const cap = Math.min(
    d?.timeoutMs ?? kindDefault ?? Number.POSITIVE_INFINITY,
    o?.timeoutMs ?? Number.POSITIVE_INFINITY,
  );
  const m = { ...d, ...o } as T;
  if (Number.isFinite(cap)) m.timeoutMs = cap;
  else delete m.timeoutMs;
  return m;
}

export function createProbeRunner(opts: ProbeRunnerOptions = {}): ProbeRunner {
  const sim = opts.sim;
  const simTimeout = opts.simTimeoutMs ?? 3000;
  const simMs = (o: { timeoutMs?: number }) => Math.min(o.timeoutMs ?? simTimeout, simTimeout);
  // Two attempts tell loss from a drop; a short hold after the handshake catches a server that resets.
  const tcpDefaults: TcpProbeOptions = { attempts: 2, holdMs: 300, ...opts.tcp };
  const toSim = (host: string) => !!sim && (opts.ownsAddress ? opts.ownsAddress(host) : true);
  const mode = opts.noProbes ? 'off' : sim ? 'sim' : 'direct';
  return {
    mode,
    async tcp(host, port, o) {
      const h = bareHost(host);
      const oo = merge(tcpDefaults, o, 3000);
      if (opts.noProbes) return { host: h, port, outcome: 'error', ms: 0, error: NOT_RUN, via: 'direct' };
      if (toSim(h))
        return simTcp(h, port, await askSim(sim!, { kind: 'tcp', host: h, port }, simMs(oo), oo.signal));
      return probeTcp(h, port, oo);
    },
    async ping(host, o) {
      const h = bareHost(host);
      const oo = merge(opts.ping, o);
      if (opts.noProbes)
        return { host: h, sent: 0, received: 0, lossPct: 100, error: NOT_RUN, via: 'direct' };
      if (toSim(h)) return simPing(h, await askSim(sim!, { kind: 'ping', host: h }, simMs(oo), oo.signal));
      return ping(h, oo);
    },
    async dns(name, server, o) {
      const oo = merge(opts.dns, o, 2500);
      if (opts.noProbes)
        return {
          name,
          ...(server ? { server } : {}),
          ok: false,
          addresses: [],
          error: 'error',
          detail: NOT_RUN,
          ms: 0,
        };
      // Names in a scenario resolve in the world's DNS, so with a simulator every DNS question goes to it.
      if (sim)
        return simDns(name, server, await askSim(sim, { kind: 'dns', name, server }, simMs(oo), oo.signal));
      return probeDns(name, server, oo);
    },
    async trace(host, o) {
      const h = bareHost(host);
      const oo = merge(opts.trace, o);
      if (opts.noProbes)
        return {
          host: h,
          protocol: oo.protocol ?? 'udp',
          tool: 'none',
          reached: false,
          hops: [],
          error: NOT_RUN,
          via: 'direct',
        };
      if (toSim(h))
        return simTrace(
          h,
          oo,
          await askSim(
            sim!,
            { kind: 'trace', host: h, port: oo.port, protocol: oo.protocol },
            simMs(oo),
            oo.signal,
          ),
        );
      return trace(h, oo);
    },
  };
}

export interface ProbePlan {
  tcp: { host: string; port: number }[];
  ping: string[];
  dns: { name: string; server?: string }[];
  /** Traces are slow; only asked when the plan names them. */
  trace?: { host: string; port?: number; protocol?: 'udp' | 'icmp' | 'tcp' }[];
}

export interface RunProbesOptions {
  /** The snapshot clock: the facts' `at` (a number, or a function read once at the start). */
  now: number | (() => number);
  /** Everything runs in parallel and is cut off after this long (default 8000 ms). */
  budgetMs?: number;
  signal?: AbortSignal;
}

const DISABLED = {
  code: 'PROBES_DISABLED',
  message: 'Operator-side probes were not run (--no-probes).',
  hint: 'The verdict rests on configuration alone; run without --no-probes to confirm it with live probes.',
};

/** Runs every probe of the plan in parallel within one budget; never throws. */
export async function runProbes(
  plan: ProbePlan,
  runner: ProbeRunner,
  o: RunProbesOptions,
): Promise<ProbeFacts> {
  const at = typeof o.now === 'function' ? o.now() : o.now;
  if (runner.mode === 'off') {
    const facts: ProbeFacts = {
      tcp: failed('probe:tcp', at, DISABLED),
      ping: failed('probe:ping', at, DISABLED),
      dns: failed('probe:dns', at, DISABLED),
    };
    if (plan.trace) facts.trace = failed('probe:trace', at, DISABLED);
    return facts;
  }
  const budgetMs = Math.max(1, o.budgetMs ?? 8000);
  const ctl = new AbortController();
  // A little grace over the budget: each probe is already clamped to it and should end on its own.
  const timer = setTimeout(() => ctl.abort(), budgetMs + 250);
  const onOuter = () => ctl.abort();
  o.signal?.addEventListener('abort', onOuter, { once: true });
  const signal = ctl.signal;

  async function group<I, T>(kind: string, items: I[], fn: (i: I) => Promise<T>): Promise<Fact<T[]>> {
    const t0 = performance.now();
    try {
      const values = await Promise.all(items.map(fn));
      return fact(`probe:${kind}`, at, values, Math.round(performance.now() - t0));
    } catch (e) {
      // Collectors never throw past here; reaching this is a bug, reported as a fact rather than a crash.
      return failed(
        `probe:${kind}`,
        at,
        { code: 'PROBE_FAILED', message: `The ${kind} probes failed unexpectedly: ${(e as Error).message}` },
        Math.round(performance.now() - t0),
      );
    }
  }

  try {
    const [tcp, pingF, dns, traceF] = await Promise.all([
      group('tcp', plan.tcp, (t) => runner.tcp(t.host, t.port, { signal, timeoutMs: budgetMs })),
      group('ping', plan.ping, (h) => runner.ping(h, { signal, timeoutMs: budgetMs })),
      group('dns', plan.dns, (d) => runner.dns(d.name, d.server, { signal, timeoutMs: budgetMs })),
      plan.trace
        ? group('trace', plan.trace, (t) =>
            runner.trace(t.host, { signal, port: t.port, protocol: t.protocol, timeoutMs: budgetMs }),
          )
        : Promise.resolve(undefined),
    ]);
    const facts: ProbeFacts = { tcp, ping: pingF, dns };
    if (traceF) facts.trace = traceF;
    return facts;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onOuter);
  }
}
