/**
 * The fix flow inside the App over the real pipeline: the storefront scenario in the embedded simulator (the
 * OpenAPI over HTTP and the guest over SSH), the real collector, diagnose(), fixer and runner, and the audit log
 * in a temp file. The screen lists a finding's fixes, previews the exact change, takes the typed name (or `y`),
 * applies, verifies and refreshes; a change that lands while the fix runs makes it UNFIXED and the rollback is
 * offered as a confirmation of its own; read-only offers no fix at all.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Options } from '../../source/commands/args.js';
import { diagnose } from '../../source/diagnose/index.js';
import { type Collector, createCollector } from '../../source/engine/collect.js';
import { createFixer, type Fixer } from '../../source/engine/fixer.js';
import { liveCollectors } from '../../source/engine/live.js';
import { createSession, type Session } from '../../source/engine/session.js';
import { setupTarget } from '../../source/engine/setup.js';
import { collectOnce } from '../../source/engine/snapshot.js';
import type { Intent } from '../../source/model/index.js';
import { App } from '../../source/ui/App.js';
import { translator } from '../../source/ui/i18n/index.js';
import { buildKeymap } from '../../source/ui/keymap/keymap.js';
import { KEYS } from '../support/terminal.js';
import { type Harness, renderAt } from './harness.js';

process.env.TZ = 'Asia/Shanghai';
const SG_RULE = 'sgr-bp1z005mzaiieivmf1hf';
const NAME = 'storefront-web-01';
const t = translator('en').t;

interface Demo {
  col: Collector;
  fixer: Fixer;
  session: Session;
  audit: string;
  h?: Harness;
}
const open: Demo[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) {
    d.h?.unmount();
    d.session.dispose();
    d.fixer.dispose();
    await d.col.close();
  }
});

async function demo(): Promise<Demo> {
  const audit = join(mkdtempSync(join(tmpdir(), 'nd-fix-ui-')), 'audit.jsonl');
  const o = { scenario: 'storefront', audit } as Options;
  const setup = await setupTarget([], o);
  const col = createCollector(setup, o);
  const fixer = createFixer(col, o);
  const first = await collectOnce(col, o);
  let intents: Intent[] = first.intents;
  const session = createSession({
    // Collectors for the refresh after a fix; no timers (autoStart off), so what the screen shows is what a fix did.
    collectors: liveCollectors(col, () => intents),
    diagnose: (s, i) => {
      intents = i;
      return fixer.complete(diagnose(s, i), s);
    },
    intents,
    initial: first.snapshot,
    autoStart: false,
  });
  const d: Demo = { col, fixer, session, audit };
  open.push(d);
  return d;
}

function mount(d: Demo, fixer: Fixer | undefined = d.fixer, readOnly = false) {
  d.h = renderAt(
    <App session={d.session} lang="en" keymap={buildKeymap().keymap} fixer={fixer} readOnly={readOnly} />,
    { columns: 120, rows: 34 },
  );
  return d.h;
}

/** Moves the cursor to the Findings row that mentions `text`. */
async function select(h: Harness, text: string) {
  for (let i = 0; i < 12; i++) {
    if (h.lines().some((l) => l.startsWith('›') && l.includes(text))) return;
    await h.press('j');
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`no row with ${text}:\n${h.text()}`);
}

