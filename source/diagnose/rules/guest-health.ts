/**
 * Guest findings that hold whatever the intent: NIC and address state, the default route, DNS, conntrack,
 * the network service. Intent-specific ones (firewall, listener, service, hosts.deny) come from the path.
 */
import type { Finding, GuestFacts, GuestInterface, Instance } from '../../model/index.js';
import { makeFinding } from '../finding.js';

const PHYSICAL = /^(eth|ens|enp|eno|em)\d/;
const VIRTUAL = /^(docker|veth|br-|virbr|tun|tap|cni|flannel|cali|vxlan|kube|lxc|vnet|wg|dummy)/;

function ifaceDown(i: GuestInterface): boolean {
  return !i.adminUp || i.carrier === false || i.operState === 'DOWN' || i.operState === 'LOWERLAYERDOWN';
}

/** The interfaces that should carry the instance's private addresses (eth0 when the cloud side is unknown). */
function primaryIfaces(guest: GuestFacts, inst?: Instance): { iface: GuestInterface; why: string }[] {
  const ifaces = guest.interfaces.value ?? [];
  const out: { iface: GuestInterface; why: string }[] = [];
  const ips = new Set(inst?.privateIps ?? []);
  const macs = new Set((inst?.enis ?? []).map((e) => e.mac?.toLowerCase()).filter(Boolean));
  for (const i of ifaces) {
    if (i.linkType === 'loopback' || i.name === 'lo') continue;
    if (i.addresses.some((a) => ips.has(a.address)))
      out.push({ iface: i, why: 'carries the instance private address' });
    else if (i.mac && macs.has(i.mac.toLowerCase()))
      out.push({ iface: i, why: 'has the MAC of an attached ENI' });
  }
  if (out.length === 0) {
    // Without the cloud's view: every NIC that looks physical (eth*, ens*, enp*, eno*, em*) or holds a global address.
    for (const i of ifaces) {
      if (i.name === 'lo' || i.linkType === 'loopback' || VIRTUAL.test(i.name)) continue;
      const holds = i.addresses.some((a) => a.scope === undefined || a.scope === 'global');
      if (PHYSICAL.test(i.name) || holds)
        out.push({ iface: i, why: holds ? 'holds a configured address' : 'is a network card' });
    }
  }
  return out;
}

export function nicFindings(guest: GuestFacts, inst?: Instance): Finding[] {
  if (!guest.interfaces.value) return [];
  const out: Finding[] = [];
  for (const { iface, why } of primaryIfaces(guest, inst)) {
    if (!ifaceDown(iface)) continue;
    const state = !iface.adminUp ? 'administratively down' : 'up but without carrier';
    out.push(
      makeFinding({
        code: 'GUEST_NIC_DOWN',
        severity: 'critical',
        key: iface.name,
        title: `Interface ${iface.name} is ${state}`,
        detail: `${iface.name} ${why}; while it is down no traffic enters or leaves the instance on it.`,
        evidence: {
          resource: iface.name,
          rule: iface,
          lines: guest.interfaces.raw ? grepLines(guest.interfaces.raw, iface.name) : undefined,
        },
        hop: 'guest-nic',
        remedies: [`guest-link-up:${iface.name}`],
      }),
    );
  }
  const ifaces = guest.interfaces.value;
  for (const ip of inst?.privateIps ?? []) {
    if (ifaces.some((i) => i.addresses.some((a) => a.address === ip))) continue;
    const primary = inst?.enis.find((e) => e.type === 'Primary')?.primaryIp ?? inst?.privateIps[0];
    out.push(
      makeFinding({
        code: 'GUEST_ADDRESS_MISSING',
        severity: ip === primary ? 'critical' : 'warning',
        key: ip,
        title: `The instance's private address ${ip} is not configured in the guest`,
        detail:
          'The VPC delivers traffic for this address to the instance, but no interface holds it, so the kernel ' +
          'drops it. DHCP may have failed, or a static config names another address.',
        evidence: {
          resource: inst?.id,
          address: ip,
          present: ifaces.flatMap((i) => i.addresses.map((a) => `${i.name} ${a.address}/${a.prefixLen}`)),
        },
        hop: 'guest-nic',
        remedies: [`guest-restart-network`],
      }),
    );
  }
  return out;
}

