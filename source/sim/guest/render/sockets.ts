/**
 * Sockets of a simulated guest, and their `ss` / `netstat` / /proc/net/sockstat renderings. Listening sockets
 * come from the world's socket list and from active services' `listen` lists; a service that is not active
 * holds none. Bulk `connections` expand into ESTAB sockets. `ss` output follows iproute2 6.1's column engine
 * (misc/ss.c render_calc_width/render, non-tty: widths from content); `netstat` follows net-tools 2.10's
 * printf formats (netstat.c tcp_do_one/udp_do_one, finish_this_one).
 */
import type { GuestWorld } from '../../world.js';
import { padEnd, padStart, splitSpec, stableHash } from './format.js';
import { interfacesOf } from './ip.js';

export interface SimSocket {
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  state: string;
  local: { address: string; port: number };
  peer: { address: string; port: number };
  /** For IPv6 wildcard sockets: true prints `[::]`, false prints `*` (dual stack). */
  v6only?: boolean;
  process?: { name: string; pid: number; fd: number };
  /** The systemd unit the process belongs to (for `ss -e`'s cgroup). */
  unit?: string;
  inode: number;
}

const basename = (p: string) => p.replace(/^.*\//, '');

function parseListen(s: string): { proto: 'tcp' | 'udp'; spec: string } {
  const t = s.trim();
  const pre = /^(tcp|udp)\s+(.*)$/.exec(t);
  if (pre) return { proto: pre[1] as 'tcp' | 'udp', spec: pre[2] };
  const suf = /^(.*)\/(tcp|udp)$/.exec(t);
  if (suf) return { proto: suf[2] as 'tcp' | 'udp', spec: suf[1] };
  return { proto: 'tcp', spec: t };
}

function addressOf(spec: string): { address: string; port: number; family: 4 | 6; v6only?: boolean } {
  const raw = spec.trim();
  const { address, port } = splitSpec(raw);
  if (address === '*') return { address: '::', port, family: 6, v6only: false };
  const family: 4 | 6 = address.includes(':') ? 6 : 4;
  const r: { address: string; port: number; family: 4 | 6; v6only?: boolean } = { address, port, family };
  if (address === '::') r.v6only = true;
  return r;
}

function wildcardPeer(family: 4 | 6): { address: string; port: number } {
  return { address: family === 4 ? '0.0.0.0' : '::', port: 0 };
}

/** Services whose sockets are gone because the service is not running. */
function inactiveNames(g: GuestWorld): Set<string> {
  const out = new Set<string>();
  for (const s of [...g.services, ...g.networkServices]) {
    if (s.active === 'active') continue;
    out.add(s.name);
    if (s.binary) out.add(basename(s.binary));
  }
  return out;
}

export function pidOf(name: string, mainPid?: number): number {
  return mainPid ?? 1000 + (stableHash(name) % 30000);
}

/** Every socket of the guest right now (listening, unconnected, connected; bulk connections last). */
export function socketsOf(g: GuestWorld): SimSocket[] {
  const out: SimSocket[] = [];
  const dead = inactiveNames(g);
  for (const s of g.services) {
    if (s.active !== 'active' || !s.listen) continue;
    const comm = basename(s.binary ?? s.name).slice(0, 15);
    s.listen.forEach((l, i) => {
      const { proto, spec } = parseListen(l);
      const a = addressOf(spec);
      const sock: SimSocket = {
        proto,
        family: a.family,
        state: proto === 'tcp' ? 'LISTEN' : 'UNCONN',
        local: { address: a.address, port: a.port },
        peer: wildcardPeer(a.family),
        process: { name: comm, pid: pidOf(s.name, s.mainPid), fd: 3 + i },
        unit: `${s.name}.service`,
        inode: 10000 + (stableHash(`${s.name}/${l}`) % 900000),
      };
      if (a.v6only !== undefined) sock.v6only = a.v6only;
      out.push(sock);
    });
  }
  for (const s of g.sockets) {
    if (s.process && dead.has(s.process)) continue;
    const a = addressOf(s.local);
    const peer = s.peer ? addressOf(s.peer) : undefined;
    const sock: SimSocket = {
      proto: s.proto,
      family: a.family,
      state: s.state,
      local: { address: a.address, port: a.port },
      peer: peer ? { address: peer.address, port: peer.port } : wildcardPeer(a.family),
      inode: 10000 + (stableHash(`${s.proto}/${s.local}/${s.peer ?? ''}`) % 900000),
    };
    if (a.v6only !== undefined) sock.v6only = a.v6only;
    if (s.process) {
      const svc = g.services.find(
        (x) => x.name === s.process || (x.binary && basename(x.binary) === s.process),
      );
      sock.process = {
        name: s.process.slice(0, 15),
        pid: s.pid ?? pidOf(s.process, svc?.mainPid),
        fd: s.fd ?? 3,
      };
      if (svc) sock.unit = `${svc.name}.service`;
    }
    out.push(sock);
  }
  const primary =
    interfacesOf(g)
      .filter((i) => !i.loopback)
      .flatMap((i) => i.spec.addresses)
      .find((a) => !a.includes(':'))
      ?.split('/')[0] ?? '127.0.0.1';
  const ports = new EphemeralPorts(g, out);
  for (const c of g.connections ?? []) {
    if (c.process && dead.has(c.process)) continue;
    if (c.peer) {
      out.push(...outboundConnections(c as OutboundSpec, primary, ports));
      continue;
    }
    for (let i = 0; i < c.count; i++) {
      const sock: SimSocket = {
        proto: 'tcp',
        family: 4,
        state: c.state ?? 'ESTAB',
        local: { address: primary, port: c.localPort ?? 0 },
        // Peers are text only (never contacted): TEST-NET-3 style addresses, spread over ports.
        peer: { address: `203.0.113.${(i % 250) + 1}`, port: 20000 + Math.floor(i / 250) },
        inode: 100000 + i,
      };
      if (c.process)
        sock.process = { name: c.process.slice(0, 15), pid: c.pid ?? pidOf(c.process), fd: 10 + (i % 60000) };
      out.push(sock);
    }
  }
  return out;
}

type OutboundSpec = NonNullable<GuestWorld['connections']>[number] & { peer: string };

/** `32768 60999` → [32768, 60999]; `8080,9000-9100` → those ports. */
function portList(spec: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (spec ?? '').split(',')) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!m) continue;
    for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]); p++) out.push(p);
  }
  return out;
}

