/**
 * `ip` output for a simulated guest: `ip -j -d addr|link show`, plain `ip addr|link show` (iproute2 6.1 and
 * CentOS 7's 3.10 style), `ip -j route show table all` / plain, and `ip rule show`. Key order and spacing
 * follow the fixtures captured from iproute2 6.1 (test/fixtures/guest/ip/).
 */
import { parseCidr } from '../../../net/ip.js';
import type { GuestInterfaceSpec, GuestRouteSpec, GuestWorld } from '../../world.js';
import { flavourOf } from '../flavour.js';
import { stableHash } from './format.js';

interface Iface {
  index: number;
  spec: GuestInterfaceSpec;
  loopback: boolean;
}

const FOREVER = 4294967295;

/** The guest's interfaces in kernel order: lo first (added when the world leaves it out). */
export function interfacesOf(g: GuestWorld): Iface[] {
  const list: GuestInterfaceSpec[] = [];
  if (!g.interfaces.some((i) => i.name === 'lo'))
    list.push({ name: 'lo', up: true, carrier: true, mtu: 65536, addresses: ['127.0.0.1/8', '::1/128'] });
  list.push(...[...g.interfaces].sort((a, b) => (a.name === 'lo' ? -1 : b.name === 'lo' ? 1 : 0)));
  return list.map((spec, i) => ({ index: i + 1, spec, loopback: spec.name === 'lo' }));
}

/** Administratively up and with carrier (the kernel's LOWER_UP). */
export function hasCarrier(s: GuestInterfaceSpec): boolean {
  return s.up && s.carrier !== false;
}

