/**
 * Answers the collection script for a simulated guest: the same framed sections the real script prints
 * (source/guest/script/collect.ts), each rendered in the format of the tool the real script would have
 * used on this image. Missing tools take the script's fallback path, denied sections fail the way the
 * tools fail without root, and the production parsers read the result.
 */
import { COLLECT_MARKER, SCRIPT_VERSION } from '../../../guest/script/collect.js';
import { KERNEL_PATTERN, NETWORK_SERVICES, WELL_KNOWN_SERVICES } from '../../../guest/script/sections.js';
import type { GuestWorld } from '../../world.js';
import { flavourOf, iptablesVariant, lacks } from '../flavour.js';
import { renderIptablesSave, renderIptablesVersion, renderNftJson } from './firewall.js';
import {
  renderIpAddrJson,
  renderIpAddrText,
  renderIpLinkJson,
  renderIpLinkText,
  renderIpRouteJson,
  renderIpRouteText,
  renderIpRule,
} from './ip.js';
import { renderNetconfig } from './netconfig.js';
import { listeningUnits, renderLibwrap, renderServiceStatus, renderSystemctlShow } from './services.js';
import {
  renderNetstatConnected,
  renderNetstatListening,
  renderSockstat,
  renderSsConnected,
  renderSsListening,
  renderStateCounts,
} from './sockets.js';
import {
  nameserversOf,
  probedInterfaces,
  renderConntrack,
  renderDig,
  renderDmesg,
  renderEthtool,
  renderGetent,
  renderJournalKernel,
  renderNslookup,
  renderProcNetDev,
  renderSysctl,
  renderSystem,
  sysctlKeys,
} from './system.js';

export interface CollectRequest {
  sections: string[];
  lookupName: string;
  cap: number;
  /** Services the script asks about (its W list, which `--port` extends). */
  services: string[];
}

/** Reads what a collection script asks for: its sections (in order), lookup name, cap and service list. */
export function parseCollectRequest(script: string): CollectRequest {
  const sections: string[] = [];
  for (const m of script.matchAll(/^(?:nd|run) ([a-z0-9-]+) \d+ /gm))
    if (!sections.includes(m[1])) sections.push(m[1]);
  // Inside a section body the script writes N='\''name'\'' (a quote within single quotes).
  const lookupName = /\bN='(?:\\'')?([A-Za-z0-9.-]+)/.exec(script)?.[1] ?? 'aliyun.com';
  const cap = Number(/ cap=(\d+)"/.exec(script)?.[1] ?? 2000);
  const w = /\bW='(?:\\'')?([^'\\]+)/.exec(script)?.[1];
  return { sections, lookupName, cap, services: w ? w.split(/\s+/).filter(Boolean) : WELL_KNOWN_SERVICES };
}

interface Result {
  tool?: string;
  stdout: string;
  stderr?: string;
  rc: number;
  ms: number;
}

interface Ctx {
  g: GuestWorld;
  now: number;
  boot: number;
  uptime: number;
  req: CollectRequest;
  item: (key: string) => string;
}

const missing = (...tools: string[]): Result => ({
  stdout: '',
  stderr: tools.map((t) => `${t}: command not found`).join('\n'),
  rc: 127,
  ms: 0,
});

function denied(ctx: Ctx, name: string): Result | undefined {
  if (!ctx.g.deniedSections?.includes(name)) return undefined;
  const f = flavourOf(ctx.g);
  switch (name) {
    case 'iptables':
    case 'ip6tables': {
      const tool = name === 'iptables' ? 'iptables-save' : 'ip6tables-save';
      const legacy = iptablesVariant(ctx.g) === 'legacy';
      return {
        tool,
        stdout: '',
        stderr: legacy
          ? `${tool} v${f.iptablesVersion}: Failed to list table names in /proc/net/${name === 'iptables' ? 'ip' : 'ip6'}_tables_names: Permission denied`
          : `${tool} v${f.iptablesVersion} (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)`,
        rc: legacy ? 1 : 4,
        ms: 10,
      };
    }
    case 'nft':
      return {
        stdout: '',
        stderr:
          'Operation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted',
        rc: 1,
        ms: 10,
      };
    case 'kernel-log':
      return {
        stdout: '',
        stderr:
          'dmesg: read kernel buffer failed: Operation not permitted No journal files were found.\n-- No entries --',
        rc: 1,
        ms: 10,
      };
    case 'hosts-allow':
    case 'hosts-deny':
    case 'resolv':
      return {
        tool: 'cat',
        stdout: '',
        stderr: `cat: /etc/${name.replace('-', '.').replace('resolv', 'resolv.conf')}: Permission denied`,
        rc: 1,
        ms: 0,
      };
    default:
      return { stdout: '', stderr: `${name}: Permission denied`, rc: 1, ms: 10 };
  }
}

const KERNEL_RE = new RegExp(KERNEL_PATTERN);

type Renderer = (ctx: Ctx) => Result;

