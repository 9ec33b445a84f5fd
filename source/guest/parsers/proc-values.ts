/**
 * Small kernel counters: conntrack count/max (`grep -H . /proc/sys/net/netfilter/nf_conntrack_{count,max}`
 * or bare numbers), `sysctl KEY…` (`key = value`) or its /proc fallback (`/proc/sys/a/b:value`),
 * /proc/net/sockstat{,6}, and socket state counts (`ss -tan | awk '{print $1}' | sort | uniq -c`).
 */
import type { ConntrackStats } from '../../model/index.js';
import { clip, fields, lines, type Parsed, toInt, warn } from './common.js';
import { netstatStateToSs } from './netstat.js';
import { SS_STATES } from './ss.js';

export function parseConntrack(text: string): Parsed<ConntrackStats | undefined> {
  const warnings: string[] = [];
  let count: number | undefined;
  let max: number | undefined;
  const bare: number[] = [];
  for (const line of lines(text)) {
    const m = /(?:nf|ip)_conntrack_(count|max)\s*[:=]\s*(\d+)/.exec(line);
    if (m) {
      if (m[1] === 'count') count = Number(m[2]);
      else max = Number(m[2]);
      continue;
    }
    const n = toInt(line);
    if (n !== undefined) bare.push(n);
    else if (line.trim()) warn(warnings, `conntrack: unreadable line: ${clip(line)}`);
  }
  if (count === undefined && max === undefined && bare.length === 2) [count, max] = bare;
  if (count === undefined || max === undefined) return { value: undefined, warnings };
  return { value: { count, max }, warnings };
}

/** `sysctl` output or `/proc/sys/...:value` lines → `{ 'net.ipv4.ip_forward': '1', … }` (tabs → one space). */
export function parseSysctl(text: string): Parsed<Record<string, string>> {
  const warnings: string[] = [];
  const out: Record<string, string> = {};
  for (const line of lines(text)) {
    if (!line.trim()) continue;
    const proc = /^\/proc\/sys\/([^:]+):(.*)$/.exec(line);
    if (proc) {
      // /proc path segments are the sysctl name; a dot inside a segment (eth0.100) is written `/` by sysctl.
      const key = proc[1]
        .split('/')
        .map((s) => s.replace(/\./g, '/'))
        .join('.');
      out[key] = proc[2].trim().replace(/\s+/g, ' ');
      continue;
    }
    const m = /^([A-Za-z0-9_./-]+)\s*=\s*(.*)$/.exec(line);
    if (m) {
      out[m[1]] = m[2].trim().replace(/\s+/g, ' ');
      continue;
    }
    warn(warnings, `sysctl: ${clip(line)}`);
  }
  return { value: out, warnings };
}

/** /proc/net/sockstat and sockstat6 → `{ 'TCP.inuse': 5, 'TCP.tw': 0, 'UDP.inuse': 1, 'TCP6.inuse': 3, … }`. */
export function parseSockstat(text: string): Parsed<Record<string, number>> {
  const warnings: string[] = [];
  const out: Record<string, number> = {};
  for (const line of lines(text)) {
    const m = /^(\w+):\s+(.*)$/.exec(line.trim());
    if (!m) {
      if (line.trim()) warn(warnings, `sockstat: unreadable line: ${clip(line)}`);
      continue;
    }
    const t = fields(m[2]);
    for (let i = 0; i + 1 < t.length; i += 2) {
      const n = toInt(t[i + 1]);
      if (n !== undefined) out[`${m[1]}.${t[i]}`] = n;
    }
  }
  return { value: out, warnings };
}

/** `uniq -c` over a state column (ss or netstat names) → counts keyed by ss state names. */
export function parseStateCounts(text: string): Parsed<Record<string, number>> {
  const warnings: string[] = [];
  const out: Record<string, number> = {};
  for (const line of lines(text)) {
    const t = fields(line);
    if (t.length === 0) continue;
    const n = toInt(t[0]);
    const name = t.slice(1).join(' ');
    if (n === undefined || !name) {
      warn(warnings, `state counts: unreadable line: ${clip(line)}`);
      continue;
    }
    const state = SS_STATES.has(name) ? name : netstatStateToSs(name);
    if (!state) continue; // a header word (`State`, `Foreign`) counted by accident
    out[state] = (out[state] ?? 0) + n;
  }
  return { value: out, warnings };
}
