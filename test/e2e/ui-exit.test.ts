/**
 * The demo (`node dist/cli.js demo`) in a real terminal, on the ways it ends and the modes that change what it
 * may do: the terminal is given back (alternate screen left — \x1b[?1049l —, cursor shown — \x1b[?25h —, raw
 * mode off as `stty -a` reads it afterwards) on Ctrl-C, on SIGTERM, on an uncaught error and on an error thrown
 * while rendering (both injected with the hidden NETDOCTOR_TEST_THROW); --read-only has no fix key and x does
 * nothing; colour where the terminal has it and none under NO_COLOR, with the same symbols; no terminal at all
 * is refused with exit 2.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../source/ui/i18n/index.js';
import { childEnv, KEYS, type Term } from '../support/terminal.js';
import { auditRecords, DEMO, demoCli, expectRestored, launchDemo, panelTitle, waitDemo } from './ui-demo.js';

const t = translator('en').t;
const running: Term[] = [];
afterEach(() => {
  for (const x of running.splice(0)) x.close();
});

describe('the terminal is restored however the demo ends', () => {
  it('Ctrl-C (a key in raw mode: the app quits with 0); no colour under NO_COLOR, the same symbols', async () => {
    const { t: term, sttyFile } = launchDemo({ cols: 80, rows: 24, env: { NO_COLOR: '1' }, running });
    await waitDemo(term);
    await term.waitForText('✘ 2 critical');
    expect(term.cellStyle('✘ 2 critical')).toMatchObject({ fgMode: 'default', bold: true });
    term.press(KEYS.ctrlC);
    expect((await term.waitExit()).exitCode).toBe(0);
    expectRestored(term, sttyFile);
  }, 30_000);

  it('SIGTERM: exit 143', async () => {
    const { t: term, sttyFile, nodePid } = launchDemo({ cols: 80, rows: 24, running });
    await waitDemo(term);
    process.kill(await nodePid(), 'SIGTERM');
    expect((await term.waitExit()).exitCode).toBe(143);
    expectRestored(term, sttyFile);
  }, 30_000);

  it('an uncaught error: exit 1, reported on the normal screen', async () => {
    const { t: term, sttyFile } = launchDemo({
      cols: 100,
      rows: 30,
      env: { NETDOCTOR_TEST_THROW: 'uncaught:300' },
      running,
    });
    await waitDemo(term);
    expect((await term.waitExit()).exitCode).toBe(1);
    expectRestored(term, sttyFile);
    expect(term.screenText()).toContain('an uncaught failure injected by NETDOCTOR_TEST_THROW');
    expect(term.screenText()).toContain('The terminal has been restored');
  }, 30_000);

  it('an error thrown while rendering: exit 1', async () => {
    const { t: term, sttyFile } = launchDemo({
      cols: 100,
      rows: 30,
      env: { NETDOCTOR_TEST_THROW: 'render:300' },
      running,
    });
    await waitDemo(term);
    expect((await term.waitExit()).exitCode).toBe(1);
    expectRestored(term, sttyFile);
    expect(term.screenText()).toContain('a render-time failure injected by NETDOCTOR_TEST_THROW');
  }, 30_000);
});

describe('modes', () => {
  it('--read-only: READ-ONLY, no fix key in footer or help, x does nothing and nothing is written; colour on', async () => {
    const { t: term, sttyFile, audit } = launchDemo({ cols: 120, rows: 34, args: ['--read-only'], running });
    await waitDemo(term);
    await term.waitForText(t('header.readOnly'));
    await term.waitForText('✘ 2 critical');
    expect(term.cellStyle('✘ 2 critical')).toMatchObject({ fgMode: 'palette', fg: 1 });
    // (A frame may be half drawn when the screen is read: wait for the whole footer, then look at it.)
    const footer = () => term.lines()[32] ?? '';
    await term.waitFor(() => footer().includes(`? ${t('cmd.help')}`), 'the footer');
    expect(footer()).not.toContain(`x ${t('cmd.fix')}`);
    // The Findings preview names the fix command to run elsewhere, not a key.
    await term.waitForText(`netdoctor fix ${DEMO.instance} --remedy sg-revoke:`);
    await term.settle(300);
    const before = term.screenText();
    term.press('x');
    await term.settle(400);
    expect(term.screenText()).not.toContain(t('fix.title', { finding: '' }).trim());
    // Nothing under the panel's title line (whose source ages tick) changed.
    expect(term.screenText().split('\n').slice(6)).toEqual(before.split('\n').slice(6));
    term.press(KEYS.enter);
    await term.waitForText(`${t('panel.findings')} › `);
    term.press('x');
    await term.settle(400);
    expect(term.screenText()).not.toContain(t('confirm.typeBack', { name: DEMO.name }));
    term.press(KEYS.escape);
    await term.waitForText(panelTitle('en', 'findings'));
    term.press('?', ...'fix');
    await term.waitForText(t('help.title'));
    await term.settle(200);
    expect(term.lines().some((l) => /^[ ›] x {2,}/.test(l))).toBe(false);
    // One key at a time: Esc followed at once by q would reach the app as Alt-q.
    term.press(KEYS.escape);
    await term.waitFor((s) => !s.includes(t('help.title')), 'help closed');
    term.press('q');
    expect((await term.waitExit()).exitCode).toBe(0);
    expectRestored(term, sttyFile);
    expect(auditRecords(audit)).toEqual([]);
  }, 30_000);

  it('without a terminal: exit 2 and a pointer to `check`, no screen switched', () => {
    const r = spawnSync(process.execPath, [demoCli(), 'demo'], {
      encoding: 'utf8',
      env: childEnv(),
      input: '',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs a terminal');
    expect(r.stderr).toContain('netdoctor check');
    expect(r.stdout).not.toContain('\x1b[?1049h');
  }, 30_000);
});
