/**
 * Who listens: a TCP LISTEN (or UDP bound, unconnected) socket serves a packet when its address covers the
 * packet's destination. `0.0.0.0` serves every local IPv4 address, `[::]` every IPv6 one and IPv4 too unless
 * IPV6_V6ONLY, `127.0.0.1`/`::1` only this machine, a specific address only that address, and `%eth0`
 * (SO_BINDTODEVICE) only packets arriving on eth0. Also socket state counts and ephemeral port pressure.
 * Built for size: `indexSockets()` once (by protocol and port), then each question is a map lookup. Pure.
 */
import type { Confidence, GuestSocket, SocketProcess } from '../../model/index.js';
import { isLoopback, isWildcard, parseIp, unmapV4 } from '../../net/ip.js';
import type { HopDecision } from './types.js';

export interface SocketIndex {
  /** Listening sockets (tcp LISTEN, udp UNCONN) by `proto/port`. */
  listeners: Map<string, GuestSocket[]>;
  /** Count of sockets per state, tcp and udp together (`ESTAB`, `TIME-WAIT`, `LISTEN`, `UNCONN`, …). */
  states: Record<string, number>;
  /** Count of tcp sockets per state. */
  tcpStates: Record<string, number>;
  total: number;
  sockets: readonly GuestSocket[];
  /** Connected sockets per `proto peer-address peer-port` → local ports used (filled by ephemeralUsage). */
  byPeer?: Map<string, { ports: number[]; timeWait: number }>;
}

/** unmapV4 without its regular expression for the common case: only `::ffff:…` (after trimming) can change. */
function unmapFast(a: string): string {
  const t = a.trim();
  return t.charCodeAt(0) === 58 ? unmapV4(t) : t;
}

const isListening = (s: GuestSocket) =>
  (s.proto === 'tcp' && s.state === 'LISTEN') || (s.proto === 'udp' && s.state === 'UNCONN' && !s.peer.port);

export function indexSockets(sockets: readonly GuestSocket[]): SocketIndex {
  const listeners = new Map<string, GuestSocket[]>();
  // 20,000 sockets come in long runs of one state (a busy port's ESTAB, then its TIME-WAIT): count a run in
  // locals and touch the records once per run. Keys still appear in first-seen order.
  const states: Record<string, number> = {};
  const tcpStates: Record<string, number> = {};
  let run = '';
  let inRun = false;
  let all = 0;
  let tcp = 0;
  const flush = () => {
    if (!inRun) return;
    states[run] = (states[run] ?? 0) + all;
    if (tcp) tcpStates[run] = (tcpStates[run] ?? 0) + tcp;
  };
  for (let i = 0; i < sockets.length; i++) {
    const s = sockets[i];
    const state = s.state;
    if (!inRun || state !== run) {
      flush();
      inRun = true;
      run = state;
      all = 0;
      tcp = 0;
      // A state first seen on a udp socket still gets its tcp key in the order it would have had.
      if (!(state in states)) states[state] = 0;
    }
    all++;
    if (s.proto === 'tcp') {
      if (tcp === 0 && !(state in tcpStates)) tcpStates[state] = 0;
      tcp++;
    }
    if (!isListening(s)) continue;
    const k = `${s.proto}/${s.local.port}`;
    const list = listeners.get(k);
    if (list) list.push(s);
    else listeners.set(k, [s]);
  }
  flush();
  return { listeners, states, tcpStates, total: sockets.length, sockets };
}

export interface ListenerQuery {
  proto: 'tcp' | 'udp';
  port: number;
  /** The packet's destination address (the instance's private address; 127.0.0.1 from the machine itself). */
  dst: string;
  /** The interface the packet arrives on (for `%iface`-bound sockets); absent = not known. */
  iif?: string;
  /** `net.ipv6.bindv6only` = 1: an IPv6 wildcard without a known v6only flag then serves IPv6 only. */
  bindV6Only?: boolean;
}

export type ListenerStatus =
  | 'listening'
  | 'loopback-only'
  | 'other-address'
  | 'other-interface'
  | 'not-listening'
  | 'uncertain';

