/**
 * Key names: what Ink reports (input string + flags) becomes a list of named keys (`j`, `G`, `enter`,
 * `shift+tab`, `ctrl+c`, `pageup`). Ink hands over a printable chunk whole ("jj", ":sg\r" when typed fast or
 * pasted), so a chunk is split into single keys here; text-entry modes may take printable runs whole.
 */
import type { Key } from 'ink';

export interface KeyEvent {
  /** Normalised name, e.g. `j`, `?`, `enter`, `escape`, `shift+tab`, `ctrl+c`, `up`, `pagedown`, `space`. */
  name: string;
  /** The printable text of the key (a run of characters for pasted text), when it is printable. */
  text?: string;
}

const SPECIAL: [keyof Key, string][] = [
  ['upArrow', 'up'],
  ['downArrow', 'down'],
  ['leftArrow', 'left'],
  ['rightArrow', 'right'],
  ['pageUp', 'pageup'],
  ['pageDown', 'pagedown'],
  ['home', 'home'],
  ['end', 'end'],
  ['return', 'enter'],
  ['escape', 'escape'],
  ['backspace', 'backspace'],
  // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`: both edit backwards.
  ['delete', 'backspace'],
];

function controlName(ch: string): string | undefined {
  const c = ch.charCodeAt(0);
  if (ch === '\r' || ch === '\n') return 'enter';
  if (ch === '\t') return 'tab';
  if (ch === '\x1b') return 'escape';
  if (ch === '\x7f' || ch === '\b') return 'backspace';
  if (c === 0) return 'ctrl+space';
  if (c < 27) return `ctrl+${String.fromCharCode(c + 96)}`;
  return undefined;
}

function printableName(ch: string): string {
  return ch === ' ' ? 'space' : ch;
}

/** Turns one Ink input callback into key events; `wholeText` keeps printable runs together (text entry). */
export function toKeyEvents(input: string, key: Key, wholeText = false): KeyEvent[] {
  if (key.tab) return [{ name: key.shift ? 'shift+tab' : 'tab' }];
  for (const [flag, name] of SPECIAL) {
    if (key[flag]) {
      if (name === 'escape' && input && input !== '\x1b') break; // meta+key, handled below
      return [{ name: key.ctrl && name !== 'enter' ? `ctrl+${name}` : name }];
    }
  }
  if (key.ctrl && input.length === 1) return [{ name: `ctrl+${input.toLowerCase()}` }];
  if (key.meta && input.length === 1 && !key.escape) return [{ name: `alt+${input}` }];
  if (!input) return [];
  const out: KeyEvent[] = [];
  let run = '';
  const flushRun = () => {
    if (!run) return;
    if (wholeText) out.push({ name: run.length === 1 ? printableName(run) : 'text', text: run });
    else for (const ch of run) out.push({ name: printableName(ch), text: ch });
    run = '';
  };
  for (const ch of input) {
    const ctl = controlName(ch);
    if (ctl) {
      flushRun();
      out.push({ name: ctl });
    } else run += ch;
  }
  flushRun();
  return out;
}

const NAMED = new Set([
  'enter',
  'escape',
  'tab',
  'shift+tab',
  'space',
  'up',
  'down',
  'left',
  'right',
  'pageup',
  'pagedown',
  'home',
  'end',
  'backspace',
  'delete',
]);

/** Canonical form of a binding as written in the config (`Esc` → `escape`, `C-c`/`Ctrl+C` → `ctrl+c`). */
export function normalizeBinding(s: string): string | undefined {
  const t = s.trim();
  if (!t) return undefined;
  if (t.length === 1) return t === ' ' ? 'space' : t;
  const lower = t.toLowerCase();
  const alias: Record<string, string> = {
    esc: 'escape',
    return: 'enter',
    cr: 'enter',
    pgup: 'pageup',
    pgdn: 'pagedown',
    'page-up': 'pageup',
    'page-down': 'pagedown',
    'shift-tab': 'shift+tab',
    backtab: 'shift+tab',
    bs: 'backspace',
  };
  if (alias[lower]) return alias[lower];
  if (NAMED.has(lower)) return lower;
  const m = /^(ctrl|c|alt|meta|m)[+-](.+)$/i.exec(t);
  if (m) {
    const mod = /^c(trl)?$/i.test(m[1]) ? 'ctrl' : 'alt';
    const k = m[2].length === 1 ? (mod === 'ctrl' ? m[2].toLowerCase() : m[2]) : normalizeBinding(m[2]);
    return k ? `${mod}+${k}` : undefined;
  }
  return undefined;
}

/** How a key is shown in the footer and help: `⏎`, `Esc`, `Tab`, `↑`, `^C`. */
export function displayKey(name: string): string {
  const map: Record<string, string> = {
    enter: '⏎',
    escape: 'Esc',
    tab: 'Tab',
    'shift+tab': 'S-Tab',
    space: 'Space',
    up: '↑',
    down: '↓',
    left: '←',
    right: '→',
    pageup: 'PgUp',
    pagedown: 'PgDn',
    home: 'Home',
    end: 'End',
    backspace: 'Bksp',
  };
  if (map[name]) return map[name];
  const c = /^ctrl\+(.)$/.exec(name);
  if (c) return `^${c[1].toUpperCase()}`;
  return name.replace(/^alt\+/, 'M-');
}
