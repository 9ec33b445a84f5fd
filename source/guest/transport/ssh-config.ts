/**
 * OpenSSH client configuration (`~/.ssh/config`, ssh_config(5)): a parser and a resolver that answers
 * "how would `ssh ALIAS` connect?" the way OpenSSH does — first obtained value wins, IdentityFile and
 * the known-hosts lists accumulate, `Include` expands in place. Pure: the file system comes in as
 * functions, so the rules are testable without touching the operator's own files. The file syntax, patterns
 * and tokens are read by ssh-config-syntax.ts.
 */
import {
  expandTokens,
  matchPattern,
  matchPatternList,
  parseSshConfig,
  type SshConfigEntry,
  type Tokens,
} from './ssh-config-syntax.js';
import { parseJumpSpec, type SshEndpoint } from './ssh-target.js';

export {
  expandTokens,
  matchPattern,
  matchPatternList,
  parseSshConfig,
  type SshConfigEntry,
  splitArgs,
} from './ssh-config-syntax.js';

/** What the resolver may read. `readFile` returns undefined for a missing file; `list` returns names in a dir. */
export interface SshConfigFs {
  readFile(path: string): string | undefined;
  list(dir: string): string[];
}

export interface ResolveOptions {
  fs: SshConfigFs;
  /** The local user's home (for `~`, `%d` and relative Include paths). */
  home: string;
  /** The local user name (`%u`, and the default remote user). */
  localUser: string;
  /** Local host name (`%l`, `%L`). */
  localHost?: string;
  /** Local uid (`%i`). */
  uid?: number;
  /** The user configuration file; default `~/.ssh/config`. `none` reads no user file. */
  configFile?: string;
  /** The system-wide file read after the user's (OpenSSH: /etc/ssh/ssh_config). Omit to read none. */
  systemConfigFile?: string;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface SshHostConfig {
  /** The name asked for (the alias, `%n`). */
  alias: string;
  /** Where to connect (HostName with `%h` expanded; the alias when none is set). */
  hostName: string;
  /** The remote user; the local user when the config names none. */
  user: string;
  port: number;
  /** Expanded IdentityFile paths in the order OpenSSH tries them. */
  identityFiles: string[];
  /** False when no IdentityFile was configured and the list holds OpenSSH's defaults. */
  identityFilesExplicit: boolean;
  identitiesOnly: boolean;
  /** ProxyJump hops, outermost first; empty when none (or `ProxyJump none`). */
  proxyJump: SshEndpoint[];
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  hostKeyAlias?: string;
  /** HashKnownHosts: write accepted keys as `|1|salt|hash`. */
  hashKnownHosts: boolean;
  /** Seconds; 0 = off. */
  serverAliveInterval: number;
  serverAliveCountMax: number;
  /** Seconds; undefined = the system's TCP timeout. */
  connectTimeout?: number;
  /** IdentityAgent socket path, or `none`; undefined = SSH_AUTH_SOCK. */
  identityAgent?: string;
  batchMode: boolean;
  /** Things the resolver skipped (unsupported Match criteria, unreadable includes, bad values). */
  warnings: string[];
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss'];
const MAX_INCLUDE_DEPTH = 16;

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Expands an Include argument into existing files, sorted like glob(3) (OpenSSH sorts matches). */
function includeFiles(arg: string, opts: ResolveOptions, relDir: string): string[] {
  const expanded = expandTokens(arg, {}, opts.home);
  const path = expanded.startsWith('/') ? expanded : joinPath(relDir, expanded);
  if (!/[*?[]/.test(path)) return opts.fs.readFile(path) === undefined ? [] : [path];
  // Only the last path component may hold wildcards here; that covers `config.d/*` and `conf.d/*.conf`.
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const pat = path.slice(slash + 1);
  return opts.fs
    .list(dir)
    .filter((n) => !n.startsWith('.') || pat.startsWith('.'))
    .filter((n) => matchPattern(n, pat))
    .sort()
    .map((n) => joinPath(dir, n));
}

interface Acc {
  values: Map<string, string[]>;
  identityFiles: string[];
  warnings: string[];
}

const MULTI = new Set(['identityfile', 'certificatefile', 'localforward', 'remoteforward', 'dynamicforward']);

function setFirst(acc: Acc, e: SshConfigEntry): void {
  if (e.keyword === 'identityfile') {
    if (e.args[0] && e.args[0].toLowerCase() !== 'none') acc.identityFiles.push(e.args[0]);
    return;
  }
  if (MULTI.has(e.keyword)) return;
  if (!acc.values.has(e.keyword)) acc.values.set(e.keyword, e.args);
}

interface MatchContext {
  alias: string;
  localUser: string;
  acc: Acc;
}

/** `Match` criteria we can decide without running anything; `exec` and unknown criteria never match. */
function evalMatch(args: string[], ctx: MatchContext, where: string): boolean {
  let i = 0;
  let result = true;
  while (i < args.length) {
    let crit = args[i++].toLowerCase();
    const negate = crit.startsWith('!');
    if (negate) crit = crit.slice(1);
    let ok: boolean;
    if (crit === 'all') ok = true;
    else if (crit === 'canonical' || crit === 'final') {
      // We do no hostname canonicalisation and a single pass: treat as OpenSSH's first pass does.
      ok = false;
    } else {
      const arg = args[i++];
      if (arg === undefined) {
        ctx.acc.warnings.push(`${where}: Match ${crit} needs an argument`);
        return false;
      }
      const list = arg.split(',');
      const hostName = ctx.acc.values.get('hostname')?.[0]?.replace(/%h/g, ctx.alias) ?? ctx.alias;
      if (crit === 'host') ok = matchPatternList(hostName, list);
      else if (crit === 'originalhost') ok = matchPatternList(ctx.alias, list);
      else if (crit === 'user') ok = matchPatternList(ctx.acc.values.get('user')?.[0] ?? ctx.localUser, list);
      else if (crit === 'localuser') ok = matchPatternList(ctx.localUser, list);
      else {
        ctx.acc.warnings.push(`${where}: Match ${crit} is not supported; its block is skipped`);
        ok = false;
      }
    }
    if (negate) ok = !ok;
    if (!ok) result = false;
  }
  return result;
}

function apply(
  entries: SshConfigEntry[],
  ctx: MatchContext,
  opts: ResolveOptions,
  relDir: string,
  depth: number,
  startActive: boolean,
): void {
  let active = startActive;
  for (const e of entries) {
    const where = `${e.file}:${e.line}`;
    if (e.keyword === 'host') {
      active = matchPatternList(ctx.alias, e.args);
      continue;
    }
    if (e.keyword === 'match') {
      active = evalMatch(e.args, ctx, where);
      continue;
    }
    if (!active) continue;
    if (e.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        ctx.acc.warnings.push(`${where}: Include nested too deeply; skipped`);
        continue;
      }
      for (const arg of e.args) {
        for (const f of includeFiles(arg, opts, relDir)) {
          const text = opts.fs.readFile(f);
          if (text === undefined) continue;
          // An included file starts in the includer's state; its own Host lines only govern that file.
          apply(parseSshConfig(text, f), ctx, opts, relDir, depth + 1, true);
        }
      }
      continue;
    }
    setFirst(ctx.acc, e);
  }
}

function yesNo(v: string | undefined, def: boolean): boolean {
  if (v === undefined) return def;
  return /^(yes|true|on)$/i.test(v);
}

function intArg(acc: Acc, key: string, def: number | undefined, min = 0): number | undefined {
  const v = acc.values.get(key)?.[0];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    acc.warnings.push(`${key} "${v}" is not a valid number; using ${def ?? 'the default'}`);
    return def;
  }
  return n;
}

/** Resolves the effective client settings for `ssh ALIAS`. */
export function resolveSshConfig(alias: string, opts: ResolveOptions): SshHostConfig {
  const acc: Acc = { values: new Map(), identityFiles: [], warnings: [] };
  const ctx: MatchContext = { alias, localUser: opts.localUser, acc };
  const userFile = opts.configFile ?? `${opts.home}/.ssh/config`;
  if (userFile !== 'none') {
    const text = opts.fs.readFile(userFile);
    if (text !== undefined) apply(parseSshConfig(text, userFile), ctx, opts, `${opts.home}/.ssh`, 0, true);
  }
  if (opts.systemConfigFile) {
    const text = opts.fs.readFile(opts.systemConfigFile);
    if (text !== undefined)
      apply(parseSshConfig(text, opts.systemConfigFile), ctx, opts, '/etc/ssh', 0, true);
  }

  const warn = (w: string) => acc.warnings.push(w);
  const rawHostName = acc.values.get('hostname')?.[0];
  const hostName = rawHostName ? expandTokens(rawHostName, { '%': '%', h: alias }, opts.home, warn) : alias;
  const port = intArg(acc, 'port', 22, 1) ?? 22;
  const user = acc.values.get('user')?.[0] ?? opts.localUser;
  const tokens: Partial<Tokens> = {
    '%': '%',
    d: opts.home,
    h: hostName,
    i: opts.uid !== undefined ? String(opts.uid) : undefined,
    l: opts.localHost,
    L: opts.localHost?.split('.')[0],
    n: alias,
    p: String(port),
    r: user,
    u: opts.localUser,
  };
  const identityFilesExplicit = acc.identityFiles.length > 0;
  const identityFiles = identityFilesExplicit
    ? acc.identityFiles.map((f) => {
        const x = expandTokens(f, tokens, opts.home, warn);
        return x.startsWith('/') ? x : `${opts.home}/${x}`;
      })
    : DEFAULT_IDENTITIES.map((n) => `${opts.home}/.ssh/${n}`);

  const proxyJump: SshEndpoint[] = [];
  const pj = acc.values.get('proxyjump');
  if (pj?.[0] && pj[0].toLowerCase() !== 'none') {
    for (const part of pj.join(',').split(',')) {
      if (!part.trim()) continue;
      const ep = parseJumpSpec(part.trim());
      if (ep) proxyJump.push(ep);
      else warn(`ProxyJump "${part}" is not [user@]host[:port]; ignored`);
    }
  }
  const proxyCommand = acc.values.get('proxycommand')?.[0];
  if (pj === undefined && proxyCommand && proxyCommand.toLowerCase() !== 'none')
    warn('ProxyCommand is not supported (only ProxyJump); netdoctor connects directly');

  const files = (key: string, def: string[]): string[] => {
    const v = acc.values.get(key);
    if (!v) return def;
    if (v[0]?.toLowerCase() === 'none') return [];
    return v.map((f) => expandTokens(f, tokens, opts.home, warn));
  };

  const shkc = acc.values.get('stricthostkeychecking')?.[0]?.toLowerCase();
  let strict: StrictHostKeyChecking = 'ask';
  if (shkc === 'yes' || shkc === 'true') strict = 'yes';
  else if (shkc === 'no' || shkc === 'off' || shkc === 'false') strict = 'no';
  else if (shkc === 'accept-new') strict = 'accept-new';
  else if (shkc !== undefined && shkc !== 'ask')
    warn(`StrictHostKeyChecking "${shkc}" is unknown; using ask`);

  const agent = acc.values.get('identityagent')?.[0];
  return {
    alias,
    hostName,
    user,
    port,
    identityFiles,
    identityFilesExplicit,
    identitiesOnly: yesNo(acc.values.get('identitiesonly')?.[0], false),
    proxyJump,
    userKnownHostsFiles: files('userknownhostsfile', [
      `${opts.home}/.ssh/known_hosts`,
      `${opts.home}/.ssh/known_hosts2`,
    ]),
    globalKnownHostsFiles: files('globalknownhostsfile', [
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
    ]),
    strictHostKeyChecking: strict,
    hostKeyAlias: acc.values.get('hostkeyalias')?.[0],
    hashKnownHosts: yesNo(acc.values.get('hashknownhosts')?.[0], false),
    serverAliveInterval: intArg(acc, 'serveraliveinterval', 0) ?? 0,
    serverAliveCountMax: intArg(acc, 'serveralivecountmax', 3) ?? 3,
    connectTimeout: intArg(acc, 'connecttimeout', undefined, 1),
    identityAgent: agent ? expandTokens(agent, tokens, opts.home, warn) : undefined,
    batchMode: yesNo(acc.values.get('batchmode')?.[0], false),
    warnings: acc.warnings,
  };
}