/**
 * The local ports connect() may take, per destination. Linux picks an ephemeral port for a new outgoing
 * connection from `ip_local_port_range`, skipping `ip_local_reserved_ports` and ports bound by listeners; a port
 * already used towards one `host:port` can still serve another destination (the 4-tuple stays unique), which is
 * why the range runs out per upstream. When it is used up, connect() fails with EADDRNOTAVAIL: no more sockets.
 */
class EphemeralPorts {
  private readonly lo: number;
  private readonly hi: number;
  private readonly excluded: Set<number>;
  private readonly used = new Map<string, Set<number>>();

  constructor(g: GuestWorld, existing: SimSocket[]) {
    const m = /(\d+)\s+(\d+)/.exec(g.sysctls['net.ipv4.ip_local_port_range'] ?? '');
    this.lo = m ? Number(m[1]) : 32768;
    this.hi = m ? Number(m[2]) : 60999;
    this.excluded = new Set(portList(g.sysctls['net.ipv4.ip_local_reserved_ports']));
    for (const s of existing) {
      if (isListening(s)) this.excluded.add(s.local.port);
      else this.take(`${s.peer.address}:${s.peer.port}`, s.local.port);
    }
  }

  private take(dst: string, port: number): void {
    let set = this.used.get(dst);
    if (!set) this.used.set(dst, (set = new Set()));
    set.add(port);
  }

