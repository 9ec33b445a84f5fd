/**
 * End to end in a real terminal: node-pty runs the app, @xterm/headless shows what an operator would see.
 * The demo is `node dist/cli.js demo` (simulator + collectors + diagnose + this UI) when the CLI is built (npm test
 * builds it first); without it, or with NETDOCTOR_E2E_FIXTURE=1, the storefront fixture behind the real runApp
 * (test/e2e/fixture-app.tsx, bundled with esbuild). Tests that inject failures (a thrown error, a failing source)
 * always use the fixture app. Assertions use the UI's own words (i18n catalogs), so both launches pass the same tests.
 *
 * Covered at 80x24 and 160x48 in English and Chinese: every panel, drill in and out, filter, the command line,
 * help, resize, and quitting with the terminal given back (alternate screen left, cursor shown, raw mode off),
 * plus Ctrl-C, SIGTERM, an uncaught error and an error thrown while rendering.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../source/ui/i18n/index.js';
import { PANELS } from '../../source/ui/view/types.js';
import {
  buildFixtureApp,
  childEnv,
  childPids,
  cliPath,
  KEYS,
  restoredSequences,
  spawnTerm,
  type Term,
} from '../support/terminal.js';

const cli = process.env.NETDOCTOR_E2E_FIXTURE === '1' ? undefined : cliPath();
let fixture: string;
const running: Term[] = [];

beforeAll(async () => {
  fixture = await buildFixtureApp();
  if (!cli) console.warn('\n⚠ e2e: dist/cli.js is not built; the demo tests run the fixture app instead\n');
}, 60_000);

afterEach(() => {
  for (const t of running.splice(0)) t.close();
});

/** The demo (the CLI when built) takes only --lang; the fixture app also takes the failure injections. */
function argsFor(extra: string[], fixtureOnly: boolean): string[] {
  if (cli && !fixtureOnly)
    return [cli, 'demo', ...extra.filter((a) => a === '--lang' || a === 'en' || a === 'zh')];
  return [fixture, ...extra];
}

