/**
 * Sockets panel: state counts, listeners (with the one serving the selected intent marked, or a loud line when
 * nothing does), then every connection with its process. Tens of thousands of rows are normal here: rows are
 * plain objects built once per socket list, and only the visible window is ever rendered.
 */
import type { GuestSocket } from '../../model/index.js';
import { isLoopback, isWildcard } from '../../net/ip.js';
import { hostPort } from './format.js';
import type { PanelModel, Row, Span, ViewContext } from './types.js';

export function socketKey(s: GuestSocket): string {
  return `${s.proto}|${s.local.address}:${s.local.port}|${s.peer.address}:${s.peer.port}|${s.state}`;
}

const LISTENING = new Set(['LISTEN', 'UNCONN']);
const connRows = new WeakMap<GuestSocket, Row>();

export function buildSockets(ctx: ViewContext): PanelModel {
  const t = ctx.tr.t;
  const g = ctx.snapshot?.guest;
  const sockets = g?.sockets.value ?? [];
  const listen: GuestSocket[] = [];
  const conns: GuestSocket[] = [];
  for (const s of sockets) (LISTENING.has(s.state) ? listen : conns).push(s);
  const intent = ctx.intent;
  const port = intent?.direction === 'inbound' ? intent.port : undefined;
  const proto = intent?.protocol;

  const states = g?.socketStates.value ?? countStates(sockets);
  const summary: Span[] = [];
  for (const [state, n] of Object.entries(states).sort((a, b) => b[1] - a[1])) {
    if (summary.length) summary.push({ text: ' · ', tone: 'dim' });
    summary.push({ text: state, tone: 'dim' }, { text: ` ${n}`, tone: 'strong' });
  }

  const rows: Row[] = [];
  rows.push({ key: 's:listen', kind: 'section', cells: [t('sock.section.listen', { n: listen.length })] });
  const serving = port !== undefined ? listen.filter((s) => s.local.port === port && s.proto === proto) : [];
  if (port !== undefined && g?.sockets.value && !serving.length) {
    rows.push({
      key: 'nothing',
      kind: 'note',
      cells: [{ text: `✘ ${t('sock.nothing', { proto, port })}`, tone: 'bad', bold: true }],
    });
  }
  for (const s of listen) {
    const serves = serving.includes(s);
    const loop = isLoopback(s.local.address);
    rows.push(
      row(
        s,
        serves
          ? {
              glyph: loop ? '!' : '✔',
              tone: loop ? 'warn' : 'ok',
              label: t('sock.serves', { intent: intent?.label }),
            }
          : undefined,
      ),
    );
  }
  rows.push({ key: 's:conn', kind: 'section', cells: [t('sock.section.conn', { n: conns.length })] });
  for (const s of conns) {
    // Connections do not depend on the intent: reuse their rows while the socket objects are the same.
    let r = connRows.get(s);
    if (!r) {
      r = row(s);
      connRows.set(s, r);
    }
    rows.push(r);
  }

  return {
    id: 'sockets',
    title: t('sock.title', { n: sockets.length }),
    sources: ['guest'],
    summary,
    columns: [
      { id: 'proto', title: t('sock.col.proto'), width: 5 },
      { id: 'state', title: t('sock.col.state'), width: 10 },
      { id: 'local', title: t('sock.col.local'), width: 22, flex: 1, min: 16 },
      { id: 'peer', title: t('sock.col.peer'), width: 22, flex: 1, min: 16 },
      { id: 'process', title: t('sock.col.process'), width: 0, flex: 1, min: 12 },
      { id: 'queues', title: t('sock.col.queues'), width: 11, align: 'right', drop: 1 },
    ],
    sortable: [0, 1, 2, 3, 4],
    rows,
    empty: g?.sockets.error
      ? t('common.unavailable', { what: 'ss', why: g.sockets.error.message })
      : undefined,
  };
}

function row(s: GuestSocket, mark?: Row['mark']): Row {
  const local = hostPort(s.local.address, s.local.port) + (s.local.iface ? `%${s.local.iface}` : '');
  const peer = hostPort(s.peer.address, s.peer.port);
  const proc = s.processes.length
    ? `${s.processes[0].name}(${s.processes[0].pid})${s.processes.length > 1 ? ` +${s.processes.length - 1}` : ''}`
    : '';
  const exposed = s.state === 'LISTEN' && !isLoopback(s.local.address) && isWildcard(s.local.address);
  return {
    key: socketKey(s),
    cells: [
      `${s.proto}${s.family === 6 ? '6' : ''}`,
      { text: s.state, tone: stateTone(s.state) },
      { text: local, tone: exposed ? 'strong' : undefined },
      peer,
      proc,
      `${s.recvQ ?? ''}/${s.sendQ ?? ''}`,
    ],
    mark,
    target: { kind: 'socket', key: socketKey(s) },
    search: `${s.proto} ${s.state} ${local} ${peer} ${proc}`.toLowerCase(),
    sort: [s.proto, s.state, s.local.port, s.peer.address, proc],
  };
}

function stateTone(state: string): Span['tone'] {
  if (state === 'LISTEN') return 'ok';
  if (state === 'ESTAB') return undefined;
  if (state === 'CLOSE-WAIT' || state === 'SYN-SENT' || state === 'SYN-RECV') return 'warn';
  return 'dim';
}

export function countStates(sockets: GuestSocket[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sockets) out[s.state] = (out[s.state] ?? 0) + 1;
  return out;
}
