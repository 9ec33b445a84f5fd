/**
 * `ss -tunap[e]` (iproute2), with or without the header line (-H), with or without the Netid column
 * (a single protocol drops it), old (`users:(("sshd",1231,3))`, `*:22` for IPv4 any, `:::22`) and new
 * (`users:(("sshd",pid=1231,fd=3))`, `0.0.0.0:22`, `[::]:22`, `*:22` for a dual-stack socket) formats.
 */
import type { GuestSocket, SocketAddr, SocketProcess } from '../../model/index.js';
import { clip, fields, lines, type Parsed, splitHostPort, toInt, warn } from './common.js';

const NETIDS = new Set([
  'tcp',
  'udp',
  'raw',
  'u_str',
  'u_dgr',
  'u_seq',
  'nl',
  'p_raw',
  'p_dgr',
  'mptcp',
  'sctp',
]);
export const SS_STATES = new Set([
  'ESTAB',
  'LISTEN',
  'UNCONN',
  'TIME-WAIT',
  'CLOSE-WAIT',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'LAST-ACK',
  'CLOSING',
  'CLOSED',
  'UNKNOWN',
]);

const PROC_RE = /\("((?:[^"\\]|\\.)*)",(?:pid=)?(\d+),(?:fd=)?(\d+)\)/g;

export function parseProcesses(text: string): SocketProcess[] {
  const out: SocketProcess[] = [];
  const i = text.indexOf('users:(');
  if (i < 0) return out;
  for (const m of text.slice(i).matchAll(PROC_RE)) {
    out.push({ name: m[1], pid: Number(m[2]), fd: Number(m[3]) });
  }
  return out;
}

/**
 * New ss (iproute2 ≥ 4.x) prints the IPv4 wildcard as `0.0.0.0` and `*` only for a dual-stack IPv6 socket;
 * old ss (CentOS 7's 3.10) prints `*` for the IPv4 wildcard. An IPv4 socket's peer is `0.0.0.0:*` in new
 * output, so its presence (or `-e`'s `v6only:`) tells the two apart.
 */
function looksModern(text: string): boolean {
  return /0\.0\.0\.0(%\S+)?:/.test(text) || /v6only:/.test(text);
}

function toAddr(hp: { address: string; port: string; iface?: string }): SocketAddr {
  const a: SocketAddr = { address: hp.address, port: hp.port === '*' ? 0 : (toInt(hp.port) ?? 0) };
  if (hp.iface) a.iface = hp.iface;
  return a;
}

/**
 * Parses ss output. `defaultProto` names the protocol when the Netid column is absent (e.g. `ss -tan`).
 * Sockets other than tcp/udp (raw, unix, netlink) are skipped silently: they are not ours to diagnose.
 */
export function parseSs(text: string, opts: { defaultProto?: 'tcp' | 'udp' } = {}): Parsed<GuestSocket[]> {
  const warnings: string[] = [];
  const out: GuestSocket[] = [];
  const modern = looksModern(text);
  for (const line of lines(text)) {
    const t = fields(line);
    if (t.length === 0) continue;
    if (/^(Netid|State)$/i.test(t[0]) && /Recv-Q/i.test(line)) continue;
    let netid: string | undefined;
    let i = 0;
    if (NETIDS.has(t[0])) {
      netid = t[0];
      i = 1;
    } else if (SS_STATES.has(t[0])) {
      netid = opts.defaultProto;
    } else {
      warn(warnings, `ss: skipped a line it could not read: ${clip(line)}`);
      continue;
    }
    if (netid !== 'tcp' && netid !== 'udp') {
      if (netid === undefined) warn(warnings, `ss: no protocol column and none given: ${clip(line)}`);
      continue;
    }
    const state = t[i];
    const recvQ = toInt(t[i + 1]);
    const sendQ = toInt(t[i + 2]);
    const local = t[i + 3] ? splitHostPort(t[i + 3]) : undefined;
    const peer = t[i + 4] ? splitHostPort(t[i + 4]) : undefined;
    if (!state || !SS_STATES.has(state) || recvQ === undefined || sendQ === undefined || !local || !peer) {
      warn(warnings, `ss: skipped a malformed line: ${clip(line)}`);
      continue;
    }
    const rest = t.slice(i + 5).join(' ');
    const v6m = /(?:^|\s)v6only:([01])/.exec(rest);
    let family: 4 | 6 = local.address.includes(':') ? 6 : 4;
    let v6only: boolean | undefined = v6m ? v6m[1] === '1' : undefined;
    if (local.address === '*') {
      // New ss: `*` is a dual-stack IPv6 socket (serves IPv4 too). Old ss: `*` is the IPv4 wildcard.
      family = modern ? 6 : 4;
      if (modern && v6only === undefined) v6only = false;
    } else if (
      modern &&
      local.address === '::' &&
      v6only === undefined &&
      (state === 'LISTEN' || state === 'UNCONN')
    ) {
      // New ss prints `[::]` only for a v6only socket; a dual-stack one shows as `*`.
      v6only = true;
    }
    const sock: GuestSocket = {
      proto: netid,
      family,
      state,
      local: toAddr(local),
      peer: toAddr(peer),
      recvQ,
      sendQ,
      processes: parseProcesses(rest),
    };
    if (v6only !== undefined) sock.v6only = v6only;
    out.push(sock);
  }
  return { value: out, warnings };
}
