/**
 * Hop-by-hop path from the operator's side: `traceroute` (UDP, or ICMP with -I) and TCP traceroute
 * (`tcptraceroute`, else `traceroute -T`), run when installed and bounded in time. The parser is pure and
 * reads Linux traceroute 2.x, BusyBox traceroute and Michael Toren's tcptraceroute 1.5 (all with -n).
 */
import type { TraceHop, TraceProbe } from '../model/index.js';
import { parseIp, unmapV4 } from '../net/ip.js';
import { bareHost, findTool, runTool, toolDirs } from './tools.js';

export interface TraceOptions {
  /** udp (default), icmp (needs root) or tcp (needs `port`; needs root or a setuid tcptraceroute). */
  protocol?: 'udp' | 'icmp' | 'tcp';
  port?: number;
  /** Max TTL (default 15). */
  maxHops?: number;
  /** Seconds to wait per probe (default 1). */
  waitS?: number;
  /** Hard bound on the run (default maxHops × wait + 2 s, at most 30 s); partial hops are kept. */
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Directories searched for the tools (default: PATH plus the sbin dirs). */
  toolDirs?: string[];
}

export interface ParsedTrace {
  hops: TraceHop[];
  /** The destination answered (its address on the last hop, or tcptraceroute's [open]/[closed]). */
  reached: boolean;
  /** The tool's failure line (`connect: Network is unreachable`, a privilege message). */
  failure?: string;
}

const HOP_LINE = /^\s*(\d+)\s+(.*)$/;
const IP_TOKEN = /^[0-9a-fA-F:.]+$/;

function sameAddress(a: string, b: string): boolean {
  const x = parseIp(unmapV4(a));
  const y = parseIp(unmapV4(b));
  return !!x && !!y && x.family === y.family && x.value === y.value;
}

/** Parses traceroute / tcptraceroute output run with -n. Pure. */
export function parseTrace(text: string, target: string): ParsedTrace {
  const hops: TraceHop[] = [];
  let failure: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const m = HOP_LINE.exec(raw);
    if (!m) {
      const line = raw.trim();
      // Headers and the tcptraceroute trailer are not failures; everything else on its own line is.
      if (
        line &&
        !failure &&
        !/^(traceroute to|Tracing the path to|Selected device|Destination not reached|traceroute: Warning)/.test(
          line,
        )
      )
        failure = line;
      continue;
    }
    const hop: TraceHop = { ttl: Number(m[1]) };
    const tokens = m[2].trim().split(/\s+/);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '*') continue;
      if (hop.address === undefined && IP_TOKEN.test(t) && parseIp(t)) {
        hop.address = t;
        continue;
      }
      if (t === 'ms') continue;
      if (/^\d+(\.\d+)?$/.test(t) && tokens[i + 1] === 'ms') {
        if (hop.rttMs === undefined) hop.rttMs = Number(t);
        continue;
      }
      if (/^(!\w*|\[(open|closed)\])$/.test(t) && hop.flag === undefined) hop.flag = t;
    }
    hops.push(hop);
  }
  const last = hops.at(-1);
  const reached =
    !!last?.address &&
    (last.flag === '[open]' || last.flag === '[closed]' || sameAddress(last.address, target));
  const out: ParsedTrace = { hops, reached };
  if (failure) out.failure = failure;
  return out;
}

const FLAG_MEANING: Record<string, string> = {
  '!H': 'host unreachable',
  '!N': 'network unreachable',
  '!P': 'protocol unreachable',
  '!S': 'source route failed',
  '!F': 'fragmentation needed',
  '!X': 'communication administratively prohibited',
  '!V': 'host precedence violation',
  '!C': 'precedence cutoff',
};

