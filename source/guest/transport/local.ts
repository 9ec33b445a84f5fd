/**
 * The local transport: netdoctor running on the instance itself (a VNC or Workbench session, `--local`).
 * Commands run through `sh -c` like they would over SSH, with the same timeout, cancel and streaming.
 */
import type { RunOptions, RunResult, Transport, TransportStats } from './types.js';

export interface LocalOptions {
  /** Shell to run commands with (default `sh`). */
  shell?: string;
  /** Extra environment for every command. */
  env?: NodeJS.ProcessEnv;
  /** Wait this long after SIGTERM before SIGKILL to the command's process group on timeout/cancel (default 2 s). */
  killGraceMs?: number;
}

export interface LocalTransport extends Transport {
  kind: 'local';
}

function streamTap(stream: 'stdout' | 'stderr', onData: NonNullable<RunOptions['onData']>) {
  const dec = new TextDecoder('utf-8');
  return {
    *transform(chunk: unknown) {
      const s = dec.decode(chunk as Uint8Array, { stream: true });
      if (s) onData(s, stream);
      yield chunk;
    },
    binary: true,
  };
}

export function openLocal(opts: LocalOptions = {}): LocalTransport {
  const stats: TransportStats = { connections: 0, commands: 0 };
  let closed = false;
  const running = new Set<AbortController>();

  const run = async (command: string, ropts: RunOptions = {}): Promise<RunResult> => {
    if (closed) throw new Error('local transport closed');
    if (ropts.signal?.aborted)
      throw ropts.signal.reason instanceof Error ? ropts.signal.reason : abortError();
    stats.commands++;
    const started = Date.now();
    let timedOut = false;
    let cancelled = false;
    let pid: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    // The command runs in its own process group (detached) so that ending it ends its children too —
    // `sh -c 'a | b'` or a script's background jobs would otherwise outlive a timeout.
    const endGroup = () => {
      if (pid === undefined) return;
      const target = pid;
      try {
        process.kill(-target, 'SIGTERM');
      } catch {}
      killTimer = setTimeout(() => {
        try {
          process.kill(-target, 'SIGKILL');
        } catch {}
      }, opts.killGraceMs ?? 2_000);
      killTimer.unref();
    };
    const ctl = new AbortController();
    running.add(ctl);
    const onAbort = () => {
      cancelled = true;
      ctl.abort();
      endGroup();
    };
    ropts.signal?.addEventListener('abort', onAbort, { once: true });
    ctl.signal.addEventListener('abort', endGroup, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      endGroup();
    }, ropts.timeoutMs ?? 30_000);
    try {
      const { execa } = await loadExeca();
      const sub = execa(opts.shell ?? 'sh', ['-c', command], {
        reject: false,
        stripFinalNewline: false,
        detached: true,
        input: ropts.stdin,
        stdin: ropts.stdin === undefined ? 'ignore' : undefined,
        env: opts.env,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdout: ropts.onData ? ['pipe', streamTap('stdout', ropts.onData)] : 'pipe',
        stderr: ropts.onData ? ['pipe', streamTap('stderr', ropts.onData)] : 'pipe',
      });
      pid = sub.pid;
      const r = await sub;
      if (cancelled) throw ropts.signal?.reason instanceof Error ? ropts.signal.reason : abortError();
      const out: RunResult = {
        stdout: String(r.stdout ?? ''),
        stderr: String(r.stderr ?? ''),
        code: timedOut ? null : (r.exitCode ?? null),
        ms: Date.now() - started,
      };
      if (r.signal) out.signal = r.signal.replace(/^SIG/, '');
      if (timedOut) out.timedOut = true;
      if (r.failed && r.exitCode === undefined && !timedOut && !r.signal) {
        // The shell itself could not start (ENOENT…): say so in stderr rather than throwing.
        out.stderr += `${out.stderr ? '\n' : ''}${r.shortMessage}`;
        out.code = 127;
      }
      return out;
    } finally {
      clearTimeout(timer);
      if (killTimer && pid !== undefined && !groupAlive(pid)) clearTimeout(killTimer);
      running.delete(ctl);
      ropts.signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    kind: 'local',
    describe: () => 'local',
    run,
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      for (const c of running) c.abort();
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function abortError(): Error {
  const e = new Error('command cancelled');
  e.name = 'AbortError';
  return e;
}

/** execa (and its 120-odd modules) load on first use: `check` starts faster when no local tool is run. */
let execaModule: Promise<typeof import('execa')> | undefined;
function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}
