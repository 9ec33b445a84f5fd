/**
 * Plain `ip addr show`, `ip route show [table all]` and `ip rule show`: what iproute2 without -j prints
 * (CentOS 7's iproute 3.10 has no JSON), and what the collection falls back to when `ip -j` fails.
 */
import type { GuestAddress, GuestInterface, GuestRoute, IpFamily, PolicyRule } from '../../model/index.js';
import { clip, fields, lines, type Parsed, toInt, warn } from './common.js';
import { ADDRESS_FLAGS, interfaceFromFlags, routeDst } from './ip-json.js';

const LINK_HEADER = /^(\d+):\s+([^:\s@]+)(?:@(\S+?))?:\s+<([^>]*)>(.*)$/;

export function parseIpAddrText(text: string): Parsed<GuestInterface[]> {
  const warnings: string[] = [];
  const out: GuestInterface[] = [];
  let cur: GuestInterface | undefined;
  for (const line of lines(text)) {
    if (!line.trim()) continue;
    const h = LINK_HEADER.exec(line);
    if (h) {
      const flags = h[4] ? h[4].split(',').filter(Boolean) : [];
      const rest = fields(h[5]);
      const kv = (k: string) => {
        const i = rest.indexOf(k);
        return i >= 0 ? rest[i + 1] : undefined;
      };
      cur = { ...interfaceFromFlags(h[2], flags, kv('state')), index: Number(h[1]), addresses: [] };
      const mtu = toInt(kv('mtu'));
      if (mtu !== undefined) cur.mtu = mtu;
      out.push(cur);
      continue;
    }
    const t = fields(line);
    if (!cur) {
      warn(warnings, `ip addr: a line outside any interface: ${clip(line)}`);
      continue;
    }
    if (t[0]?.startsWith('link/')) {
      cur.linkType = t[0].slice(5);
      if (t[1] && /^[0-9a-f]{2}(:[0-9a-f]{2}){5,}$/i.test(t[1])) cur.mac = t[1];
      continue;
    }
    if (t[0] === 'inet' || t[0] === 'inet6') {
      const family: IpFamily = t[0] === 'inet' ? 4 : 6;
      let [address, len] = (t[1] ?? '').split('/');
      const peerI = t.indexOf('peer');
      if (peerI > 0 && t[peerI + 1]?.includes('/')) len = t[peerI + 1].split('/')[1];
      const prefixLen = toInt(len) ?? (family === 4 ? 32 : 128);
      if (!address) {
        warn(warnings, `ip addr: unreadable address line: ${clip(line)}`);
        continue;
      }
      const addr: GuestAddress = { family, address, prefixLen };
      const si = t.indexOf('scope');
      if (si > 0 && t[si + 1]) addr.scope = t[si + 1];
      const flags = t.slice(2).filter((w) => ADDRESS_FLAGS.includes(w));
      if (flags.length) addr.flags = flags;
      cur.addresses.push(addr);
    }
    // valid_lft/preferred_lft, altname, details (-d) lines: nothing we need.
  }
  return { value: out, warnings };
}

const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'throw',
  'unreachable',
  'prohibit',
  'blackhole',
  'nat',
  'anycast',
]);
const ROUTE_FLAGS = new Set([
  'onlink',
  'linkdown',
  'pervasive',
  'dead',
  'offload',
  'trap',
  'notify',
  'rt_offload',
]);
/** Keys followed by one value. `mtu lock 1400` and friends are handled by skipping `lock`. */
const ROUTE_KEYS = new Set([
  'via',
  'dev',
  'table',
  'proto',
  'scope',
  'src',
  'metric',
  'mtu',
  'advmss',
  'pref',
  'error',
  'expires',
  'hoplimit',
  'tos',
  'realm',
  'realms',
  'weight',
  'initcwnd',
  'initrwnd',
  'rtt',
  'rttvar',
  'window',
  'features',
  'quickack',
  'congctl',
  'fastopen_no_cookie',
  'ttl-propagate',
  'nhid',
  'from',
  'cache',
  'ssthresh',
  'cwnd',
  'reordering',
  'rto_min',
]);

