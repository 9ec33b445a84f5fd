/**
 * The commands a simulated guest understands besides the collection script: service control, firewall
 * edits, link and route changes, resolver and tcp-wrappers file edits, and simple reads. Each entry changes
 * the world the way the real command changes the machine, so a fix applied in the demo really fixes it.
 * To add a command, push a GuestCommand onto GUEST_COMMANDS (remediation adds its own this way).
 *
 * Command forms (documented for plan writers):
 *   systemctl start|stop|restart|reload|status|is-active NAME[.service]    service NAME start|stop|restart|status
 *   iptables|ip6tables [-t T] -A|-I CHAIN [N] SPEC | -D CHAIN N | -D CHAIN SPEC | -P CHAIN POLICY | -N | -X | -F | -S
 *   iptables-save [> FILE]      iptables-restore < FILE      (FILE lives in the guest's scratch files)
 *   nft delete rule FAMILY TABLE CHAIN handle N      nft -j list ruleset
 *   ip link set [dev] IFACE up|down      ip addr add|del CIDR dev IFACE
 *   ip route add|replace|del default|CIDR [via GW] [dev IFACE] [metric N] [proto P]
 *   cat > /etc/resolv.conf <<'EOF' … EOF      (also /etc/hosts.allow, /etc/hosts.deny; `>>` appends)
 *   echo|printf '…' > FILE       sed -i 'Nd' FILE      sed -i 'Ns/^/#/' FILE      (N: 1-based line)
 *   sysctl -w KEY=VALUE      cat FILE      true      false      echo      hostname      uname -r      id -u      sleep N
 */
import type { GuestServiceSpec, GuestWorld, World, WorldInstance } from '../world.js';
import { applyIptables } from './iptables-edit.js';
import { renderIptablesSave, renderNftJson } from './render/firewall.js';
import { interfacesOf, renderIpAddrText, renderIpRouteText } from './render/ip.js';
import { renderSystemctlShow } from './render/services.js';
import { renderProcNetDev } from './render/system.js';
import type { SimpleCommand } from './shell.js';

export interface CommandContext {
  world: World;
  instance: WorldInstance;
  guest: GuestWorld;
  now: number;
  boot: number;
  /** Scratch files written by earlier commands (`iptables-save > /tmp/x`). */
  files: Map<string, string>;
  cmd: SimpleCommand;
}

export interface CommandResult {
  stdout?: string;
  stderr?: string;
  code: number;
}

export interface GuestCommand {
  /** argv[0] this entry handles. */
  name: string;
  run(argv: string[], ctx: CommandContext): CommandResult;
}

const ok = (stdout = ''): CommandResult => ({ stdout, code: 0 });
const err = (stderr: string, code = 1): CommandResult => ({ stderr, code });

function findService(g: GuestWorld, name: string): GuestServiceSpec | undefined {
  const n = name.replace(/\.service$/, '');
  return g.services.find((s) => s.name === n) ?? g.networkServices.find((s) => s.name === n);
}

function startService(s: GuestServiceSpec, now: number): void {
  s.active = 'active';
  s.sub = 'running';
  s.result = 'success';
  s.since = new Date(now).toISOString();
  // A restarted daemon gets a new pid.
  s.mainPid = 2000 + (Math.floor(now / 1000) % 30000);
}

function stopService(s: GuestServiceSpec, now: number): void {
  s.active = 'inactive';
  s.sub = 'dead';
  s.since = new Date(now).toISOString();
  delete s.mainPid;
}

function serviceCommand(
  verb: string | undefined,
  name: string | undefined,
  ctx: CommandContext,
): CommandResult {
  if (!verb || !name) return err('Too few arguments.', 1);
  const s = findService(ctx.guest, name);
  const unit = `${name.replace(/\.service$/, '')}.service`;
  switch (verb) {
    case 'start':
    case 'restart':
    case 'reload':
    case 'try-restart':
      if (!s) return err(`Failed to ${verb} ${unit}: Unit ${unit} not found.`, 5);
      if (verb === 'reload' && s.active !== 'active') return err(`Job for ${unit} failed.`, 1);
      startService(s, ctx.now);
      return ok();
    case 'stop':
      if (!s) return err(`Failed to stop ${unit}: Unit ${unit} not loaded.`, 5);
      stopService(s, ctx.now);
      return ok();
    case 'is-active':
      return { stdout: `${s?.active ?? 'inactive'}\n`, code: s?.active === 'active' ? 0 : 3 };
    case 'status': {
      if (!s) return err(`Unit ${unit} could not be found.`, 4);
      const show = renderSystemctlShow([s], [s.name]);
      return {
        stdout: `● ${unit} - ${s.description ?? unit}\n${show}\n`,
        code: s.active === 'active' ? 0 : 3,
      };
    }
    case 'show':
      return ok(`${renderSystemctlShow([...ctx.guest.services, ...ctx.guest.networkServices], [name])}\n`);
    default:
      return err(`Unknown command verb ${verb}.`, 1);
  }
}

