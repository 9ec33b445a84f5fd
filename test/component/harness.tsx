/**
 * Component harness: Ink's own render() into a fake terminal of a fixed size (ink-testing-library hard-codes
 * 100 columns and no rows). Frames are read as they are written; waits poll the latest frame on each write,
 * never sleep. Styles are read back through @xterm/headless, the same emulator the e2e tests use.
 *
 * Ink runs in debug mode here (every frame written whole): under CI Ink's normal mode prints only the final
 * frame, and component tests must behave the same on a laptop and in CI. The real incremental path is covered
 * by the e2e tests in a pty.
 */
import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';
import chalk from 'chalk';
import { render } from 'ink';
import type { ReactElement } from 'react';

// Ink styles text through chalk, which sizes colour support from the test runner's own stdout (a pipe: no
// colour). The fake terminal is a 256-colour TTY, so colour is switched on here, as a real terminal would.
chalk.level = 2;

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;
const stripAnsi = (s: string) => s.replace(ANSI, '');

class FakeStdout extends EventEmitter {
  isTTY = true;
  frames = 0;
  last = '';
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (s: string) => {
    this.frames++;
    this.last = s;
    this.emit('frame', s);
    return true;
  };
  hasColors() {
    return true;
  }
  getColorDepth() {
    return 8;
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private queue: string[] = [];
  write(s: string) {
    this.queue.push(s);
    this.emit('readable');
  }
  read() {
    return this.queue.shift() ?? null;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export interface CellStyle {
  fg: number;
  fgMode: 'default' | 'palette' | 'rgb';
  bold: boolean;
  dim: boolean;
  inverse: boolean;
}

export interface Harness {
  /** The current screen as plain text lines (trailing spaces trimmed). */
  lines(): string[];
  text(): string;
  /** The last frame as written, escape sequences included. */
  raw(): string;
  frames(): number;
  waitFor(want: string | RegExp | ((text: string) => boolean), timeoutMs?: number): Promise<string>;
  press(...keys: string[]): Promise<void>;
  resize(columns: number, rows: number): void;
  /** Style of the first cell of `needle` on screen (through xterm). */
  style(needle: string): Promise<CellStyle | undefined>;
  unmount(): void;
}

export function renderAt(node: ReactElement, size: { columns: number; rows: number }): Harness {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout(size.columns, size.rows);
  const inst = render(node, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const plain = () =>
    stripAnsi(stdout.last)
      .split('\n')
      .map((l) => l.trimEnd());
  const h: Harness = {
    lines: () => plain(),
    text: () => plain().join('\n'),
    raw: () => stdout.last,
    frames: () => stdout.frames,
    waitFor(want, timeoutMs = 4000) {
      const ok = (t: string) =>
        typeof want === 'string' ? t.includes(want) : want instanceof RegExp ? want.test(t) : want(t);
      return new Promise((resolve, reject) => {
        if (ok(h.text())) return resolve(h.text());
        const onFrame = () => {
          const t = h.text();
          if (ok(t)) {
            clearTimeout(timer);
            stdout.off('frame', onFrame);
            resolve(t);
          }
        };
        const timer = setTimeout(() => {
          stdout.off('frame', onFrame);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${String(want)}; screen:\n${h.text()}`),
          );
        }, timeoutMs);
        stdout.on('frame', onFrame);
      });
    },
    async press(...keys) {
      for (const k of keys) {
        stdin.write(k);
        // Ink flushes a lone Esc on the next tick; let each key land before the next.
        await new Promise((r) => setImmediate(r));
      }
    },
    resize(columns, rows) {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
    async style(needle) {
      const term = new xterm.Terminal({
        cols: stdout.columns,
        rows: stdout.rows,
        allowProposedApi: true,
        convertEol: true,
      });
      await new Promise<void>((r) => term.write(stdout.last, r));
      const buf = term.buffer.active;
      for (let y = 0; y < stdout.rows; y++) {
        const line = buf.getLine(y);
        const text = line?.translateToString(false) ?? '';
        const x = text.indexOf(needle);
        if (x < 0 || !line) continue;
        const cell = line.getCell(x);
        if (!cell) return undefined;
        const style: CellStyle = {
          fg: cell.getFgColor(),
          fgMode: cell.isFgDefault() ? 'default' : cell.isFgRGB() ? 'rgb' : 'palette',
          bold: !!cell.isBold(),
          dim: !!cell.isDim(),
          inverse: !!cell.isInverse(),
        };
        term.dispose();
        return style;
      }
      term.dispose();
      return undefined;
    },
    unmount() {
      inst.unmount();
      inst.cleanup();
    },
  };
  return h;
}