export interface ListenerResult {
  status: ListenerStatus;
  code?: 'SERVICE_NOT_LISTENING' | 'SERVICE_LOOPBACK_ONLY';
  confidence: Confidence;
  /** Sockets that take the connection (several with SO_REUSEPORT). */
  serving: GuestSocket[];
  /** Sockets on the port that do not serve this destination. */
  others: GuestSocket[];
  processes: SocketProcess[];
  detail: string;
}

type Serve = 'yes' | 'no' | 'maybe';

/** `0.0.0.0:22`, `[::]:443`, `127.0.0.1%lo:53` — how ss would show the local end. */
export function socketText(s: GuestSocket): string {
  const a = s.local.address;
  const addr = a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
  return `${addr}${s.local.iface ? `%${s.local.iface}` : ''}:${s.local.port}`;
}

function procText(ps: SocketProcess[]): string {
  return ps.length ? ps.map((p) => `${p.name} (pid ${p.pid})`).join(', ') : 'process not shown';
}

function serves(s: GuestSocket, dst: string, fam: 4 | 6, q: ListenerQuery): { serve: Serve; why?: string } {
  if (s.local.iface) {
    if (q.iif === undefined)
      return {
        serve: 'maybe',
        why: `bound to interface ${s.local.iface}; the arrival interface is not known`,
      };
    if (s.local.iface !== q.iif) return { serve: 'no', why: 'interface' };
  }
  const a = unmapV4(s.local.address.replace(/^\[|\]$/g, ''));
  if (isWildcard(a)) {
    const v6 = a === '::' || (a === '*' && s.family === 6) || a === '[::]';
    if (!v6) return { serve: fam === 4 ? 'yes' : 'no' };
    if (fam === 6) return { serve: 'yes' };
    const only = s.v6only ?? q.bindV6Only;
    if (only === undefined)
      return { serve: 'maybe', why: 'an IPv6 wildcard serves IPv4 unless IPV6_V6ONLY, which is not shown' };
    return { serve: only ? 'no' : 'yes' };
  }
  const ip = parseIp(a);
  const d = parseIp(dst);
  if (!ip || !d) return { serve: 'maybe', why: `address ${s.local.address} is not understood` };
  return { serve: ip.family === d.family && ip.value === d.value ? 'yes' : 'no' };
}

/** Who takes a connection to `dst:port`, and if nobody does, why (loopback only, another address, nothing). */
export function findListener(idx: SocketIndex, q: ListenerQuery): ListenerResult {
  const on = idx.listeners.get(`${q.proto}/${q.port}`) ?? [];
  const dst = unmapV4(q.dst);
  const fam = parseIp(dst)?.family ?? 4;
  const what = `${q.proto}/${q.port}`;
  const serving: GuestSocket[] = [];
  const maybe: { s: GuestSocket; why: string }[] = [];
  const others: GuestSocket[] = [];
  for (const s of on) {
    const r = serves(s, dst, fam, q);
    if (r.serve === 'yes') serving.push(s);
    else if (r.serve === 'maybe') maybe.push({ s, why: r.why ?? '' });
    else others.push(s);
  }
  const res = (
    status: ListenerStatus,
    confidence: Confidence,
    detail: string,
    code?: ListenerResult['code'],
  ): ListenerResult => {
    const socks = serving.length ? serving : maybe.length ? maybe.map((m) => m.s) : others;
    const processes = socks
      .flatMap((s) => s.processes)
      .filter((p, i, a) => a.findIndex((x) => x.pid === p.pid) === i);
    return { status, confidence, serving, others, processes, detail, ...(code ? { code } : {}) };
  };
  if (serving.length) {
    // A socket bound to the exact address wins over a wildcard in the kernel's lookup; name it first.
    serving.sort((a, b) => Number(isWildcard(a.local.address)) - Number(isWildcard(b.local.address)));
    const s = serving[0];
    return res('listening', 'certain', `${what} is served by ${procText(s.processes)} on ${socketText(s)}`);
  }
  if (maybe.length)
    return res(
      'uncertain',
      'uncertain',
      `${what}: ${procText(maybe[0].s.processes)} on ${socketText(maybe[0].s)} may serve ${dst} (${maybe[0].why})`,
    );
  if (on.length === 0)
    return res('not-listening', 'certain', `nothing listens on ${what}`, 'SERVICE_NOT_LISTENING');
  const list = others.map(socketText).join(', ');
  if (!isLoopback(dst) && others.every((s) => isLoopback(unmapV4(s.local.address.replace(/^\[|\]$/g, '')))))
    return res(
      'loopback-only',
      'certain',
      `${what} listens only on ${list} (${procText(others[0].processes)}): reachable from this machine only`,
      'SERVICE_LOOPBACK_ONLY',
    );
  if (others.some((s) => s.local.iface && s.local.iface !== q.iif))
    return res(
      'other-interface',
      'certain',
      `${what} is bound to ${list}, not to the interface the packet arrives on (${q.iif})`,
      'SERVICE_NOT_LISTENING',
    );
  return res(
    'other-address',
    'certain',
    `${what} listens only on ${list}, not on ${dst} (${procText(others[0].processes)})`,
    'SERVICE_NOT_LISTENING',
  );
}