function fileContent(ctx: CommandContext, path: string): string | undefined {
  const g = ctx.guest;
  switch (path) {
    case '/etc/resolv.conf':
      return g.resolvConf;
    case '/etc/hosts.allow':
      return g.hostsAllow;
    case '/etc/hosts.deny':
      return g.hostsDeny;
    case '/etc/hostname':
      return `${g.hostname}\n`;
    case '/proc/net/dev':
      return `${renderProcNetDev(g, Math.max(1, (ctx.now - ctx.boot) / 1000))}\n`;
    case '/proc/sys/net/netfilter/nf_conntrack_count':
      return `${g.conntrack.count}\n`;
    case '/proc/sys/net/netfilter/nf_conntrack_max':
      return `${g.conntrack.max}\n`;
    default:
      return ctx.files.get(path);
  }
}

/** Writes a file the world models; false when the path is not one (the caller then says so). */
function writeFile(ctx: CommandContext, path: string, content: string, append: boolean): boolean {
  const g = ctx.guest;
  const next = (old: string) => (append ? old + content : content);
  switch (path) {
    case '/etc/resolv.conf':
      g.resolvConf = next(g.resolvConf);
      return true;
    case '/etc/hosts.allow':
      g.hostsAllow = next(g.hostsAllow);
      return true;
    case '/etc/hosts.deny':
      g.hostsDeny = next(g.hostsDeny);
      return true;
    default:
      if (path.startsWith('/tmp/') || path.startsWith('/var/tmp/') || path.startsWith('/root/')) {
        ctx.files.set(path, next(ctx.files.get(path) ?? ''));
        return true;
      }
      return false;
  }
}

/** Output of a command that may be redirected into a file. */
function emit(ctx: CommandContext, text: string): CommandResult {
  const to = ctx.cmd.stdoutTo;
  if (!to) return ok(text);
  if (!writeFile(ctx, to.path, text, to.append))
    return err(`sh: 1: cannot create ${to.path}: Read-only file system`, 2);
  return ok();
}

