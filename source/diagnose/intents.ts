/**
 * Intents: parsing them from the command line and the `:intent` command, and the defaults when none is given
 * (DESIGN.md §3): SSH from the operator, each listening service from the internet, outbound internet and DNS.
 */
import type { Intent, IntentProtocol, Snapshot } from '../model/index.js';
import { isLoopback, isPrivateIp, parseCidr, parseIp } from '../net/ip.js';
import { expectedEips } from './rules/platform.js';

export const INTERNET = '0.0.0.0/0';

export interface IntentContext {
  /** The operator's egress address when known (`me`). */
  me?: string;
  /** The port SSH answers on (`--ssh host:2222`); default 22. */
  sshPort?: number;
}

export class IntentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntentError';
  }
}

/** `443`, `443/tcp`, `tcp/443`, `53/udp`, `icmp` → protocol and port. */
export function parsePortSpec(spec: string): { protocol: IntentProtocol; port?: number } {
  const s = spec.trim().toLowerCase();
  if (s === 'icmp' || s === 'ping') return { protocol: 'icmp' };
  const m = /^(?:(tcp|udp)\/)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(s);
  if (!m || (m[1] && m[3]))
    throw new IntentError(`"${spec}" is not a port: write 443, 443/tcp, tcp/443 or 53/udp`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new IntentError(`port ${port} is out of range 1–65535`);
  return { protocol: (m[1] ?? m[3] ?? 'tcp') as IntentProtocol, port };
}

function normaliseCidr(s: string): string {
  const c = parseCidr(s);
  if (!c) throw new IntentError(`"${s}" is not an address or CIDR`);
  return s.includes('/') ? s : `${s}/${c.family === 4 ? 32 : 128}`;
}

function portLabel(protocol: IntentProtocol, port?: number): string {
  return port === undefined ? protocol : `${protocol}/${port}`;
}

/** An inbound intent from `me`, the internet, a CIDR/address, or another instance (`i-…`). */
export function inbound(
  protocol: IntentProtocol,
  port: number | undefined,
  from: string,
  ctx: IntentContext,
): Intent {
  const p = portLabel(protocol, port);
  const f = from.trim();
  if (f === 'me') {
    const cidr = ctx.me ? normaliseCidr(ctx.me) : undefined;
    return {
      id: `in-${protocol}-${port ?? 'any'}-me`,
      direction: 'inbound',
      protocol,
      port,
      from: cidr,
      fromKind: 'me',
      label: `${p} from me${ctx.me ? ` (${ctx.me})` : ''}`,
    };
  }
  if (f === 'internet' || f === 'any' || f === INTERNET) {
    return {
      id: `in-${protocol}-${port ?? 'any'}-internet`,
      direction: 'inbound',
      protocol,
      port,
      from: INTERNET,
      fromKind: 'internet',
      label: `${p} from the internet`,
    };
  }
  if (/^i-[a-z0-9]+$/i.test(f)) {
    return {
      id: `in-${protocol}-${port ?? 'any'}-${f}`,
      direction: 'internal',
      protocol,
      port,
      fromKind: 'instance',
      fromInstanceId: f,
      label: `${p} from instance ${f}`,
    };
  }
  const cidr = normaliseCidr(f);
  return {
    id: `in-${protocol}-${port ?? 'any'}-${cidr}`,
    direction: 'inbound',
    protocol,
    port,
    from: cidr,
    fromKind: 'cidr',
    label: `${p} from ${cidr}`,
  };
}

/** An outbound intent to the internet, an address/CIDR, a host name, or another instance. */
export function outbound(protocol: IntentProtocol, port: number | undefined, to: string): Intent {
  const p = portLabel(protocol, port);
  const t = to.trim();
  if (t === 'internet' || t === 'any' || t === INTERNET) {
    return {
      id: `out-${protocol}-${port ?? 'any'}-internet`,
      direction: 'outbound',
      protocol,
      port,
      to: INTERNET,
      toKind: 'internet',
      label: `${p} to the internet`,
    };
  }
  if (/^i-[a-z0-9]+$/i.test(t)) {
    return {
      id: `out-${protocol}-${port ?? 'any'}-${t}`,
      direction: 'internal',
      protocol,
      port,
      toKind: 'instance',
      toInstanceId: t,
      label: `${p} to instance ${t}`,
    };
  }
  if (parseCidr(t)) {
    const cidr = normaliseCidr(t);
    return {
      id: `out-${protocol}-${port ?? 'any'}-${cidr}`,
      direction: 'outbound',
      protocol,
      port,
      to: cidr,
      toKind: 'host',
      label: `${p} to ${t}`,
    };
  }
  if (!/^[a-z0-9.-]+$/i.test(t))
    throw new IntentError(`"${to}" is not an address, CIDR, host name or instance id`);
  return {
    id: `out-${protocol}-${port ?? 'any'}-${t}`,
    direction: 'outbound',
    protocol,
    port,
    toName: t,
    toKind: 'host',
    label: `${p} to ${t}`,
  };
}

export function dnsIntent(): Intent {
  return {
    id: 'dns',
    direction: 'outbound',
    protocol: 'udp',
    port: 53,
    toKind: 'dns',
    label: 'DNS resolution',
  };
}

/** `--outbound HOST:PORT` (port defaults to 443), `--outbound` alone = the internet on 443. */
export function parseOutbound(spec: string | true): Intent {
  if (spec === true || spec === '' || spec === 'internet') return outbound('tcp', 443, 'internet');
  const m = /^(?:(tcp|udp)\/)?(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!m) throw new IntentError(`"${spec}" is not HOST[:PORT]`);
  const host = m[2].replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : 443;
  if (port < 1 || port > 65535) throw new IntentError(`port ${port} is out of range 1–65535`);
  return outbound((m[1] ?? 'tcp') as IntentProtocol, port, host);
}

/**
 * The `:intent` command line and scripts: `tcp/443 from me`, `22 from 203.0.113.0/24`, `in 443 from internet`,
 * `out tcp/443 to mirrors.aliyun.com`, `tcp/3306 from i-bp1…`, `dns`.
 */
export function parseIntentSpec(spec: string, ctx: IntentContext): Intent {
  const words = spec.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0)
    throw new IntentError('empty intent: try "tcp/443 from me" or "out tcp/443 to internet"');
  if (words[0] === 'dns') return dnsIntent();
  let dir: 'in' | 'out' | undefined;
  if (words[0] === 'in' || words[0] === 'inbound') dir = 'in';
  if (words[0] === 'out' || words[0] === 'outbound') dir = 'out';
  if (dir) words.shift();
  const { protocol, port } = parsePortSpec(words.shift() ?? '');
  const prep = words.shift();
  const peer = words.join(' ');
  if (prep === undefined)
    return dir === 'out' ? outbound(protocol, port, 'internet') : inbound(protocol, port, 'internet', ctx);
  if (prep === 'from' && dir !== 'out') return inbound(protocol, port, peer || 'internet', ctx);
  if (prep === 'to' && dir !== 'in') return outbound(protocol, port, peer || 'internet');
  throw new IntentError(`"${spec}": use "from PEER" for inbound and "to PEER" for outbound`);
}

