/**
 * runApp: the full-screen lifecycle around <App>. The terminal is restored on every way out — `q`, Ctrl-C,
 * SIGINT, SIGTERM, SIGHUP, an error thrown while rendering, an uncaught exception or rejection anywhere, and a
 * plain process.exit() — and the promise resolves with the exit code.
 */
import { render } from 'ink';
import type { Fixer } from '../engine/fixer.js';
import type { Session } from '../engine/session.js';
import { App, type AppController } from './App.js';
import { detectLang, type Lang } from './i18n/index.js';
import { loadKeymap } from './keymap/keymap.js';
import { makeTheme, ThemeContext } from './render/theme.js';
import { enterFullScreen } from './terminal/fullscreen.js';
import type { PanelId } from './view/types.js';

export interface RunAppOptions {
  session: Session;
  lang?: Lang;
  /** Colour on/off; default: off with NO_COLOR, TERM=dumb or a terminal without colours. */
  color?: boolean;
  readOnly?: boolean;
  /**
   * Remediation (engine/fixer.ts): with it, and neither read-only nor a read-only fixer, the Findings panel and a
   * finding's page offer the fix key (preview, confirmation, run, verify, rollback). Without it nothing writes.
   */
  fixer?: Fixer;
  keymapFile?: string;
  /** The terminal window's title while the screen is up (the header always says netdoctor). */
  title?: string;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  initialPanel?: PanelId;
  /** Clock for ages and timestamps (tests and screenshots pin it). */
  now?: () => number;
  onReady?: (ctl: AppController) => void;
  /** Exit the process shortly after a signal or uncaught error when nothing else does (default true). */
  forceExit?: boolean;
}

const SIGNALS: [NodeJS.Signals, number][] = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
];

export function defaultColor(out: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  if (!out.isTTY) return false;
  return typeof out.hasColors === 'function' ? out.hasColors(env) : true;
}

export async function runApp(opts: RunAppOptions): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const stderr = opts.stderr ?? process.stderr;
  const lang = opts.lang ?? detectLang();
  const color = opts.color ?? defaultColor(stdout);
  const { keymap, warnings } = loadKeymap(opts.keymapFile);
  const forceExit = opts.forceExit ?? true;
  if (!stdin.isTTY || !stdout.isTTY) {
    // Ink needs raw mode on a terminal; without one it would throw mid-start.
    stderr.write(
      `netdoctor: the full-screen view needs a terminal (${!stdin.isTTY ? 'stdin' : 'stdout'} is not one).\n` +
        'For scripts and pipes use `netdoctor check TARGET --json`.\n',
    );
    return 2;
  }

  const screen = enterFullScreen(stdout, stdin, opts.title ?? 'netdoctor');
  let settle!: (code: number) => void;
  const done = new Promise<number>((r) => {
    settle = r;
  });
  let finished = false;
  let instance: ReturnType<typeof render> | undefined;
  const listeners: [string, (...a: unknown[]) => void][] = [];
  const on = (ev: string, fn: (...a: unknown[]) => void) => {
    process.on(ev as NodeJS.Signals, fn);
    listeners.push([ev, fn]);
  };

  const finish = (code: number, err?: unknown) => {
    if (finished) return;
    finished = true;
    try {
      instance?.unmount();
    } catch {
      // Unmounting a tree that just threw can throw again; the terminal is restored below regardless.
    }
    screen.restore();
    for (const [ev, fn] of listeners) process.off(ev as NodeJS.Signals, fn);
    if (err) {
      const e = err as Error;
      stderr.write(
        `netdoctor: the screen stopped on an error: ${e?.message ?? String(err)}\n` +
          `${e?.stack ? `${e.stack.split('\n').slice(1, 6).join('\n')}\n` : ''}` +
          'The terminal has been restored. This is a bug in netdoctor: please report it with the lines above.\n',
      );
    }
    settle(code);
  };

  for (const [sig, code] of SIGNALS) {
    on(sig, () => {
      finish(code);
      process.exitCode = code;
      // Whoever called runApp gets the code; if nothing exits within a moment, leave as a signal would.
      if (forceExit) setTimeout(() => process.exit(code), 1500).unref();
    });
  }
  const crash = (err: unknown) => {
    finish(1, err);
    process.exitCode = 1;
    if (forceExit) setTimeout(() => process.exit(1), 1500).unref();
  };
  on('uncaughtException', crash);
  on('unhandledRejection', crash);
  on('exit', () => screen.restore());

  try {
    instance = render(
      <ThemeContext.Provider value={makeTheme(color)}>
        <App
          session={opts.session}
          lang={lang}
          keymap={keymap}
          readOnly={opts.readOnly}
          fixer={opts.fixer}
          notices={warnings}
          initialPanel={opts.initialPanel}
          now={opts.now}
          onReady={opts.onReady}
        />
      </ThemeContext.Provider>,
      {
        stdout,
        stdin,
        stderr,
        exitOnCtrlC: false,
        patchConsole: true,
        // Ink 6.8's incremental writer moves the cursor up one row too few after a frame that ends with a
        // newline (every frame shorter than the terminal), so its second frame lands one row low and the screen
        // tears (seen in a pty: the header line written twice). The standard writer erases and rewrites the
        // frame; at rows − 1 it never clears the whole screen, so it does not flicker either.
        incrementalRendering: false,
        maxFps: 30,
      },
    );
    instance.waitUntilExit().then(
      () => finish(0),
      (err: unknown) => finish(1, err),
    );
  } catch (err) {
    finish(1, err);
  }
  return done;
}
