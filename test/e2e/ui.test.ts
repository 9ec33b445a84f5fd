/**
 * The demo end to end in a real terminal: `node dist/cli.js demo` (the simulated region, the real collectors,
 * diagnose() and the UI in one process) under node-pty, read through @xterm/headless — what an operator sees.
 *
 * One demo process per size and language (80x24 and 160x48, English and Chinese) drives every panel, drills in
 * and out, filters, uses the `:` command line, help, freeze, resize, then fixes the storefront incident from the
 * screen — the security group rule (its name typed back), then the dead nginx (`y`) — until the path bar says
 * ✔ DELIVERED for tcp/443 from the internet, and quits with the terminal given back. Every wait is on the
 * screen's own words (the i18n catalogs), never a fixed sleep. Exits, signals and errors: ui-exit.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { loadScenario } from '../../source/sim/scenario/load.js';
import { translator } from '../../source/ui/i18n/index.js';
import { PANELS } from '../../source/ui/view/types.js';
import { KEYS, type Term } from '../support/terminal.js';
import {
  auditRecords,
  DEMO,
  expectRestored,
  launchDemo,
  panelTitle,
  pathLine,
  selectRow,
  waitDemo,
} from './ui-demo.js';

const SECRET = loadScenario('storefront').account.accessKeySecret;
const running: Term[] = [];
afterEach(() => {
  for (const t of running.splice(0)) t.close();
});

for (const [cols, rows] of [
  [80, 24],
  [160, 48],
] as const) {
  for (const lang of ['en', 'zh'] as const) {
    it(`${cols}x${rows} ${lang}: every panel, drill, filter, command line, help, resize; both fixes; quit`, async () => {
      const tr = translator(lang);
      const t = tr.t;
      const { t: term, sttyFile, audit } = launchDemo({ cols, rows, args: ['--lang', lang], running });
      await waitDemo(term, lang);

      for (const [i, p] of PANELS.entries()) {
        term.press(String(i + 1));
        await term.waitForText(panelTitle(lang, p));
      }
      // Drill: the first Security row (the rule deciding the first intent), then back.
      term.press('2');
      await term.waitForText(panelTitle(lang, 'security'));
      term.press(KEYS.enter);
      await term.waitForText(`${t('panel.security')} › `);
      await term.waitForText('priority: 1');
      term.press(KEYS.escape);
      await term.waitFor(
        (s) => !s.includes(`${t('panel.security')} › `) && s.includes(panelTitle(lang, 'security')),
        'the drill-down closed',
      );
      // Filter the sockets as you type; Enter keeps it, Esc drops it.
      term.press('3', '/', ...'sshd');
      await term.waitForText('/sshd');
      await term.waitFor((s) => {
        const socketRows = s.split('\n').filter((l) => /^[ ›][ ✔!✘](tcp|udp)/.test(l));
        return socketRows.length > 0 && socketRows.every((l) => l.includes('sshd'));
      }, 'only sshd rows');
      term.press(KEYS.enter);
      await term.waitFor((s) => !s.split('\n').at(-2)?.includes('/sshd█'), 'the filter kept');
      term.press(KEYS.escape);
      await term.waitFor((s) => !s.includes('/sshd'), 'the filter dropped');
      // The command line, with Tab completion.
      term.press(':', 'r', 'o', 'u', KEYS.tab);
      await term.waitForText(':routes');
      term.press(KEYS.enter);
      await term.waitForText(panelTitle(lang, 'routes'));
      // Help filters as you type, and lists the fix key (this session can fix).
      term.press('?');
      await term.waitForText(t('help.title'));
      term.press(...'fix');
      await term.waitFor(
        (s) => s.split('\n').some((l) => /^[ ›] x {2,}/.test(l) && l.includes(t('cmd.fix'))),
        'the fix key in help',
      );
      term.press(KEYS.escape);
      await term.waitFor((s) => !s.includes(t('help.title')), 'help closed');
      // Freeze and resume live data.
      term.press('f');
      await term.waitForText(t('header.frozen'));
      term.press('f');
      await term.waitForText(t('header.live'));
      // Resize to another size and back: the layout follows (root = rows − 1, footer on the last row but one).
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

      // Fix 1: the security group's drop rule — a lock-out-capable change, so the instance name is typed back.
      term.press('6');
      await term.waitForText(panelTitle(lang, 'findings'));
      await term.waitFor(
        () => pathLine(term).includes(`✘ ${t('result.DROPPED')}`),
        'tcp/443 DROPPED in the path bar',
      );
      await selectRow(term, tr.finding('SG_INGRESS_DENIED'));
      term.press('x');
      await term.waitForText(t('fix.title', { finding: tr.finding('SG_INGRESS_DENIED') }));
      term.press(KEYS.enter);
      await term.waitForText(t('confirm.typeBack', { name: DEMO.name }));
      await term.waitForText('ecs:RevokeSecurityGroup');
      term.press(...DEMO.name, KEYS.enter);
      await term.waitForText(t('fix.ev.FIXED', { detail: '' }).trim(), 20_000);
      await term.waitForText(t('fix.run.outcome', { outcome: t('outcome.FIXED') }));
      term.press(KEYS.escape);
      await term.waitForText(panelTitle(lang, 'findings'));
      // Fix 2: the dead nginx — low risk, so y.
      await selectRow(term, tr.finding('SERVICE_DOWN'));
      term.press('x');
      await term.waitForText(t('fix.title', { finding: tr.finding('SERVICE_DOWN') }));
      term.press(KEYS.enter);
      await term.waitForText(t('confirm.yesNo'));
      await term.waitForText('systemctl restart');
      term.press('y');
      // The session refreshes after the fix: the path bar turns ✔ DELIVERED for tcp/443 from the internet.
      await term.waitFor(
        () =>
          pathLine(term).includes('tcp/443 from the internet') &&
          pathLine(term).includes(`✔ ${t('result.DELIVERED')}`),
        'tcp/443 from the internet ✔ DELIVERED in the path bar',
        20_000,
      );
      const applied = auditRecords(audit).filter((r) => r.outcome === 'APPLIED');
      expect(applied.map((r) => r.plan)).toEqual([
        'sg-revoke:sg-bp1w3fxyigw34kdcz3f7:sgr-bp1z005mzaiieivmf1hf',
        'guest-restart-service:nginx',
      ]);

      // No secret on any screen or in the audit log: the scenario's AccessKey secret never leaves the process.
      for (const text of [term.output(), readFileSync(audit, 'utf8')]) expect(text).not.toContain(SECRET);

      term.press('q');
      expect((await term.waitExit()).exitCode).toBe(0);
      expectRestored(term, sttyFile);
    }, 60_000);
  }
}
