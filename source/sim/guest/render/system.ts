/**
 * The small outputs of a simulated guest: the `system` section, resolv.conf, the DNS test lookups (getent,
 * nslookup, dig), conntrack counters, kernel log lines, /proc/net/dev (counters grow with the world's
 * traffic and the clock), ethtool (virtio_net, as on ECS), and sysctl.
 */
import type { GuestWorld } from '../../world.js';
import { flavourOf } from '../flavour.js';
import { padEnd, padStart, syslogTime } from './format.js';
import { hasCarrier, interfacesOf } from './ip.js';

export function renderSystem(g: GuestWorld, uptimeS: number): string {
  return [
    `hostname=${g.hostname}`,
    `kernel=${g.kernel ?? ''}`,
    'uid=0',
    `uptime=${uptimeS.toFixed(2)}`,
    flavourOf(g).osRelease,
  ].join('\n');
}

export function nameserversOf(g: GuestWorld): string[] {
  return g.resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
}

function resolverOptions(g: GuestWorld): { timeout: number; attempts: number } {
  const opts = g.resolvConf
    .split('\n')
    .filter((l) => /^\s*options\s/.test(l))
    .join(' ');
  const timeout = Number(/timeout:(\d+)/.exec(opts)?.[1] ?? 5);
  const attempts = Number(/attempts:(\d+)/.exec(opts)?.[1] ?? 2);
  return { timeout, attempts };
}

/** The response code for a name the resolver has no answer for. */
function failureOf(g: GuestWorld): 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' {
  return g.dns.failure ?? 'NXDOMAIN';
}

export interface Lookup {
  header: string;
  body: string;
}

/** getent ahosts NAME through the guest's resolver; the script kills it after 6 s. */
export function renderGetent(g: GuestWorld, name: string): Lookup {
  const servers = nameserversOf(g);
  const ips = g.dns.answers[name];
  if (g.dns.reachable && servers.length) {
    if (!ips?.length) return { header: `system name=${name} tool=getent rc=2 ms=20`, body: '' };
    const body = ips.flatMap((ip, i) => [
      `${padEnd(ip, 15)} STREAM ${i === 0 ? name : ''}`,
      `${padEnd(ip, 15)} DGRAM  `,
      `${padEnd(ip, 15)} RAW    `,
    ]);
    return { header: `system name=${name} tool=getent rc=0 ms=20`, body: body.join('\n') };
  }
  const { timeout, attempts } = resolverOptions(g);
  const total = timeout * 1000 * attempts * Math.max(1, servers.length);
  return total > 6000
    ? { header: `system name=${name} tool=getent rc=124 ms=6000`, body: '' }
    : { header: `system name=${name} tool=getent rc=2 ms=${total}`, body: '' };
}

export function renderNslookup(g: GuestWorld, name: string, server: string): Lookup {
  const head = `server=${server} name=${name} tool=nslookup`;
  // bind 9.18 wording (captured: test/fixtures/guest/dns/nslookup-timeout.txt); CentOS 7's 9.11 says
  // ";; connection timed out; no servers could be reached".
  if (!g.dns.reachable)
    return {
      header: `${head} rc=1 ms=4000`,
      body:
        flavourOf(g).id === 'centos7'
          ? ';; connection timed out; no servers could be reached\n'
          : `;; communications error to ${server}#53: timed out\n;; no servers could be reached\n`,
    };
  const ips = g.dns.answers[name];
  const top = `Server:\t\t${server}\nAddress:\t${server}#53\n`;
  if (!ips?.length)
    return { header: `${head} rc=1 ms=30`, body: `${top}\n** server can't find ${name}: ${failureOf(g)}\n` };
  const answers = ips.map((ip) => `Name:\t${name}\nAddress: ${ip}`).join('\n');
  return { header: `${head} rc=0 ms=30`, body: `${top}\nNon-authoritative answer:\n${answers}\n` };
}

