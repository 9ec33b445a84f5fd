/**
 * ICMP echo through the system `ping` (it holds the raw-socket capability Node lacks). Output parsing is
 * pure and covers iputils (Debian, RHEL, Ubuntu) and BusyBox (Alpine, embedded); the tool always runs with
 * LC_ALL=C so a localised system still prints the English the parser reads.
 */
import type { PingProbe } from '../model/index.js';
import { bareHost, findTool, runTool, toolDirs, toolTarget } from './tools.js';

export interface PingOptions {
  /** Echo requests to send (default 3). */
  count?: number;
  /** Seconds to wait for the last reply (default 1). */
  waitS?: number;
  /** Seconds between requests (default 0.2, the smallest an unprivileged user may ask iputils for). */
  intervalS?: number;
  /** Hard bound on the whole run (default: what count, interval and wait need, plus 1.5 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Directories searched for `ping` (default: PATH plus the sbin dirs). */
  toolDirs?: string[];
}

export interface ParsedPing {
  sent: number;
  received: number;
  lossPct: number;
  rttMs?: { min: number; avg: number; max: number };
  /** ICMP errors counted by iputils (`+3 errors`): a router or the host answered "unreachable". */
  errors?: number;
  /** The first ICMP error line, e.g. `From 198.19.250.6 icmp_seq=1 Destination Host Unreachable`. */
  icmpError?: { from: string; text: string };
  /** The tool's own failure message (`connect: Network is unreachable`), when it printed one. */
  failure?: string;
  /** True when the statistics block was found. */
  complete: boolean;
}

const SUMMARY =
  /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) errors)?(?:, \+?\d+ duplicates)?(?:, \+(\d+) errors)?, ([\d.]+)% packet loss/;
const RTT = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)/;
const ICMP_ERROR =
  /^From (\S+?)(?: \([^)]*\))?:? (?:icmp_seq=\d+ )?(.*(?:Unreachable|Prohibited|exceeded|Redirect|filtered).*)$/i;

/** Parses ping output (iputils or BusyBox, C locale). Pure. */
export function parsePing(text: string): ParsedPing {
  const out: ParsedPing = { sent: 0, received: 0, lossPct: 100, complete: false };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const s = SUMMARY.exec(line);
    if (s) {
      out.sent = Number(s[1]);
      out.received = Number(s[2]);
      const errors = Number(s[3] ?? s[4] ?? 0);
      if (errors) out.errors = errors;
      out.lossPct = Number(s[5]);
      out.complete = true;
      continue;
    }
    const r = RTT.exec(line);
    if (r) {
      out.rttMs = { min: Number(r[1]), avg: Number(r[2]), max: Number(r[3]) };
      continue;
    }
    const e = ICMP_ERROR.exec(line);
    if (e && !out.icmpError) {
      out.icmpError = { from: e[1], text: e[2].trim() };
      continue;
    }
    // `ping: connect: Network is unreachable`, `ping: nosuch.example: Temporary failure in name resolution`,
    // `ping: sendto: Network is unreachable` (BusyBox), `ping: socket: Operation not permitted`.
    if (line.startsWith('ping: ') && !out.failure) out.failure = line.slice(6);
  }
  return out;
}

/** Turns a parsed run into the probe fact's fields, with an error sentence when something is wrong. */
export function pingResult(host: string, p: ParsedPing): Omit<PingProbe, 'via'> {
  const probe: Omit<PingProbe, 'via'> = {
    host,
    sent: p.sent,
    received: p.received,
    lossPct: p.complete ? p.lossPct : 100,
  };
  if (p.rttMs) probe.rttMs = p.rttMs;
  if (p.failure) probe.error = failureSentence(p.failure);
  else if (p.icmpError)
    probe.error = `${p.icmpError.from} answered "${p.icmpError.text}"${p.errors ? ` (${p.errors} ICMP errors)` : ''}`;
  else if (!p.complete) probe.error = 'ping printed no statistics (PARSE_ERROR); see the raw output';
  return probe;
}

function failureSentence(f: string): string {
  if (/Operation not permitted|Permission denied/i.test(f))
    return `ping could not open an ICMP socket (${f}): give ping cap_net_raw, widen net.ipv4.ping_group_range, or run as root`;
  if (/Temporary failure in name resolution|Name or service not known|unknown host|bad address/i.test(f))
    return `ping could not resolve the name (${f})`;
  if (/Network is unreachable/i.test(f)) return `no route from this machine to the target (${f})`;
  return `ping failed: ${f}`;
}

type Flavour = 'iputils' | 'busybox' | 'bsd';

async function flavourOf(path: string): Promise<Flavour> {
  const target = await toolTarget(path);
  if (/busybox/i.test(target)) return 'busybox';
  if (process.platform === 'darwin' || process.platform.endsWith('bsd')) return 'bsd';
  return 'iputils';
}

/** The argument list for each ping flavour (BusyBox has no -n; BSD's -W is in milliseconds). */
export function pingArgs(
  flavour: Flavour,
  host: string,
  count: number,
  waitS: number,
  intervalS: number,
): string[] {
  const c = ['-c', String(count), '-i', String(intervalS)];
  if (flavour === 'busybox') return [...c, '-W', String(waitS), host];
  if (flavour === 'bsd') return ['-n', ...c, '-W', String(waitS * 1000), host];
  return ['-n', ...c, '-W', String(waitS), host];
}

/** Pings `host`; never throws. A missing tool, a timeout or a refusal comes back in `error`. */
export async function ping(host: string, opts: PingOptions = {}): Promise<PingProbe> {
  const h = bareHost(host);
  const count = Math.max(1, Math.floor(opts.count ?? 3));
  const waitS = Math.max(1, Math.ceil(opts.waitS ?? 1));
  const intervalS = Math.max(0.2, opts.intervalS ?? 0.2);
  const need = Math.ceil(((count - 1) * intervalS + waitS) * 1000) + 1500;
  const timeoutMs = Math.min(need, opts.timeoutMs ?? need);
  const tool = await findTool('ping', opts.toolDirs ?? toolDirs(opts.env));
  if (!tool)
    return {
      host: h,
      sent: 0,
      received: 0,
      lossPct: 100,
      error: 'ping is not installed here: install iputils-ping (apt) or iputils (dnf) to get ICMP probes',
      via: 'direct',
    };
  const flavour = await flavourOf(tool);
  const run = await runTool(tool, pingArgs(flavour, h, count, waitS, intervalS), {
    timeoutMs,
    signal: opts.signal,
    env: opts.env,
  });
  if (run.startError)
    return {
      host: h,
      sent: 0,
      received: 0,
      lossPct: 100,
      error: `ping could not be started (${run.startError})`,
      via: 'direct',
    };
  const parsed = parsePing(run.output);
  const probe: PingProbe = { ...pingResult(h, parsed), via: 'direct' };
  if ((run.timedOut || run.canceled) && !parsed.complete) {
    // Killed before its summary: count what the per-reply lines showed.
    const replies = run.output.split('\n').filter((l) => /bytes from .*(icmp_seq|seq)=/.test(l)).length;
    probe.sent = count;
    probe.received = replies;
    probe.lossPct = Math.round(((count - replies) / count) * 100);
    probe.error = run.canceled
      ? 'ping was stopped before it finished (probe budget spent)'
      : `ping did not finish within ${timeoutMs} ms`;
  }
  return probe;
}
