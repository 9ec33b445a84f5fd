/**
 * Running the operator's own network tools (ping, traceroute, tcptraceroute): find them on PATH (plus the
 * sbin directories a non-root PATH often lacks), run them bounded in time with the C locale so their output
 * is the English the parsers read, and never throw — a missing tool or a timeout is data.
 */
import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface ToolRun {
  /** stdout and stderr interleaved in arrival order (what a terminal would show). */
  output: string;
  stdout: string;
  stderr: string;
  /** Exit code; null when the tool was killed (timeout, cancel) or never started. */
  code: number | null;
  timedOut: boolean;
  canceled: boolean;
  /** The tool could not be started (ENOENT, EACCES); `startError` says why. */
  startError?: string;
  ms: number;
}

export interface RunToolOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

// Debian puts traceroute in /usr/sbin, which an unprivileged user's PATH usually lacks.
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Where tools are looked for: PATH, then the sbin directories. */
export function toolDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of EXTRA_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs;
}

/** Absolute path of an executable named `name` in `dirs`, or undefined when it is not installed. */
export async function findTool(name: string, dirs: string[] = toolDirs()): Promise<string | undefined> {
  for (const d of dirs) {
    const p = join(d, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/** The file a tool path finally resolves to (`/bin/ping` → `/bin/busybox` on Alpine). */
export async function toolTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

// Detached groups are not killed with us by execa's cleanup; end the ones still running when we exit.
const running = new Set<number>();
let exitHook = false;
function track(pid: number | undefined): void {
  if (!pid) return;
  running.add(pid);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const p of running)
      try {
        process.kill(-p, 'SIGKILL');
      } catch {}
  });
}

export async function runTool(file: string, args: string[], opts: RunToolOptions): Promise<ToolRun> {
  const started = performance.now();
  // Its own process group, killed whole at the deadline: a wrapper script (Debian's tcptraceroute.db is one)
  // would otherwise leave a child holding the output pipe open past the time bound.
  const { execa } = await loadExeca();
  const sub = execa(file, args, {
    reject: false,
    all: true,
    stdin: 'ignore',
    detached: true,
    env: { ...(opts.env ?? process.env), LC_ALL: 'C', LANG: 'C', LANGUAGE: 'C' },
    extendEnv: false,
    maxBuffer: 1024 * 1024,
  });
  track(sub.pid);
  let timedOut = false;
  let canceled = false;
  const killGroup = () => {
    try {
      if (sub.pid) process.kill(-sub.pid, 'SIGKILL');
    } catch {
      sub.kill('SIGKILL');
    }
  };
  const timer = setTimeout(
    () => {
      timedOut = true;
      killGroup();
    },
    Math.max(1, Math.round(opts.timeoutMs)),
  );
  const onAbort = () => {
    canceled = true;
    killGroup();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const r = await sub;
  if (sub.pid) running.delete(sub.pid);
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  const ms = Math.round(performance.now() - started);
  const killed = timedOut || canceled;
  const startError =
    r.failed && r.exitCode === undefined && !killed && !r.signal
      ? String((r as { code?: string }).code ?? r.originalMessage ?? r.shortMessage)
      : undefined;
  return {
    output: typeof r.all === 'string' ? r.all : '',
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    code: killed || r.exitCode === undefined ? null : r.exitCode,
    timedOut,
    canceled: canceled && !timedOut,
    ...(startError ? { startError } : {}),
    ms,
  };
}

/** Strips `[…]` around an IPv6 literal (`[::1]` → `::1`). */
export function bareHost(host: string): string {
  const t = host.trim();
  return t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
}

/** execa (and its 120-odd modules) load on first use: `check` starts faster when no local tool is run. */
let execaModule: Promise<typeof import('execa')> | undefined;
function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}