export function routeFindings(guest: GuestFacts): Finding[] {
  const routes = guest.routes.value;
  if (!routes) return [];
  const hasDefault = routes.some(
    (r) =>
      r.family === 4 &&
      (r.dst === 'default' || r.dst === '0.0.0.0/0') &&
      (r.table === 'main' || r.table === '254') &&
      r.type === 'unicast',
  );
  if (hasDefault) return [];
  const gwGuess = guessGateway(guest);
  return [
    makeFinding({
      code: 'GUEST_DEFAULT_ROUTE_MISSING',
      severity: 'critical',
      key: 'default',
      title: 'The guest has no IPv4 default route',
      detail:
        'Replies to any client outside the vSwitch and every outbound connection to the internet have nowhere to ' +
        'go. On Alibaba Cloud the gateway is the vSwitch gateway (usually the .253 address of the vSwitch CIDR).',
      evidence: {
        table: 'main',
        routes: routes.filter((r) => r.family === 4).map((r) => r.dst),
        suggestedGateway: gwGuess,
      },
      hop: 'guest-route',
      remedies: gwGuess ? [`guest-default-route:${gwGuess.gateway}:${gwGuess.dev}`] : [],
    }),
  ];
}

/** Alibaba vSwitch gateways are the .253 of the subnet; guess from eth0's address when the route is gone. */
export function guessGateway(guest: GuestFacts): { gateway: string; dev: string } | undefined {
  for (const i of guest.interfaces.value ?? []) {
    if (i.name === 'lo') continue;
    const a = i.addresses.find((x) => x.family === 4);
    if (!a || a.prefixLen > 30) continue;
    const parts = a.address.split('.').map(Number);
    const n = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
    const mask = a.prefixLen === 0 ? 0 : (0xffffffff << (32 - a.prefixLen)) >>> 0;
    const bcast = ((n & mask) | (~mask >>> 0)) >>> 0;
    const gw = bcast - 2;
    return { gateway: [24, 16, 8, 0].map((s) => (gw >>> s) & 0xff).join('.'), dev: i.name };
  }
  return undefined;
}

export function dnsFindings(guest: GuestFacts): Finding[] {
  const out: Finding[] = [];
  const resolv = guest.resolv.value;
  const lookups = guest.dns.value ?? [];
  if (resolv && resolv.nameservers.length === 0) {
    out.push(
      makeFinding({
        code: 'DNS_RESOLUTION_FAILED',
        severity: 'critical',
        key: 'no-nameservers',
        title: '/etc/resolv.conf lists no nameserver',
        detail: 'Every name lookup fails. Alibaba Cloud VPC resolvers are 100.100.2.136 and 100.100.2.138.',
        evidence: { lines: guest.resolv.raw ? guest.resolv.raw.split('\n').slice(0, 20) : [] },
        hop: 'dns',
        remedies: ['guest-resolv-conf'],
      }),
    );
    return out;
  }
  const system = lookups.filter((l) => l.server === undefined);
  const perServer = lookups.filter((l) => l.server !== undefined);
  if (lookups.length === 0 || lookups.some((l) => l.ok)) {
    // Some servers unreachable while another answers: a warning (slow lookups, retries).
    const dead = perServer.filter((l) => !l.ok && l.error === 'timeout');
    if (dead.length && lookups.some((l) => l.ok)) {
      out.push(
        makeFinding({
          code: 'DNS_RESOLVER_UNREACHABLE',
          severity: 'warning',
          key: dead.map((d) => d.server).join(','),
          title: `Nameserver ${dead.map((d) => d.server).join(', ')} does not answer`,
          detail:
            'Lookups still succeed through another nameserver, but each one waits for the dead server first.',
          evidence: { lookups: dead },
          hop: 'dns',
        }),
      );
    }
    return out;
  }
  const unreachable = (l: { error?: string }) =>
    l.error === 'timeout' || l.error === 'no-servers' || l.error === 'unreachable';
  const timeouts = lookups.filter(unreachable);
  // getent reports "not found" (exit 2) when every server timed out: with all per-server lookups unreachable, the
  // system resolver's answer says nothing about the name.
  const serversDead = perServer.length > 0 && perServer.every(unreachable);
  if (timeouts.length === lookups.length || system.every((l) => l.error === 'timeout') || serversDead) {
    out.push(
      makeFinding({
        code: 'DNS_RESOLVER_UNREACHABLE',
        severity: 'critical',
        key: (resolv?.nameservers ?? []).join(','),
        title: `No configured nameserver answers (${(resolv?.nameservers ?? []).join(', ') || 'none'})`,
        detail:
          'Lookups time out: the resolvers are unreachable (wrong address, a firewall dropping udp/53, or no route). ' +
          'yum/apt and anything using names fail.',
        evidence: { lookups, nameservers: resolv?.nameservers ?? [] },
        hop: 'dns',
        remedies: ['guest-resolv-conf'],
      }),
    );
  } else {
    const failed = lookups.filter((l) => !l.ok);
    out.push(
      makeFinding({
        code: 'DNS_RESOLUTION_FAILED',
        severity: 'critical',
        key: failed.map((f) => f.error).join(','),
        title: `Name lookups fail: ${failed.map((f) => `${f.name}${f.server ? ` @${f.server}` : ''} → ${f.error}`).join('; ')}`,
        detail:
          'The resolver answers but cannot resolve: a broken upstream, a wrong search/ndots setup, or a filtering resolver.',
        evidence: { lookups: failed },
        hop: 'dns',
      }),
    );
  }
  return out;
}

