/**
 * TCP wrappers (hosts_access(5), hosts_options(5)): hosts.allow first (first match allows), then hosts.deny
 * (first match denies), else the connection is allowed; with the extended syntax a trailing `: allow` / `: deny`
 * option overrides the file's meaning. They bind only daemons whose binary links libwrap.so (OpenSSH dropped
 * it upstream in 6.7; some distributions still patch it in), and the verdict says so. Client patterns that need
 * DNS, ident, NIS or a file (KNOWN, `.example.com`, `user@host`, `@netgroup`, `/etc/x`) cannot be decided from
 * an address: the client set is forked on them and the verdict is uncertain unless both ways agree. Pure.
 */
import type { Confidence, GuestService, TcpWrapperRule, TcpWrappers } from '../../model/index.js';
import { parseIp } from '../../net/ip.js';
import { describeSet, intersectSpans, type Span, spansSize, subtractSpans, unionSpans } from './addr-set.js';
import { addrSpans } from './packet.js';
import type { HopDecision } from './types.js';

export interface WrapperQuery {
  /** Daemon name as tcpd sees it (argv[0] basename): `sshd`, `vsftpd`, `in.telnetd`. See daemonNameFor(). */
  daemon: string;
  /** The client: an address, a CIDR, or `internet` (every public address). */
  client: string;
  /** The local address the client connected to (`daemon@host` patterns). */
  server?: string;
  /** Whether the daemon links libwrap; undefined = not known (see libwrapOf()). */
  libwrap?: boolean;
  /** The client's host name when known (reverse DNS); lets name patterns be decided. */
  clientName?: string;
}

export interface WrapperBranch {
  verdict: 'allow' | 'deny';
  /** Which clients (`from 10.0.0.0/8`); empty for all of them. */
  scope: string;
  share: number;
  /** The deciding line; absent when no line matched (allowed by default). */
  rule?: TcpWrapperRule;
  assumptions: string[];
}

export interface WrapperVerdict {
  verdict: 'allow' | 'deny' | 'uncertain' | 'not-applicable';
  confidence: Confidence;
  daemon: string;
  rule?: TcpWrapperRule;
  detail: string;
  reasons: string[];
  /** The answer depends only on which client address (each part known exactly). */
  partial: boolean;
  /** Share of the clients allowed, counting only parts decided without assumptions. */
  allowedShare: number;
  branches: WrapperBranch[];
}

/**
 * What a denied client sees: libwrap's refuse() lets the TCP connection complete, sends nothing, sleeps five
 * seconds and closes it (checked against Debian's sshd in test/host/fw-tcpwrappers.test.ts) — a TCP probe
 * says "delivered" while the service never answers.
 */
const DENIED_LOOKS = ' (clients connect, get no banner, and are closed after about 5 s)';

/** The name tcpd matches daemon lists against, from the listening process name. */
export function daemonNameFor(processName: string): string {
  const base = processName.replace(/:.*$/, '').split('/').pop() ?? processName;
  if (base === 'sshd-session' || base === 'sshd-auth') return 'sshd';
  if (base === 'stunnel4') return 'stunnel';
  return base;
}

/** Services inetd/xinetd commonly start per port, with the name tcpd sees (the server program's). */
const INETD_SERVICES: Record<number, string> = {
  21: 'in.ftpd',
  23: 'in.telnetd',
  69: 'in.tftpd',
  79: 'in.fingerd',
  512: 'in.rexecd',
  513: 'in.rlogind',
  514: 'in.rshd',
};

/**
 * The daemon name for a listening socket: the process name, except under inetd/xinetd, where the wrapped name
 * is the server program of the service on that port (a guess from the usual ports, so `sure` is false).
 */
export function daemonForListener(processName: string, port: number): { daemon: string; sure: boolean } {
  const d = daemonNameFor(processName);
  if (d !== 'xinetd' && d !== 'inetd') return { daemon: d, sure: true };
  return { daemon: INETD_SERVICES[port] ?? d, sure: false };
}

/** Whether a daemon links libwrap, from the service facts (binary checked with ldd) or the wrappers fact. */
export function libwrapOf(daemon: string, tw?: TcpWrappers, services?: GuestService[]): boolean | undefined {
  for (const s of services ?? []) {
    const bin = s.binary?.split('/').pop();
    if ((s.name === daemon || bin === daemon) && s.libwrap !== undefined) return s.libwrap;
  }
  return tw?.libwrap[daemon];
}