export function renderDig(g: GuestWorld, name: string, server: string): Lookup {
  const head = `server=${server} name=${name} tool=dig`;
  if (!g.dns.reachable)
    return {
      header: `${head} rc=9 ms=2000`,
      body: `;; communications error to ${server}#53: timed out\n;; no servers could be reached`,
    };
  const ips = g.dns.answers[name] ?? [];
  const status = ips.length ? 'NOERROR' : failureOf(g);
  // A resolver that refuses the client does not offer recursion either (no `ra`), and dig says so.
  const refused = status === 'REFUSED';
  const lines = [
    '',
    `; <<>> DiG 9.18.28-1~deb12u2-Debian <<>> +time=2 +tries=1 @${server} ${name} A`,
    '; (1 server found)',
    ';; global options: +cmd',
    ';; Got answer:',
    `;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 4242`,
    `;; flags: qr rd${refused ? '' : ' ra'}; QUERY: 1, ANSWER: ${ips.length}, AUTHORITY: 0, ADDITIONAL: 1`,
    ...(refused ? [';; WARNING: recursion requested but not available'] : []),
    '',
    ';; QUESTION SECTION:',
    `;${name}.\t\t\tIN\tA`,
    '',
  ];
  if (ips.length) lines.push(';; ANSWER SECTION:', ...ips.map((ip) => `${name}.\t\t600\tIN\tA\t${ip}`), '');
  lines.push(
    ';; Query time: 3 msec',
    `;; SERVER: ${server}#53(${server}) (UDP)`,
    ';; MSG SIZE  rcvd: 60',
    '',
  );
  return { header: `${head} rc=0 ms=30`, body: lines.join('\n') };
}

export function renderConntrack(g: GuestWorld): string {
  if (!g.conntrack.max) return '';
  return [
    `/proc/sys/net/netfilter/nf_conntrack_count:${g.conntrack.count}`,
    `/proc/sys/net/netfilter/nf_conntrack_max:${g.conntrack.max}`,
  ].join('\n');
}

/** Lines as dmesg prints them; the script greps them with KERNEL_PATTERN, so the renderer does too. */
export function renderDmesg(g: GuestWorld, pattern: RegExp): string {
  return g.kernelLog
    .filter((l) => pattern.test(l))
    .slice(-200)
    .join('\n');
}

/** The same lines in `journalctl -k` short format (dmesg seconds turned into wall time from boot). */
export function renderJournalKernel(g: GuestWorld, pattern: RegExp, boot: number): string {
  return g.kernelLog
    .filter((l) => pattern.test(l))
    .slice(-200)
    .map((l) => {
      const m = /^\[\s*(\d+(?:\.\d+)?)\]\s?(.*)$/.exec(l);
      if (!m) return l;
      return `${syslogTime(boot + Number(m[1]) * 1000)} ${g.hostname} kernel: ${m[2]}`;
    })
    .join('\n');
}

/** /proc/net/dev: counters are the world's rates times the time since boot (they grow as the clock runs). */
export function renderProcNetDev(g: GuestWorld, uptimeS: number): string {
  const head = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  ];
  const rows = interfacesOf(g).map((i) => {
    const t = g.traffic[i.spec.name] ?? (i.loopback ? { rxBps: 200, txBps: 200 } : { rxBps: 0, txBps: 0 });
    const up = i.spec.up ? uptimeS : 0;
    const rxB = Math.floor(t.rxBps * up);
    const txB = Math.floor(t.txBps * up);
    const rxP = Math.floor(rxB / 900);
    const txP = Math.floor(txB / 900);
    const rxD = Math.floor((t.rxDropPs ?? 0) * up);
    const txD = Math.floor((t.txDropPs ?? 0) * up);
    const v = [rxB, rxP, 0, rxD, 0, 0, 0, 0, txB, txP, 0, txD, 0, 0, 0, 0];
    const w = [8, 7, 4, 4, 4, 5, 10, 9, 8, 7, 4, 4, 4, 5, 7, 10];
    return `${padStart(i.spec.name, 6)}:${v.map((x, k) => padStart(String(x), w[k])).join(' ')}`;
  });
  return [...head, ...rows].join('\n');
}

