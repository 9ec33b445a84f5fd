/**
 * net-tools `netstat -tunap` / `-tulnp` / `-tulpen` / `-neopa`, in any locale. Headers are never relied on
 * (they are translated: `Aktive Internetverbindungen`, `Proto 受信-Q 送信-Q …`); rows are read by shape.
 * States are translated too in some locales (de `VERBUNDEN`, pt_BR `OUÇA`, cs `NASLOUCHÁ`): they are mapped
 * back to the English names, then to ss's names so both tools give the same facts.
 * Translations from net-tools po/{de,pt_BR,cs,fr,ja}.po (github.com/ecki/net-tools).
 */
import type { GuestSocket, SocketProcess } from '../../model/index.js';
import { clip, fields, lines, type Parsed, splitHostPort, toInt, warn } from './common.js';

const ENGLISH_TO_SS: Record<string, string> = {
  ESTABLISHED: 'ESTAB',
  SYN_SENT: 'SYN-SENT',
  SYN_RECV: 'SYN-RECV',
  FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2',
  TIME_WAIT: 'TIME-WAIT',
  CLOSE: 'CLOSED',
  CLOSE_WAIT: 'CLOSE-WAIT',
  LAST_ACK: 'LAST-ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
  UNKNOWN: 'UNKNOWN',
};

/** Translated state names → English (net-tools message catalogues). */
const TRANSLATED: Record<string, string> = {
  VERBUNDEN: 'ESTABLISHED',
  UNBEKANNT: 'UNKNOWN',
  INCONNU: 'UNKNOWN',
  ESTABELECIDA: 'ESTABLISHED',
  SYN_ENVIADO: 'SYN_SENT',
  SYN_RECEBIDO: 'SYN_RECV',
  ESPERA_FIN1: 'FIN_WAIT1',
  ESPERA_FIN2: 'FIN_WAIT2',
  FECHAR: 'CLOSE',
  ESPERANDO_FECHAR: 'CLOSE_WAIT',
  ÚLTIMO_ACK: 'LAST_ACK',
  OUÇA: 'LISTEN',
  FECHANDO: 'CLOSING',
  DESCONHECIDA: 'UNKNOWN',
  SPOJENO: 'ESTABLISHED',
  ZAVŘEN: 'CLOSE',
  'POSLEDNÍ ACK': 'LAST_ACK',
  NASLOUCHÁ: 'LISTEN',
  ZAVÍRÁ: 'CLOSING',
  NEZNÁM: 'UNKNOWN',
  不明: 'UNKNOWN',
};

/** A netstat state (English or translated) → ss state name, or undefined when the token is not a state. */
export function netstatStateToSs(token: string): string | undefined {
  const english = ENGLISH_TO_SS[token] ? token : TRANSLATED[token];
  if (!english) return undefined;
  return ENGLISH_TO_SS[english] ?? 'UNKNOWN';
}

const TIMER_RE = /^(off|on|keepalive|timewait|probe|unkn-\d+)$/;

export function parseNetstat(text: string): Parsed<GuestSocket[]> {
  const warnings: string[] = [];
  const out: GuestSocket[] = [];
  for (const line of lines(text)) {
    const t = fields(line);
    if (t.length === 0) continue;
    const proto = t[0];
    if (!/^(tcp|udp)6?$/.test(proto)) continue; // titles, headers, unix sockets, notes on stderr
    const recvQ = toInt(t[1]);
    const sendQ = toInt(t[2]);
    const local = t[3] ? splitHostPort(t[3]) : undefined;
    const peer = t[4] ? splitHostPort(t[4]) : undefined;
    if (recvQ === undefined || sendQ === undefined || !local || !peer) {
      warn(warnings, `netstat: skipped a malformed line: ${clip(line)}`);
      continue;
    }
    let i = 5;
    let state: string | undefined;
    if (t[i] !== undefined) {
      const two = t[i + 1] !== undefined ? netstatStateToSs(`${t[i]} ${t[i + 1]}`) : undefined;
      if (two) {
        state = two;
        i += 2;
      } else {
        const one = netstatStateToSs(t[i]);
        if (one) {
          state = one;
          i += 1;
        }
      }
    }
    const isUdp = proto.startsWith('udp');
    if (!state) state = isUdp ? 'UNCONN' : 'UNKNOWN';
    // After the state: optional `User Inode` (-e), then `PID/Program name` (-p), then a timer (-o).
    const processes: SocketProcess[] = [];
    for (let j = i; j < t.length; j++) {
      const m = /^(\d+)\/(.*)$/.exec(t[j]);
      if (m) {
        const nameParts = [m[2]];
        for (let k = j + 1; k < t.length; k++) {
          if (TIMER_RE.test(t[k]) && t[k + 1]?.startsWith('(')) break;
          nameParts.push(t[k]);
        }
        processes.push({ name: nameParts.join(' ').trim(), pid: Number(m[1]) });
        break;
      }
      if (t[j] === '-') break;
    }
    const family: 4 | 6 = proto.endsWith('6') ? 6 : local.address.includes(':') ? 6 : 4;
    const fix = (a: string) => (family === 6 && /^\d+\.\d+\.\d+\.\d+$/.test(a) ? `::ffff:${a}` : a);
    const localAddr = {
      address: fix(local.address),
      port: local.port === '*' ? 0 : (toInt(local.port) ?? 0),
    };
    const peerAddr = { address: fix(peer.address), port: peer.port === '*' ? 0 : (toInt(peer.port) ?? 0) };
    out.push({
      proto: isUdp ? 'udp' : 'tcp',
      family,
      state,
      local: localAddr,
      peer: peerAddr,
      recvQ,
      sendQ,
      processes,
    });
  }
  return { value: out, warnings };
}