const SECTIONS: Record<string, Renderer> = {
  system: (c) => ({ tool: 'system', stdout: renderSystem(c.g, c.uptime), rc: 0, ms: 10 }),
  'ip-addr': (c) =>
    lacks(c.g, 'ip')
      ? missing('ip')
      : lacks(c.g, 'ip-json')
        ? { tool: 'ip', stdout: renderIpAddrText(c.g), rc: 0, ms: 10 }
        : { tool: 'ip-json', stdout: renderIpAddrJson(c.g), rc: 0, ms: 10 },
  'ip-link': (c) =>
    lacks(c.g, 'ip')
      ? missing('ip')
      : lacks(c.g, 'ip-json')
        ? { tool: 'ip', stdout: renderIpLinkText(c.g), rc: 0, ms: 10 }
        : { tool: 'ip-json', stdout: renderIpLinkJson(c.g), rc: 0, ms: 10 },
  'ip-route': (c) => route(c, 4),
  'ip-route6': (c) => route(c, 6),
  'ip-rule': (c) => (lacks(c.g, 'ip') ? missing('ip') : { tool: 'ip', stdout: renderIpRule(), rc: 0, ms: 0 }),
  'iptables-version': (c) =>
    lacks(c.g, 'iptables')
      ? missing('iptables')
      : { tool: 'iptables', stdout: renderIptablesVersion(c.g), rc: 0, ms: 0 },
  iptables: (c) =>
    lacks(c.g, 'iptables-save')
      ? missing('iptables-save')
      : { tool: 'iptables-save', stdout: renderIptablesSave(c.g, 4, c.now), rc: 0, ms: 10 },
  ip6tables: (c) =>
    lacks(c.g, 'ip6tables-save') || lacks(c.g, 'iptables-save')
      ? missing('ip6tables-save')
      : { tool: 'ip6tables-save', stdout: renderIptablesSave(c.g, 6, c.now), rc: 0, ms: 10 },
  nft: (c) =>
    lacks(c.g, 'nft') ? missing('nft') : { tool: 'nft-json', stdout: renderNftJson(c.g), rc: 0, ms: 20 },
  sockets: (c) => {
    const processes = !c.g.deniedSections?.includes('sockets');
    if (!lacks(c.g, 'ss'))
      return { tool: 'ss', stdout: renderSsListening(c.g, { processes }), rc: 0, ms: 10 };
    if (!lacks(c.g, 'netstat'))
      return { tool: 'netstat', stdout: renderNetstatListening(c.g, { processes }), rc: 0, ms: 10 };
    return missing('ss', 'netstat');
  },
  connections: (c) => {
    const processes = !c.g.deniedSections?.includes('connections');
    if (!lacks(c.g, 'ss'))
      return { tool: 'ss', stdout: renderSsConnected(c.g, { processes, cap: c.req.cap }), rc: 0, ms: 20 };
    if (!lacks(c.g, 'netstat'))
      return {
        tool: 'netstat',
        stdout: renderNetstatConnected(c.g, { processes, cap: c.req.cap }),
        rc: 0,
        ms: 20,
      };
    return missing('ss', 'netstat');
  },
  'socket-states': (c) => {
    if (!lacks(c.g, 'ss')) return { tool: 'ss', stdout: renderStateCounts(c.g, 'ss'), rc: 0, ms: 20 };
    if (!lacks(c.g, 'netstat'))
      return { tool: 'netstat', stdout: renderStateCounts(c.g, 'netstat'), rc: 0, ms: 20 };
    return missing('ss', 'netstat');
  },
  sockstat: (c) => ({ tool: 'proc', stdout: renderSockstat(c.g), rc: 0, ms: 0 }),
  services: (c) => services(c, c.g.services, c.req.services, listeningUnits(c.g)),
  'network-services': (c) => services(c, c.g.networkServices, NETWORK_SERVICES, []),
  libwrap: (c) =>
    lacks(c.g, 'ldd') ? missing('ldd') : { tool: 'ldd', stdout: renderLibwrap(c.g, c.item), rc: 0, ms: 30 },
  resolv: (c) => ({
    tool: 'cat',
    stdout: `${c.item('target')}\n${flavourOf(c.g).resolvTarget}\n${c.item('content')}\n${c.g.resolvConf.replace(/\n$/, '')}`,
    rc: 0,
    ms: 0,
  }),
  netconfig: (c) => ({ tool: 'cat', stdout: renderNetconfig(c.g, c.boot, c.item), rc: 0, ms: 10 }),
  'hosts-allow': (c) => ({ tool: 'cat', stdout: c.g.hostsAllow.replace(/\n$/, ''), rc: 0, ms: 0 }),
  'hosts-deny': (c) => ({ tool: 'cat', stdout: c.g.hostsDeny.replace(/\n$/, ''), rc: 0, ms: 0 }),
  conntrack: (c) => ({ tool: 'proc', stdout: renderConntrack(c.g), rc: 0, ms: 0 }),
  'kernel-log': (c) => {
    if (!lacks(c.g, 'dmesg')) return { tool: 'dmesg', stdout: renderDmesg(c.g, KERNEL_RE), rc: 0, ms: 10 };
    if (!lacks(c.g, 'journalctl'))
      return { tool: 'journalctl', stdout: renderJournalKernel(c.g, KERNEL_RE, c.boot), rc: 0, ms: 40 };
    return { stdout: '', stderr: 'no dmesg and no journalctl', rc: 1, ms: 0 };
  },
  netdev: (c) => ({ tool: 'proc', stdout: renderProcNetDev(c.g, c.uptime), rc: 0, ms: 0 }),
  ethtool: (c) => {
    if (lacks(c.g, 'ethtool')) return missing('ethtool');
    const out = probedInterfaces(c.g, 8).flatMap((n, i) => [`${c.item(n)} rc=0`, renderEthtool(c.g, n, i)]);
    return { tool: 'ethtool', stdout: out.join('\n'), rc: 0, ms: 20 };
  },
  sysctl: (c) =>
    lacks(c.g, 'sysctl')
      ? { tool: 'proc', stdout: renderSysctl(c.g, sysctlKeys(c.g), 'proc'), rc: 0, ms: 10 }
      : { tool: 'sysctl', stdout: renderSysctl(c.g, sysctlKeys(c.g), 'sysctl'), rc: 0, ms: 10 },
  dns: (c) => {
    const items: string[] = [];
    let ms = 0;
    if (!lacks(c.g, 'getent')) {
      const l = renderGetent(c.g, c.req.lookupName);
      items.push(`${c.item(l.header)}`, ...(l.body ? [l.body.replace(/\n$/, '')] : []));
      ms = Math.max(ms, Number(/ms=(\d+)/.exec(l.header)?.[1] ?? 0));
    }
    for (const s of nameserversOf(c.g).slice(0, 3)) {
      const l = !lacks(c.g, 'nslookup')
        ? renderNslookup(c.g, c.req.lookupName, s)
        : !lacks(c.g, 'dig')
          ? renderDig(c.g, c.req.lookupName, s)
          : undefined;
      if (!l) continue;
      items.push(c.item(l.header), ...(l.body ? [l.body.replace(/\n$/, '')] : []));
      ms = Math.max(ms, Number(/ms=(\d+)/.exec(l.header)?.[1] ?? 0));
    }
    return { tool: 'lookup', stdout: items.join('\n'), rc: 0, ms: ms + 10 };
  },
};

