/**
 * The UI over the storefront fixture session behind the real runApp, for the UI bench (bench/ui.ts): it can put
 * exactly 20,000 socket rows and 2,000 more rules on screen, which the real collection never does (it lists at most
 * 2,000 connected sockets). Bundled by test/support/terminal.ts (buildFixtureApp) and run under node-pty. The
 * end-to-end tests and the screenshots use the demo itself (`node dist/cli.js demo`). Flags:
 *   --lang en|zh  --still (fixed clock, no collection)  --fast (intervals ÷10)  --sockets N  --rules N
 *   --panel NAME  --keymap FILE  --read-only  --no-color
 */
import { runApp } from '../../source/ui/run.js';
import type { PanelId } from '../../source/ui/view/types.js';
import { createFixtureSession, STOREFRONT } from './fixture-session.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? '') : undefined;
}
const has = (name: string) => process.argv.includes(`--${name}`);

const still = has('still');
const fast = has('fast');
// A still screen pins the clock 3 s after the fixture's snapshot (its "now"), so every run draws the same.
const fixedNow = STOREFRONT.snapshot.at + 3000;
const { session } = createFixtureSession({
  still,
  now: still ? () => fixedNow : undefined,
  // --fast: every interval ÷10, and the kept history and timeline ÷10 so they cover the same span of time.
  intervals: fast ? { cloud: 3000, guest: 500, probes: 200, counters: 200 } : undefined,
  historyMax: fast ? 180 : undefined,
  timelineMax: fast ? 50 : undefined,
  sockets: Number(flag('sockets') ?? 0) || undefined,
  rules: Number(flag('rules') ?? 0) || undefined,
});

const lang = flag('lang');
const code = await runApp({
  session,
  lang: lang === 'zh' || lang === 'en' ? lang : undefined,
  color: has('no-color') ? false : undefined,
  readOnly: has('read-only'),
  keymapFile: flag('keymap'),
  initialPanel: (flag('panel') as PanelId | undefined) ?? undefined,
  now: still ? () => fixedNow : undefined,
});
session.dispose();
process.exitCode = code;
