/**
 * Turns a failed collection section into a SourceError an operator can act on: a missing tool, a
 * permission error, a timeout, output cut short, or a command that failed. Pure.
 */
import type { SourceError } from '../../model/index.js';
import { clip, lines } from '../parsers/common.js';
import type { RawSection } from './split.js';

interface SectionInfo {
  /** What the section reads, as a noun phrase. */
  what: string;
  /** The package that provides the tools (for a "not installed" hint). */
  install?: string;
}

export const SECTION_INFO: Record<string, SectionInfo> = {
  system: { what: 'the host name, kernel and OS release' },
  'ip-addr': { what: 'interfaces and addresses (ip addr)', install: 'iproute2 (iproute on CentOS)' },
  'ip-link': { what: 'link states (ip link)', install: 'iproute2 (iproute on CentOS)' },
  'ip-route': { what: 'the IPv4 routing tables (ip route)', install: 'iproute2 (iproute on CentOS)' },
  'ip-route6': { what: 'the IPv6 routing tables (ip -6 route)', install: 'iproute2 (iproute on CentOS)' },
  'ip-rule': { what: 'the policy routing rules (ip rule)', install: 'iproute2 (iproute on CentOS)' },
  'iptables-version': { what: 'the iptables version and backend (iptables -V)', install: 'iptables' },
  iptables: { what: 'the IPv4 firewall rules (iptables-save)', install: 'iptables' },
  ip6tables: { what: 'the IPv6 firewall rules (ip6tables-save)', install: 'iptables' },
  nft: { what: 'the nftables ruleset (nft -j list ruleset)', install: 'nftables' },
  sockets: {
    what: 'listening sockets and their processes (ss or netstat)',
    install: 'iproute2 (ss) or net-tools (netstat)',
  },
  connections: { what: 'connected sockets (ss or netstat)', install: 'iproute2 (ss) or net-tools (netstat)' },
  'socket-states': {
    what: 'socket state counts (ss or netstat)',
    install: 'iproute2 (ss) or net-tools (netstat)',
  },
  sockstat: { what: 'socket totals (/proc/net/sockstat)' },
  services: { what: 'service states (systemctl, service or pidof)', install: 'systemd or procps' },
  'network-services': { what: 'the network service states (NetworkManager, systemd-networkd, network)' },
  libwrap: { what: 'which daemons link libwrap (ldd)', install: 'libc-bin / glibc-common (ldd)' },
  resolv: { what: 'the resolver configuration (/etc/resolv.conf)' },
  netconfig: {
    what: 'the network configuration files and DHCP leases (which address each interface should hold)',
  },
  dns: { what: 'the test DNS lookups (getent, nslookup, dig)', install: 'bind-utils / dnsutils' },
  'hosts-allow': { what: '/etc/hosts.allow' },
  'hosts-deny': { what: '/etc/hosts.deny' },
  conntrack: { what: 'the conntrack table size (/proc/sys/net/netfilter)' },
  'kernel-log': { what: 'kernel log lines (dmesg or journalctl -k)' },
  netdev: { what: 'interface counters (/proc/net/dev)' },
  ethtool: { what: 'NIC link settings (ethtool)', install: 'ethtool' },
  sysctl: { what: 'network sysctls', install: 'procps (sysctl)' },
};

const PERMISSION_RE =
  /Permission denied|Operation not permitted|you must be root|must be run as root|not seeing messages|Access denied|are not allowed/i;
const MISSING_RE =
  /^(?:sh: \d+: )?(\S+): (?:command )?not found$|^(?:\S+: )?line \d+: (\S+): (?:command )?not found$/;

/** First meaningful stderr line, clipped and stripped of control characters. */
function firstLine(text: string): string {
  const l = lines(text).find((x) => x.trim());
  return l ? clip(l.trim(), 160) : '';
}

export function missingTools(stderr: string): string[] {
  const out: string[] = [];
  for (const l of lines(stderr)) {
    const m = MISSING_RE.exec(l.trim());
    const tool = m?.[1] ?? m?.[2];
    if (tool && !out.includes(tool)) out.push(tool);
  }
  return out;
}

/**
 * Why a section yields no trustworthy value, or undefined when it ran fine. `partialOk` says the section
 * may legitimately exit non-zero with usable output (ethtool without root prints settings and fails on
 * wake-on-lan).
 */
export function sectionError(
  name: string,
  sec: RawSection | undefined,
  timeoutS?: number,
): SourceError | undefined {
  const info = SECTION_INFO[name] ?? { what: `the ${name} section` };
  if (!sec) {
    return {
      code: 'SECTION_MISSING',
      message: `The collection output has no ${name} section, so ${info.what} could not be read.`,
      hint: 'The script was cut short or its output truncated (Cloud Assistant keeps 24 KB). Refresh; if it persists, collect over SSH.',
    };
  }
  if (sec.rc === 124 || sec.rc === 137) {
    return {
      code: 'TIMEOUT',
      message: `Reading ${info.what} did not finish${timeoutS ? ` within ${timeoutS} s` : ''} and was stopped.`,
      hint: 'The guest is overloaded or a tool hung (a slow DNS server, a huge ruleset). The other sections were read; refresh to retry.',
    };
  }
  const tools = missingTools(sec.stderr);
  if (sec.rc === 127 || tools.length) {
    const list = tools.length ? tools.join(' and ') : 'the tool';
    return {
      code: 'TOOL_MISSING',
      message: `${list} ${tools.length > 1 ? 'are' : 'is'} not installed on the guest, so ${info.what} could not be read.`,
      hint: info.install
        ? `Install ${info.install} on the guest, then refresh.`
        : 'Install the missing tool, then refresh.',
    };
  }
  const errText = `${sec.stderr}\n${sec.rc ? sec.stdout.slice(0, 2000) : ''}`;
  if (sec.rc !== 0 && sec.rc !== undefined && PERMISSION_RE.test(errText)) {
    return {
      code: 'PERMISSION_DENIED',
      message: `Reading ${info.what} needs root on the guest: ${firstLine(
        lines(errText)
          .filter((l) => PERMISSION_RE.test(l))
          .join('\n'),
      )}`,
      hint: 'Connect as root, or as a user with passwordless sudo; netdoctor only reads unless you confirm a fix.',
    };
  }
  if (!sec.complete) {
    return {
      code: 'TRUNCATED',
      message: `The output of ${info.what} was cut short before the section ended.`,
      hint: 'The transport truncated the output (Cloud Assistant keeps 24 KB). What was read is shown; collect over SSH for the rest.',
    };
  }
  if (sec.rc !== 0) {
    const detail = firstLine(sec.stderr) || firstLine(sec.stdout);
    return {
      code: 'COMMAND_FAILED',
      message: `Reading ${info.what} failed (exit ${sec.rc})${detail ? `: ${detail}` : ''}.`,
      hint: 'Run the same command on the guest to see the full error; the other sections were read.',
    };
  }
  return undefined;
}

export function parseError(name: string, warnings: string[]): SourceError {
  const info = SECTION_INFO[name] ?? { what: `the ${name} section` };
  return {
    code: 'PARSE_ERROR',
    message: `The output for ${info.what} could not be read${warnings[0] ? `: ${warnings[0]}` : ''}.`,
    hint: 'The tool printed something unexpected (a different version, a wrapper, or garbage). Raw output is kept as evidence.',
  };
}