function macOf(i: Iface): string {
  if (i.loopback) return '00:00:00:00:00:00';
  if (i.spec.mac) return i.spec.mac;
  const h = stableHash(i.spec.name);
  const b = [0x00, 0x16, 0x3e, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function flagsOf(i: Iface): string[] {
  if (i.loopback) return i.spec.up ? ['LOOPBACK', 'UP', 'LOWER_UP'] : ['LOOPBACK'];
  if (!i.spec.up) return ['BROADCAST', 'MULTICAST'];
  return i.spec.carrier === false
    ? ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP']
    : ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];
}

function operState(i: Iface): string {
  if (i.loopback) return 'UNKNOWN';
  return hasCarrier(i.spec) ? 'UP' : 'DOWN';
}

interface Addr {
  family: 4 | 6;
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  secondary: boolean;
}

function broadcastOf(cidr: string): string | undefined {
  const c = parseCidr(cidr);
  if (c?.family !== 4 || c.prefix >= 31) return undefined;
  const last = c.base | ((1n << BigInt(32 - c.prefix)) - 1n);
  return [24n, 16n, 8n, 0n].map((s) => String((last >> s) & 255n)).join('.');
}

function addressesOf(i: Iface): Addr[] {
  const seenNets: string[] = [];
  return i.spec.addresses.map((cidr) => {
    const [local, len] = cidr.split('/');
    const family: 4 | 6 = local.includes(':') ? 6 : 4;
    const prefixlen = Number(len ?? (family === 4 ? 32 : 128));
    const scope =
      local.startsWith('127.') || local === '::1' ? 'host' : /^fe80:/i.test(local) ? 'link' : 'global';
    const net = parseCidr(cidr);
    const key = net ? `${net.family}/${net.base}/${net.prefix}` : cidr;
    const secondary = family === 4 && seenNets.includes(key);
    seenNets.push(key);
    const a: Addr = { family, local, prefixlen, scope, secondary };
    const brd = family === 4 && scope === 'global' ? broadcastOf(cidr) : undefined;
    if (brd) a.broadcast = brd;
    return a;
  });
}

function linkJson(i: Iface, withAddrs: boolean): Record<string, unknown> {
  const lo = i.loopback;
  const o: Record<string, unknown> = {
    ifindex: i.index,
    ifname: i.spec.name,
    flags: flagsOf(i),
    mtu: i.spec.mtu ?? (lo ? 65536 : 1500),
    qdisc: lo ? 'noqueue' : 'mq',
    operstate: operState(i),
    group: 'default',
    txqlen: 1000,
    link_type: lo ? 'loopback' : 'ether',
    address: macOf(i),
    broadcast: lo ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
    promiscuity: 0,
    allmulti: 0,
    min_mtu: lo ? 0 : 68,
    max_mtu: lo ? 0 : 65535,
    num_tx_queues: lo ? 1 : 2,
    num_rx_queues: lo ? 1 : 2,
    gso_max_size: 65536,
    gso_max_segs: 65535,
    tso_max_size: lo ? 524280 : 65536,
    tso_max_segs: 65535,
    gro_max_size: 65536,
  };
  if (!lo) {
    o.parentbus = 'virtio';
    o.parentdev = `virtio${i.index}`;
  }
  if (withAddrs) {
    o.addr_info = addressesOf(i).map((a) => {
      const x: Record<string, unknown> = {
        family: a.family === 4 ? 'inet' : 'inet6',
        local: a.local,
        prefixlen: a.prefixlen,
      };
      if (a.broadcast) x.broadcast = a.broadcast;
      x.scope = a.scope;
      if (a.secondary) x.secondary = true;
      if (a.family === 4) x.label = i.spec.name;
      x.valid_life_time = FOREVER;
      x.preferred_life_time = FOREVER;
      return x;
    });
  }
  return o;
}

export function renderIpAddrJson(g: GuestWorld): string {
  return JSON.stringify(interfacesOf(g).map((i) => linkJson(i, true)));
}

export function renderIpLinkJson(g: GuestWorld): string {
  return JSON.stringify(interfacesOf(g).map((i) => linkJson(i, false)));
}

function headerLine(g: GuestWorld, i: Iface): string {
  const old = flavourOf(g).oldIproute;
  const lo = i.loopback;
  const qdisc = i.spec.up ? (lo ? 'noqueue' : old ? 'pfifo_fast' : 'mq') : old ? 'pfifo_fast' : 'mq';
  const mtu = i.spec.mtu ?? (lo ? 65536 : 1500);
  const tail = old ? `qlen ${lo ? 1 : 1000}` : 'group default qlen 1000';
  return `${i.index}: ${i.spec.name}: <${flagsOf(i).join(',')}> mtu ${mtu} qdisc ${qdisc} state ${operState(i)} ${tail}`;
}

function linkLine(i: Iface): string {
  return i.loopback
    ? '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00'
    : `    link/ether ${macOf(i)} brd ff:ff:ff:ff:ff:ff`;
}

export function renderIpAddrText(g: GuestWorld): string {
  const out: string[] = [];
  for (const i of interfacesOf(g)) {
    out.push(headerLine(g, i), linkLine(i));
    for (const a of addressesOf(i)) {
      if (a.family === 4) {
        const brd = a.broadcast ? ` brd ${a.broadcast}` : '';
        out.push(
          `    inet ${a.local}/${a.prefixlen}${brd} scope ${a.scope}${a.secondary ? ' secondary' : ''} ${i.spec.name}`,
        );
      } else out.push(`    inet6 ${a.local}/${a.prefixlen} scope ${a.scope} `);
      out.push('       valid_lft forever preferred_lft forever');
    }
  }
  return out.join('\n');
}

export function renderIpLinkText(g: GuestWorld): string {
  return interfacesOf(g)
    .flatMap((i) => [headerLine(g, i).replace(/ group default/, ' mode DEFAULT group default'), linkLine(i)])
    .join('\n');
}

function routeFamily(r: GuestRouteSpec): 4 | 6 {
  if (r.dst !== 'default') return r.dst.includes(':') ? 6 : 4;
  return r.via?.includes(':') || r.src?.includes(':') ? 6 : 4;
}

/** Routes the kernel holds now: those through an interface that is administratively down are gone. */
export function visibleRoutes(g: GuestWorld, family: 4 | 6): GuestRouteSpec[] {
  const byName = new Map(interfacesOf(g).map((i) => [i.spec.name, i.spec]));
  return g.routes.filter((r) => routeFamily(r) === family && (!r.dev || byName.get(r.dev)?.up !== false));
}

function routeDst(r: GuestRouteSpec, family: 4 | 6): string {
  if (r.dst === 'default') return 'default';
  // ip prints host routes without the prefix length.
  return family === 4 ? r.dst.replace(/\/32$/, '') : r.dst.replace(/\/128$/, '');
}

function linkdown(g: GuestWorld, r: GuestRouteSpec): boolean {
  const dev = interfacesOf(g).find((i) => i.spec.name === r.dev);
  return !!dev && !dev.loopback && dev.spec.up && dev.spec.carrier === false;
}

export function renderIpRouteJson(g: GuestWorld, family: 4 | 6): string {
  return JSON.stringify(
    visibleRoutes(g, family).map((r) => {
      const o: Record<string, unknown> = {};
      if (r.type && r.type !== 'unicast') o.type = r.type;
      o.dst = routeDst(r, family);
      if (r.via) o.gateway = r.via;
      if (r.dev) o.dev = r.dev;
      if (r.table && r.table !== 'main') o.table = r.table;
      if (r.proto && r.proto !== 'boot') o.protocol = r.proto;
      if (r.scope && r.scope !== 'global') o.scope = r.scope;
      if (r.src) o.prefsrc = r.src;
      if (r.metric !== undefined) o.metric = r.metric;
      else if (family === 6) o.metric = 1024;
      o.flags = linkdown(g, r) ? ['linkdown'] : [];
      if (family === 6) o.pref = 'medium';
      return o;
    }),
  );
}

export function renderIpRouteText(g: GuestWorld, family: 4 | 6): string {
  return visibleRoutes(g, family)
    .map((r) => {
      const w: string[] = [];
      if (r.type && r.type !== 'unicast') w.push(r.type);
      w.push(routeDst(r, family));
      if (r.via) w.push('via', r.via);
      if (r.dev) w.push('dev', r.dev);
      if (r.table && r.table !== 'main') w.push('table', r.table);
      if (r.proto && r.proto !== 'boot') w.push('proto', r.proto);
      if (r.scope && r.scope !== 'global') w.push('scope', r.scope);
      if (r.src) w.push('src', r.src);
      if (r.metric !== undefined) w.push('metric', String(r.metric));
      else if (family === 6) w.push('metric', '1024');
      if (linkdown(g, r)) w.push('linkdown');
      return family === 6 ? `${w.join(' ')} pref medium` : `${w.join(' ')} `;
    })
    .join('\n');
}

export function renderIpRule(): string {
  return [
    '0:\tfrom all lookup local',
    '32766:\tfrom all lookup main',
    '32767:\tfrom all lookup default',
  ].join('\n');
}
