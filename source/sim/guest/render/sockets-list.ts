/**
 * Every socket of a simulated guest right now: listening sockets from the world's socket list and from active
 * services' `listen` lists (a service that is not active holds none), then bulk connections (sockets-bulk.ts).
 */
import type { GuestWorld } from '../../world.js';
import { stableHash } from './format.js';
import { addBulkSockets } from './sockets-bulk.js';
import { addressOf, basename, parseListen, pidOf, type SimSocket, wildcardPeer } from './sockets-spec.js';

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
  addBulkSockets(g, out, dead);
  return out;
}
