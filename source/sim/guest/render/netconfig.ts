/**
 * The netconfig section for a simulated guest: the files its image configures addresses with, as the collection
 * script prints them (one `ITEM PATH` header per file). Layouts follow what cloud-init 22.4 renders and the DHCP
 * clients write (test/fixtures/guest/netconfig/): Debian 12 ifupdown + a dhclient lease, Ubuntu 22.04 netplan +
 * a systemd-networkd lease (named by ifindex), Alibaba Cloud Linux 3 / CentOS 7 ifcfg + a dhclient lease.
 * By default every interface is configured by DHCP and its last lease holds its current IPv4 address; an
 * interface's `configured` says otherwise.
 */
import { parseCidr } from '../../../net/ip.js';
import type { GuestConfiguredSpec, GuestInterfaceSpec, GuestWorld } from '../../world.js';
import { interfacesOf } from './ip.js';

const CLOUD_INIT_HEADER = `# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}`;

/** Alibaba Cloud VPC DHCP leases last ten years. */
const LEASE_SECONDS = 315360000;

interface Nic {
  index: number;
  spec: GuestInterfaceSpec;
  conf: GuestConfiguredSpec;
  v4: { address: string; prefixLen: number; mask: string }[];
  gateway?: string;
}

function v4Of(cidrs: string[]): Nic['v4'] {
  const out: Nic['v4'] = [];
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (p?.family !== 4) continue;
    const mask = p.prefix === 0 ? 0 : (0xffffffff << (32 - p.prefix)) >>> 0;
    out.push({
      address: c.split('/')[0],
      prefixLen: p.prefix,
      mask: [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.'),
    });
  }
  return out;
}

/** The vSwitch gateway convention (.253 of the subnet), for a lease on an interface without the default route. */
function dot253(a: { address: string; prefixLen: number }): string {
  const n = a.address.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const mask = a.prefixLen === 0 ? 0 : (0xffffffff << (32 - a.prefixLen)) >>> 0;
  const gw = (((n & mask) | (~mask >>> 0)) >>> 0) - 2;
  return [24, 16, 8, 0].map((s) => (gw >>> s) & 0xff).join('.');
}

function nicsOf(g: GuestWorld): Nic[] {
  return interfacesOf(g)
    .filter((i) => !i.loopback)
    .map((i) => {
      const conf = i.spec.configured ?? { method: 'dhcp' as const, addresses: i.spec.addresses };
      const route = g.routes.find((r) => r.dst === 'default' && r.dev === i.spec.name && r.via && !r.table);
      const gateway = conf.gateway ?? route?.via;
      return { index: i.index, spec: i.spec, conf, v4: v4Of(conf.addresses), gateway };
    });
}

