/**
 * A real terminal for end-to-end tests: node-pty runs the program, @xterm/headless interprets its output,
 * and the helpers wait for what the screen shows (never a fixed sleep). The child gets TERM=xterm-256color,
 * no CI (Ink prints only the last frame under CI), and the network guard through NODE_OPTIONS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import * as pty from 'node-pty';
import { inkBundlePlugins, nodeBundleOptions } from '../../source/ui/render/bundle-plugins.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NET_GUARD = join(ROOT, 'test/support/net-guard.mjs');

export const KEYS = {
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  backspace: '\x7f',
  ctrlC: '\x03',
  ctrlU: '\x15',
} as const;

export interface CellStyle {
  fg: number;
  fgMode: 'default' | 'palette' | 'rgb';
  bg: number;
  bold: boolean;
  dim: boolean;
  inverse: boolean;
}

export interface Term {
  readonly pid: number;
  /** The emulator itself (cells, colours) for screenshots. */
  readonly xterm: xterm.Terminal;
  /** Visible screen, one string per row (trailing spaces trimmed). */
  lines(): string[];
  screenText(): string;
  /** Everything the program wrote, escape sequences included. */
  output(): string;
  waitForText(want: string | RegExp, timeoutMs?: number): Promise<void>;
  waitFor(pred: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the screen stops changing for `quietMs` (frames, not a fixed sleep: it re-arms on output). */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
  press(...keys: string[]): void;
  resize(cols: number, rows: number): void;
  cellStyle(needle: string): CellStyle | undefined;
  bufferType(): 'normal' | 'alternate';
  /** The terminal's settings as `stty -a` prints them (read from outside, through the pty's device). */
  stty(): string;
  /** Resolves once the program has put the terminal in raw mode (it reads keys one by one). */
  waitRaw(timeoutMs?: number): Promise<void>;
  /** Resolves with the exit status; rejects after the timeout. */
  waitExit(timeoutMs?: number): Promise<{ exitCode: number; signal?: number }>;
  kill(signal?: string): void;
  close(): void;
}

