/**
 * `ip -j [-d] addr show`, `ip -j [-d] link show`, `ip -j [-4|-6] route show table all` (iproute2 ≥ 4.14;
 * JSON keys as iproute2 6.1 prints them). Older iproute2 (CentOS 7's 3.10) has no -j: see ip-text.ts.
 */
import type { GuestAddress, GuestInterface, GuestRoute, IpFamily } from '../../model/index.js';
import { isRecord, num, type Parsed, parseJsonLoose, str, warn } from './common.js';

/** Address flags `ip` prints as booleans in JSON and as words in text. */
export const ADDRESS_FLAGS = [
  'secondary',
  'temporary',
  'dynamic',
  'tentative',
  'dadfailed',
  'deprecated',
  'nodad',
  'noprefixroute',
  'mngtmpaddr',
  'home',
  'optimistic',
  'autojoin',
  'stable-privacy',
];

/** Builds the interface facts common to JSON and text: admin state from IFF_UP, carrier from LOWER_UP. */
export function interfaceFromFlags(
  name: string,
  flags: string[],
  operState: string | undefined,
): Pick<GuestInterface, 'name' | 'flags' | 'adminUp' | 'carrier' | 'operState'> {
  const r: Pick<GuestInterface, 'name' | 'flags' | 'adminUp' | 'carrier' | 'operState'> = {
    name,
    flags,
    adminUp: flags.includes('UP'),
    operState: operState ?? 'UNKNOWN',
  };
  if (flags.includes('LOWER_UP')) r.carrier = true;
  else if (flags.includes('NO-CARRIER')) r.carrier = false;
  else if (r.adminUp && flags.includes('LOOPBACK')) r.carrier = true;
  return r;
}

function readAddress(a: Record<string, unknown>): GuestAddress | undefined {
  const fam = str(a.family);
  const local = str(a.local);
  const prefixlen = num(a.prefixlen);
  if ((fam !== 'inet' && fam !== 'inet6') || !local || prefixlen === undefined) return undefined;
  const addr: GuestAddress = { family: fam === 'inet' ? 4 : 6, address: local, prefixLen: prefixlen };
  const scope = str(a.scope);
  if (scope) addr.scope = scope;
  const flags = ADDRESS_FLAGS.filter((f) => a[f] === true);
  if (flags.length) addr.flags = flags;
  return addr;
}

/** Reads `ip -j addr` (with addr_info) or `ip -j link` (without): both yield interfaces. */
export function parseIpJsonLinks(text: string): Parsed<GuestInterface[]> {
  const warnings: string[] = [];
  const j = parseJsonLoose(text);
  if (j.error !== undefined || !Array.isArray(j.value)) {
    warnings.push(`ip -j: ${j.error ?? 'expected a JSON array'}`);
    return { value: [], warnings };
  }
  const out: GuestInterface[] = [];
  for (const item of j.value) {
    if (!isRecord(item)) continue;
    const name = str(item.ifname);
    if (!name) {
      warn(warnings, 'ip -j: an interface without a name was skipped');
      continue;
    }
    const flags = Array.isArray(item.flags) ? item.flags.map(String) : [];
    const iface: GuestInterface = { ...interfaceFromFlags(name, flags, str(item.operstate)), addresses: [] };
    const index = num(item.ifindex);
    if (index !== undefined) iface.index = index;
    const mac = str(item.address);
    if (mac) iface.mac = mac;
    const mtu = num(item.mtu);
    if (mtu !== undefined) iface.mtu = mtu;
    const kind = isRecord(item.linkinfo) ? str(item.linkinfo.info_kind) : undefined;
    const linkType = kind ?? str(item.link_type);
    if (linkType) iface.linkType = linkType;
    if (Array.isArray(item.addr_info)) {
      for (const a of item.addr_info) {
        if (!isRecord(a)) continue;
        const addr = readAddress(a);
        if (addr) iface.addresses.push(addr);
        else if (Object.keys(a).length) warn(warnings, `ip -j: ${name}: an address entry could not be read`);
      }
    }
    out.push(iface);
  }
  return { value: out, warnings };
}

/** `127.0.0.1` (a host route as `ip` prints it) → `127.0.0.1/32`; `default` and CIDRs unchanged. */
export function routeDst(dst: string, family: IpFamily): string {
  if (dst === 'default' || dst.includes('/')) return dst;
  return `${dst}/${family === 6 ? 128 : 32}`;
}

export function parseIpJsonRoutes(text: string, family?: IpFamily): Parsed<GuestRoute[]> {
  const warnings: string[] = [];
  const j = parseJsonLoose(text);
  if (j.error !== undefined || !Array.isArray(j.value)) {
    warnings.push(`ip -j route: ${j.error ?? 'expected a JSON array'}`);
    return { value: [], warnings };
  }
  const out: GuestRoute[] = [];
  for (const item of j.value) {
    if (!isRecord(item)) continue;
    const dstRaw = str(item.dst);
    if (!dstRaw) {
      warn(warnings, 'ip -j route: a route without dst was skipped');
      continue;
    }
    const gw = str(item.gateway);
    const fam: IpFamily =
      family ??
      (dstRaw.includes(':') || gw?.includes(':') || str(item.prefsrc)?.includes(':') || item.pref ? 6 : 4);
    const base: GuestRoute = {
      family: fam,
      table: str(item.table) ?? 'main',
      dst: routeDst(dstRaw, fam),
      type: str(item.type) ?? 'unicast',
    };
    const dev = str(item.dev);
    if (dev) base.dev = dev;
    const protocol = str(item.protocol);
    if (protocol) base.protocol = protocol;
    const scope = str(item.scope);
    if (scope) base.scope = scope;
    const metric = num(item.metric);
    if (metric !== undefined) base.metric = metric;
    const src = str(item.prefsrc);
    if (src) base.src = src;
    const flags = Array.isArray(item.flags) ? item.flags.map(String) : [];
    if (Array.isArray(item.nexthops) && item.nexthops.length) {
      for (const nh of item.nexthops) {
        if (!isRecord(nh)) continue;
        const r: GuestRoute = {
          ...base,
          flags: [...flags, 'multipath', ...(Array.isArray(nh.flags) ? nh.flags.map(String) : [])],
        };
        const g = str(nh.gateway);
        if (g) r.gateway = g;
        const d = str(nh.dev);
        if (d) r.dev = d;
        out.push(r);
      }
      continue;
    }
    if (gw) base.gateway = gw;
    if (flags.length) base.flags = flags;
    out.push(base);
  }
  return { value: out, warnings };
}