export function conntrackFindings(guest: GuestFacts, at: number): Finding[] {
  const ct = guest.conntrack.value;
  const fullLines = (guest.kernelLog.value ?? []).filter(
    (l) => l.kind === 'conntrack-full' || /nf_conntrack: table full/.test(l.text),
  );
  const ratio = ct && ct.max > 0 ? ct.count / ct.max : 0;
  if (ratio < 0.8 && fullLines.length === 0) return [];
  const severity = ratio >= 0.95 || fullLines.length > 0 ? 'critical' : 'warning';
  return [
    makeFinding({
      code: 'CONNTRACK_TABLE_FULL',
      severity,
      key: 'conntrack',
      confidence: ratio >= 0.95 || fullLines.length ? 'certain' : 'likely',
      title: ct
        ? `Connection tracking table at ${Math.round(ratio * 100)}% (${ct.count}/${ct.max})`
        : 'Kernel reports "nf_conntrack: table full"',
      detail:
        'When the table is full the kernel drops new connections: clients see timeouts although every rule allows them.',
      evidence: {
        count: ct?.count,
        max: ct?.max,
        lines: fullLines.slice(-5).map((l) => `${l.time ? `[${l.time}] ` : ''}${l.text}`),
        at,
      },
      hop: 'guest-firewall-in',
      remedies: ['guest-conntrack-max'],
    }),
  ];
}

const NET_SERVICES = new Set(['NetworkManager', 'systemd-networkd', 'network', 'networking']);

export function networkServiceFindings(guest: GuestFacts, otherCritical: boolean): Finding[] {
  const out: Finding[] = [];
  for (const s of guest.networkServices.value ?? []) {
    if (!NET_SERVICES.has(s.name) || s.active !== 'failed') continue;
    out.push(
      makeFinding({
        code: 'NETWORK_SERVICE_DOWN',
        severity: otherCritical ? 'critical' : 'warning',
        confidence: otherCritical ? 'likely' : 'certain',
        key: s.name,
        title: `${s.name} has failed${s.result ? ` (${s.result})` : ''}`,
        detail:
          'The service that configures interfaces, addresses and routes is down; leases are not renewed and a ' +
          'restart of the NIC will not get its configuration back.',
        evidence: { resource: s.name, rule: s },
        hop: 'guest-nic',
        remedies: [`guest-restart-service:${s.name}`],
      }),
    );
  }
  return out;
}

function grepLines(raw: string, word: string): string[] {
  return raw
    .split(/\r?\n/)
    .filter((l) => l.includes(word))
    .slice(0, 10);
}