export function parseIpRouteText(text: string, family?: IpFamily): Parsed<GuestRoute[]> {
  const warnings: string[] = [];
  const out: GuestRoute[] = [];
  // A route line without `via`/`dev` may head a multipath route whose `nexthop` lines follow.
  let pending: { route: GuestRoute; used: boolean } | undefined;
  const flush = () => {
    if (pending && !pending.used) out.push(pending.route);
    pending = undefined;
  };
  for (const line of lines(text)) {
    if (!line.trim()) continue;
    const t = fields(line);
    if (/^\s/.test(line)) {
      if (t[0] !== 'nexthop' || !pending) continue; // cache details and other continuation lines
      const r: GuestRoute = { ...pending.route, flags: [...(pending.route.flags ?? []), 'multipath'] };
      for (let i = 1; i < t.length; i++) {
        if (t[i] === 'via') r.gateway = t[i + 1] === 'inet' || t[i + 1] === 'inet6' ? t[(i += 2)] : t[++i];
        else if (t[i] === 'dev') r.dev = t[++i];
        else if (ROUTE_FLAGS.has(t[i])) r.flags = [...(r.flags ?? []), t[i]];
        else if (ROUTE_KEYS.has(t[i])) i++;
      }
      pending.used = true;
      out.push(r);
      continue;
    }
    flush();
    let i = 0;
    let type = 'unicast';
    if (ROUTE_TYPES.has(t[0])) type = t[i++];
    const dstRaw = t[i++];
    if (!dstRaw || !/^(default|[0-9a-fA-F:.]+(\/\d+)?)$/.test(dstRaw)) {
      warn(warnings, `ip route: unreadable line: ${clip(line)}`);
      continue;
    }
    const kv: Record<string, string> = {};
    const flags: string[] = [];
    for (; i < t.length; i++) {
      const k = t[i];
      if (ROUTE_FLAGS.has(k)) flags.push(k);
      else if (ROUTE_KEYS.has(k)) {
        let v = t[++i];
        if (v === 'lock') v = t[++i];
        if (k === 'via' && (v === 'inet' || v === 'inet6')) v = t[++i];
        if (v !== undefined) kv[k] = v;
      } else warn(warnings, `ip route: unknown word ${clip(k, 30)} in: ${clip(line)}`);
    }
    const fam: IpFamily =
      family ?? (dstRaw.includes(':') || kv.via?.includes(':') || kv.src?.includes(':') || kv.pref ? 6 : 4);
    const r: GuestRoute = { family: fam, table: kv.table ?? 'main', dst: routeDst(dstRaw, fam), type };
    if (kv.via) r.gateway = kv.via;
    if (kv.dev) r.dev = kv.dev;
    if (kv.proto) r.protocol = kv.proto;
    if (kv.scope) r.scope = kv.scope;
    const metric = toInt(kv.metric);
    if (metric !== undefined) r.metric = metric;
    if (kv.src) r.src = kv.src;
    if (flags.length) r.flags = flags;
    if (!kv.via && !kv.dev && type === 'unicast') pending = { route: r, used: false };
    else out.push(r);
  }
  flush();
  return { value: out, warnings };
}

export function parseIpRule(text: string): Parsed<PolicyRule[]> {
  const warnings: string[] = [];
  const out: PolicyRule[] = [];
  for (const line of lines(text)) {
    if (!line.trim()) continue;
    const m = /^\s*(\d+):\s*(.*?)\s*$/.exec(line);
    if (!m) {
      warn(warnings, `ip rule: unreadable line: ${clip(line)}`);
      continue;
    }
    const selector = m[2];
    const t = fields(selector);
    const rule: PolicyRule = { priority: Number(m[1]), selector };
    for (let i = 0; i < t.length; i++) {
      const w = t[i];
      const v = t[i + 1];
      if (w === 'from' && v) {
        rule.from = v;
        i++;
      } else if (w === 'to' && v) {
        rule.to = v;
        i++;
      } else if (w === 'fwmark' && v) {
        rule.fwmark = v;
        i++;
      } else if ((w === 'iif' || w === 'oif') && v) {
        rule[w] = v;
        i++;
      } else if ((w === 'lookup' || w === 'table') && v) {
        rule.table = v;
        rule.action = 'lookup';
        i++;
      } else if (w === 'goto' && v) {
        rule.action = 'goto';
        i++;
      } else if (['unreachable', 'blackhole', 'prohibit', 'nop'].includes(w)) rule.action = w;
    }
    out.push(rule);
  }
  return { value: out, warnings };
}