interface MatchSet {
  yes: Span[];
  maybe: Span[];
  why?: string;
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function globToRe(g: string): RegExp {
  return new RegExp(
    `^${g
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

/** The addresses an address-shaped pattern stands for, or undefined when the pattern is not one. */
function patternSpans(tok: string): { family: 4 | 6; spans: Span[] } | undefined {
  if (/^(\d{1,3}\.){1,3}$/.test(tok)) {
    const octets = tok.split('.').filter(Boolean);
    return addrSpans(`${[...octets, ...Array(4 - octets.length).fill('0')].join('.')}/${octets.length * 8}`);
  }
  const v6 = /^\[([0-9a-fA-F:.]+)\](?:\/(\d+))?$/.exec(tok);
  if (v6) return addrSpans(`${v6[1]}/${v6[2] ?? 128}`);
  const nm = /^(\d+\.\d+\.\d+\.\d+)\/(\d+\.\d+\.\d+\.\d+|\d+)$/.exec(tok);
  if (nm) {
    if (!nm[2].includes('.')) return addrSpans(`${nm[1]}/${nm[2]}`);
    const mask = parseIp(nm[2]);
    if (!mask) return undefined;
    const len = mask.value.toString(2).replace(/0+$/, '').length;
    if (mask.value !== 0n && !/^1+0*$/.test(mask.value.toString(2).padStart(32, '0'))) return undefined;
    return addrSpans(`${nm[1]}/${mask.value === 0n ? 0 : len}`);
  }
  if (parseIp(tok)) return addrSpans(tok);
  return undefined;
}

function clientMatch(tok: string, q: WrapperQuery, set: Span[], family: 4 | 6): MatchSet {
  const all: MatchSet = { yes: set, maybe: [] };
  const none: MatchSet = { yes: [], maybe: [] };
  const maybe = (why: string): MatchSet => ({ yes: [], maybe: set, why });
  if (eq(tok, 'ALL')) return all;
  const name = q.clientName;
  if (eq(tok, 'LOCAL'))
    return name ? (name.includes('.') ? none : all) : maybe('LOCAL needs the client host name (reverse DNS)');
  if (eq(tok, 'KNOWN') || eq(tok, 'UNKNOWN') || eq(tok, 'PARANOID'))
    return maybe(`${tok.toUpperCase()} depends on the client's DNS names`);
  if (tok.startsWith('@')) return maybe(`${tok} is a NIS netgroup, which was not collected`);
  if (tok.startsWith('/')) return maybe(`patterns are read from ${tok}, which was not collected`);
  if (tok.includes('@')) return maybe(`${tok} needs an ident lookup of the client user`);
  const spans = patternSpans(tok);
  if (spans) return spans.family === family ? { yes: intersectSpans(set, spans.spans), maybe: [] } : none;
  if (/[*?]/.test(tok)) {
    if (/^[\d.*?]+$/.test(tok) || /^[\da-fA-F:*?[\]]+$/.test(tok)) {
      if (set.length === 1 && set[0].lo === set[0].hi && q.client) {
        const addr = q.client.split('/')[0];
        return globToRe(tok.replace(/^\[|\]$/g, '')).test(addr) ? all : none;
      }
      return maybe(`${tok} is an address wildcard, decided per client`);
    }
    if (name) return globToRe(tok).test(name) ? all : none;
    return maybe(`${tok} matches host names, which need reverse DNS`);
  }
  if (tok.startsWith('.')) {
    if (name) return name.toLowerCase().endsWith(tok.toLowerCase()) ? all : none;
    return maybe(`${tok} matches host names, which need reverse DNS`);
  }
  if (name) return eq(name, tok) ? all : none;
  return maybe(`${tok} is a host name, which needs DNS`);
}

function daemonMatch(tok: string, q: WrapperQuery): 'yes' | 'no' | 'maybe' {
  const at = tok.indexOf('@');
  const d = at >= 0 ? tok.slice(0, at) : tok;
  if (!eq(d, 'ALL') && !eq(d, q.daemon)) return 'no';
  if (at < 0) return 'yes';
  const host = tok.slice(at + 1);
  if (eq(host, 'ALL')) return 'yes';
  const s = patternSpans(host);
  const srv = q.server ? addrSpans(q.server) : undefined;
  if (!s || !srv) return 'maybe';
  return intersectSpans(s.spans, srv.spans).length ? 'yes' : 'no';
}

/** A list with EXCEPT (right-associative, as tcpd's list_match): `a b EXCEPT c EXCEPT d` = a,b minus (c minus d). */
function listMatch(tokens: string[], one: (t: string) => MatchSet): MatchSet {
  const i = tokens.indexOf('EXCEPT');
  const head = i < 0 ? tokens : tokens.slice(0, i);
  let yes: Span[] = [];
  let maybe: Span[] = [];
  const why: string[] = [];
  for (const t of head) {
    const m = one(t);
    yes = unionSpans(yes, m.yes);
    maybe = unionSpans(maybe, m.maybe);
    if (m.why) why.push(m.why);
  }
  maybe = subtractSpans(maybe, yes);
  if (i < 0) return { yes, maybe, ...(why.length ? { why: why.join('; ') } : {}) };
  const ex = listMatch(tokens.slice(i + 1), one);
  if (ex.why) why.push(ex.why);
  const exAny = unionSpans(ex.yes, ex.maybe);
  return {
    yes: subtractSpans(yes, exAny),
    maybe: unionSpans(intersectSpans(yes, ex.maybe), subtractSpans(maybe, ex.yes)),
    ...(why.length ? { why: why.join('; ') } : {}),
  };
}

/** `allow`/`deny` as the last option of the extended syntax; `twist` replaces the service (the client never gets it). */
function ruleVerdict(r: TcpWrapperRule): 'allow' | 'deny' {
  const opts = (r.options ?? '')
    .split(/(?<!\\):/)
    .map((o) => o.trim().toLowerCase())
    .filter(Boolean);
  const last = opts[opts.length - 1];
  if (last === 'allow' || last === 'deny') return last;
  if (opts.some((o) => o.startsWith('twist'))) return 'deny';
  return r.file === 'hosts.allow' ? 'allow' : 'deny';
}

interface RawBranch {
  verdict: 'allow' | 'deny';
  spans: Span[];
  rule?: TcpWrapperRule;
  assumptions: string[];
}

function walk(
  rules: TcpWrapperRule[],
  i: number,
  set: Span[],
  q: WrapperQuery,
  family: 4 | 6,
  as: string[],
  depth: number,
): RawBranch[] {
  if (set.length === 0) return [];
  if (i >= rules.length) return [{ verdict: 'allow', spans: set, assumptions: as }];
  const r = rules[i];
  const dm = daemonListMatch(r.daemons, q);
  if (dm === 'no') return walk(rules, i + 1, set, q, family, as, depth);
  const m = listMatch(r.clients, (t) => clientMatch(t, q, set, family));
  let yes = intersectSpans(m.yes, set);
  let maybe = intersectSpans(m.maybe, set);
  if (dm === 'maybe') {
    maybe = unionSpans(yes, maybe);
    yes = [];
  }
  const verdict = ruleVerdict(r);
  const out: RawBranch[] = [];
  const where = `${r.file} line ${r.line}`;
  if (yes.length) out.push({ verdict, spans: yes, rule: r, assumptions: as });
  if (maybe.length) {
    const why = m.why ?? `the server address of ${r.daemons.join(' ')} is not known`;
    if (depth > 16)
      out.push({ verdict, spans: maybe, rule: r, assumptions: [...as, 'too many undecidable lines'] });
    else {
      out.push({ verdict, spans: maybe, rule: r, assumptions: [...as, `${where} matches (${why})`] });
      out.push(
        ...walk(rules, i + 1, maybe, q, family, [...as, `${where} does not match (${why})`], depth + 1),
      );
    }
  }
  out.push(...walk(rules, i + 1, subtractSpans(subtractSpans(set, yes), maybe), q, family, as, depth));
  return out;
}

/** Daemon list with EXCEPT, three-valued. */
function daemonListMatch(tokens: string[], q: WrapperQuery): 'yes' | 'no' | 'maybe' {
  const i = tokens.indexOf('EXCEPT');
  const head = (i < 0 ? tokens : tokens.slice(0, i)).map((t) => daemonMatch(t, q));
  const h = head.includes('yes') ? 'yes' : head.includes('maybe') ? 'maybe' : 'no';
  if (i < 0 || h === 'no') return h;
  const ex = daemonListMatch(tokens.slice(i + 1), q);
  return ex === 'yes' ? 'no' : ex === 'maybe' ? 'maybe' : h;
}

function ruleText(r: TcpWrapperRule): string {
  return `${r.file} line ${r.line}: ${r.raw.replace(/\\\n\s*/g, ' ').trim()}`;
}

/** The verdict of hosts.allow / hosts.deny for one daemon and a client (address or set of addresses). */
export function evaluateTcpWrappers(tw: TcpWrappers, q: WrapperQuery): WrapperVerdict {
  const base = { daemon: q.daemon, reasons: [] as string[], branches: [] as WrapperBranch[], partial: false };
  if (q.libwrap === false)
    return {
      ...base,
      verdict: 'not-applicable',
      confidence: 'certain',
      allowedShare: 1,
      detail: `not applicable: ${q.daemon} is not linked with libwrap, so hosts.allow/hosts.deny do not bind it`,
    };
  const client = addrSpans(q.client);
  if (!client) throw new Error(`client "${q.client}" is not an address or CIDR`);
  const rules = [...tw.allow, ...tw.deny];
  const raw = walk(rules, 0, client.spans, q, client.family, [], 0);
  const total = spansSize(client.spans);
  const branches: WrapperBranch[] = raw.map((b) => {
    const covers = spansSize(b.spans) === total;
    const br: WrapperBranch = {
      verdict: b.verdict,
      scope: covers ? '' : `from ${describeSet({ family: client.family, spans: b.spans }, 3).join(', ')}`,
      share: total ? Number((spansSize(b.spans) * 1_000_000n) / total) / 1_000_000 : 0,
      assumptions: b.assumptions,
    };
    if (b.rule) br.rule = b.rule;
    return br;
  });
  const sure = branches.filter((b) => !b.assumptions.length);
  const allowedShare = Math.min(
    1,
    sure.filter((b) => b.verdict === 'allow').reduce((s, b) => s + b.share, 0),
  );
  const verdicts = new Set(branches.map((b) => b.verdict));
  const unknownLib = q.libwrap === undefined;
  const libNote = `whether ${q.daemon} links libwrap is not known`;
  const text = (b: WrapperBranch) =>
    `${b.verdict === 'allow' ? 'allowed' : 'denied'}${b.scope ? ` ${b.scope}` : ''} by ${b.rule ? ruleText(b.rule) : 'default (no line matches)'}${b.assumptions.length ? ` if ${b.assumptions.join(' and ')}` : ''}`;
  if (verdicts.size === 1) {
    const main = branches.reduce((a, b) => (b.share > a.share || (!a.rule && b.rule) ? b : a));
    const v: WrapperVerdict = {
      ...base,
      branches,
      verdict: main.verdict,
      confidence: unknownLib ? 'likely' : 'certain',
      allowedShare,
      detail: `${q.daemon}: ${text({ ...main, scope: '', assumptions: [] })}${main.verdict === 'deny' ? DENIED_LOOKS : ''}`,
    };
    if (main.rule) v.rule = main.rule;
    if (unknownLib) {
      v.reasons.push(libNote);
      if (main.verdict === 'deny') {
        v.verdict = 'uncertain';
        v.confidence = 'uncertain';
        v.detail += ` — if ${q.daemon} links libwrap (not known)`;
      }
    }
    return v;
  }
  const partial = branches.every((b) => !b.assumptions.length);
  const decider = branches.find((b) => b.verdict === 'deny' && b.rule) ?? branches[0];
  const v: WrapperVerdict = {
    ...base,
    branches,
    verdict: 'uncertain',
    confidence: 'uncertain',
    partial,
    allowedShare,
    detail: `${q.daemon} ${partial ? 'depends on the client' : 'cannot be decided'}: ${branches.slice(0, 4).map(text).join('; ')}`,
    reasons: [...new Set(branches.flatMap((b) => b.assumptions))].concat(unknownLib ? [libNote] : []),
  };
  if (decider.rule) v.rule = decider.rule;
  return v;
}

/** The `tcp-wrappers` hop of an inbound leg. */
export function tcpWrappersHop(v: WrapperVerdict): HopDecision {
  const evidence = { rule: v.rule, lines: v.rule ? [ruleText(v.rule)] : [], daemon: v.daemon };
  if (v.verdict === 'allow' || v.verdict === 'not-applicable')
    return { state: 'OK', confidence: v.confidence, detail: v.detail, evidence };
  if (v.verdict === 'deny')
    return {
      state: 'BLOCKED',
      confidence: v.confidence,
      detail: v.detail,
      evidence,
      code: 'HOSTS_DENY_MATCH',
    };
  if (v.partial)
    return {
      state: v.allowedShare >= 0.5 ? 'OK' : 'BLOCKED',
      confidence: 'likely',
      detail: v.detail,
      evidence,
      code: 'HOSTS_DENY_MATCH',
    };
  return { state: 'UNCERTAIN', confidence: 'uncertain', detail: v.detail, evidence };
}