/** Runs the app under `sh` so that, after it exits, `stty -a` records the terminal mode it left behind. */
function launch(o: {
  cols: number;
  rows: number;
  args?: string[];
  env?: Record<string, string | undefined>;
  fixtureOnly?: boolean;
}) {
  const dir = mkdtempSync(join(tmpdir(), 'nd-e2e-'));
  const stty = join(dir, 'stty.txt');
  const cmd = [process.execPath, ...argsFor(o.args ?? [], !!o.fixtureOnly)]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const t = spawnTerm('/bin/sh', ['-c', `${cmd}; code=$?; stty -a > '${stty}'; exit $code`], {
    cols: o.cols,
    rows: o.rows,
    env: o.env,
  });
  running.push(t);
  const nodePid = async () => {
    for (let i = 0; i < 100; i++) {
      const kids = childPids(t.pid);
      if (kids.length) return kids[0];
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the app process did not start');
  };
  return { t, sttyFile: stty, nodePid };
}

async function expectRestored(t: Term, sttyFile: string) {
  const seq = restoredSequences(t.output());
  expect(seq.altLeft, 'alternate screen left').toBe(true);
  expect(seq.cursorShown, 'cursor shown').toBe(true);
  expect(t.bufferType()).toBe('normal');
  const stty = readFileSync(sttyFile, 'utf8');
  // Raw mode off: canonical input and echo are back.
  expect(stty).toMatch(/(^|\s)icanon(\s|$)/);
  expect(stty).toMatch(/(^|\s)echo(\s|$)/);
}

const panelTitle = (lang: 'en' | 'zh', p: (typeof PANELS)[number]) =>
  ` ${translator(lang).t(`panel.${p}`)} ·`;

for (const [cols, rows] of [
  [80, 24],
  [160, 48],
] as const) {
  for (const lang of ['en', 'zh'] as const) {
    it(`${cols}x${rows} ${lang}: every panel, drill in and out, filter, command line, help, resize, quit`, async () => {
      const t = translator(lang).t;
      const { t: term, sttyFile } = launch({ cols, rows, args: ['--lang', lang] });
      await term.waitForText(panelTitle(lang, 'findings'), 15_000);
      await term.waitRaw();
      for (const [i, p] of PANELS.entries()) {
        term.press(String(i + 1));
        await term.waitForText(panelTitle(lang, p));
        expect(term.lines().some((l) => l.startsWith(' ▸ '))).toBe(true);
      }
      // Drill: the first Security row (the rule deciding the first intent), then back.
      term.press('2');
      await term.waitForText(panelTitle(lang, 'security'));
      term.press(KEYS.enter);
      await term.waitForText(`${t('panel.security')} › `);
      await term.waitForText('priority: ');
      term.press(KEYS.escape);
      await term.waitFor(
        (s) => !s.includes(`${t('panel.security')} › `) && s.includes(panelTitle(lang, 'security')),
        'drill closed',
      );
      // Filter the sockets.
      term.press('3', '/', 's', 's', 'h', 'd');
      await term.waitForText('/sshd');
      await term.waitFor(
        (s) =>
          s
            .split('\n')
            .filter((l) => /^[ ›][ ✔!](tcp|udp)/.test(l))
            .every((l) => l.includes('sshd')),
        'only sshd rows',
      );
      term.press(KEYS.enter, KEYS.escape);
      await term.waitFor((s) => !s.includes('/sshd'), 'filter cleared');
      // Command line with completion.
      term.press(':', 'r', 'o', 'u', KEYS.tab);
      await term.waitForText(':routes');
      term.press(KEYS.enter);
      await term.waitForText(panelTitle(lang, 'routes'));
      // Help.
      term.press('?');
      await term.waitForText(t('help.title'));
      term.press(KEYS.escape);
      await term.waitFor((s) => !s.includes(t('help.title')), 'help closed');
      // Resize to the other size and back: the layout follows (root = rows − 1).
      const [c2, r2] = cols === 80 ? [120, 36] : [80, 24];
      term.resize(c2, r2);
      await term.waitFor(
        (s) => s.split('\n')[r2 - 2]?.includes(`? ${t('cmd.help')}`) ?? false,
        `footer on row ${r2 - 1}`,
      );
      term.resize(cols, rows);
      await term.waitFor(
        (s) => s.split('\n')[rows - 2]?.includes(`? ${t('cmd.help')}`) ?? false,
        `footer on row ${rows - 1}`,
      );
      term.press('q');
      const e = await term.waitExit();
      expect(e.exitCode).toBe(0);
      await expectRestored(term, sttyFile);
    }, 60_000);
  }
}

describe('the terminal is restored however the app ends', () => {
  it('Ctrl-C', async () => {
    const { t, sttyFile } = launch({ cols: 80, rows: 24 });
    await t.waitForText(panelTitle('en', 'findings'), 15_000);
    // In raw mode Ctrl-C is a key for the app (it quits with 0), not a SIGINT for the process group.
    await t.waitRaw();
    t.press(KEYS.ctrlC);
    expect((await t.waitExit()).exitCode).toBe(0);
    await expectRestored(t, sttyFile);
  }, 30_000);

  it('SIGTERM', async () => {
    const { t, sttyFile, nodePid } = launch({ cols: 80, rows: 24 });
    await t.waitForText(panelTitle('en', 'findings'), 15_000);
    process.kill(await nodePid(), 'SIGTERM');
    expect((await t.waitExit()).exitCode).toBe(143);
    await expectRestored(t, sttyFile);
  }, 30_000);

  it('an uncaught error, reported on the normal screen', async () => {
    const { t, sttyFile } = launch({
      cols: 100,
      rows: 30,
      args: ['--throw-after', '800'],
      fixtureOnly: true,
    });
    await t.waitForText(panelTitle('en', 'findings'), 15_000);
    expect((await t.waitExit()).exitCode).toBe(1);
    await expectRestored(t, sttyFile);
    expect(t.screenText()).toContain('an uncaught failure injected by the e2e test');
    expect(t.screenText()).toContain('The terminal has been restored');
  }, 30_000);

  it('an error thrown while rendering', async () => {
    const { t, sttyFile } = launch({
      cols: 100,
      rows: 30,
      args: ['--throw-in-render-after', '800'],
      fixtureOnly: true,
    });
    await t.waitForText(panelTitle('en', 'findings'), 15_000);
    expect((await t.waitExit()).exitCode).toBe(1);
    await expectRestored(t, sttyFile);
    expect(t.screenText()).toContain('a render-time failure injected by the e2e test');
  }, 30_000);
});

describe('live data in a real terminal', () => {
  it('refreshes on its own, marks a failed source without blanking, freezes and resumes', async () => {
    const t = translator('en').t;
    const { t: term } = launch({
      cols: 100,
      rows: 30,
      args: ['--fast', '--fail', 'guest:4', '--panel', 'sockets'],
      fixtureOnly: true,
    });
    await term.waitForText(panelTitle('en', 'sockets'), 15_000);
    await term.waitForText(t('age.failed', { source: t('source.guest') }), 10_000);
    expect(term.screenText()).toContain('sshd(812)');
    term.press('f');
    await term.waitForText(t('header.frozen'));
    term.press('f');
    await term.waitForText(t('header.live'));
    term.press('q');
    expect((await term.waitExit()).exitCode).toBe(0);
  }, 30_000);

  it('colour where the terminal has it, none with NO_COLOR, the same symbols either way', async () => {
    const a = launch({ cols: 100, rows: 30, fixtureOnly: true }).t;
    await a.waitForText('✘ critical', 15_000);
    expect(a.cellStyle('✘ critical')).toMatchObject({ fgMode: 'palette', fg: 1 });
    a.press('q');
    await a.waitExit();
    const b = launch({ cols: 100, rows: 30, env: { NO_COLOR: '1' }, fixtureOnly: true }).t;
    await b.waitForText('✘ critical', 15_000);
    expect(b.cellStyle('✘ critical')).toMatchObject({ fgMode: 'default', bold: true });
    b.press('q');
    await b.waitExit();
  }, 30_000);
});

describe('without a terminal', () => {
  it('refuses with exit 2 and points to `check`, instead of crashing in raw mode', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [fixture], { encoding: 'utf8', env: childEnv(), input: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs a terminal');
    expect(r.stderr).toContain('netdoctor check');
    expect(r.stdout).not.toContain('\x1b[?1049h');
  }, 30_000);
});
