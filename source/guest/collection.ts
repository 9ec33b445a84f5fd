/**
 * parseCollection: the collection script's whole output → GuestFacts. Every section goes to its parser; a
 * section that failed (missing tool, permission, timeout, cut short, garbage, absent) becomes a Fact with a
 * named error while every other section still parses. Pure: time arrives in `opts.at`.
 */
import type {
  ConfiguredAddress,
  ConntrackStats,
  DnsLookup,
  EthtoolLink,
  Fact,
  GuestFacts,
  GuestFirewall,
  GuestInterface,
  GuestRoute,
  GuestService,
  GuestSocket,
  GuestVia,
  KernelLogLine,
  NetDevCounters,
  PolicyRule,
  ResolvConf,
  SourceError,
  TcpWrappers,
} from '../model/index.js';
import type { Parsed } from './parsers/common.js';
import { parseDig, parseGetentAhosts, parseNslookup } from './parsers/dns-lookup.js';
import { parseEthtool } from './parsers/ethtool.js';
import { parseHostsAccess } from './parsers/hosts-access.js';
import { parseIpJsonLinks, parseIpJsonRoutes } from './parsers/ip-json.js';
import { parseIpAddrText, parseIpRouteText, parseIpRule } from './parsers/ip-text.js';
import { iptablesIsEmpty, parseIptablesSave, parseIptablesVersion } from './parsers/iptables-save.js';
import { parseKernelLog } from './parsers/kernel-log.js';
import { parseNetconfig, scrubNetconfigSecrets, splitNetconfigFiles } from './parsers/netconfig.js';
import { parseNetstat } from './parsers/netstat.js';
import { nftHasNativeRules, parseNftJson } from './parsers/nft.js';
import { parseProcNetDev } from './parsers/proc-net-dev.js';
import { parseConntrack, parseSockstat, parseStateCounts, parseSysctl } from './parsers/proc-values.js';
import { parseResolvConf } from './parsers/resolv.js';
import { parseSs } from './parsers/ss.js';
import { linksLibwrap, parseSystem } from './parsers/system.js';
import { parseServiceStatus, parseSystemctlShow } from './parsers/systemctl.js';
import { parseError, sectionError } from './script/errors.js';
import { type RawSection, type SplitResult, splitCollection, splitItems } from './script/split.js';

const RAW_CAP = 256 * 1024;

/** Keeps raw evidence bounded, and never keeps command lines (ExecStart argv can carry passwords). */
function rawOf(text: string): string {
  const scrubbed = text.replace(/argv\[\]=[^;}]*/g, 'argv[]=…');
  return scrubbed.length > RAW_CAP ? `${scrubbed.slice(0, RAW_CAP)}\n… (cut at ${RAW_CAP} bytes)` : scrubbed;
}

class Builder {
  constructor(
    readonly split: SplitResult,
    readonly at: number,
  ) {}

  sec(name: string): RawSection | undefined {
    return this.split.sections.get(name);
  }

  /** A fact from one section: error classification, then the parser; empty output from garbage is an error. */
  fact<T>(
    name: string,
    parse: (sec: RawSection) => Parsed<T | undefined>,
    opts: { isEmpty?: (v: T) => boolean; keepPartial?: boolean; emptyError?: SourceError } = {},
  ): Fact<T> {
    const sec = this.sec(name);
    const f: Fact<T> = { source: `guest:${name}`, at: this.at };
    if (sec?.ms !== undefined) f.ms = sec.ms;
    const err = sectionError(name, sec);
    if (!sec) {
      f.error = err;
      return f;
    }
    if (sec.stdout) f.raw = rawOf(sec.stdout);
    const partialAllowed = !err || err.code === 'TIMEOUT' || err.code === 'TRUNCATED' || opts.keepPartial;
    if (err && !partialAllowed) {
      f.error = err;
      return f;
    }
    let parsed: Parsed<T | undefined>;
    try {
      parsed = parse(sec);
    } catch (e) {
      // Parsers never throw by contract; if one does, the section is still reported, not the whole collection.
      f.error = parseError(name, [`parser failed: ${(e as Error).message}`]);
      return f;
    }
    if (parsed.warnings.length) f.warnings = parsed.warnings;
    const v = parsed.value;
    const empty = v === undefined || (opts.isEmpty?.(v) ?? false);
    if (empty && err) {
      f.error = err;
      return f;
    }
    if (empty && sec.stdout.trim() && parsed.warnings.length) {
      f.error = parseError(name, parsed.warnings);
      return f;
    }
    if (v === undefined) {
      f.error = opts.emptyError ?? parseError(name, parsed.warnings);
      return f;
    }
    f.value = v;
    if (err) f.error = err;
    return f;
  }
}

const isEmptyList = (v: unknown[]) => v.length === 0;