function route(c: Ctx, family: 4 | 6): Result {
  if (lacks(c.g, 'ip')) return missing('ip');
  if (lacks(c.g, 'ip-json')) return { tool: 'ip', stdout: renderIpRouteText(c.g, family), rc: 0, ms: 10 };
  return { tool: 'ip-json', stdout: renderIpRouteJson(c.g, family), rc: 0, ms: 10 };
}

function services(c: Ctx, list: GuestWorld['services'], names: string[], owners: string[]): Result {
  if (!lacks(c.g, 'systemctl'))
    return { tool: 'systemctl', stdout: renderSystemctlShow(list, names, owners), rc: 0, ms: 40 };
  const out: string[] = [];
  for (const n of names) {
    const s = list.find((x) => x.name === n);
    if (!s) continue;
    const st = renderServiceStatus(s);
    out.push(`${c.item(n)} rc=${st.rc} via=service`, st.text);
  }
  return { tool: 'service', stdout: out.join('\n'), rc: 0, ms: 60 };
}

/** The whole sectioned output for one run of the collection script. */
export function renderCollection(
  g: GuestWorld,
  req: CollectRequest,
  now: number,
  boot: number,
  runId: string,
): string {
  const prefix = `@@ND:${runId}:`;
  const ctx: Ctx = {
    g,
    now,
    boot,
    uptime: Math.max(1, (now - boot) / 1000),
    req,
    item: (key) => `${prefix}ITEM ${key}`,
  };
  const out: string[] = [`${COLLECT_MARKER} v=${SCRIPT_VERSION} id=${runId} cap=${req.cap}`];
  const emit = (name: string) => {
    const r = denied(ctx, name) ?? SECTIONS[name]?.(ctx) ?? missing(name);
    out.push(`${prefix}BEGIN ${name}`);
    if (r.tool) out.push(`${prefix}TOOL ${r.tool}`);
    if (r.stdout) out.push(r.stdout);
    out.push('');
    if (r.stderr) out.push(`${prefix}STDERR ${name}`, r.stderr, '');
    out.push(`${prefix}END ${name} rc=${r.rc} ms=${r.ms}`);
    return r.ms;
  };
  let total = 0;
  const background = ['dns'];
  for (const s of req.sections) if (!background.includes(s)) total += emit(s);
  for (const s of req.sections) if (background.includes(s)) total = Math.max(total, emit(s));
  out.push(`${prefix}DONE ms=${total + 20}`);
  return `${out.join('\n')}\n`;
}