/** The `listener` hop. */
export function listenerHop(r: ListenerResult): HopDecision {
  const socks = r.serving.length ? r.serving : r.others;
  const evidence = {
    sockets: socks,
    lines: socks.map((s) => `${s.proto} ${s.state} ${socketText(s)} ${procText(s.processes)}`),
    processes: r.processes,
  };
  if (r.status === 'listening') return { state: 'OK', confidence: r.confidence, detail: r.detail, evidence };
  if (r.status === 'uncertain')
    return { state: 'UNCERTAIN', confidence: 'uncertain', detail: r.detail, evidence };
  return {
    state: 'BLOCKED',
    confidence: r.confidence,
    detail: r.detail,
    evidence,
    ...(r.code ? { code: r.code } : {}),
  };
}

export interface ListeningService {
  proto: 'tcp' | 'udp';
  port: number;
  /** all: a wildcard; specific: only some non-loopback addresses; loopback: this machine only; interface: %iface. */
  exposure: 'all' | 'specific' | 'loopback' | 'interface';
  addresses: string[];
  processes: SocketProcess[];
  sockets: GuestSocket[];
}

/** Every listening port with how widely it is exposed, sorted by protocol and port. */
export function listeningServices(idx: SocketIndex): ListeningService[] {
  const out: ListeningService[] = [];
  for (const socks of idx.listeners.values()) {
    const addrs = socks.map((s) => unmapV4(s.local.address.replace(/^\[|\]$/g, '')));
    const exposure = socks.some((s, i) => isWildcard(addrs[i]) && !s.local.iface)
      ? 'all'
      : socks.some((s) => s.local.iface)
        ? 'interface'
        : addrs.every((a) => isLoopback(a))
          ? 'loopback'
          : 'specific';
    out.push({
      proto: socks[0].proto,
      port: socks[0].local.port,
      exposure,
      addresses: [...new Set(socks.map(socketText))],
      processes: socks
        .flatMap((s) => s.processes)
        .filter((p, i, a) => a.findIndex((x) => x.pid === p.pid) === i),
      sockets: socks,
    });
  }
  return out.sort((a, b) => a.proto.localeCompare(b.proto) || a.port - b.port);
}

export interface EphemeralSettings {
  /** `net.ipv4.ip_local_port_range`: `32768\t60999`. */
  range?: string;
  /** `net.ipv4.ip_local_reserved_ports`: `8080,9000-9100`. */
  reserved?: string;
  /** `net.ipv4.tcp_tw_reuse`: 0 off, 1 on, 2 loopback only (the default since Linux 4.19). */
  twReuse?: string;
}

export interface EphemeralUsage {
  range: [number, number];
  /** Ports the kernel may pick (range minus reserved). */
  size: number;
  /** The destination using the most local ports. */
  worst?: { proto: string; peer: string; used: number; timeWait: number; ratio: number };
  timeWait: number;
  level: 'ok' | 'high' | 'exhausted';
  code?: 'EPHEMERAL_PORTS_EXHAUSTED';
  detail: string;
}

