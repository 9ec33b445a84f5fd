/**
 * Turns what the operator asked for (`--ssh root@host`, `--identity`, `--jump`, `--known-hosts`) and their
 * ~/.ssh/config into a connection plan: one hop per ProxyJump host, then the target, each with its own
 * user, keys, known_hosts files and host-key policy — the way `ssh -J` would connect.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import type { AskPassphrase } from './ssh-auth.js';
import {
  resolveSshConfig,
  type SshConfigFs,
  type SshHostConfig,
  type StrictHostKeyChecking,
} from './ssh-config.js';
import { formatEndpoint, parseJumpSpec, type SshEndpoint } from './ssh-target.js';

export interface SshTarget {
  /** Host name, address, or a Host alias of ~/.ssh/config. */
  host: string;
  port?: number;
  user?: string;
  /** Identity file(s) (`--identity`), tried before the config's. */
  identity?: string | string[];
  /** known_hosts file to verify against and append to (`--known-hosts`), instead of the config's. */
  knownHosts?: string;
  /** `[user@]host[:port]` hops (comma list or array); `none` disables the config's ProxyJump. */
  jump?: string | SshEndpoint[];
  /** ssh_config file; default ~/.ssh/config; `none` reads none. */
  configFile?: string;
  /** ssh-agent socket; default SSH_AUTH_SOCK (or IdentityAgent); false = no agent. */
  agent?: string | false;
  askPassphrase?: AskPassphrase;
  /** Append an unknown host key to known_hosts and go on (never for a changed key). */
  acceptNewHostKey?: boolean;
  /** TCP connect + handshake budget per hop, ms (default: ConnectTimeout or 10 s). */
  timeoutMs?: number;
  /** SSH keep-alive interval, ms (default: ServerAliveInterval or 15 s). */
  keepaliveMs?: number;
  /** OpenSSH public key text: trust exactly this host key and nothing else (the simulator advertises it). */
  hostKeyPin?: string;
  password?: string;
  /** Concurrent exec channels on the connection (sshd's MaxSessions defaults to 10). */
  maxChannels?: number;
  /** Read /etc/ssh/ssh_config too (default true; tests turn it off). */
  systemConfig?: boolean;
}

export interface HopPlan {
  /** `jump host` or `target`, for messages. */
  role: 'jump host' | 'target';
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  identityFilesExplicit: boolean;
  identitiesOnly: boolean;
  /** Files consulted to verify the host key (user files first). */
  knownHostsFiles: string[];
  /** Where an accepted key is appended. */
  appendFile: string;
  strict: StrictHostKeyChecking;
  hostKeyAlias?: string;
  hashKnownHosts: boolean;
  keepaliveMs: number;
  keepaliveCountMax: number;
  timeoutMs: number;
  agentPath?: string;
  warnings: string[];
}

const MAX_JUMP_DEPTH = 8;

export const nodeConfigFs: SshConfigFs = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

export interface PlanEnv {
  home?: string;
  user?: string;
  fs?: SshConfigFs;
  env?: NodeJS.ProcessEnv;
}

function resolveOne(alias: string, target: SshTarget, env: Required<PlanEnv>): SshHostConfig {
  return resolveSshConfig(alias, {
    fs: env.fs,
    home: env.home,
    localUser: env.user,
    localHost: hostname(),
    uid: process.getuid?.(),
    configFile: target.configFile,
    systemConfigFile: target.systemConfig === false ? undefined : '/etc/ssh/ssh_config',
  });
}

