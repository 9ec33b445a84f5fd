/**
 * `:intent …` grammar, the words an operator would say:
 *   tcp/443 from me | internet | any | 10.0.0.0/8 | 1.2.3.4      (inbound; default: from the internet)
 *   out tcp/443 [to internet | 1.2.3.4 | 10.0.0.0/8]              (outbound; `to` alone implies out)
 *   udp/53 to 100.100.2.136, icmp from me, dns
 * Returns the Intent or why it could not be read. Host names are not resolved here (the UI does no I/O).
 */
import type { Intent, IntentProtocol } from '../../model/index.js';
import { parseCidr, parseIp } from '../../net/ip.js';

export type IntentParse = { ok: true; intent: Intent } | { ok: false; error: string };

export function parseIntent(text: string, opts: { egressIp?: string } = {}): IntentParse {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return { ok: false, error: 'empty intent' };
  if (words.length === 1 && words[0] === 'dns')
    return {
      ok: true,
      intent: {
        id: 'dns',
        direction: 'outbound',
        protocol: 'udp',
        port: 53,
        toKind: 'dns',
        label: 'DNS from the guest',
      },
    };
  let direction: Intent['direction'] | undefined;
  let protocol: IntentProtocol | undefined;
  let port: number | undefined;
  let from: string | undefined;
  let to: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === 'in' || w === 'inbound') direction = 'inbound';
    else if (w === 'out' || w === 'outbound') direction = 'outbound';
    else if (/^(tcp|udp|icmp)(\/\d+)?$/.test(w)) {
      const [p, n] = w.split('/');
      protocol = p as IntentProtocol;
      if (n !== undefined) {
        port = Number(n);
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          return { ok: false, error: `port ${n} is out of range` };
      }
    } else if (/^\d+$/.test(w) && protocol && port === undefined) port = Number(w);
    else if (w === 'from') from = words[++i];
    else if (w === 'to') to = words[++i];
    else return { ok: false, error: `unexpected "${w}"` };
  }
  if (!protocol) return { ok: false, error: 'name a protocol: tcp/PORT, udp/PORT or icmp' };
  if (protocol !== 'icmp' && port === undefined)
    return { ok: false, error: `${protocol} needs a port: ${protocol}/PORT` };
  direction ??= to !== undefined && from === undefined ? 'outbound' : 'inbound';
  const what = protocol === 'icmp' ? 'icmp' : `${protocol}/${port}`;
  const base = { direction, protocol, ...(port !== undefined ? { port } : {}) };

  if (direction === 'inbound') {
    const src = from ?? 'internet';
    if (src === 'me') {
      if (!opts.egressIp)
        return { ok: false, error: 'your egress address is not known yet: give a CIDR instead of me' };
      return {
        ok: true,
        intent: {
          ...base,
          id: `in-${what.replace('/', '-')}-me`,
          from: `${opts.egressIp}/32`,
          fromKind: 'me',
          label: `${what} from me (${opts.egressIp})`,
        },
      };
    }
    if (src === 'internet' || src === 'any' || src === '0.0.0.0/0')
      return {
        ok: true,
        intent: {
          ...base,
          id: `in-${what.replace('/', '-')}-internet`,
          from: '0.0.0.0/0',
          fromKind: 'internet',
          label: `${what} from the internet`,
        },
      };
    const cidr = asCidr(src);
    if (!cidr) return { ok: false, error: `"${src}" is not me, internet or a CIDR` };
    return {
      ok: true,
      intent: {
        ...base,
        id: `in-${what.replace('/', '-')}-${cidr.replace(/[/:]/g, '_')}`,
        from: cidr,
        fromKind: 'cidr',
        label: `${what} from ${cidr}`,
      },
    };
  }
  const dst = to ?? 'internet';
  if (dst === 'internet' || dst === 'any' || dst === '0.0.0.0/0')
    return {
      ok: true,
      intent: {
        ...base,
        id: `out-${what.replace('/', '-')}-internet`,
        to: '0.0.0.0/0',
        toKind: 'internet',
        label: `${what} to the internet`,
      },
    };
  const cidr = asCidr(dst);
  if (!cidr)
    return {
      ok: false,
      error: `"${dst}" is not internet, an address or a CIDR (names are not resolved here)`,
    };
  const host = cidr.endsWith('/32') || cidr.endsWith('/128') ? cidr.replace(/\/(32|128)$/, '') : cidr;
  return {
    ok: true,
    intent: {
      ...base,
      id: `out-${what.replace('/', '-')}-${host.replace(/[/:]/g, '_')}`,
      to: host,
      toKind: 'host',
      label: `${what} to ${host}`,
    },
  };
}

function asCidr(s: string | undefined): string | undefined {
  if (!s) return undefined;
  if (s.includes('/')) return parseCidr(s) ? s : undefined;
  const ip = parseIp(s);
  return ip ? `${s}/${ip.family === 4 ? 32 : 128}` : undefined;
}

/** How an existing intent is written on the command line (for completion). */
export function intentSpec(i: Intent): string {
  const what = i.protocol === 'icmp' ? 'icmp' : `${i.protocol}/${i.port}`;
  if (i.id === 'dns' || i.toKind === 'dns') return 'dns';
  if (i.direction === 'inbound') {
    const from =
      i.fromKind === 'me' ? 'me' : i.from === '0.0.0.0/0' || i.fromKind === 'internet' ? 'internet' : i.from;
    return `${what} from ${from}`;
  }
  const to = i.to === '0.0.0.0/0' || i.toKind === 'internet' ? 'internet' : (i.to ?? i.toName ?? '');
  return `out ${what} to ${to}`;
}