describe('fixing from the screen (storefront in the simulator)', () => {
  it('lists the fixes, previews the exact call, wants the name typed back, applies, verifies, refreshes', async () => {
    const d = await demo();
    const h = mount(d);
    await h.waitFor(`x  ${t('fix.hint', { title: `Revoke the drop rule ${SG_RULE}` })}`);
    expect(h.lines().at(-1)).toContain(`x ${t('cmd.fix')}`);
    await h.press('x');
    await h.waitFor(t('fix.title', { finding: translator('en').finding('SG_INGRESS_DENIED') }));
    expect(h.text()).toContain(`${t('fix.typed')}`);
    await h.press(KEYS.enter);
    // The preview: the API call with every parameter, the diff, the risk, what is verified, the undo.
    const preview = await h.waitFor(t('confirm.typeBack', { name: NAME }));
    expect(preview).toContain('API call ecs:RevokeSecurityGroup');
    expect(preview).toContain(`SecurityGroupRuleId.1=${SG_RULE}`);
    expect(preview).toMatch(new RegExp(`- ${SG_RULE} .*priority 1, drop TCP 443`));
    expect(preview).toContain(t('confirm.risk', { risk: t('risk.medium') }));
    expect(preview).toContain(t('confirm.verify'));
    expect(preview).toContain(t('confirm.undo'));
    expect((await h.style('- sgr-'))?.fg).toBe(1);
    // A wrong name is refused and nothing is sent.
    await h.press(...'storefront', KEYS.enter);
    await h.waitFor(t('confirm.mismatch', { name: NAME }));
    expect(readAudit(d)).toEqual([]);
    await h.press(...NAME, KEYS.enter);
    await h.waitFor(t('fix.ev.FIXED', { detail: '' }).trim(), 15_000);
    await h.waitFor(t('fix.run.outcome', { outcome: 'FIXED' }));
    // The refresh after the fix: the path bar now stops at the listener, not the security group.
    await h.waitFor((s) => /▸ .*DROPPED at listen/.test(s.split('\n')[2] ?? ''), 15_000);
    const rules = d.session.getState().snapshot?.cloud?.securityGroups.value?.flatMap((g) => g.rules);
    expect(rules?.some((r) => r.id === SG_RULE)).toBe(false);
    // Every write is audited: confirmed, applied, verified.
    expect(readAudit(d).map((r) => r.outcome)).toEqual(['CONFIRMED', 'APPLIED', 'FIXED']);
    expect(d.session.getState().timeline.filter((e) => e.kind === 'fix').length).toBeGreaterThan(5);
    // Esc goes back past the list (the run replaced it) to Findings; the rest is the dead nginx, fixed with y.
    await h.press(KEYS.escape);
    await h.waitFor((s) => s.includes(' Findings · ') && !s.includes(t('fix.run.title', { plan: '' })));
    await select(h, 'Service is down');
    await h.press('x');
    await h.waitFor('Restart nginx');
    await h.press(KEYS.enter);
    await h.waitFor(t('confirm.yesNo'));
    expect(h.text()).toContain("$ systemctl restart 'nginx' || service 'nginx' restart");
    expect(h.lines().at(-1)).toContain(`y ${t('confirm.applyKey')}`);
    await h.press('y');
    await h.waitFor(
      (s) => /▸ .*tcp\/443 from the internet +✔ DELIVERED/.test(s.split('\n')[2] ?? ''),
      15_000,
    );
    await h.waitFor('tcp/443 from the internet: DROPPED → DELIVERED');
  }, 60_000);

  it('UNFIXED when the rule comes back as the fix runs: the rollback is a confirmation of its own', async () => {
    const d = await demo();
    const sim = d.col.setup.sim!;
    const sg = sim.world.securityGroups.find((g) => g.rules.some((r) => r.id === SG_RULE))!;
    const rule = structuredClone(sg.rules.find((r) => r.id === SG_RULE)!);
    // Someone's automation re-adds the rule right after netdoctor revoked it (a real write to the world).
    const racing: Fixer = {
      ...d.fixer,
      run: (id, v, s, i, ui) =>
        d.fixer.run(id, v, s, i, {
          ...ui,
          onEvent: (e) => {
            if (e.type === 'applied') sg.rules.unshift(structuredClone(rule));
            ui.onEvent?.(e);
          },
        }),
    };
    const h = mount(d, racing);
    await h.waitFor(t('cmd.fix'));
    await h.press('x');
    await h.waitFor(t('fix.title', { finding: translator('en').finding('SG_INGRESS_DENIED') }));
    await h.press(KEYS.enter);
    await h.waitFor(t('confirm.typeBack', { name: NAME }));
    await h.press(...NAME, KEYS.enter);
    // Still there after the fix: UNFIXED, and the undo is offered — re-creating the rule is a change too.
    const ask = await h.waitFor('Roll back with', 15_000);
    expect(ask).toContain(t('confirm.typeBack', { name: NAME }));
    expect(ask).toContain('ecs:AuthorizeSecurityGroup');
    await h.press(KEYS.escape);
    await h.waitFor(t('fix.run.outcome', { outcome: 'UNFIXED' }), 15_000);
    expect(h.text()).toContain(t('fix.ev.UNFIXED', { detail: '' }).trim());
    expect(h.text()).toContain(t('fix.ev.rollback-declined', { detail: '' }).trim());
    expect(readAudit(d).map((r) => r.outcome)).toEqual(['CONFIRMED', 'APPLIED', 'UNFIXED']);
  }, 60_000);

  it('read-only: no fix key in the footer or help, x does nothing, the preview shows the command instead', async () => {
    const d = await demo();
    const h = mount(d, d.fixer, true);
    await h.waitFor('READ-ONLY');
    await h.waitFor(`--remedy sg-revoke:`);
    expect(h.text()).not.toContain(`x ${t('cmd.fix')}`);
    await h.press('x');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.text()).not.toContain(t('fix.title', { finding: '' }).trim());
    await h.press('?');
    await h.waitFor(t('help.title'));
    expect(h.text()).not.toMatch(/^\s*› ?x\s/m);
    expect(h.text()).not.toContain(` ${t('cmd.fix')} `);
    expect(readAudit(d)).toEqual([]);
  }, 60_000);
});

function readAudit(d: Demo): { outcome: string; plan: string }[] {
  try {
    return readFileSync(d.audit, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