/** One sentence for a trace that did not reach its target, or undefined when it did. */
export function traceError(p: ParsedTrace, target: string, maxHops: number): string | undefined {
  if (p.failure) {
    if (/enough privileges|Operation not permitted/i.test(p.failure))
      return `the trace needs raw sockets (${p.failure}): run as root, or use UDP traceroute`;
    return `the trace failed: ${p.failure}`;
  }
  const last = p.hops.at(-1);
  if (last?.flag?.startsWith('!'))
    return `${last.address ?? 'a router'} answered ${FLAG_MEANING[last.flag] ?? 'unreachable'} (${last.flag}) at hop ${last.ttl}`;
  if (p.reached) return undefined;
  const lastSeen = [...p.hops].reverse().find((h) => h.address);
  if (!p.hops.length) return 'the trace printed no hops';
  return lastSeen
    ? `${target} did not answer within ${maxHops} hops; the last router that answered is ${lastSeen.address} (hop ${lastSeen.ttl})`
    : `no router answered on the way to ${target}`;
}

interface ToolChoice {
  tool: string;
  path: string;
  args: string[];
}

async function chooseTool(
  host: string,
  protocol: 'udp' | 'icmp' | 'tcp',
  port: number | undefined,
  maxHops: number,
  waitS: number,
  dirs: string[],
): Promise<ToolChoice | string> {
  const common = ['-n', '-q', '1', '-w', String(waitS), '-m', String(maxHops)];
  const traceroute = await findTool('traceroute', dirs);
  if (protocol === 'tcp') {
    if (port === undefined) return 'a TCP traceroute needs a port';
    // tcptraceroute first: Debian installs it setuid, so it works without root where `traceroute -T` does not.
    const tcpt = await findTool('tcptraceroute', dirs);
    if (tcpt) return { tool: 'tcptraceroute', path: tcpt, args: [...common, host, String(port)] };
    if (traceroute)
      return { tool: 'traceroute -T', path: traceroute, args: ['-T', '-p', String(port), ...common, host] };
    return 'neither tcptraceroute nor traceroute is installed: install the tcptraceroute or traceroute package to trace TCP paths';
  }
  if (!traceroute)
    return 'traceroute is not installed: install the traceroute package (apt install traceroute, dnf install traceroute)';
  if (protocol === 'icmp') return { tool: 'traceroute -I', path: traceroute, args: ['-I', ...common, host] };
  return { tool: 'traceroute', path: traceroute, args: [...common, host] };
}

/** Traces the path to `host`; never throws. A missing tool or a failure comes back in `error`. */
export async function trace(host: string, opts: TraceOptions = {}): Promise<TraceProbe> {
  const h = bareHost(host);
  const protocol = opts.protocol ?? 'udp';
  const maxHops = Math.min(64, Math.max(1, Math.floor(opts.maxHops ?? 15)));
  const waitS = Math.max(1, Math.ceil(opts.waitS ?? 1));
  const natural = Math.min(30_000, maxHops * waitS * 1000 + 2000);
  const timeoutMs = Math.min(natural, opts.timeoutMs ?? natural);
  const base = {
    host: h,
    protocol,
    via: 'direct' as const,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  };
  const choice = await chooseTool(
    h,
    protocol,
    opts.port,
    maxHops,
    waitS,
    opts.toolDirs ?? toolDirs(opts.env),
  );
  if (typeof choice === 'string')
    return {
      ...base,
      tool: protocol === 'tcp' ? 'tcptraceroute' : 'traceroute',
      reached: false,
      hops: [],
      error: choice,
      ms: 0,
    };
  const run = await runTool(choice.path, choice.args, { timeoutMs, signal: opts.signal, env: opts.env });
  if (run.startError)
    return {
      ...base,
      tool: choice.tool,
      reached: false,
      hops: [],
      error: `${choice.tool} could not be started (${run.startError})`,
      ms: run.ms,
    };
  const parsed = parseTrace(run.output, h);
  const probe: TraceProbe = {
    ...base,
    tool: choice.tool,
    reached: parsed.reached,
    hops: parsed.hops,
    ms: run.ms,
  };
  const err = traceError(parsed, h, maxHops);
  if (run.timedOut || run.canceled)
    probe.error = `${choice.tool} was stopped after ${run.ms} ms${run.canceled ? ' (probe budget spent)' : ''}; ${parsed.hops.length} hops seen`;
  else if (err) probe.error = err;
  return probe;
}
