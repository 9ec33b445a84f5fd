/**
 * Keys: Ink's input becomes named keys (chunks split outside text entry), the Command table with user
 * overrides, and the dispatcher's mode stack (normal / filter / command / help / drill / confirm).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { complete, runLine } from '../../source/ui/commandline/commands.js';
import { parseIntent } from '../../source/ui/commandline/intent-parse.js';
import { translator } from '../../source/ui/i18n/index.js';
import { DEFAULT_COMMANDS } from '../../source/ui/keymap/commands.js';
import { type DispatchCtx, dispatchKeys, type Effect } from '../../source/ui/keymap/dispatch.js';
import { buildKeymap, loadKeymap, parseOverrides } from '../../source/ui/keymap/keymap.js';
import { displayKey, normalizeBinding, toKeyEvents } from '../../source/ui/keymap/keys.js';
import { currentMode, initialUi, type UiState } from '../../source/ui/state/reducer.js';
import type { Row } from '../../source/ui/view/types.js';
import { storefront } from '../e2e/fixture-session.js';

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
const k = (p: Partial<Key>): Key => ({ ...NO_KEY, ...p });

describe('key events from Ink input', () => {
  it('splits a printable chunk into keys outside text entry (Ink delivers "jj" whole)', () => {
    expect(toKeyEvents('jj', NO_KEY).map((e) => e.name)).toEqual(['j', 'j']);
    expect(toKeyEvents(':sg\r', NO_KEY).map((e) => e.name)).toEqual([':', 's', 'g', 'enter']);
  });
  it('keeps printable runs whole in text entry, still splitting control characters', () => {
    expect(toKeyEvents('tcp/443\r', NO_KEY, true)).toEqual([
      { name: 'text', text: 'tcp/443' },
      { name: 'enter' },
    ]);
  });
  it('names special keys', () => {
    expect(toKeyEvents('', k({ tab: true, shift: true }))[0].name).toBe('shift+tab');
    expect(toKeyEvents('', k({ downArrow: true }))[0].name).toBe('down');
    expect(toKeyEvents('', k({ delete: true }))[0].name).toBe('backspace');
    expect(toKeyEvents('c', k({ ctrl: true }))[0].name).toBe('ctrl+c');
    expect(toKeyEvents('', k({ escape: true, meta: true }))[0].name).toBe('escape');
    expect(toKeyEvents('G', k({ shift: true }))[0].name).toBe('G');
    expect(toKeyEvents(' ', NO_KEY)[0].name).toBe('space');
  });
  it('reads and shows bindings the way a config file writes them', () => {
    expect(normalizeBinding('Esc')).toBe('escape');
    expect(normalizeBinding('C-c')).toBe('ctrl+c');
    expect(normalizeBinding('Ctrl+Q')).toBe('ctrl+q');
    expect(normalizeBinding('PgDn')).toBe('pagedown');
    expect(normalizeBinding('nonsense-key')).toBeUndefined();
    expect(displayKey('ctrl+c')).toBe('^C');
    expect(displayKey('enter')).toBe('⏎');
  });
});

describe('keymap overrides', () => {
  it('every default command has keys and a description in both languages', () => {
    for (const c of DEFAULT_COMMANDS) {
      expect(c.keys.length).toBeGreaterThan(0);
      expect(translator('en').t(c.description)).not.toBe(c.description);
      expect(translator('zh').t(c.description)).not.toBe(translator('en').t(c.description));
    }
  });
  it('a user binding replaces the default and takes the key from others in the same mode', () => {
    const { keymap, warnings } = buildKeymap({ hopOpen: ['enter'], quit: ['ctrl+q'] });
    expect(keymap.lookup('normal', 'enter')).toBe('hopOpen');
    expect(keymap.lookup('normal', 'q')).toBeUndefined();
    expect(keymap.lookup('normal', 'ctrl+q')).toBe('quit');
    expect(warnings.join()).toContain('moved from open to hopOpen');
    // Ctrl-C can never be unbound.
    expect(buildKeymap({ interrupt: ['x'] }).keymap.lookup('filter', 'ctrl+c')).toBe('interrupt');
  });
  it('reads ~/.config/netdoctor/keys.json and reports problems as warnings, never failing', () => {
    const home = mkdtempSync(join(tmpdir(), 'nd-keys-'));
    const dir = join(home, '.config', 'netdoctor');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'keys.json'),
      JSON.stringify({ bindings: { down: ['n', 'down'], nope: 'x', up: ['???'] } }),
    );
    const r = loadKeymap(undefined, { HOME: home });
    expect(r.keymap.lookup('normal', 'n')).toBe('down');
    expect(r.warnings.some((w) => w.includes('unknown command "nope"'))).toBe(true);
    expect(r.warnings.some((w) => w.includes('cannot read key "???"'))).toBe(true);
    expect(loadKeymap(undefined, { HOME: join(home, 'none') }).warnings).toEqual([]);
    expect(parseOverrides('{not json').warnings[0]).toContain('not valid JSON');
    const bad = loadKeymap(join(home, 'missing.json'));
    expect(bad.warnings[0]).toContain('cannot read');
    expect(bad.keymap.lookup('normal', 'q')).toBe('quit');
  });
});

function ctx(over: Partial<DispatchCtx> = {}): (s: UiState) => DispatchCtx {
  const rows: Row[] = [
    { key: 's', kind: 'section', cells: ['S'] },
    { key: 'a', cells: ['a'], target: { kind: 'finding', id: 'A' } },
    { key: 'b', cells: ['b'] },
    { key: 'c', cells: ['c'] },
  ];
  const fx = storefront();
  return () => ({
    keymap: buildKeymap().keymap,
    tr: translator('en'),
    list: { rows, page: 2 },
    sortable: [0, 1],
    resolve: (t) => ({ title: JSON.stringify(t), crumb: 'x', rows: [{ key: 'l', cells: ['line'] }] }),
    intents: fx.intents,
    egressIp: '203.0.113.45',
    hops: fx.verdict.verdicts[0].path,
    intentId: fx.intents[0].id,
    frozen: false,
    now: 0,
    ...over,
  });
}

const keys = (s: string) => toKeyEvents(s, NO_KEY);

describe('dispatcher and mode stack', () => {
  it('moves over selectable rows, skipping sections; pages; top and bottom', () => {
    let s = initialUi('en');
    s = dispatchKeys(s, keys('j'), ctx()).state;
    expect(s.pos[s.panel].cursor).toBe(2);
    s = dispatchKeys(s, keys('jjjj'), ctx()).state;
    expect(s.pos[s.panel].cursor).toBe(3);
    s = dispatchKeys(s, keys('g'), ctx()).state;
    expect(s.pos[s.panel].cursor).toBe(1);
    s = dispatchKeys(s, keys('G'), ctx()).state;
    expect(s.pos[s.panel].cursor).toBe(3);
  });

  it('Enter drills in, Esc comes back, q quits from anywhere but text entry', () => {
    let s = dispatchKeys(initialUi('en'), toKeyEvents('', k({ return: true })), ctx()).state;
    expect(currentMode(s)).toBe('drill');
    expect(s.drill[0].target).toEqual({ kind: 'finding', id: 'A' });
    s = dispatchKeys(s, toKeyEvents('', k({ escape: true })), ctx()).state;
    expect(currentMode(s)).toBe('normal');
    expect(s.drill).toHaveLength(0);
    expect(dispatchKeys(s, keys('q'), ctx()).effects).toEqual([{ type: 'quit' }]);
    const typing = dispatchKeys(s, keys('/'), ctx()).state;
    const r = dispatchKeys(typing, toKeyEvents('q', NO_KEY, true), ctx());
    expect(r.effects).toEqual([]);
    expect(r.state.filter[r.state.panel]).toBe('q');
    expect(dispatchKeys(typing, toKeyEvents('c', k({ ctrl: true })), ctx()).effects).toEqual([
      { type: 'quit' },
    ]);
  });

  it('filter applies as typed, Enter keeps it, Esc restores the previous filter', () => {
    let s = dispatchKeys(initialUi('en'), keys('/'), ctx()).state;
    expect(currentMode(s)).toBe('filter');
    s = dispatchKeys(s, toKeyEvents('443', NO_KEY, true), ctx()).state;
    expect(s.filter[s.panel]).toBe('443');
    s = dispatchKeys(s, toKeyEvents('', k({ backspace: true })), ctx()).state;
    expect(s.filter[s.panel]).toBe('44');
    s = dispatchKeys(s, toKeyEvents('\r', NO_KEY, true), ctx()).state;
    expect(currentMode(s)).toBe('normal');
    expect(s.filter[s.panel]).toBe('44');
    s = dispatchKeys(s, keys('/'), ctx()).state;
    s = dispatchKeys(s, toKeyEvents('xyz', NO_KEY, true), ctx()).state;
    s = dispatchKeys(s, toKeyEvents('', k({ escape: true })), ctx()).state;
    expect(s.filter[s.panel]).toBe('44');
    // Esc in normal mode clears the filter.
    s = dispatchKeys(s, toKeyEvents('', k({ escape: true })), ctx()).state;
    expect(s.filter[s.panel]).toBe('');
  });

  it('the command line jumps to panels, completes with Tab, and adds intents', () => {
    let s = initialUi('en');
    s = dispatchKeys(s, toKeyEvents(':', NO_KEY), ctx()).state;
    s = dispatchKeys(s, toKeyEvents('rou', NO_KEY, true), ctx()).state;
    s = dispatchKeys(s, toKeyEvents('', k({ tab: true })), ctx()).state;
    expect(s.input).toBe('routes');
    s = dispatchKeys(s, toKeyEvents('\r', NO_KEY, true), ctx()).state;
    expect(s.panel).toBe('routes');
    s = dispatchKeys(s, toKeyEvents(':', NO_KEY), ctx()).state;
    const r = dispatchKeys(s, toKeyEvents('intent tcp/8443 from me\r', NO_KEY, true), ctx());
    const add = r.effects.find((e) => e.type === 'setIntents') as Extract<Effect, { type: 'setIntents' }>;
    expect(add.intents.at(-1)).toMatchObject({ id: 'in-tcp-8443-me', from: '203.0.113.45/32', port: 8443 });
    expect(r.state.intentIndex).toBe(add.intents.length - 1);
    expect(r.state.message?.text).toContain('intent added');
    // An existing intent is selected, not added again.
    // Typed fast, the whole line arrives as one chunk while still in normal mode.
    const again = dispatchKeys(r.state, toKeyEvents(':intent tcp/22 from me\r', NO_KEY), ctx());
    expect(again.effects).toEqual([]);
    expect(again.state.intentIndex).toBe(2);
    const bad = dispatchKeys(s, toKeyEvents('frobnicate\r', NO_KEY, true), ctx());
    expect(bad.state.message?.text).toContain('unknown command');
  });

  it('help is a mode of its own: typing filters it, Esc closes it', () => {
    let s = dispatchKeys(initialUi('en'), keys('?'), ctx()).state;
    expect(currentMode(s)).toBe('help');
    s = dispatchKeys(s, toKeyEvents('quit', NO_KEY, true), ctx()).state;
    expect(s.help.filter).toBe('quit');
    s = dispatchKeys(s, toKeyEvents('', k({ escape: true })), ctx()).state;
    expect(currentMode(s)).toBe('normal');
  });

  it('panels by number and Tab, intents by [ ], hops by ← → and d opens the hop', () => {
    let s = dispatchKeys(initialUi('en', 'instance'), keys('3'), ctx()).state;
    expect(s.panel).toBe('sockets');
    s = dispatchKeys(s, toKeyEvents('', k({ tab: true })), ctx()).state;
    expect(s.panel).toBe('routes');
    s = dispatchKeys(s, toKeyEvents('', k({ tab: true, shift: true })), ctx()).state;
    expect(s.panel).toBe('sockets');
    s = dispatchKeys(s, keys(']]['), ctx()).state;
    expect(s.intentIndex).toBe(1);
    s = dispatchKeys(s, keys('llll'), ctx()).state;
    expect(s.hop).toBe(3);
    s = dispatchKeys(s, keys('d'), ctx()).state;
    expect(currentMode(s)).toBe('drill');
    expect(s.drill[0].target).toMatchObject({ kind: 'hop', hop: 'public-ip' });
  });

  it('r refreshes, f freezes, s cycles the sort', () => {
    expect(dispatchKeys(initialUi('en'), keys('r'), ctx()).effects).toEqual([{ type: 'refresh' }]);
    expect(dispatchKeys(initialUi('en'), keys('f'), ctx()).effects).toEqual([{ type: 'freeze' }]);
    let s = dispatchKeys(initialUi('en'), keys('s'), ctx()).state;
    expect(s.sort[s.panel]).toEqual({ col: 0, desc: false });
    s = dispatchKeys(s, keys('sss'), ctx()).state;
    expect(s.sort[s.panel]).toEqual({ col: 1, desc: true });
    s = dispatchKeys(s, keys('s'), ctx()).state;
    expect(s.sort[s.panel]).toBeUndefined();
  });

  it('confirm mode: a typed-back name is required for a destructive step', () => {
    let s: UiState = {
      ...initialUi('en'),
      modes: ['normal', 'confirm'],
      confirm: {
        id: 7,
        title: 'Revoke',
        lines: ['RevokeSecurityGroup …'],
        typeBack: 'storefront-web-1',
        typed: '',
        top: 0,
      },
    };
    let r = dispatchKeys(s, toKeyEvents('storefront\r', NO_KEY, true), ctx());
    expect(r.effects).toEqual([]);
    expect(r.state.confirm?.error).toContain('storefront-web-1');
    s = r.state;
    r = dispatchKeys(s, toKeyEvents('storefront-web-1\r', NO_KEY, true), ctx());
    expect(r.effects).toEqual([{ type: 'confirmed', id: 7, ok: true, typed: 'storefront-web-1' }]);
    expect(currentMode(r.state)).toBe('normal');
    const cancel = dispatchKeys(s, toKeyEvents('', k({ escape: true })), ctx());
    expect(cancel.effects).toEqual([{ type: 'confirmed', id: 7, ok: false }]);
  });

  it('confirm mode without a name: y applies, n declines, Enter never does; arrows scroll the preview', () => {
    const s: UiState = {
      ...initialUi('en'),
      modes: ['normal', 'drill', 'confirm'],
      confirm: {
        id: 3,
        title: 'Restart nginx',
        lines: Array.from({ length: 30 }, (_, i) => `l${i}`),
        typed: '',
        top: 0,
      },
    };
    const enter = dispatchKeys(s, toKeyEvents('\r', NO_KEY, true), ctx());
    expect(enter.effects).toEqual([]);
    expect(enter.state.confirm?.error).toBe(translator('en').t('confirm.pressY'));
    const other = dispatchKeys(s, toKeyEvents('j', NO_KEY, true), ctx());
    expect(other.effects).toEqual([]);
    expect(dispatchKeys(s, toKeyEvents('y', NO_KEY, true), ctx()).effects).toEqual([
      { type: 'confirmed', id: 3, ok: true },
    ]);
    const no = dispatchKeys(s, toKeyEvents('n', NO_KEY, true), ctx());
    expect(no.effects).toEqual([{ type: 'confirmed', id: 3, ok: false }]);
    expect(currentMode(no.state)).toBe('drill');
    let sc = dispatchKeys(s, toKeyEvents('', k({ downArrow: true })), ctx({ confirmPage: 10 })).state;
    expect(sc.confirm?.top).toBe(1);
    sc = dispatchKeys(sc, toKeyEvents('', k({ pageDown: true })), ctx({ confirmPage: 10 })).state;
    expect(sc.confirm?.top).toBe(10);
    sc = dispatchKeys(sc, toKeyEvents('', k({ pageDown: true })), ctx({ confirmPage: 10 })).state;
    expect(sc.confirm?.top).toBe(19);
    // No further than the last page: 30 lines, 10 on screen.
    sc = dispatchKeys(sc, toKeyEvents('', k({ pageDown: true })), ctx({ confirmPage: 10 })).state;
    expect(sc.confirm?.top).toBe(20);
    // Ctrl-U still clears what was typed in confirm mode (it pages up in lists).
    expect(buildKeymap().keymap.lookup('confirm', 'ctrl+u')).toBe('clearInput');
    expect(buildKeymap().keymap.lookup('normal', 'ctrl+u')).toBe('pageUp');
  });

  it("x lists the selected finding's fixes; on a plan it starts the run; without a fixer it is not there", () => {
    const on = ctx({ canFix: true });
    let s = dispatchKeys(initialUi('en'), keys('x'), on).state;
    expect(currentMode(s)).toBe('drill');
    expect(s.drill[0].target).toEqual({ kind: 'remedies', findingId: 'A' });
    const plan: Row[] = [
      {
        key: 'p',
        cells: ['Restart nginx'],
        target: { kind: 'plan', id: 'guest-restart-service:nginx', findingId: 'A' },
      },
    ];
    const inList = ctx({ canFix: true, list: { rows: plan, page: 5 } });
    expect(dispatchKeys(s, toKeyEvents('\r', NO_KEY), inList).effects).toEqual([
      { type: 'runFix', planId: 'guest-restart-service:nginx' },
    ]);
    expect(dispatchKeys(s, keys('x'), inList).effects).toEqual([
      { type: 'runFix', planId: 'guest-restart-service:nginx' },
    ]);
    // On a finding's own page the key lists that finding's fixes.
    s = dispatchKeys(initialUi('en'), toKeyEvents('', k({ return: true })), on).state;
    s = dispatchKeys(s, keys('x'), ctx({ canFix: true, list: { rows: [], page: 5 } })).state;
    expect(s.drill.map((f) => f.target.kind)).toEqual(['finding', 'remedies']);
    // Not fixable here: a message, nothing opened, nothing run.
    const off = dispatchKeys(initialUi('en'), keys('x'), ctx({ canFix: false }));
    expect(off.effects).toEqual([]);
    expect(off.state.drill).toHaveLength(0);
    expect(off.state.message?.text).toBe(translator('en').t('fix.unavailable'));
  });
});

describe(':intent grammar and completion', () => {
  it('reads the operator words', () => {
    expect(parseIntent('tcp/443 from internet')).toMatchObject({
      ok: true,
      intent: { direction: 'inbound', from: '0.0.0.0/0', port: 443 },
    });
    expect(parseIntent('tcp/22 from me', { egressIp: '1.2.3.4' })).toMatchObject({
      ok: true,
      intent: { from: '1.2.3.4/32', fromKind: 'me' },
    });
    expect(parseIntent('out tcp/443')).toMatchObject({
      ok: true,
      intent: { direction: 'outbound', to: '0.0.0.0/0' },
    });
    expect(parseIntent('udp/53 to 100.100.2.136')).toMatchObject({
      ok: true,
      intent: { direction: 'outbound', to: '100.100.2.136', protocol: 'udp' },
    });
    expect(parseIntent('tcp/443 from 10.0.0.0/8')).toMatchObject({
      ok: true,
      intent: { from: '10.0.0.0/8', fromKind: 'cidr' },
    });
    expect(parseIntent('tcp from me').ok).toBe(false);
    expect(parseIntent('tcp/22 from me').ok).toBe(false);
    expect(parseIntent('tcp/99999').ok).toBe(false);
    expect(parseIntent('tcp/443 to example.com').ok).toBe(false);
  });
  it('completes verbs and intent specs', () => {
    expect(complete('s', [])).toEqual(expect.arrayContaining(['sg', 'sockets']));
    const fx = storefront();
    expect(complete('intent tcp/4', fx.intents)).toContain('intent tcp/443 from internet');
    expect(runLine('sg', { intents: [] })).toEqual({ kind: 'panel', panel: 'security' });
    expect(runLine('intent 2', { intents: fx.intents })).toMatchObject({ kind: 'intent', existingIndex: 1 });
    expect(runLine('lang zh', { intents: [] })).toEqual({ kind: 'lang', lang: 'zh' });
  });
});