function unescapePrintf(s: string): string {
  return s.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

function sedInPlace(argv: string[], ctx: CommandContext): CommandResult {
  if (argv[1] !== '-i' || !argv[2] || !argv[3])
    return err('sed: only `sed -i EXPR FILE` is supported here', 1);
  const [expr, path] = [argv[2], argv[3]];
  const text = fileContent(ctx, path);
  if (text === undefined) return err(`sed: can't read ${path}: No such file or directory`, 2);
  const lines = text.split('\n');
  const trailing = text.endsWith('\n');
  if (trailing) lines.pop();
  const del = /^(\d+)d$/.exec(expr);
  const comment = /^(\d+)s\/\^\/#\/$/.exec(expr);
  const delRe = /^\/(.+)\/d$/.exec(expr);
  let out: string[];
  if (del) out = lines.filter((_, i) => i + 1 !== Number(del[1]));
  else if (comment) out = lines.map((l, i) => (i + 1 === Number(comment[1]) ? `#${l}` : l));
  else if (delRe) {
    let re: RegExp;
    try {
      re = new RegExp(delRe[1].replace(/\\\//g, '/'));
    } catch {
      return err(`sed: -e expression #1, char 1: unknown command`, 1);
    }
    out = lines.filter((l) => !re.test(l));
  } else return err(`sed: -e expression #1: only 'Nd', 'Ns/^/#/' and '/RE/d' are supported here`, 1);
  writeFile(ctx, path, out.join('\n') + (trailing ? '\n' : ''), false);
  return ok();
}

function ipCommand(argv: string[], ctx: CommandContext): CommandResult {
  const g = ctx.guest;
  const args = argv.slice(1).filter((a) => a !== '-4');
  const [obj, verb] = args;
  if ((obj === 'link' || obj === 'l') && verb === 'set') {
    const rest = args.slice(2).filter((a) => a !== 'dev');
    const name = rest[0];
    const iface = g.interfaces.find((i) => i.name === name);
    if (!iface) return err(`Cannot find device "${name}"`, 1);
    if (rest.includes('up')) iface.up = true;
    else if (rest.includes('down')) iface.up = false;
    else return err('ip: link set: expected up or down here', 1);
    return ok();
  }
  if ((obj === 'addr' || obj === 'address' || obj === 'a') && (verb === 'add' || verb === 'del')) {
    const cidr = args[2];
    const dev = args[args.indexOf('dev') + 1];
    const iface = g.interfaces.find((i) => i.name === dev);
    if (!cidr || !iface) return err(`Cannot find device "${dev}"`, 1);
    const has = iface.addresses.includes(cidr);
    if (verb === 'add') {
      if (has) return err('RTNETLINK answers: File exists', 2);
      iface.addresses.push(cidr);
    } else {
      if (!has) return err('RTNETLINK answers: Cannot assign requested address', 2);
      iface.addresses = iface.addresses.filter((a) => a !== cidr);
    }
    return ok();
  }
  if ((obj === 'route' || obj === 'r') && ['add', 'replace', 'del', 'delete'].includes(verb)) {
    const rest = args.slice(2);
    const dst = rest[0];
    if (!dst) return err('Error: either "to" is duplicate, or "via" is a garbage.', 1);
    const kv = (k: string) => {
      const i = rest.indexOf(k);
      return i > 0 ? rest[i + 1] : undefined;
    };
    const route: GuestWorld['routes'][number] = { dst };
    const via = kv('via');
    const dev = kv('dev');
    if (via) route.via = via;
    if (dev) {
      if (!interfacesOf(g).some((i) => i.spec.name === dev)) return err(`Cannot find device "${dev}"`, 1);
      route.dev = dev;
    }
    const metric = kv('metric');
    if (metric) route.metric = Number(metric);
    const proto = kv('proto');
    if (proto) route.proto = proto;
    const table = kv('table');
    if (table) route.table = table;
    const same = (r: GuestWorld['routes'][number]) =>
      r.dst === dst &&
      (r.table ?? 'main') === (table ?? 'main') &&
      (metric === undefined || r.metric === Number(metric));
    if (verb === 'add') {
      if (g.routes.some(same)) return err('RTNETLINK answers: File exists', 2);
      g.routes.push(route);
    } else if (verb === 'replace') {
      g.routes = g.routes.filter((r) => !same(r));
      g.routes.push(route);
    } else {
      const i = g.routes.findIndex((r) => same(r) && (!via || r.via === via) && (!dev || r.dev === dev));
      if (i < 0) return err('RTNETLINK answers: No such process', 2);
      g.routes.splice(i, 1);
    }
    return ok();
  }
  if (obj === 'addr' || obj === 'a' || obj === 'address') return emit(ctx, `${renderIpAddrText(g)}\n`);
  if (obj === 'route' || obj === 'r') return emit(ctx, `${renderIpRouteText(g, 4)}\n`);
  return err(
    `Object "${obj ?? ''}" is unknown here; this simulated ip knows link set, addr add/del, route add/replace/del.`,
    1,
  );
}

function nftCommand(argv: string[], ctx: CommandContext): CommandResult {
  const g = ctx.guest;
  const a = argv.slice(1);
  if (a.join(' ') === '-j list ruleset') return emit(ctx, `${renderNftJson(g)}\n`);
  const m = /^delete rule (\S+) (\S+) (\S+) handle (\d+)$/.exec(a.join(' '));
  if (!m)
    return err(
      'Error: this simulated nft knows `nft delete rule FAMILY TABLE CHAIN handle N` and `nft -j list ruleset`',
      1,
    );
  const [, family, table, chain, handle] = m;
  const doc = g.firewall.nft as { nftables?: unknown[] } | unknown[] | undefined;
  const items = Array.isArray(doc) ? doc : doc?.nftables;
  if (!items)
    return err(
      `Error: Could not process rule: No such file or directory\ndelete rule ${family} ${table} ${chain} handle ${handle}`,
      1,
    );
  const i = items.findIndex((x) => {
    const r = (x as { rule?: Record<string, unknown> }).rule;
    return (
      r &&
      r.family === family &&
      r.table === table &&
      r.chain === chain &&
      Number(r.handle) === Number(handle)
    );
  });
  if (i < 0)
    return err(
      `Error: Could not process rule: No such file or directory\ndelete rule ${family} ${table} ${chain} handle ${handle}`,
      1,
    );
  items.splice(i, 1);
  return ok();
}

function iptablesCommand(argv: string[], ctx: CommandContext): CommandResult {
  const family = argv[0].startsWith('ip6') ? 6 : 4;
  const key = family === 6 ? 'ip6tables' : 'iptables';
  if (ctx.guest.firewall.backend === 'nftables' || ctx.guest.firewall.backend === 'none') {
    // iptables-nft creates its tables on first use; the guest then runs iptables-nft.
    if (argv.slice(1).some((x) => ['-A', '-I', '-P', '-N'].includes(x)))
      ctx.guest.firewall.backend = 'iptables-nft';
  }
  const r = applyIptables(ctx.guest.firewall[key], argv.slice(1), family);
  if (r.code === 0 && r.stdout === undefined) ctx.guest.firewall[key] = r.text;
  return r.stdout !== undefined ? emit(ctx, r.stdout) : { code: r.code, stderr: r.stderr ?? '' };
}

export const GUEST_COMMANDS: GuestCommand[] = [
  { name: 'true', run: () => ok() },
  { name: ':', run: () => ok() },
  { name: 'false', run: () => ({ code: 1 }) },
  { name: 'sleep', run: () => ok() },
  { name: 'echo', run: (argv, ctx) => emit(ctx, `${argv.slice(1).join(' ')}\n`) },
  {
    name: 'printf',
    run: (argv, ctx) => {
      const fmt = unescapePrintf(argv[1] ?? '');
      const args = argv.slice(2);
      if (!fmt.includes('%s')) return emit(ctx, fmt);
      let out = '';
      // printf reuses the format until the arguments run out.
      do out += fmt.replace(/%s/g, () => args.shift() ?? '');
      while (args.length);
      return emit(ctx, out);
    },
  },
  {
    name: 'cat',
    run: (argv, ctx) => {
      if (argv.length === 1)
        return emit(
          ctx,
          ctx.cmd.heredoc ?? (ctx.cmd.stdinFrom ? (fileContent(ctx, ctx.cmd.stdinFrom) ?? '') : ''),
        );
      let out = '';
      for (const p of argv.slice(1)) {
        const t = fileContent(ctx, p);
        if (t === undefined) return err(`cat: ${p}: No such file or directory`, 1);
        out += t;
      }
      return emit(ctx, out);
    },
  },
  {
    // grep -rnE PATTERN PATH…: searches the files the world knows about — the config lines of its services
    // (where a listener's bind address lives) and the files a scenario wrote — as `path:line:text`.
    name: 'grep',
    run: (argv, ctx) => {
      const args = argv.slice(1).filter((a) => !/^-[a-zA-Z]+$/.test(a));
      const [pattern, ...paths] = args;
      if (!pattern) return err('usage: grep [-rnE] PATTERN PATH…', 2);
      let re: RegExp;
      try {
        re = new RegExp(pattern.replace(/\\b/g, '\\b'));
      } catch {
        return err(`grep: invalid regular expression: ${pattern}`, 2);
      }
      const under = (p: string) =>
        paths.length === 0 || paths.some((root) => p === root || p.startsWith(`${root.replace(/\/$/, '')}/`));
      const hits: string[] = [];
      for (const svc of ctx.guest.services) {
        const c = svc.configLine;
        if (c && under(c.path) && re.test(c.text)) hits.push(`${c.path}:${c.line}:${c.text}`);
      }
      return hits.length ? ok(`${hits.join('\n')}\n`) : { code: 1 };
    },
  },
  { name: 'hostname', run: (_a, ctx) => ok(`${ctx.guest.hostname}\n`) },
  { name: 'uname', run: (a, ctx) => ok(`${a.includes('-r') ? (ctx.guest.kernel ?? '') : 'Linux'}\n`) },
  { name: 'id', run: (a) => ok(a.includes('-u') ? '0\n' : 'uid=0(root) gid=0(root) groups=0(root)\n') },
  { name: 'whoami', run: () => ok('root\n') },
  { name: 'systemctl', run: (a, ctx) => serviceCommand(a[1], a[2], ctx) },
  { name: 'service', run: (a, ctx) => serviceCommand(a[2], a[1], ctx) },
  { name: 'iptables', run: iptablesCommand },
  { name: 'ip6tables', run: iptablesCommand },
  { name: 'iptables-save', run: (_a, ctx) => emit(ctx, `${renderIptablesSave(ctx.guest, 4, ctx.now)}\n`) },
  { name: 'ip6tables-save', run: (_a, ctx) => emit(ctx, `${renderIptablesSave(ctx.guest, 6, ctx.now)}\n`) },
  {
    name: 'iptables-restore',
    run: (_a, ctx) => {
      const src = ctx.cmd.heredoc ?? (ctx.cmd.stdinFrom ? fileContent(ctx, ctx.cmd.stdinFrom) : undefined);
      if (src === undefined) return err('iptables-restore: unable to read the rules (give them on stdin)', 1);
      ctx.guest.firewall.iptables = src;
      return ok();
    },
  },
  { name: 'nft', run: nftCommand },
  { name: 'ip', run: ipCommand },
  { name: 'sed', run: sedInPlace },
  {
    name: 'sysctl',
    run: (a, ctx) => {
      const w = a.indexOf('-w');
      const kv = a[w + 1];
      if (w < 0 || !kv?.includes('=')) return err('sysctl: only `sysctl -w KEY=VALUE` is supported here', 1);
      const [k, v] = kv.split('=');
      ctx.guest.sysctls[k] = v;
      if (k === 'net.netfilter.nf_conntrack_max') ctx.guest.conntrack.max = Number(v);
      return ok(`${k} = ${v}\n`);
    },
  },
];