function uniqueBy<T>(list: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function parseServicesSection(b: Builder, sec: RawSection): Parsed<GuestService[]> {
  if (sec.tool === 'systemctl') {
    const p = parseSystemctlShow(sec.stdout);
    return { value: uniqueBy(p.value, (s) => s.unit ?? s.name), warnings: p.warnings };
  }
  const out: GuestService[] = [];
  for (const item of splitItems(sec, b.split.id)) {
    const via = item.attrs.via === 'pidof' ? 'pidof' : 'service';
    const s = parseServiceStatus(item.key, item.body, Number(item.attrs.rc ?? 0), via);
    if (s) out.push(s);
  }
  return { value: out, warnings: [] };
}

function libwrapMap(b: Builder): Record<string, boolean> {
  const sec = b.sec('libwrap');
  const out: Record<string, boolean> = {};
  if (sec?.rc !== 0) return out;
  for (const item of splitItems(sec, b.split.id)) {
    const linked = linksLibwrap(item.body);
    out[item.key] = linked;
    out[item.key.replace(/^.*\//, '')] = linked;
  }
  return out;
}

function buildFirewall(b: Builder, services: Fact<GuestService[]>): Fact<GuestFirewall> {
  const version = b.sec('iptables-version');
  const ver =
    version && version.rc === 0 ? parseIptablesVersion(version.stdout) : { variant: 'unknown' as const };
  const v4 = b.fact('iptables', (s) => parseIptablesSave(s.stdout, 4), {
    isEmpty: (v) => Object.keys(v.tables).length === 0 && !/^\*/m.test(s4(b)),
  });
  const v6 = b.fact('ip6tables', (s) => parseIptablesSave(s.stdout, 6), {
    isEmpty: (v) => Object.keys(v.tables).length === 0 && !/^\*/m.test(b.sec('ip6tables')?.stdout ?? ''),
  });
  const nftSec = b.sec('nft');
  const nft =
    nftSec?.tool === 'nft' && nftSec.rc === 0
      ? ({ source: 'guest:nft', at: b.at, error: textNftError() } as Fact<never>)
      : b.fact('nft', (s) => parseNftJson(s.stdout));
  const fw: GuestFirewall = { backend: 'unknown' };
  const warnings: string[] = [];
  if (v4.value) {
    fw.ipv4 = v4.value;
    if (fw.ipv4.variant === 'unknown' && ver.variant !== 'unknown') fw.ipv4.variant = ver.variant;
    if (!fw.ipv4.version && ver.version) fw.ipv4.version = ver.version;
  }
  if (v6.value) {
    fw.ipv6 = v6.value;
    if (fw.ipv6.variant === 'unknown' && ver.variant !== 'unknown') fw.ipv6.variant = ver.variant;
  }
  if (nft.value) fw.nft = nft.value;
  for (const f of [v4, v6, nft]) {
    if (f.warnings) warnings.push(...f.warnings);
    if (f.error && f.value === undefined) warnings.push(`${f.source}: ${f.error.message}`);
  }
  const variant = fw.ipv4?.variant !== 'unknown' && fw.ipv4 ? fw.ipv4.variant : ver.variant;
  const iptEmpty = iptablesIsEmpty(fw.ipv4) && iptablesIsEmpty(fw.ipv6);
  const native = nftHasNativeRules(fw.nft);
  if (!fw.ipv4 && !fw.ipv6 && !fw.nft) fw.backend = 'unknown';
  else if (iptEmpty && native) fw.backend = 'nftables';
  else if (!iptEmpty && variant === 'nf_tables') fw.backend = 'iptables-nft';
  else if (!iptEmpty && variant === 'legacy') fw.backend = 'iptables-legacy';
  else if (!iptEmpty) fw.backend = 'unknown';
  else fw.backend = fw.ipv4 || fw.nft ? 'none' : 'unknown';
  for (const svc of services.value ?? []) {
    if (svc.name === 'firewalld' || svc.name === 'ufw') {
      if (!fw.manager || svc.active === 'active')
        fw.manager = { name: svc.name, active: svc.active === 'active' };
    }
  }
  const f: Fact<GuestFirewall> = { source: 'guest:firewall', at: b.at };
  const ms = (v4.ms ?? 0) + (v6.ms ?? 0) + (nft.ms ?? 0);
  if (ms) f.ms = ms;
  if (v4.raw) f.raw = v4.raw;
  if (warnings.length) f.warnings = warnings;
  if (!fw.ipv4 && !fw.nft) {
    // Neither view could be read: say why, preferring the iptables error (the view most guests use).
    f.error = v4.error ?? nft.error;
    if (!fw.ipv6) return f;
  }
  f.value = fw;
  if (!f.error && v4.error && fw.backend !== 'nftables') f.error = v4.error;
  return f;
}

function s4(b: Builder): string {
  return b.sec('iptables')?.stdout ?? '';
}

function textNftError(): SourceError {
  return {
    code: 'NFT_NO_JSON',
    message: 'This nft cannot print JSON (built without it), so the nftables ruleset was not read.',
    hint: 'nftables 0.9 or later prints JSON; the iptables view is still used.',
  };
}

export function parseCollection(output: string, opts: { at: number; via: GuestVia }): GuestFacts {
  const split = splitCollection(output);
  const b = new Builder(split, opts.at);
  const system = parseSystem(b.sec('system')?.stdout ?? '');

  let interfaces = b.fact<GuestInterface[]>(
    'ip-addr',
    (s) => (s.tool === 'ip-json' ? parseIpJsonLinks(s.stdout) : parseIpAddrText(s.stdout)),
    { isEmpty: isEmptyList },
  );
  if (interfaces.value === undefined) {
    const links = b.fact<GuestInterface[]>(
      'ip-link',
      (s) => (s.tool === 'ip-json' ? parseIpJsonLinks(s.stdout) : parseIpAddrText(s.stdout)),
      { isEmpty: isEmptyList },
    );
    if (links.value) interfaces = { ...links, error: interfaces.error, source: 'guest:ip-link' };
  }

  const r4 = b.fact<GuestRoute[]>('ip-route', (s) =>
    s.tool === 'ip-json' ? parseIpJsonRoutes(s.stdout, 4) : parseIpRouteText(s.stdout, 4),
  );
  const r6 = b.fact<GuestRoute[]>('ip-route6', (s) =>
    s.tool === 'ip-json' ? parseIpJsonRoutes(s.stdout, 6) : parseIpRouteText(s.stdout, 6),
  );
  const routes: Fact<GuestRoute[]> = { source: 'guest:ip-route', at: opts.at };
  if (r4.ms !== undefined) routes.ms = r4.ms + (r6.ms ?? 0);
  if (r4.raw !== undefined) routes.raw = r4.raw + (r6.raw ? `\n${r6.raw}` : '');
  const rw = [...(r4.warnings ?? []), ...(r6.warnings ?? [])];
  if (r6.error && r4.value) rw.push(`IPv6 routes: ${r6.error.message}`);
  if (rw.length) routes.warnings = rw;
  if (r4.value || r6.value) routes.value = [...(r4.value ?? []), ...(r6.value ?? [])];
  if (r4.error) routes.error = r4.error;

  const policyRules = b.fact<PolicyRule[]>('ip-rule', (s) => parseIpRule(s.stdout));

  const services = b.fact<GuestService[]>('services', (s) => parseServicesSection(b, s));
  const libwrap = libwrapMap(b);
  for (const svc of services.value ?? []) {
    const bin = svc.binary;
    if (bin && libwrap[bin] !== undefined) svc.libwrap = libwrap[bin];
    else if (libwrap[svc.name] !== undefined) svc.libwrap = libwrap[svc.name];
  }
  const networkServices = b.fact<GuestService[]>('network-services', (s) => parseServicesSection(b, s));
  const firewall = buildFirewall(b, services);

  const listen = b.fact<GuestSocket[]>('sockets', (s) =>
    s.tool === 'netstat' ? parseNetstat(s.stdout) : parseSs(s.stdout),
  );
  const conns = b.fact<GuestSocket[]>('connections', (s) =>
    s.tool === 'netstat' ? parseNetstat(s.stdout) : parseSs(s.stdout),
  );
  const cap = Number(/\bcap=(\d+)/.exec(output.slice(0, 400))?.[1] ?? 2000);
  const sockets: Fact<GuestSocket[]> = { ...listen };
  const capped = (conns.value?.length ?? 0) >= cap;
  if (listen.value || conns.value) {
    sockets.value = [...(listen.value ?? []), ...(conns.value ?? []).filter((s) => s.state !== 'LISTEN')];
    const sw = [...(listen.warnings ?? []), ...(conns.warnings ?? [])];
    if (capped) sw.push(`only the first ${cap} connected sockets are listed; state counts cover all of them`);
    if (conns.error) sw.push(`connected sockets: ${conns.error.message}`);
    if (sw.length) sockets.warnings = sw;
  }

  const socketStates = b.fact<Record<string, number>>('socket-states', (s) => parseStateCounts(s.stdout));
  if (socketStates.value === undefined || Object.keys(socketStates.value).length === 0) {
    const fromList = !capped && conns.value && listen.value;
    if (fromList) {
      const counts: Record<string, number> = {};
      for (const s of sockets.value ?? [])
        if (s.proto === 'tcp') counts[s.state] = (counts[s.state] ?? 0) + 1;
      socketStates.value = counts;
      socketStates.source = 'guest:sockets';
    } else {
      const st = b.fact<Record<string, number>>('sockstat', (s) => parseSockstat(s.stdout));
      if (st.value) {
        socketStates.value = {
          'TIME-WAIT': st.value['TCP.tw'] ?? 0,
          inuse: (st.value['TCP.inuse'] ?? 0) + (st.value['TCP6.inuse'] ?? 0),
        };
        socketStates.source = 'guest:sockstat';
      }
    }
  }

  const resolv = b.fact<ResolvConf>('resolv', (s) => {
    const items = splitItems(s, split.id);
    const target = items.find((i) => i.key === 'target')?.body.trim();
    const content = items.find((i) => i.key === 'content')?.body ?? '';
    return parseResolvConf(content, target || undefined);
  });

  const dns = b.fact<DnsLookup[]>('dns', (s) => {
    const out: DnsLookup[] = [];
    for (const item of splitItems(s, split.id)) {
      const name = item.attrs.name ?? '';
      const rc = Number(item.attrs.rc ?? 0);
      const tool = item.attrs.tool;
      const server = item.attrs.server;
      const l =
        tool === 'getent'
          ? parseGetentAhosts(name, item.body, rc)
          : tool === 'dig'
            ? parseDig(name, server, item.body, rc)
            : parseNslookup(name, server, item.body, rc);
      const ms = Number(item.attrs.ms);
      if (Number.isFinite(ms)) l.ms = ms;
      out.push(l);
    }
    return { value: out, warnings: out.length ? [] : ['no lookup results'] };
  });

  const allow = b.fact('hosts-allow', (s) => parseHostsAccess(s.stdout, 'hosts.allow'));
  const deny = b.fact('hosts-deny', (s) => parseHostsAccess(s.stdout, 'hosts.deny'));
  const tcpWrappers: Fact<TcpWrappers> = { source: 'guest:hosts-access', at: opts.at };
  if (allow.value || deny.value) {
    tcpWrappers.value = { allow: allow.value ?? [], deny: deny.value ?? [], libwrap };
    const raw = [
      allow.raw && `# /etc/hosts.allow\n${allow.raw}`,
      deny.raw && `# /etc/hosts.deny\n${deny.raw}`,
    ].filter(Boolean);
    if (raw.length) tcpWrappers.raw = raw.join('\n');
  }
  const tw = [...(allow.warnings ?? []), ...(deny.warnings ?? [])];
  if (tw.length) tcpWrappers.warnings = tw;
  if (allow.error || deny.error) tcpWrappers.error = deny.error ?? allow.error;

  const conntrack = b.fact<ConntrackStats>('conntrack', (s) => parseConntrack(s.stdout), {
    emptyError: {
      code: 'NOT_LOADED',
      message: 'nf_conntrack is not loaded on the guest, so there is no connection tracking table to fill.',
      hint: 'Nothing to do: without conntrack, a full table cannot drop packets.',
    },
  });
  const kernelLog = b.fact<KernelLogLine[]>('kernel-log', (s) => parseKernelLog(s.stdout));
  const netdev = b.fact<NetDevCounters[]>('netdev', (s) => parseProcNetDev(s.stdout), {
    isEmpty: isEmptyList,
  });
  const links = b.fact<EthtoolLink[]>(
    'ethtool',
    (s) => {
      const out: EthtoolLink[] = [];
      const warnings: string[] = [];
      for (const item of splitItems(s, split.id)) {
        const p = parseEthtool(item.body, item.key);
        if (p.value) out.push(p.value);
        warnings.push(...p.warnings);
      }
      return { value: out, warnings };
    },
    { keepPartial: true },
  );
  const sysctls = b.fact<Record<string, string>>('sysctl', (s) => parseSysctl(s.stdout), {
    isEmpty: (v) => Object.keys(v).length === 0,
  });

  // Which address each interface should hold, by the guest's own configuration. A MAC or an ifindex in a file
  // is resolved against the interfaces just read. Absent from collections that did not ask for it.
  let configured: Fact<ConfiguredAddress[]> | undefined;
  if (b.sec('netconfig')) {
    const refs = (interfaces.value ?? []).map((i) => ({ name: i.name, index: i.index, mac: i.mac }));
    configured = b.fact('netconfig', (s) => parseNetconfig(splitNetconfigFiles(s.stdout, split.id), refs));
    if (configured.raw) configured.raw = scrubNetconfigSecrets(configured.raw);
  }

  const facts: GuestFacts = {
    via: opts.via,
    interfaces,
    routes,
    policyRules,
    firewall,
    sockets,
    socketStates,
    services,
    networkServices,
    resolv,
    dns,
    tcpWrappers,
    conntrack,
    kernelLog,
    netdev,
    links,
    sysctls,
  };
  if (configured) facts.configured = configured;
  if (system.hostname) facts.hostname = system.hostname;
  if (system.kernel) facts.kernel = system.kernel;
  if (system.os) facts.os = system.os;
  return facts;
}
