/**
 * Name lookups as the guest sees them: `getent ahosts NAME` (the system resolver: nsswitch, /etc/hosts,
 * resolv.conf), `nslookup NAME SERVER` and `dig @SERVER NAME` (one nameserver, bind9 utils 9.x).
 */
import type { DnsLookup } from '../../model/index.js';
import { fields, lines } from './common.js';

export function parseGetentAhosts(name: string, text: string, rc: number): DnsLookup {
  const addresses: string[] = [];
  for (const line of lines(text)) {
    const t = fields(line);
    if (t.length >= 2 && /^(STREAM|DGRAM|RAW)$/.test(t[1]) && !addresses.includes(t[0])) addresses.push(t[0]);
  }
  const r: DnsLookup = { name, ok: rc === 0 && addresses.length > 0, addresses };
  if (!r.ok)
    r.error = rc === 124 || rc === 137 ? 'timeout' : rc === 2 || rc === 0 ? 'not-found' : `exit ${rc}`;
  return r;
}

function errorFromText(body: string): string | undefined {
  const m = /server can't find \S+?:?\s+(NXDOMAIN|SERVFAIL|REFUSED|NOTIMP|FORMERR)/.exec(body);
  if (m) return m[1];
  if (/network unreachable|host unreachable|connection refused|UDP setup .* failed/i.test(body))
    return 'unreachable';
  if (/timed out|no servers could be reached/i.test(body)) return 'timeout';
  return undefined;
}

export function parseNslookup(name: string, server: string | undefined, text: string, rc: number): DnsLookup {
  const body = lines(text).join('\n');
  const addresses: string[] = [];
  let inAnswer = false;
  for (const line of lines(text)) {
    if (/^Name:\s/.test(line)) inAnswer = true;
    const a = /^Address(?: \d+)?:\s*([0-9a-fA-F:.]+)(?:#\d+)?\s*$/.exec(line);
    if (a && inAnswer && !line.includes('#') && !addresses.includes(a[1])) addresses.push(a[1]);
  }
  const error = errorFromText(body);
  const r: DnsLookup = { name, ok: addresses.length > 0 && !error, addresses };
  if (server) r.server = server;
  if (!r.ok)
    r.error = error ?? (rc === 124 || rc === 137 ? 'timeout' : addresses.length ? `exit ${rc}` : 'NODATA');
  return r;
}

export function parseDig(name: string, server: string | undefined, text: string, rc: number): DnsLookup {
  const body = lines(text).join('\n');
  const addresses: string[] = [];
  const status = /status: (\w+)/.exec(body)?.[1];
  let inAnswer = false;
  for (const line of lines(text)) {
    if (/^;; ANSWER SECTION:/.test(line)) {
      inAnswer = true;
      continue;
    }
    if (/^;; /.test(line) || !line.trim()) inAnswer = false;
    const t = fields(line);
    if (inAnswer && t.length >= 5 && (t[3] === 'A' || t[3] === 'AAAA') && !addresses.includes(t[4]))
      addresses.push(t[4]);
  }
  const r: DnsLookup = { name, ok: status === 'NOERROR' && addresses.length > 0, addresses };
  if (server) r.server = server;
  if (!r.ok) {
    r.error =
      status && status !== 'NOERROR'
        ? status
        : (errorFromText(body) ?? (rc === 124 || rc === 137 ? 'timeout' : status ? 'NODATA' : `exit ${rc}`));
  }
  return r;
}