  /** Up to `n` free local ports towards `dst`, in order from the bottom of the range. */
  next(dst: string, n: number): number[] {
    const used = this.used.get(dst) ?? new Set<number>();
    const out: number[] = [];
    for (let p = this.lo; p <= this.hi && out.length < n; p++)
      if (!this.excluded.has(p) && !used.has(p)) out.push(p);
    for (const p of out) this.take(dst, p);
    return out;
  }
}

function outboundConnections(c: OutboundSpec, primary: string, ports: EphemeralPorts): SimSocket[] {
  const peer = addressOf(c.peer);
  const dst = `${peer.address}:${peer.port}`;
  const local = peer.family === 6 ? '::' : primary;
  return ports.next(dst, c.count).map((port, i) => {
    const sock: SimSocket = {
      proto: 'tcp',
      family: peer.family,
      state: c.state ?? 'ESTAB',
      local: { address: local, port },
      peer: { address: peer.address, port: peer.port },
      inode: c.state === 'TIME-WAIT' ? 0 : 200000 + (stableHash(`${dst}/${port}`) % 700000),
    };
    // TIME-WAIT sockets belong to no process any more (ss shows no users:(…) for them).
    if (c.process && sock.state !== 'TIME-WAIT')
      sock.process = { name: c.process.slice(0, 15), pid: c.pid ?? pidOf(c.process), fd: 20 + (i % 60000) };
    return sock;
  });
}

const isListening = (s: SimSocket) => s.state === 'LISTEN' || (s.proto === 'udp' && s.state === 'UNCONN');

// ---------------------------------------------------------------- ss (iproute2 6.1 column engine)

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

// ---------------------------------------------------------------- netstat (net-tools 2.10)

export const SS_TO_NETSTAT: Record<string, string> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  CLOSED: 'CLOSE',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

/** net-tools message catalogue entries for the locales that translate netstat (po/*.po). */
const NETSTAT_I18N: Record<
  string,
  { active: string; only: string; all: string; wo: string; header: string; states: Record<string, string> }
> = {
  de: {
    active: 'Aktive Internetverbindungen ',
    only: '(Nur Server)',
    all: '(Server und stehende Verbindungen)',
    wo: '(ohne Server)',
    header: 'Proto Recv-Q Send-Q Local Address           Foreign Address         State      ',
    states: { ESTABLISHED: 'VERBUNDEN', UNKNOWN: 'UNBEKANNT' },
  },
  ja: {
    active: '稼働中のインターネット接続 ',
    only: '(サーバのみ)',
    all: '(サーバと確立)',
    wo: '(w/oサーバ)',
    header: 'Proto 受信-Q 送信-Q 内部アドレス            外部アドレス            状態       ',
    states: { UNKNOWN: '不明' },
  },
  pt: {
    active: 'Conexões Internet Ativas ',
    only: '(sem os servidores)',
    all: '(servidores e estabelecidas)',
    wo: '(sem os servidores)',
    header: 'Proto Recv-Q Send-Q Endereço Local          Endereço Remoto         Estado     ',
    states: {
      ESTABLISHED: 'ESTABELECIDA',
      LISTEN: 'OUÇA',
      CLOSE_WAIT: 'ESPERANDO_FECHAR',
      UNKNOWN: 'DESCONHECIDA',
    },
  },
};

function i18nFor(locale: string | undefined) {
  const lang = (locale ?? '').toLowerCase().slice(0, 2);
  return NETSTAT_I18N[lang];
}

function netstatAddr(address: string, port: number, family: 4 | 6): string {
  let a = address;
  if (family === 6 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a)) a = a.slice(7);
  const p = port ? String(port) : '*';
  // net-tools shortens long host:port to 22 characters unless -W (addr_do_one).
  if (a.length + p.length > 22) a = a.slice(0, 22 - p.length);
  return `${a}:${p}`;
}