const two = (n: number) => String(n).padStart(2, '0');
/** dhclient's lease time format: `W YYYY/MM/DD HH:MM:SS` (UTC, weekday as a number). */
function leaseTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDay()} ${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function dhclientLease(n: Nic, boot: number): string {
  const a = n.v4[0];
  const router = n.gateway ?? dot253(a);
  return `lease {
  interface "${n.spec.name}";
  fixed-address ${a.address};
  option subnet-mask ${a.mask};
  option routers ${router};
  option dhcp-lease-time ${LEASE_SECONDS};
  option dhcp-message-type 5;
  option domain-name-servers 100.100.2.136,100.100.2.138;
  option dhcp-server-identifier ${router};
  renew ${leaseTime(boot + (LEASE_SECONDS / 2) * 1000)};
  rebind ${leaseTime(boot + LEASE_SECONDS * 875)};
  expire ${leaseTime(boot + LEASE_SECONDS * 1000)};
}`;
}

function networkdLease(n: Nic): string {
  const a = n.v4[0];
  const router = n.gateway ?? dot253(a);
  return `# This is private data. Do not parse.
ADDRESS=${a.address}
NETMASK=${a.mask}
ROUTER=${router}
SERVER_ADDRESS=${router}
T1=${LEASE_SECONDS / 2}
T2=${LEASE_SECONDS * 0.875}
LIFETIME=${LEASE_SECONDS}
DNS=100.100.2.136 100.100.2.138`;
}

function ifupdown(nics: Nic[]): string {
  const out = [
    '# This file describes the network interfaces available on your system',
    '# and how to activate them. For more information, see interfaces(5).',
    '',
    'source /etc/network/interfaces.d/*',
    '',
    '# The loopback network interface',
    'auto lo',
    'iface lo inet loopback',
  ];
  for (const n of nics) {
    out.push('', `auto ${n.spec.name}`);
    if (n.conf.method === 'dhcp') {
      out.push(`iface ${n.spec.name} inet dhcp`);
      continue;
    }
    n.v4.forEach((a, k) => {
      // One stanza per address, as cloud-init writes them (the extra ones as aliases of the same interface).
      if (k > 0) out.push('', `# control-alias ${n.spec.name}`);
      out.push(`iface ${n.spec.name} inet static`, `    address ${a.address}/${a.prefixLen}`);
      if (k === 0 && n.gateway) out.push(`    gateway ${n.gateway}`);
    });
  }
  return out.join('\n');
}

function netplan(nics: Nic[]): string {
  const out = [CLOUD_INIT_HEADER, 'network:', '    version: 2', '    ethernets:'];
  for (const n of nics) {
    out.push(`        ${n.spec.name}:`);
    if (n.conf.method === 'dhcp') out.push('            dhcp4: true');
    else {
      out.push('            addresses:', ...n.v4.map((a) => `            - ${a.address}/${a.prefixLen}`));
      if (n.gateway) out.push(`            gateway4: ${n.gateway}`);
    }
    const mac = n.conf.mac ?? n.spec.mac;
    if (mac) out.push('            match:', `                macaddress: ${mac}`);
    out.push(`            set-name: ${n.spec.name}`);
  }
  return out.join('\n');
}

function ifcfg(n: Nic): string {
  const mac = n.conf.mac ?? n.spec.mac;
  const kv: [string, string][] = [];
  if (n.conf.method === 'dhcp') kv.push(['BOOTPROTO', 'dhcp']);
  else {
    kv.push(['BOOTPROTO', 'none']);
    if (n.gateway) kv.push(['DEFROUTE', 'yes']);
  }
  kv.push(['DEVICE', n.spec.name]);
  if (n.conf.method === 'static' && n.gateway) kv.push(['GATEWAY', n.gateway]);
  if (mac) kv.push(['HWADDR', mac]);
  if (n.conf.method === 'static') {
    kv.push(...n.v4.map((a, k): [string, string] => [`IPADDR${k || ''}`, a.address]));
    kv.push(...n.v4.map((a, k): [string, string] => [`NETMASK${k || ''}`, a.mask]));
  }
  kv.push(['NM_CONTROLLED', 'no'], ['ONBOOT', 'yes'], ['TYPE', 'Ethernet'], ['USERCTL', 'no']);
  kv.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [
    '# Created by cloud-init on instance boot automatically, do not edit.',
    '#',
    ...kv.map(([k, v]) => `${k}=${v}`),
  ].join('\n');
}

/** The section's stdout: each file behind `item(PATH)`, in the order the script's globs list them. */
export function renderNetconfig(g: GuestWorld, boot: number, item: (key: string) => string): string {
  const nics = nicsOf(g);
  const files: [string, string][] = [];
  const leases = nics.filter((n) => n.conf.method === 'dhcp' && n.v4.length > 0);
  if (g.os === 'debian12') {
    files.push(['/etc/network/interfaces', ifupdown(nics)]);
    for (const n of leases)
      files.push([`/var/lib/dhcp/dhclient.${n.spec.name}.leases`, dhclientLease(n, boot)]);
  } else if (g.os === 'ubuntu22') {
    files.push(['/etc/netplan/50-cloud-init.yaml', netplan(nics)]);
    for (const n of leases) files.push([`/run/systemd/netif/leases/${n.index}`, networkdLease(n)]);
  } else {
    for (const n of nics) files.push([`/etc/sysconfig/network-scripts/ifcfg-${n.spec.name}`, ifcfg(n)]);
    for (const n of leases)
      files.push([`/var/lib/dhclient/dhclient--${n.spec.name}.lease`, dhclientLease(n, boot)]);
  }
  return files.map(([path, body]) => `${item(path)}\n${body}`).join('\n');
}
