/**
 * Sockets of a simulated guest, and their `ss` / `netstat` / /proc/net/sockstat renderings. Listening sockets
 * come from the world's socket list and from active services' `listen` lists; a service that is not active
 * holds none. Bulk `connections` expand into ESTAB sockets. `ss` output follows iproute2 6.1's column engine
 * (misc/ss.c render_calc_width/render, non-tty: widths from content); `netstat` follows net-tools 2.10's
 * printf formats (netstat.c tcp_do_one/udp_do_one, finish_this_one). The sockets: sockets-list.ts (bulk ones:
 * sockets-bulk.ts); ss: sockets-ss.ts; netstat: sockets-netstat.ts; /proc/net/sockstat here.
 */
import type { GuestWorld } from '../../world.js';
import { socketsOf } from './sockets-list.js';

export { socketsOf } from './sockets-list.js';
export {
  renderNetstatConnected,
  renderNetstatListening,
  SS_TO_NETSTAT,
} from './sockets-netstat.js';
export { pidOf, type SimSocket } from './sockets-spec.js';
export {
  renderSsConnected,
  renderSsListening,
  renderStateCounts,
  SS_HEADER,
  ssLayout,
} from './sockets-ss.js';

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