function netstatRow(s: SimSocket, locale: string | undefined, processes: boolean): string {
  const tr = i18nFor(locale)?.states ?? {};
  const proto = s.proto + (s.family === 6 ? '6' : '');
  const local = netstatAddr(
    s.local.address === '::' && s.v6only === false ? '::' : s.local.address,
    s.local.port,
    s.family,
  );
  const peer = netstatAddr(s.peer.address, s.peer.port, s.family);
  let line: string;
  if (s.proto === 'tcp') {
    const st = SS_TO_NETSTAT[s.state] ?? 'UNKNOWN';
    line = `${padEnd(proto, 4)}  ${padStart('0', 6)} ${padStart('0', 6)} ${padEnd(local, Math.max(23, local.length))} ${padEnd(peer, Math.max(23, peer.length))} ${padEnd(tr[st] ?? st, 11)}`;
  } else {
    const st = s.state === 'ESTAB' ? (tr.ESTABLISHED ?? 'ESTABLISHED') : '';
    line = `${padEnd(proto, 5)} ${padStart('0', 6)} ${padStart('0', 6)} ${padEnd(local, 23)} ${padEnd(peer, 23)} ${padEnd(st, 11)}`;
  }
  if (processes) {
    const prog = s.process ? `${s.process.pid}/${s.process.name}`.slice(0, 19) : '-';
    line += ` ${padEnd(prog, 20)}`;
  }
  return line;
}

/** netstat reads /proc/net/tcp, tcp6, udp, udp6 in that order. */
function netstatOrder(list: SimSocket[]): SimSocket[] {
  const rank = (s: SimSocket) => (s.proto === 'tcp' ? 0 : 2) + (s.family === 6 ? 1 : 0);
  return [...list].sort((a, b) => rank(a) - rank(b));
}

function netstatHead(locale: string | undefined, kind: 'only' | 'wo', processes: boolean): string[] {
  const t = i18nFor(locale);
  const title = t
    ? `${t.active}${t[kind]}`
    : `Active Internet connections ${kind === 'only' ? '(only servers)' : '(w/o servers)'}`;
  const header =
    t?.header ?? 'Proto Recv-Q Send-Q Local Address           Foreign Address         State      ';
  return [title, header + (processes ? ` ${padEnd('PID/Program name', 20)}` : '')];
}

export function renderNetstatListening(g: GuestWorld, opts: { processes: boolean }): string {
  const rows = netstatOrder(socketsOf(g).filter(isListening)).map((s) =>
    netstatRow(s, g.locale, opts.processes),
  );
  return [...netstatHead(g.locale, 'only', opts.processes), ...rows].join('\n');
}

export function renderNetstatConnected(g: GuestWorld, opts: { processes: boolean; cap: number }): string {
  const conn = netstatOrder(socketsOf(g).filter((s) => !isListening(s)));
  const rows = conn.slice(0, opts.cap).map((s) => netstatRow(s, g.locale, opts.processes));
  return [...netstatHead(g.locale, 'wo', opts.processes), ...rows].join('\n');
}

export function renderSockstat(g: GuestWorld): string {
  const all = socketsOf(g);
  const tcp4 = all.filter((s) => s.proto === 'tcp' && s.family === 4 && s.state !== 'TIME-WAIT').length;
  const tcp6 = all.filter((s) => s.proto === 'tcp' && s.family === 6 && s.state !== 'TIME-WAIT').length;
  const tw = all.filter((s) => s.state === 'TIME-WAIT').length;
  const udp4 = all.filter((s) => s.proto === 'udp' && s.family === 4).length;
  const udp6 = all.filter((s) => s.proto === 'udp' && s.family === 6).length;
  return [
    `sockets: used ${all.length + 40}`,
    `TCP: inuse ${tcp4} orphan 0 tw ${tw} alloc ${tcp4 + tcp6 + tw} mem ${Math.ceil((tcp4 + tcp6) / 4)}`,
    `UDP: inuse ${udp4} mem 0`,
    'UDPLITE: inuse 0',
    'RAW: inuse 0',
    'FRAG: inuse 0 memory 0',
    `TCP6: inuse ${tcp6}`,
    `UDP6: inuse ${udp6}`,
    'UDPLITE6: inuse 0',
    'RAW6: inuse 0',
    'FRAG6: inuse 0 memory 0',
  ].join('\n');
}
