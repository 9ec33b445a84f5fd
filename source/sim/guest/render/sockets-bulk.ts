/**
 * Bulk connections of a simulated guest (`connections:` in a scenario) as sockets: inbound ones on a local port
 * from TEST-NET peers, outbound ones to an upstream with local ports taken from the ephemeral range the way
 * Linux's connect() takes them, so a range used up shows as the sockets it holds.
 */
import type { GuestWorld } from '../../world.js';
import { stableHash } from './format.js';
import { interfacesOf } from './ip.js';
import { addressOf, isListening, pidOf, type SimSocket } from './sockets-spec.js';

/**
 * Appends the sockets of the guest's bulk connections to `out` (which holds its other sockets: their ports are
 * taken). Connections of a process in `dead` (a stopped service) hold none.
 */
export function addBulkSockets(g: GuestWorld, out: SimSocket[], dead: Set<string>): void {
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