function hopFrom(
  role: HopPlan['role'],
  cfg: SshHostConfig,
  over: { port?: number; user?: string },
  target: SshTarget,
  env: Required<PlanEnv>,
): HopPlan {
  // --identity and --known-hosts apply to every hop: an operator passing them means "use these", jump or not.
  // Given (even as an empty list) replaces OpenSSH's default key files, as `-i` does.
  const given = target.identity !== undefined;
  const explicitIds = given ? [target.identity!].flat() : [];
  let identityFiles: string[];
  let identityFilesExplicit = cfg.identityFilesExplicit || explicitIds.length > 0;
  if (given) identityFiles = [...explicitIds, ...(cfg.identityFilesExplicit ? cfg.identityFiles : [])];
  else identityFiles = cfg.identityFiles;
  if (!identityFilesExplicit) identityFiles = identityFiles.filter((f) => existsSync(f));
  identityFilesExplicit = identityFilesExplicit && identityFiles.length > 0;
  const userFiles = target.knownHosts ? [target.knownHosts] : cfg.userKnownHostsFiles;
  let agentPath: string | undefined;
  if (target.agent === false) agentPath = undefined;
  else if (typeof target.agent === 'string') agentPath = target.agent;
  else if (cfg.identityAgent && cfg.identityAgent !== 'none' && cfg.identityAgent !== 'SSH_AUTH_SOCK')
    agentPath = cfg.identityAgent;
  else if (cfg.identityAgent !== 'none') agentPath = env.env.SSH_AUTH_SOCK || undefined;
  const timeoutMs = target.timeoutMs ?? (cfg.connectTimeout ? cfg.connectTimeout * 1000 : 10_000);
  const keepaliveMs =
    target.keepaliveMs ?? (cfg.serverAliveInterval ? cfg.serverAliveInterval * 1000 : 15_000);
  return {
    role,
    alias: cfg.alias,
    host: cfg.hostName,
    port: over.port ?? cfg.port,
    user: over.user ?? cfg.user,
    identityFiles,
    identityFilesExplicit,
    identitiesOnly: cfg.identitiesOnly,
    knownHostsFiles: [...userFiles, ...cfg.globalKnownHostsFiles],
    appendFile: userFiles[0] ?? `${env.home}/.ssh/known_hosts`,
    strict: cfg.strictHostKeyChecking,
    hostKeyAlias: cfg.hostKeyAlias,
    hashKnownHosts: cfg.hashKnownHosts,
    keepaliveMs,
    keepaliveCountMax: cfg.serverAliveCountMax,
    timeoutMs,
    agentPath,
    warnings: cfg.warnings,
  };
}

function jumpList(spec: string | SshEndpoint[] | undefined): SshEndpoint[] | undefined {
  if (spec === undefined) return undefined;
  if (Array.isArray(spec)) return spec;
  if (spec.trim().toLowerCase() === 'none') return [];
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const ep = parseJumpSpec(s);
      if (!ep) throw new Error(`--jump "${s}" is not [user@]host[:port]`);
      return ep;
    });
}

/** The hops to connect through, outermost jump first, the target last. */
export function planSsh(target: SshTarget, planEnv: PlanEnv = {}): HopPlan[] {
  const env: Required<PlanEnv> = {
    home: planEnv.home ?? process.env.HOME ?? homedir(),
    user: planEnv.user ?? localUser(),
    fs: planEnv.fs ?? nodeConfigFs,
    env: planEnv.env ?? process.env,
  };
  const cfg = resolveOne(target.host, target, env);
  const last = hopFrom('target', cfg, { port: target.port, user: target.user }, target, env);
  const jumps = jumpList(target.jump) ?? cfg.proxyJump;
  const hops: HopPlan[] = [];
  // The first jump host's own ProxyJump is honoured (ssh -J a,b runs `ssh a` with a's config);
  // later hops are reached through the chain given, as OpenSSH's generated -J arguments do.
  const expand = (eps: SshEndpoint[], depth: number): void => {
    eps.forEach((ep, i) => {
      const jc = resolveOne(ep.host, target, env);
      if (i === 0 && jc.proxyJump.length && depth < MAX_JUMP_DEPTH) expand(jc.proxyJump, depth + 1);
      hops.push(hopFrom('jump host', jc, { port: ep.port, user: ep.user }, target, env));
    });
  };
  expand(jumps, 0);
  hops.push(last);
  return hops;
}

export function describeHop(h: HopPlan): string {
  return formatEndpoint({ host: h.host, user: h.user, port: h.port });
}
