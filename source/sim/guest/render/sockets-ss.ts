/** `ss` renderings of a simulated guest's sockets, following iproute2 6.1's column engine (misc/ss.c). */
import type { GuestWorld } from '../../world.js';
import { padEnd, padStart } from './format.js';
import { socketsOf } from './sockets-list.js';
import { SS_TO_NETSTAT } from './sockets-netstat.js';
import { isListening, type SimSocket } from './sockets-spec.js';

interface Column {
  align: 'left' | 'right';
  ldelim: string;
}
const SS_COLUMNS: Column[] = [
  { align: 'left', ldelim: '' }, // Netid
  { align: 'left', ldelim: ' ' }, // State
  { align: 'left', ldelim: ' ' }, // Recv-Q
  { align: 'left', ldelim: ' ' }, // Send-Q
  { align: 'right', ldelim: ' ' }, // Local Address:
  { align: 'left', ldelim: '' }, // Port
  { align: 'right', ldelim: ' ' }, // Peer Address:
  { align: 'left', ldelim: '' }, // Port
  { align: 'left', ldelim: '' }, // Process
  { align: 'left', ldelim: '' }, // extended info (-e)
];
export const SS_HEADER = [
  'Netid',
  'State',
  'Recv-Q',
  'Send-Q',
  'Local Address:',
  'Port',
  'Peer Address:',
  'Port',
  'Process',
  '',
];

/** Lays rows out like ss: each column as wide as its longest token (+ its delimiter), no screen to fill. */
export function ssLayout(rows: string[][], enabled: boolean[]): string {
  const cols = SS_COLUMNS.map((c, i) => ({ ...c, i })).filter((c) => enabled[c.i]);
  const widths: number[] = [];
  let first = true;
  for (const c of cols) {
    const max = Math.max(0, ...rows.map((r) => r[c.i].length));
    widths.push(!first && max ? max + c.ldelim.length : max);
    if (widths[widths.length - 1]) first = false;
  }
  return rows
    .map((r) => {
      let line = '';
      cols.forEach((c, k) => {
        const tok = r[c.i];
        let printed = 0;
        if (k > 0) {
          line += c.ldelim;
          printed = c.ldelim.length;
        }
        const w = widths[k];
        if (c.align === 'right' && w) {
          const s = w - tok.length - printed;
          if (s > 0) line += ' '.repeat(s);
          line += tok;
        } else {
          line += tok;
          printed += tok.length;
          if (w && w - printed > 0) line += ' '.repeat(w - printed);
        }
      });
      return line;
    })
    .join('\n');
}

function ssAddr(address: string, family: 4 | 6, v6only: boolean | undefined): string {
  if (family === 4) return address;
  if (address === '::' && v6only === false) return '*';
  return `[${address}]`;
}

function ssRow(s: SimSocket, opts: { processes: boolean; ext: boolean }): string[] {
  // ss prints the queues as `%-6d` and the process as ` users:(…)` (misc/ss.c sock_state_print, proc_ctx_print).
  const proc =
    opts.processes && s.process
      ? ` users:(("${s.process.name}",pid=${s.process.pid},fd=${s.process.fd}))`
      : '';
  let ext = '';
  if (opts.ext) {
    ext = ` ino:${s.inode} sk:${(1000 + (s.inode % 9000)).toString(16)} cgroup:/system.slice/${s.unit ?? 'ssh.service'}`;
    if (s.family === 6) ext += ` v6only:${s.v6only ? 1 : 0}`;
    ext += ' <->';
  }
  return [
    s.proto,
    s.state,
    padEnd('0', 6),
    padEnd(s.state === 'LISTEN' ? '128' : '0', 6),
    `${ssAddr(s.local.address, s.family, s.v6only)}:`,
    String(s.local.port),
    `${ssAddr(s.peer.address, s.family, s.v6only)}:`,
    s.peer.port ? String(s.peer.port) : '*',
    proc,
    ext,
  ];
}

/** ss lists udp before tcp, IPv4 before IPv6 (its dump order). */
function ssOrder(list: SimSocket[]): SimSocket[] {
  const rank = (s: SimSocket) => (s.proto === 'udp' ? 0 : 2) + (s.family === 6 ? 1 : 0);
  return [...list].sort((a, b) => rank(a) - rank(b));
}

export function renderSsListening(g: GuestWorld, opts: { processes: boolean }): string {
  const rows = ssOrder(socketsOf(g).filter(isListening)).map((s) =>
    ssRow(s, { processes: opts.processes, ext: true }),
  );
  return ssLayout(
    [SS_HEADER, ...rows],
    SS_COLUMNS.map(() => true),
  );
}

export function renderSsConnected(g: GuestWorld, opts: { processes: boolean; cap: number }): string {
  const conn = ssOrder(socketsOf(g).filter((s) => !isListening(s) && s.state !== 'CLOSED'));
  const rows = conn.slice(0, opts.cap).map((s) => ssRow(s, { processes: opts.processes, ext: false }));
  const enabled = SS_COLUMNS.map((_, i) => i !== 9);
  return ssLayout([SS_HEADER, ...rows], enabled);
}

/** `ss -tan | awk 'NR>1{print $1}' | sort | uniq -c` (GNU uniq: `%7d %s`). */
export function renderStateCounts(g: GuestWorld, names: 'ss' | 'netstat'): string {
  const counts = new Map<string, number>();
  for (const s of socketsOf(g)) {
    if (s.proto !== 'tcp') continue;
    const name = names === 'ss' ? s.state : (SS_TO_NETSTAT[s.state] ?? s.state);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.keys()]
    .sort()
    .map((k) => `${padStart(String(counts.get(k)), 7)} ${k}`)
    .join('\n');
}
