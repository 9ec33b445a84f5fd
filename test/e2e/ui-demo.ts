/**
 * Shared by the UI end-to-end tests: `node dist/cli.js demo` (the simulated region, the real collectors,
 * diagnose() and the UI in one process) in a real terminal (node-pty + @xterm/headless), run under `sh` so that
 * after it exits `stty -a` records the terminal mode it left behind. HOME, the audit log and the keymap file
 * point into a temp dir, so a test never reads or writes the operator's own.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { translator } from '../../source/ui/i18n/index.js';
import type { PanelId } from '../../source/ui/view/types.js';
import { childPids, cliPath, restoredSequences, spawnTerm, type Term } from '../support/terminal.js';

/** The storefront demo's target, as every screen names it. */
export const DEMO = { instance: 'i-bp1k6jsb2wslxp48772b', name: 'storefront-web-01' } as const;

export function demoCli(): string {
  const cli = cliPath();
  if (!cli)
    throw new Error("dist/cli.js is missing: run 'node scripts/build.mjs' (npm test builds it first)");
  return cli;
}

export interface Demo {
  t: Term;
  /** Where `stty -a` is written once the program has exited. */
  sttyFile: string;
  audit: string;
  /** The node process itself (its parent is `sh`). */
  nodePid(): Promise<number>;
}

export function launchDemo(o: {
  cols: number;
  rows: number;
  args?: string[];
  env?: Record<string, string | undefined>;
  running: Term[];
}): Demo {
  const dir = mkdtempSync(join(tmpdir(), 'nd-e2e-'));
  const stty = join(dir, 'stty.txt');
  const audit = join(dir, 'audit.jsonl');
  const cmd = [process.execPath, demoCli(), 'demo', ...(o.args ?? [])]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const t = spawnTerm('/bin/sh', ['-c', `${cmd}; code=$?; stty -a > '${stty}'; exit $code`], {
    cols: o.cols,
    rows: o.rows,
    env: {
      HOME: dir,
      XDG_CONFIG_HOME: undefined,
      XDG_STATE_HOME: undefined,
      NETDOCTOR_AUDIT_FILE: audit,
      LANG: 'C.UTF-8',
      LC_ALL: undefined,
      ...o.env,
    },
  });
  o.running.push(t);
  const nodePid = async () => {
    for (let i = 0; i < 200; i++) {
      const kids = childPids(t.pid);
      if (kids.length) return kids[0];
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the demo process did not start');
  };
  return { t, sttyFile: stty, audit, nodePid };
}

/** Waits for the first frame with data (the screen comes up before the simulator is ready). */
export async function waitDemo(t: Term, lang: 'en' | 'zh' = 'en'): Promise<void> {
  await t.waitForText(panelTitle(lang, 'findings'), 20_000);
  await t.waitForText(DEMO.instance, 20_000);
  await t.waitRaw();
}

export const panelTitle = (lang: 'en' | 'zh', p: PanelId) => ` ${translator(lang).t(`panel.${p}`)} ·`;

/** The path bar's first line (the selected intent and its result). */
export const pathLine = (t: Term) => t.lines()[2] ?? '';

/** Moves the cursor (j) to the row that mentions `text`, reading only whole frames (the screen gone quiet). */
export async function selectRow(t: Term, text: string): Promise<void> {
  const at = () => t.lines().findIndex((l) => l.startsWith('›') && l.includes(text));
  for (let i = 0; i < 20; i++) {
    await t.settle(150);
    if (at() >= 0) return;
    t.press('j');
  }
  throw new Error(`no row with "${text}"; screen:\n${t.screenText()}`);
}

/** The terminal was given back: alternate screen left, cursor shown, raw mode off (canonical input, echo). */
export function expectRestored(t: Term, sttyFile: string): void {
  const seq = restoredSequences(t.output());
  expect(seq.altLeft, 'alternate screen left (\\x1b[?1049l after the last \\x1b[?1049h)').toBe(true);
  expect(seq.cursorShown, 'cursor shown (\\x1b[?25h after the last \\x1b[?25l)').toBe(true);
  expect(t.bufferType()).toBe('normal');
  const stty = readFileSync(sttyFile, 'utf8');
  expect(stty).toMatch(/(^|\s)icanon(\s|$)/);
  expect(stty).toMatch(/(^|\s)echo(\s|$)/);
}

export function auditRecords(file: string): { plan: string; outcome: string }[] {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