export interface IntentArgs {
  ports?: string[];
  from?: string;
  outbound?: (string | true)[];
  to?: string[];
}

/** Intents from `--port … --from … --outbound … --to …`; empty when none was given. */
export function intentsFromArgs(args: IntentArgs, ctx: IntentContext): Intent[] {
  const out: Intent[] = [];
  for (const p of args.ports ?? []) {
    const { protocol, port } = parsePortSpec(p);
    // Default source: the operator for SSH, the internet for anything else (DESIGN.md §3).
    out.push(inbound(protocol, port, args.from ?? (port === 22 ? 'me' : 'internet'), ctx));
  }
  for (const o of args.outbound ?? []) out.push(parseOutbound(o));
  for (const t of args.to ?? []) {
    const m = /^(i-[a-z0-9]+)(?::(\d+))?$/i.exec(t);
    if (!m) throw new IntentError(`--to takes an instance id (i-…[:PORT]), got "${t}"`);
    out.push(outbound('tcp', m[2] ? Number(m[2]) : 22, m[1]));
  }
  if (args.from && !args.ports?.length)
    throw new IntentError('--from needs --port: which port should be reachable?');
  return dedupe(out);
}

function dedupe(intents: Intent[]): Intent[] {
  const seen = new Set<string>();
  return intents.filter((i) => {
    if (seen.has(i.id)) return false;
    seen.add(i.id);
    return true;
  });
}

/** Well-known public service ports worth checking from the internet when something listens on them. */
const PUBLIC_PORTS = new Set([
  21, 25, 80, 443, 465, 587, 993, 995, 1194, 3000, 5000, 8000, 8080, 8443, 8888, 9000,
]);

/**
 * With no intent given: SSH from the operator, each listening public service from the internet (plus the ports a
 * known-but-dead web service would serve), outbound internet and DNS. Scenario intents come first when given.
 */
export function defaultIntents(snapshot: Snapshot, ctx: IntentContext, extra: string[] = []): Intent[] {
  const out: Intent[] = [];
  for (const spec of extra) out.push(parseIntentSpec(spec, ctx));
  // A server with no public address is reached through the VPC (a jump host, a load balancer): inbound from the
  // internet is not a default question for it; ask with --port/--from when it is.
  const inst = snapshot.cloud?.instance.value;
  const isPrivate =
    !!inst &&
    !inst.eip?.ip &&
    inst.publicIps.length === 0 &&
    !inst.enis.some((e) => e.publicIp) &&
    // …unless it is meant to have one: an EIP that was bound to it, or the public address the operator typed.
    expectedEips(snapshot, inst, snapshot.cloud?.eips.value ?? []).length === 0 &&
    !(snapshot.target.query && parseIp(snapshot.target.query) && !isPrivateIp(snapshot.target.query));
  if (!isPrivate) out.push(inbound('tcp', ctx.sshPort ?? 22, 'me', ctx));
  const ports = new Set<number>();
  for (const s of snapshot.guest?.sockets.value ?? []) {
    if (s.proto !== 'tcp' || s.state !== 'LISTEN' || isLoopback(s.local.address)) continue;
    if (PUBLIC_PORTS.has(s.local.port)) ports.add(s.local.port);
  }
  // A web service that is down still means 80/443 are expected to answer.
  for (const svc of snapshot.guest?.services.value ?? []) {
    if (/^(nginx|httpd|apache2|caddy|openresty|tengine)$/.test(svc.name)) {
      ports.add(80);
      ports.add(443);
    }
  }
  if (!isPrivate)
    for (const p of [...ports].sort((a, b) => a - b)) out.push(inbound('tcp', p, 'internet', ctx));
  out.push(outbound('tcp', 443, 'internet'));
  out.push(dnsIntent());
  return dedupe(out);
}

/** True when `s` names an address (not a CIDR) — used to decide whether a TARGET is an IP to look up. */
export function isAddress(s: string): boolean {
  return parseIp(s) !== undefined;
}
