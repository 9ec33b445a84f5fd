/**
 * The whole App at fixed sizes (80x24 and 160x48, English and Chinese) over the storefront fixture session
 * (test/fixtures/ui, see its .source.txt), through the frame-waiting harness: every panel, drill in and out,
 * filter, the command line, help, resize, colour and no colour, and a failing source.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App, type AppController } from '../../source/ui/App.js';
import { translator } from '../../source/ui/i18n/index.js';
import { buildKeymap } from '../../source/ui/keymap/keymap.js';
import { makeTheme, ThemeContext } from '../../source/ui/render/theme.js';
import { width } from '../../source/ui/text/width.js';
import { PANELS } from '../../source/ui/view/types.js';
import { createFixtureSession } from '../e2e/fixture-session.js';
import { KEYS } from '../support/terminal.js';
import { type Harness, renderAt } from './harness.js';

process.env.TZ = 'Asia/Shanghai';
const open: Harness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.unmount();
});

function mount(o: {
  columns: number;
  rows: number;
  lang: 'en' | 'zh';
  color?: boolean;
  fixture?: Parameters<typeof createFixtureSession>[0];
}) {
  const fx = createFixtureSession(o.fixture ?? { still: true });
  const now = o.fixture?.still === false ? Date.now : () => fx.snapshot.at + 3000;
  const h = renderAt(
    <ThemeContext.Provider value={makeTheme(o.color ?? true)}>
      <App session={fx.session} lang={o.lang} keymap={buildKeymap().keymap} now={now} />
    </ThemeContext.Provider>,
    { columns: o.columns, rows: o.rows },
  );
  open.push(h);
  return { h, fx, t: translator(o.lang).t, tr: translator(o.lang) };
}

function fitsScreen(h: Harness, columns: number, rows: number) {
  const lines = h.lines();
  // The root is rows − 1 tall (Ink 6 redraws the whole screen at full height).
  expect(lines.length).toBe(rows - 1);
  for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(columns);
}

for (const [columns, rows] of [
  [80, 24],
  [160, 48],
] as const) {
  for (const lang of ['en', 'zh'] as const) {
    describe(`${columns}x${rows} ${lang}`, () => {
      it('shows every panel fitted to the screen, with header, path bar, tabs and footer', async () => {
        const { h, t, fx } = mount({ columns, rows, lang });
        await h.waitFor(t('panel.findings'));
        const screen = h.text();
        expect(screen).toContain(fx.snapshot.target.instanceId!);
        expect(screen).toContain(fx.intents[0].label);
        expect(screen).toMatch(/✔.*✘/);
        expect(screen).toContain(`? ${t('cmd.help')}`);
        // Under the short findings table: the selected finding's detail and its fix command.
        if (fx.verdict.findings.some((f) => f.rank === 1 && f.remedies.length))
          expect(screen).toContain('--remedy');
        for (const [i, p] of PANELS.entries()) {
          await h.press(String(i + 1));
          await h.waitFor((s) => s.split('\n').some((l) => l.startsWith(` ${t(`panel.${p}`)} ·`)));
          fitsScreen(h, columns, rows);
        }
      });

      it('drills into a rule and its audit event, with breadcrumbs, and back out with Esc', async () => {
        const { h, t } = mount({ columns, rows, lang });
        await h.press('2');
        await h.waitFor(` ${t('panel.security')} ·`);
        await h.press(KEYS.enter);
        const crumb = `${t('panel.security')} › drop tcp/443`;
        await h.waitFor(crumb);
        expect(h.text()).toContain('priority: 1');
        await h.press('G', KEYS.enter);
        await h.waitFor('SecurityGroupId');
        expect(h.text()).toMatch(
          new RegExp(`${t('panel.security')} › drop tcp/443 › AuthorizeSecurityGroup`),
        );
        await h.press(KEYS.escape);
        await h.waitFor((s) => s.includes('priority: 1') && !s.includes('SecurityGroupId'));
        await h.press(KEYS.escape);
        await h.waitFor((s) => !s.includes(crumb) && s.includes(` ${t('panel.security')} ·`));
      });

      it('d opens the blocked hop with its raw evidence lines', async () => {
        const { h, fx, tr } = mount({ columns, rows, lang });
        await h.press('d');
        const sg = fx.verdict.verdicts[0].path.find((x) => x.state === 'BLOCKED')!;
        await h.waitFor(tr.hop(sg.hop));
        expect(h.text()).toContain(String((sg.evidence.rule as { id: string }).id));
      });

      it('filters the sockets table as you type and clears with Esc', async () => {
        const { h, t } = mount({ columns, rows, lang });
        await h.press('3', '/', ...'sshd'.split(''));
        await h.waitFor('/sshd');
        const body = h.lines().filter((l) => /^[ ›][ ✔!](tcp|udp)/.test(l));
        expect(body.length).toBe(3);
        expect(body.filter((l) => !l.includes('sshd('))).toEqual([]);
        await h.press(KEYS.enter);
        await h.waitFor((s) => s.includes(`/sshd`) && !s.includes('█'));
        await h.press(KEYS.escape);
        await h.waitFor((s) => !s.includes('/sshd') && s.includes('chronyd'));
        expect(t('panel.sockets')).toBeTruthy();
      });

      it('the command line completes panels and adds an intent to the path bar', async () => {
        const { h, t, fx } = mount({ columns, rows, lang });
        await h.press(':', 'r', 'o', 'u', KEYS.tab);
        await h.waitFor(':routes');
        await h.press(KEYS.enter);
        await h.waitFor(` ${t('panel.routes')} ·`);
        await h.press(':', ...'intent tcp/8443 from me'.split(''), KEYS.enter);
        await h.waitFor('tcp/8443 from me');
        expect(h.text()).toContain(`${fx.intents.length + 1}/${fx.intents.length + 1}`);
      });

      it('help lists the keys from the keymap and filters as you type', async () => {
        const { h, t } = mount({ columns, rows, lang });
        await h.press('?');
        await h.waitFor(t('help.title'));
        expect(h.text()).toContain(t('cmd.pageDown'));
        await h.press(...'quit'.split(''));
        await h.waitFor((s) => !s.includes(t('cmd.pageDown')) && s.includes(':quit'));
        await h.press(KEYS.escape);
        await h.waitFor((s) => !s.includes(t('help.title')));
      });
    });
  }
}

describe('layout follows the terminal', () => {
  it('re-fits on resize, both ways', async () => {
    const { h, t } = mount({ columns: 80, rows: 24, lang: 'en' });
    await h.press('2');
    await h.waitFor(` ${t('panel.security')} ·`);
    fitsScreen(h, 80, 24);
    h.resize(160, 48);
    await h.waitFor(() => h.lines().length === 47);
    fitsScreen(h, 160, 48);
    expect(h.text()).toContain(t('sec.col.desc'));
    h.resize(60, 20);
    await h.waitFor(() => h.lines().length === 19);
    fitsScreen(h, 60, 20);
    h.resize(30, 8);
    await h.waitFor('≥ 40x12');
  });
});

describe('colour carries meaning, symbols carry it without colour', () => {
  it('critical is red, ok green, the selected row inverted', async () => {
    const { h } = mount({ columns: 100, rows: 30, lang: 'en' });
    await h.waitFor('✘ critical');
    const bad = await h.style('✘ critical');
    expect(bad?.fgMode).toBe('palette');
    expect(bad?.fg).toBe(1);
    const ok = await h.style('✔ Running');
    expect(ok?.fg).toBe(2);
    const sel = await h.style('›');
    expect(sel?.inverse).toBe(true);
  });
  it('NO_COLOR: no colour anywhere, the same symbols, bold for what matters', async () => {
    const { h } = mount({ columns: 100, rows: 30, lang: 'en', color: false });
    await h.waitFor('✘ critical');
    const bad = await h.style('✘ critical');
    expect(bad?.fgMode).toBe('default');
    expect(bad?.bold).toBe(true);
    expect((await h.style('✔ Running'))?.fgMode).toBe('default');
    expect((await h.style('›'))?.inverse).toBe(true);
  });
});

describe('live data', () => {
  it('marks a failed source in the header and the panel, keeping what it had on screen', async () => {
    const { h, t } = mount({
      columns: 100,
      rows: 30,
      lang: 'en',
      fixture: {
        still: false,
        intervals: { cloud: 60_000, guest: 100, probes: 60_000, counters: 60_000 },
        fail: { source: 'guest', fromRun: 2 },
      },
    });
    await h.press('3');
    await h.waitFor(t('age.failed', { source: t('source.guest') }), 6000);
    expect(h.text()).toContain('sshd(812)');
    expect(h.text()).toMatch(/✘ guest \d+s/);
  });

  it('with 20,000 sockets only the visible window is drawn, and keys move through all of it', async () => {
    const { h } = mount({ columns: 120, rows: 40, lang: 'en', fixture: { still: true, sockets: 20_000 } });
    await h.press('3');
    await h.waitFor('20013 sockets');
    expect(h.lines().length).toBe(39);
    await h.press('G');
    await h.waitFor((s) => s.split('\n').some((l) => l.startsWith('›') && l.includes('10.0.78.31')));
    await h.press('k');
    await h.waitFor((s) => s.split('\n').some((l) => l.startsWith('›') && l.includes('10.0.78.30')));
    await h.press(KEYS.pageUp);
    await h.waitFor((s) => !s.includes('10.0.78.31'));
    // Timing is measured by `npm run bench` in a real terminal, not here.
  });
});

describe('what the surrounding program can ask of the screen', () => {
  it('confirmations through the controller: the target name typed back, or y / n', async () => {
    const fx = createFixtureSession({ still: true });
    let ctl: AppController | undefined;
    const h = renderAt(
      <App
        session={fx.session}
        lang="en"
        keymap={buildKeymap().keymap}
        readOnly
        notices={['"x" moved from down to up']}
        now={() => fx.snapshot.at + 3000}
        onReady={(c) => {
          ctl = c;
        }}
      />,
      { columns: 100, rows: 30 },
    );
    open.push(h);
    await h.waitFor('READ-ONLY');
    expect(h.text()).toContain('moved from down to up');
    const answer = ctl!.confirm({
      title: 'Revoke sgr-bp1drop0443noon7x2k',
      lines: [
        'RevokeSecurityGroup SecurityGroupId=sg-bp1c8e2g4i6k8m0o2q4s Priority=1 Policy=drop PortRange=443/443',
      ],
      typeBack: 'storefront-web-1',
    });
    await h.waitFor('Type storefront-web-1 to confirm');
    await h.press(...'storefront'.split(''), KEYS.enter);
    await h.waitFor('that is not storefront-web-1');
    await h.press(...'storefront-web-1'.split(''), KEYS.enter);
    expect(await answer).toBe(true);
    await h.waitFor((s) => !s.includes('Type storefront-web-1'));
    const second = ctl!.confirm({ title: 'Restart nginx', lines: ['systemctl restart nginx'] });
    await h.waitFor('y applies it · n or Esc cancels');
    // Enter does not answer a y/n question; Esc declines.
    await h.press(KEYS.enter);
    await h.waitFor('press y to apply it, or Esc to cancel');
    await h.press(KEYS.escape);
    expect(await second).toBe(false);
    const third = ctl!.confirm({ title: 'Restart nginx', lines: ['systemctl restart nginx'] });
    await h.waitFor('y applies it');
    await h.press('y');
    expect(await third).toBe(true);
  });
});