/** Reads the three sysctls from a `sysctl -a`-style map. */
export function ephemeralSettings(sysctls: Record<string, string> | undefined): EphemeralSettings {
  const s = sysctls ?? {};
  const out: EphemeralSettings = {};
  if (s['net.ipv4.ip_local_port_range']) out.range = s['net.ipv4.ip_local_port_range'];
  if (s['net.ipv4.ip_local_reserved_ports']) out.reserved = s['net.ipv4.ip_local_reserved_ports'];
  if (s['net.ipv4.tcp_tw_reuse']) out.twReuse = s['net.ipv4.tcp_tw_reuse'];
  return out;
}

/**
 * Local port pressure per destination: a connection is unique by its 4-tuple, so the kernel runs out of ports
 * towards one `peer:port` when the sockets to it use up the ephemeral range. TIME-WAIT sockets count unless
 * `tcp_tw_reuse` lets new outgoing connections take them over.
 */
export function ephemeralUsage(idx: SocketIndex, settings: EphemeralSettings = {}): EphemeralUsage {
  const m = /(\d+)\s+(\d+)/.exec(settings.range ?? '');
  const range: [number, number] = m ? [Number(m[1]), Number(m[2])] : [32768, 60999];
  let size = range[1] - range[0] + 1;
  for (const part of (settings.reserved ?? '').split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    const lo = Math.max(a, range[0]);
    const hi = Math.min(b ?? a, range[1]);
    if (hi >= lo) size -= hi - lo + 1;
  }
  const reuse = settings.twReuse ?? '2';
  if (!idx.byPeer) {
    const byPeer = new Map<string, { ports: number[]; timeWait: number }>();
    // Consecutive sockets to one peer (a pool of upstream connections) reuse the entry without a new key.
    let lastProto = '';
    let lastAddr = '';
    let lastPort = -1;
    let e: { ports: number[]; timeWait: number } | undefined;
    const sockets = idx.sockets;
    for (let i = 0; i < sockets.length; i++) {
      const s = sockets[i];
      // Cheapest tests first: most sockets of a busy server are clients of its own low ports.
      if (s.local.port < 1024 || !s.peer.port || isListening(s)) continue;
      const addr = s.peer.address;
      if (!e || s.peer.port !== lastPort || addr !== lastAddr || s.proto !== lastProto) {
        const k = `${s.proto} ${unmapFast(addr)} ${s.peer.port}`;
        e = byPeer.get(k);
        if (!e) byPeer.set(k, (e = { ports: [], timeWait: 0 }));
        lastProto = s.proto;
        lastAddr = addr;
        lastPort = s.peer.port;
      }
      e.ports.push(s.local.port);
      if (s.state === 'TIME-WAIT') e.timeWait++;
    }
    idx.byPeer = byPeer;
  }
  let worst: EphemeralUsage['worst'];
  for (const [k, e] of idx.byPeer) {
    const [proto, peer, port] = k.split(' ');
    const reusable = e.timeWait > 0 && (reuse === '1' || (reuse === '2' && isLoopback(peer)));
    let used = 0;
    for (const p of e.ports) if (p >= range[0] && p <= range[1]) used++;
    if (reusable) used -= Math.min(used, e.timeWait);
    const ratio = size > 0 ? used / size : 1;
    if (!worst || ratio > worst.ratio)
      worst = {
        proto,
        peer: `${peer.includes(':') ? `[${peer}]` : peer}:${port}`,
        used,
        timeWait: e.timeWait,
        ratio,
      };
  }
  const timeWait = idx.states['TIME-WAIT'] ?? 0;
  const level = !worst ? 'ok' : worst.ratio >= 0.95 ? 'exhausted' : worst.ratio >= 0.8 ? 'high' : 'ok';
  const rangeText = `${range[0]}-${range[1]} (${size} ports)`;
  const detail = !worst
    ? `no outgoing connections; ephemeral range ${rangeText}`
    : `${worst.used} local ports in use towards ${worst.peer} (${worst.timeWait} in TIME-WAIT) of ${rangeText}: ${Math.round(worst.ratio * 100)}%${
        level === 'exhausted' ? ' — new connections to it fail with EADDRNOTAVAIL' : ''
      }`;
  const out: EphemeralUsage = { range, size, timeWait, level, detail };
  if (worst) out.worst = worst;
  if (level === 'exhausted') out.code = 'EPHEMERAL_PORTS_EXHAUSTED';
  return out;
}
