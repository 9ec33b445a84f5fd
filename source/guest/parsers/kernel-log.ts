/**
 * Kernel log lines from `dmesg` (`[  123.456789] text`), `dmesg -T` (`[Thu Nov 26 03:13:46 2026] text`),
 * `journalctl -k` short format and /var/log/messages (`Nov 26 03:13:46 host kernel: text`), classified
 * into the kinds a network diagnosis cares about.
 */
import type { KernelLogLine } from '../../model/index.js';
import { lines, type Parsed } from './common.js';

const KINDS: [string, RegExp][] = [
  ['conntrack-full', /(nf|ip)_conntrack: (?:nf_conntrack: )?table full, dropping packet/],
  [
    'nic-reset',
    /NETDEV WATCHDOG|transmit (?:queue \d+ )?timed out|tx(?:_| )timeout|Reset adapter|reset adapter|Detected Tx Unit Hang|TX hang|resetting (?:the )?(?:device|adapter)/i,
  ],
  ['link-down', /\b[Ll]ink is (?:Down|down|not ready)\b|NIC Link is Down|\bcarrier lost\b|\blink down\b/],
  ['link-up', /\b[Ll]ink is Up\b|NIC Link is Up|link becomes ready|\bcarrier (?:on|acquired)\b|\blink up\b/],
  ['oom', /Out of memory|oom-kill|invoked oom-killer|Killed process \d+|oom_reaper/],
  ['syn-flood', /Possible SYN flooding on port/],
  ['tcp-memory', /TCP: out of memory|too many orphaned sockets/],
  ['martian', /martian (?:source|destination)/],
  ['drop', /\bIN=\S* OUT=\S* .*\bSRC=/],
];

function ifaceOf(text: string): string | undefined {
  const logIn = /\bIN=(\S+)/.exec(text);
  if (logIn) return logIn[1];
  const logOut = /\bOUT=(\S+)/.exec(text);
  if (logOut && /\bIN= /.test(text)) return logOut[1];
  const patterns = [
    /\b([A-Za-z][\w.@-]{0,14}): (?:NIC )?[Ll]ink is/,
    /ADDRCONF\(\w+\): (\S+?): /,
    /NETDEV WATCHDOG: (\S+?) /,
    /\b([A-Za-z][\w.@-]{0,14}): (?:transmit|tx|carrier|renamed|Reset)/i,
    /\b(eth\d+|ens\d+\w*|enp\d+\w*|eno\d+|bond\d+|em\d+)\b/,
  ];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

export function classifyKernelLine(text: string): { kind?: string; iface?: string } {
  for (const [kind, re] of KINDS) {
    if (re.test(text)) {
      const r: { kind?: string; iface?: string } = { kind };
      if (kind !== 'oom' && kind !== 'conntrack-full') {
        const i = ifaceOf(text);
        if (i) r.iface = i;
      }
      return r;
    }
  }
  return {};
}

const DMESG = /^\[\s*(\d+\.\d+)\]\s?(.*)$/;
const DMESG_T = /^\[((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3}\s+\d+ [\d:]+ \d{4})\]\s?(.*)$/;
const SYSLOG = /^(\w{3}\s+\d+ \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[\d:.+-]+Z?)\s+\S+\s+kernel:\s?(.*)$/;

export function parseKernelLog(text: string): Parsed<KernelLogLine[]> {
  const out: KernelLogLine[] = [];
  for (const line of lines(text)) {
    if (!line.trim() || /^-- (No entries|Logs begin|Journal begins|Boot)/.test(line)) continue;
    let time: string | undefined;
    let body = line;
    const m = DMESG.exec(line) ?? DMESG_T.exec(line) ?? SYSLOG.exec(line);
    if (m) {
      time = m[1];
      body = m[2];
    }
    const entry: KernelLogLine = { text: body, ...classifyKernelLine(body) };
    if (time !== undefined) entry.time = time;
    out.push(entry);
  }
  return { value: out, warnings: [] };
}