/** `ethtool IFACE; ethtool -i IFACE` for a virtio_net NIC (captured: test/fixtures/guest/ethtool/virtio-*). */
export function renderEthtool(g: GuestWorld, name: string, index: number): string {
  const i = interfacesOf(g).find((x) => x.spec.name === name);
  if (!i) return `netlink error: no device matches name (offset 24)\nnetlink error: No such device`;
  const speed = i.spec.speedMbps ? `${i.spec.speedMbps}Mb/s` : 'Unknown!';
  const duplex = i.spec.speedMbps ? 'Full' : 'Unknown! (255)';
  return [
    `Settings for ${name}:`,
    '\tSupported ports: [  ]',
    '\tSupported link modes:   Not reported',
    '\tSupported pause frame use: No',
    '\tSupports auto-negotiation: No',
    '\tSupported FEC modes: Not reported',
    '\tAdvertised link modes:  Not reported',
    '\tAdvertised pause frame use: No',
    '\tAdvertised auto-negotiation: No',
    '\tAdvertised FEC modes: Not reported',
    `\tSpeed: ${speed}`,
    `\tDuplex: ${duplex}`,
    '\tAuto-negotiation: off',
    '\tPort: Other',
    '\tPHYAD: 0',
    '\tTransceiver: internal',
    `\tLink detected: ${hasCarrier(i.spec) ? 'yes' : 'no'}`,
    'driver: virtio_net',
    'version: 1.0.0',
    'firmware-version: ',
    'expansion-rom-version: ',
    `bus-info: 0000:00:${String(index + 2).padStart(2, '0')}.0`,
    'supports-statistics: yes',
    'supports-test: no',
    'supports-eeprom-access: no',
    'supports-register-dump: no',
    'supports-priv-flags: no',
  ].join('\n');
}

const SKIP =
  /^(lo|veth.*|docker.*|br-.*|cali.*|flannel.*|cni.*|virbr.*|tun.*|tap.*|kube.*|vxlan.*|weave.*|lxc.*)$/;

/** Interfaces the script looks at with ethtool and per-interface rp_filter (the same skip list and caps). */
export function probedInterfaces(g: GuestWorld, cap: number): string[] {
  return interfacesOf(g)
    .map((i) => i.spec.name)
    .filter((n) => !SKIP.test(n))
    .slice(0, cap);
}

const SYSCTL_DEFAULTS: Record<string, string> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.ip_local_port_range': '32768\t60999',
  'net.ipv4.tcp_tw_reuse': '2',
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.default.rp_filter': '0',
};

/** `sysctl -e KEY…` for the keys the script asks (unknown keys are skipped silently, as -e does). */
export function renderSysctl(g: GuestWorld, keys: string[], style: 'sysctl' | 'proc'): string {
  const out: string[] = [];
  for (const k of keys) {
    let v = g.sysctls[k] ?? SYSCTL_DEFAULTS[k];
    if (v === undefined && k === 'net.netfilter.nf_conntrack_max' && g.conntrack.max)
      v = String(g.conntrack.max);
    if (v === undefined && /^net\.ipv4\.conf\.[^.]+\.rp_filter$/.test(k))
      v = g.sysctls['net.ipv4.conf.default.rp_filter'] ?? '0';
    if (v === undefined) continue;
    out.push(style === 'sysctl' ? `${k} = ${v}` : `/proc/sys/${k.replace(/\./g, '/')}:${v}`);
  }
  return out.join('\n');
}

export function sysctlKeys(g: GuestWorld): string[] {
  const keys = [
    'net.ipv4.ip_forward',
    'net.ipv4.ip_local_port_range',
    'net.ipv4.tcp_tw_reuse',
    'net.netfilter.nf_conntrack_max',
    'net.ipv4.conf.all.rp_filter',
    'net.ipv4.conf.default.rp_filter',
  ];
  for (const n of probedInterfaces(g, 16)) keys.push(`net.ipv4.conf.${n.replace(/\./g, '/')}.rp_filter`);
  return keys;
}
