/**
 * The UI end to end without the CLI: the storefront fixture session behind the real runApp, in a real terminal.
 * Bundled by test/support/terminal.ts (buildFixtureApp) and run under node-pty by the e2e tests, the
 * screenshots script and the bench. Flags:
 *   --lang en|zh  --still (fixed clock, no collection)  --fast (intervals ÷10)  --sockets N  --rules N
 *   --fail SOURCE:RUN  --throw-after MS  --throw-in-render-after MS  --panel NAME  --keymap FILE
 *   --read-only  --no-color
 * Env: NETDOCTOR_HEAP_LOG=FILE (with node --expose-gc) logs the heap after a full GC every 10 s, and
 * NETDOCTOR_HEAP_SNAPSHOTS=MS,MS writes heap snapshots then (how the bench's RSS drift was traced).
 */
import type { Session } from '../../source/engine/session.js';
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
const fail = flag('fail');
// Screenshots pin the clock 3 s after the fixture's snapshot (its "now"), so every run draws the same screen.
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
  fail: fail
    ? { source: fail.split(':')[0] as 'guest', fromRun: Number(fail.split(':')[1] ?? 1) }
    : undefined,
});

let boom = false;
const shown: Session = {
  ...session,
  getState() {
    if (boom) throw new Error('a render-time failure injected by the e2e test');
    return session.getState();
  },
};
const renderThrow = flag('throw-in-render-after');
if (renderThrow !== undefined) {
  setTimeout(() => {
    boom = true;
    session.record('note', 'render failure injected');
  }, Number(renderThrow));
}
const throwAfter = flag('throw-after');
if (throwAfter !== undefined) {
  setTimeout(() => {
    throw new Error('an uncaught failure injected by the e2e test');
  }, Number(throwAfter));
}

// Memory diagnostics for the bench: after a full GC, what the heap really keeps (needs --expose-gc).
const heapLog = process.env.NETDOCTOR_HEAP_LOG;
if (heapLog) {
  const { appendFileSync } = await import('node:fs');
  setInterval(() => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    appendFileSync(
      heapLog,
      `${Date.now()} heap=${m.heapUsed} rss=${m.rss} ext=${m.external} ab=${m.arrayBuffers}\n`,
    );
  }, 10_000).unref();
  const { writeHeapSnapshot } = await import('node:v8');
  for (const at of (process.env.NETDOCTOR_HEAP_SNAPSHOTS ?? '').split(',').filter(Boolean)) {
    setTimeout(() => writeHeapSnapshot(`${heapLog}.${at}.heapsnapshot`), Number(at)).unref();
  }
}

const lang = flag('lang');
const code = await runApp({
  session: shown,
  lang: lang === 'zh' || lang === 'en' ? lang : undefined,
  color: has('no-color') ? false : undefined,
  readOnly: has('read-only'),
  keymapFile: flag('keymap'),
  initialPanel: (flag('panel') as PanelId | undefined) ?? undefined,
  now: still ? () => fixedNow : undefined,
});
session.dispose();
process.exitCode = code;