export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // Ink writes only the final frame when CI is set; supports-color drops colour for any CI variable.
  for (const k of [
    'CI',
    'GITHUB_ACTIONS',
    'NO_COLOR',
    'FORCE_COLOR',
    'NODE_TEST_CONTEXT',
    'VITEST',
    'VITEST_WORKER_ID',
  ])
    delete env[k];
  env.TERM = 'xterm-256color';
  env.NODE_OPTIONS = `--import=${NET_GUARD}`;
  env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
  env.TZ ??= 'Asia/Shanghai';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function spawnTerm(
  file: string,
  args: string[],
  opts: { cols: number; rows: number; env?: Record<string, string | undefined>; cwd?: string },
): Term {
  const term = new xterm.Terminal({
    cols: opts.cols,
    rows: opts.rows,
    allowProposedApi: true,
    scrollback: 0,
  });
  const proc = pty.spawn(file, args, {
    name: 'xterm-256color',
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd ?? ROOT,
    env: childEnv(opts.env),
  });
  let raw = '';
  let lastChange = Date.now();
  const waiters = new Set<() => void>();
  let exit: { exitCode: number; signal?: number } | undefined;
  const exitWaiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  proc.onData((d) => {
    raw += d;
    lastChange = Date.now();
    term.write(d, wake);
  });
  proc.onExit((e) => {
    exit = e;
    // Let xterm finish parsing what arrived before the exit.
    term.write('', () => {
      wake();
      for (const w of [...exitWaiters]) w();
    });
  });

  const lines = () => {
    const buf = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++)
      out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return out;
  };

  const t: Term = {
    pid: proc.pid,
    xterm: term,
    lines,
    screenText: () => lines().join('\n'),
    output: () => raw,
    waitFor(pred, what, timeoutMs = 10_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          if (pred(t.screenText())) {
            cleanup();
            resolvePromise();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${t.screenText()}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    waitForText(want, timeoutMs) {
      return t.waitFor(
        (s) => (typeof want === 'string' ? s.includes(want) : want.test(s)),
        typeof want === 'string' ? JSON.stringify(want) : String(want),
        timeoutMs,
      );
    },
    settle(quietMs = 150, timeoutMs = 5000) {
      return new Promise((resolvePromise) => {
        const started = Date.now();
        const tick = () => {
          if (Date.now() - lastChange >= quietMs || Date.now() - started > timeoutMs) return resolvePromise();
          setTimeout(tick, Math.max(10, quietMs - (Date.now() - lastChange)));
        };
        tick();
      });
    },
    press(...keys) {
      // A key counts as activity: settle() then waits for the frame it causes instead of returning at once.
      lastChange = Date.now();
      for (const k of keys) proc.write(k);
    },
    resize(cols, rows) {
      proc.resize(cols, rows);
      term.resize(cols, rows);
    },
    cellStyle(needle) {
      const buf = term.buffer.active;
      for (let y = 0; y < term.rows; y++) {
        const line = buf.getLine(buf.viewportY + y);
        if (!line) continue;
        const x = line.translateToString(false).indexOf(needle);
        if (x < 0) continue;
        const c = line.getCell(x);
        if (!c) return undefined;
        return {
          fg: c.getFgColor(),
          fgMode: c.isFgDefault() ? 'default' : c.isFgRGB() ? 'rgb' : 'palette',
          bg: c.getBgColor(),
          bold: !!c.isBold(),
          dim: !!c.isDim(),
          inverse: !!c.isInverse(),
        };
      }
      return undefined;
    },
    bufferType: () => term.buffer.active.type,
    stty() {
      const dev = (proc as unknown as { _pty?: string })._pty;
      if (!dev) throw new Error('node-pty did not expose the pty device');
      return execFileSync('stty', ['-F', dev, '-a'], { encoding: 'utf8' });
    },
    async waitRaw(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!/(^|\s)-icanon(\s|$)/.test(t.stty())) {
        if (Date.now() > until)
          throw new Error(`the terminal never entered raw mode; screen:\n${t.screenText()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    waitExit(timeoutMs = 10_000) {
      if (exit) return Promise.resolve(exit);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`process did not exit within ${timeoutMs} ms; screen:\n${t.screenText()}`)),
          timeoutMs,
        );
        exitWaiters.add(() => {
          clearTimeout(timer);
          resolvePromise(exit!);
        });
      });
    },
    kill(signal = 'SIGTERM') {
      proc.kill(signal);
    },
    close() {
      try {
        if (!exit) proc.kill('SIGKILL');
      } catch {
        // already gone
      }
      term.dispose();
    },
  };
  return t;
}

/** Was the terminal given back: alternate screen left and cursor shown after the last time they were taken? */
export function restoredSequences(raw: string): { altLeft: boolean; cursorShown: boolean } {
  const lastAltOn = raw.lastIndexOf('\x1b[?1049h');
  const lastAltOff = raw.lastIndexOf('\x1b[?1049l');
  const lastHide = raw.lastIndexOf('\x1b[?25l');
  const lastShow = raw.lastIndexOf('\x1b[?25h');
  return { altLeft: lastAltOn >= 0 && lastAltOff > lastAltOn, cursorShown: lastShow > lastHide };
}

let built: Promise<string> | undefined;

/**
 * Bundles test/e2e/fixture-app.tsx with esbuild (like scripts/build.mjs bundles the CLI) into a temp dir: the
 * storefront fixture behind the real runApp, for the UI bench (20,000 socket rows on screen).
 */
export function buildFixtureApp(): Promise<string> {
  built ??= (async () => {
    const { build } = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'nd-fixture-app-'));
    const outfile = join(dir, 'fixture-app.js');
    await build({
      ...nodeBundleOptions,
      entryPoints: [join(ROOT, 'test/e2e/fixture-app.tsx')],
      outfile,
      external: ['ssh2', 'cpu-features', 'node-pty', '@xterm/headless'],
      plugins: inkBundlePlugins,
    });
    return outfile;
  })();
  return built;
}

/** The CLI, when it has been built and has a `demo` command. */
export function cliPath(): string | undefined {
  const p = join(ROOT, 'dist/cli.js');
  try {
    readFileSync(p);
    return p;
  } catch {
    return undefined;
  }
}

/** Child processes of a pid (Linux /proc), e.g. the node started by `sh -c`. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
