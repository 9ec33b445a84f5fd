/** `netstat` renderings of a simulated guest's sockets, following net-tools 2.10's printf formats (netstat.c). */
import type { GuestWorld } from '../../world.js';
import { padEnd, padStart } from './format.js';
import { socketsOf } from './sockets-list.js';
import { isListening, type SimSocket } from './sockets-spec.js';

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
