/**
 * The alternate screen, entered by hand (Ink 6 has no option for it) and always left: restore() is idempotent
 * and synchronous, so it is safe from signal handlers, `exit` and error paths alike. What it undoes: alternate
 * screen, hidden cursor, raw mode, attributes, the window title.
 */
import { writeSync } from 'node:fs';

export const ESC = {
  altOn: '\x1b[?1049h',
  altOff: '\x1b[?1049l',
  clear: '\x1b[2J\x1b[H',
  cursorHide: '\x1b[?25l',
  cursorShow: '\x1b[?25h',
  reset: '\x1b[0m',
  /** xterm: save the window title on a stack / restore it. */
  titlePush: '\x1b[22;0t',
  titlePop: '\x1b[23;0t',
  title: (t: string) => `\x1b]0;${t.replace(/[\x00-\x1f\x7f]/g, '')}\x07`,
} as const;

export interface Screen {
  restore(): void;
  restored(): boolean;
}

/** Writes straight to the file descriptor when there is one: in an exit handler a stream write may never flush. */
function writeNow(out: NodeJS.WriteStream, s: string) {
  const fd = (out as { fd?: number }).fd;
  if (typeof fd === 'number') {
    try {
      writeSync(fd, s);
      return;
    } catch {
      // Fall back to the stream (e.g. a closed or non-blocking descriptor).
    }
  }
  out.write(s);
}

export function enterFullScreen(out: NodeJS.WriteStream, input: NodeJS.ReadStream, title?: string): Screen {
  let done = false;
  writeNow(out, (title ? ESC.titlePush + ESC.title(title) : '') + ESC.altOn + ESC.clear + ESC.cursorHide);
  return {
    restore() {
      if (done) return;
      done = true;
      try {
        if (input.isTTY && typeof input.setRawMode === 'function') input.setRawMode(false);
      } catch {
        // stdin may already be closed; the terminal still gets the escape sequences below.
      }
      writeNow(out, ESC.reset + ESC.cursorShow + ESC.altOff + (title ? ESC.titlePop : ''));
    },
    restored: () => done,
  };
}
