/**
 * View models, computed outside React from the storefront fixture (test/fixtures/ui, see its .source.txt):
 * what each panel lists and marks, every drill-down, and CJK-aware widths. Expectations are read from the
 * fixture itself where they can be, so a regenerated fixture keeps these tests meaningful.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { HistorySample, SessionState } from '../../source/engine/session.js';
import type { Hop, PathVerdict, Snapshot, Verdict } from '../../source/model/index.js';
import { chartRows, markRow } from '../../source/ui/components/ChartsView.js';
import { hopLine, orderedHops } from '../../source/ui/components/PathBar.js';
import { translator } from '../../source/ui/i18n/index.js';
import { rowSpans, spansText, wrapSpans } from '../../source/ui/render/spans.js';
import { fitWidth, truncate, width, wrap } from '../../source/ui/text/width.js';
import { bandwidthCap, buildBandwidth, counterRates } from '../../source/ui/view/bandwidth.js';
import { resolveDrill } from '../../source/ui/view/drill.js';
import { buildEvents } from '../../source/ui/view/events.js';
import { buildFindings } from '../../source/ui/view/findings.js';
import { buildInstance } from '../../source/ui/view/instance.js';
import { buildRoutes, longestMatch } from '../../source/ui/view/routes.js';
import { buildSecurity, effectiveOrder } from '../../source/ui/view/security.js';
import { buildSockets } from '../../source/ui/view/sockets.js';
import { filterSort, layoutColumns } from '../../source/ui/view/table.js';
import type { DrillTarget, Row, ViewContext } from '../../source/ui/view/types.js';
import { storefront, syntheticHistory } from '../e2e/fixture-session.js';

function ctxFor(
  intentId: string,
  o: { lang?: 'en' | 'zh'; snapshot?: Snapshot; verdict?: Verdict; history?: HistorySample[] } = {},
): ViewContext {
  const fx = storefront();
  const snapshot = o.snapshot ?? fx.snapshot;
  const verdict = o.verdict ?? fx.verdict;
  const intent = fx.intents.find((i) => i.id === intentId) ?? fx.intents[0];
  const path = verdict.verdicts.find((v) => v.intent.id === intent.id);
  const history = o.history ?? syntheticHistory(snapshot, 20, 2000);
  const session = {
    snapshot,
    verdict,
    intents: fx.intents,
    timeline: [
      {
        id: 1,
        at: snapshot.at - 60_000,
        kind: 'start',
        message: 'session started',
        data: { sources: 'cloud,guest' },
      },
      {
        id: 2,
        at: snapshot.at - 1000,
        kind: 'failure',
        source: 'guest',
        message: 'x',
        error: { code: 'ECONNRESET', message: 'SSH reset' },
      },
    ],
    history,
    sources: {},
    frozen: false,
    startedAt: snapshot.at - 60_000,
    version: 1,
  } as unknown as SessionState;
  return {
    tr: translator(o.lang ?? 'en'),
    snapshot,
    verdict,
    session,
    intent,
    path,
    history,
    timeline: session.timeline,
  };
}

const rowsOf = (rows: Row[]) => rows.filter((r) => !r.kind || r.kind === 'row');
const text = (r: Row) =>
  r.cells
    .map((c) => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((s) => s.text).join('') : c.text))
    .join(' ');

function blockedHop(p: PathVerdict | undefined, hop: string): Hop | undefined {
  return p?.path.find((h) => h.hop === hop);
}

describe('Security panel', () => {
  it('orders rules as the platform applies them: priority, then drop before accept', () => {
    const fx = storefront();
    const rules = fx.snapshot.cloud!.securityGroups.value![0].rules;
    const ordered = effectiveOrder([...rules].reverse());
    for (let i = 1; i < ordered.length; i++) {
      const a = ordered[i - 1];
      const b = ordered[i];
      expect(
        a.priority < b.priority ||
          (a.priority === b.priority && !(a.policy === 'accept' && b.policy === 'drop')),
      ).toBe(true);
    }
  });

  it('marks the rule that decides the selected intent, and the accept it shadows', () => {
    const ctx = ctxFor('in-tcp-443-internet');
    const decidingId = (blockedHop(ctx.path, 'sg-in')!.evidence.rule as { id: string }).id;
    const m = buildSecurity(ctx);
    const decider = m.rows.find((r) => r.key === `sg:${decidingId}`);
    expect(decider?.mark?.glyph).toBe('✘');
    expect(decider?.mark?.label).toContain('tcp/443');
    const shadowed = m.rows.filter((r) => r.mark?.glyph === '↓');
    expect(shadowed.length).toBeGreaterThanOrEqual(1);
    expect(shadowed.every((r) => text(r).includes('443') && text(r).includes('accept'))).toBe(true);
    // Sections in order: SG in, SG out, then ACL and the guest firewall.
    const sections = m.rows.filter((r) => r.kind === 'section').map(text);
    expect(sections[0]).toMatch(/inbound/);
    expect(sections[1]).toMatch(/outbound/);
    expect(sections.some((s) => /INPUT/.test(s))).toBe(true);
  });

  it('for an intent the SG accepts, the accepting rule is marked ✔ and nothing is shadowed', () => {
    const m = buildSecurity(ctxFor('in-tcp-22-me'));
    const marked = m.rows.filter((r) => r.mark && r.key.startsWith('sg:'));
    expect(marked.map((r) => r.mark?.glyph)).toEqual(['✔']);
  });

  it('says "denied by default" when no rule matches (SG_INGRESS_NOT_ALLOWED)', () => {
    const fx = storefront();
    const v = structuredClone(fx.verdict);
    const hop = v.verdicts[0].path.find((h) => h.hop === 'sg-in')!;
    hop.evidence = { resource: hop.evidence.resource };
    const m = buildSecurity(ctxFor('in-tcp-443-internet', { verdict: v }));
    expect(m.rows.some((r) => r.kind === 'note' && text(r).includes('denied by default'))).toBe(true);
  });
});

describe('Sockets panel', () => {
  it('lists listeners then connections, counts states, and says loudly when nothing serves the port', () => {
    const ctx = ctxFor('in-tcp-443-internet');
    const m = buildSockets(ctx);
    const all = ctx.snapshot!.guest!.sockets.value!;
    expect(rowsOf(m.rows)).toHaveLength(all.length);
    expect(m.rows.find((r) => r.kind === 'note')?.cells[0]).toMatchObject({
      text: expect.stringContaining('tcp/443'),
      tone: 'bad',
    });
    expect(m.summary?.map((s) => s.text).join('')).toContain('LISTEN');
  });
  it('marks the listener that serves the intent', () => {
    const m = buildSockets(ctxFor('in-tcp-22-me'));
    const served = m.rows.filter((r) => r.mark?.glyph === '✔');
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(served.every((r) => text(r).includes(':22'))).toBe(true);
    expect(m.rows.some((r) => r.kind === 'note')).toBe(false);
  });
  it('filters and sorts 20,000 rows outside React quickly, keeping sections', () => {
    const ctx = ctxFor('in-tcp-443-internet');
    const m = buildSockets(ctx);
    const many: Row[] = [m.rows[0]];
    for (let i = 0; i < 20_000; i++)
      many.push({
        key: String(i),
        cells: [`r${i}`],
        search: `peer 10.0.${i % 250}.${i % 7}`,
        sort: [i % 97],
      });
    const t0 = performance.now();
    const f = filterSort(many, '10.0.3.', { col: 0, desc: true });
    const ms = performance.now() - t0;
    expect(f[0].kind).toBe('section');
    expect(f.length).toBe(1 + 80);
    expect(ms).toBeLessThan(150);
  });
});

describe('Routes panel', () => {
  it('longest prefix match picks the most specific route', () => {
    const items = ['default', '172.16.0.0/12', '172.16.1.0/24', '10.0.0.0/8'];
    expect(longestMatch(items, (x) => x, '172.16.1.9')).toBe(2);
    expect(longestMatch(items, (x) => x, '8.8.8.8')).toBe(0);
    expect(longestMatch(items.slice(1), (x) => x, '8.8.8.8')).toBe(-1);
  });
  it('marks the guest default route for internet replies and explains the VPC side', () => {
    const m = buildRoutes(ctxFor('in-tcp-443-internet'));
    const marked = m.rows.filter((r) => r.mark?.glyph === '➜');
    expect(marked.some((r) => r.side === 1 && text(r).startsWith('default'))).toBe(true);
    expect(m.split).toBe(true);
    expect(m.rows.filter((r) => r.side === 0).length).toBeGreaterThan(0);
  });
  it('uses the verdict evidence when it names the VPC route (DNS via 100.64.0.0/10)', () => {
    const m = buildRoutes(ctxFor('dns'));
    expect(m.rows.find((r) => r.side === 0 && r.mark)?.cells[0]).toBe('100.64.0.0/10');
  });
});

describe('Bandwidth panel', () => {
  it('scales to the EIP bandwidth cap and charts live counters as rates', () => {
    const ctx = ctxFor('in-tcp-443-internet');
    const cap = bandwidthCap(ctx);
    expect(cap).toBe((ctx.snapshot!.cloud!.instance.value!.eip!.bandwidth ?? 0) * 1e6);
    const m = buildBandwidth(ctx);
    const out = m.charts!.find((c) => c.key === 'cms-out')!;
    expect(out.scale).toBe(cap);
    expect(out.values.length).toBe(30);
    const tx = m.charts!.find((c) => c.key === 'live-tx')!;
    expect(tx.values.length).toBe(19);
    expect(tx.values.every((v) => v !== undefined && v > 0)).toBe(true);
  });
  it('shows loss explicitly: a timed-out probe is a ✘ on every sample', () => {
    const m = buildBandwidth(ctxFor('in-tcp-443-internet'));
    const p443 = m.charts!.find((c) => c.key.startsWith('tcp:') && c.key.endsWith(':443'))!;
    expect(p443.marks!.every(Boolean)).toBe(true);
    const row = markRow(p443.marks!, 40)
      .map((s) => s.text)
      .join('');
    expect(row.trim()).toMatch(/^✘+$/);
  });
  it('a counter that goes backwards restarts the series instead of a negative rate', () => {
    const base = storefront().snapshot.guest!.netdev.value!;
    const eth = base.find((n) => n.iface === 'eth0')!;
    const h: HistorySample[] = [
      { at: 0, netdev: [{ ...eth, txBytes: 1000, rxBytes: 1000 }] },
      { at: 1000, netdev: [{ ...eth, txBytes: 2000, rxBytes: 1500 }] },
      { at: 2000, netdev: [{ ...eth, txBytes: 10, rxBytes: 10 }] },
      { at: 3000, netdev: [{ ...eth, txBytes: 135, rxBytes: 10 }] },
    ];
    const r = counterRates(h, 'eth0');
    expect(r.tx).toEqual([8000, 1000]);
  });
  it('draws bars to scale and flags values over the cap', () => {
    const rows = chartRows(
      {
        key: 'x',
        title: 'x',
        values: [0, 50, 100, 150],
        times: [1, 2, 3, 4],
        scale: 100,
        scaleLabel: '',
        unit: 'bps',
        summary: [],
      },
      4,
      2,
    );
    const top = rows[0].map((s) => s.text).join('');
    const bottom = rows[1].map((s) => s.text).join('');
    expect(top).toBe('  █▲');
    expect(bottom).toBe(' ███');
    expect(rows[0].find((s) => s.text.includes('▲'))?.tone).toBe('bad');
  });
});

describe('Findings and Events panels', () => {
  it('ranks findings and counts the critical ones', () => {
    const ctx = ctxFor('in-tcp-443-internet');
    const m = buildFindings(ctx);
    const ranks = rowsOf(m.rows).map((r) => Number(r.cells[0]));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const critical = ctx.verdict!.findings.filter((f) => f.severity === 'critical').length;
    expect(m.title).toContain(`${critical} critical`);
  });
  it('lists cloud changes newest first, marks the one a finding points at, and localises the timeline', () => {
    const m = buildEvents(ctxFor('in-tcp-443-internet', { lang: 'zh' }));
    const cloud = m.rows.filter((r) => r.key.startsWith('ev:'));
    expect(cloud.length).toBe(storefront().snapshot.cloud!.events.value!.length);
    expect(cloud[0].mark?.glyph).toBe('!');
    const own = m.rows.filter((r) => r.key.startsWith('tl:'));
    expect(text(own[0])).toContain('失败');
  });
});

describe('Instance panel', () => {
  it('shows state, EIP with bandwidth, ENIs and every source', () => {
    const m = buildInstance(ctxFor('in-tcp-443-internet'));
    const all = m.rows.map(text).join('\n');
    const fx = storefront();
    const inst = fx.snapshot.cloud!.instance.value!;
    expect(all).toContain(inst.status);
    expect(all).toContain(inst.eip!.ip);
    expect(m.rows.filter((r) => r.target?.kind === 'eni')).toHaveLength(inst.enis.length);
    expect(m.rows.filter((r) => r.target?.kind === 'source')).toHaveLength(fx.snapshot.sources.length);
  });
  it('says why the guest could not be seen instead of a blank', () => {
    const fx = storefront();
    const snap = {
      ...fx.snapshot,
      guest: undefined,
      guestError: { code: 'ECONNREFUSED', message: 'SSH refused' },
    };
    const m = buildInstance(ctxFor('in-tcp-443-internet', { snapshot: snap }));
    expect(m.rows.some((r) => r.kind === 'note' && text(r).includes('SSH refused'))).toBe(true);
  });
});

describe('drill-downs', () => {
  const ctx = ctxFor('in-tcp-443-internet');
  const open = (t: DrillTarget) => {
    const v = resolveDrill(t, ctx);
    expect(v, JSON.stringify(t)).toBeDefined();
    return { v: v!, all: v!.rows.map(text).join('\n') };
  };
  it('a hop opens its evidence with the raw lines it came from', () => {
    const listener = blockedHop(ctx.path, 'listener')!;
    const { all } = open({ kind: 'hop', intentId: ctx.intent!.id, hop: 'listener', leg: 'forward' });
    for (const l of listener.evidence.lines ?? []) expect(all).toContain(l.trim());
  });
  it('a rule opens all its fields, where it stands, and the audit event that added it', () => {
    const id = (blockedHop(ctx.path, 'sg-in')!.evidence.rule as { id: string }).id;
    const { v, all } = open({ kind: 'sg-rule', id });
    expect(all).toContain('priority: 1');
    expect(all).toContain('effective position: 1');
    expect(v.rows.some((r) => r.target?.kind === 'event')).toBe(true);
    expect(v.rows.some((r) => r.target?.kind === 'hop')).toBe(true);
  });
  it('a finding opens evidence, remedies with the fix command, and links to its hop', () => {
    const f = ctx.verdict!.findings[0];
    const { v, all } = open({ kind: 'finding', id: f.id });
    for (const r of f.remedies) expect(all).toContain(`--remedy ${r}`);
    expect(v.rows.some((r) => r.target?.kind === 'hop')).toBe(true);
  });
  it('a socket opens its process and the raw ss line; the process lists its sockets', () => {
    const sshd = ctx.snapshot!.guest!.sockets.value!.find((s) => s.state === 'ESTAB' && s.local.port === 22)!;
    const key = `${sshd.proto}|${sshd.local.address}:${sshd.local.port}|${sshd.peer.address}:${sshd.peer.port}|${sshd.state}`;
    const { v, all } = open({ kind: 'socket', key });
    expect(all).toContain(`pid ${sshd.processes[0].pid}`);
    expect(all).toMatch(/ESTAB .*:22 /);
    const proc = v.rows.find((r) => r.target?.kind === 'process')!.target!;
    expect(open(proc).all).toContain(':22');
  });
  it('every other kind resolves: service, routes, event, timeline, series, source, ENI, ACL, iptables rule', () => {
    const fx = storefront();
    const svc = open({ kind: 'service', name: 'nginx' }).all;
    expect(svc).toContain('oom-kill');
    expect(svc).toContain('Out of memory');
    const g = fx.snapshot.guest!.routes.value![0];
    open({
      kind: 'route',
      table: 'guest',
      key: `${g.table}|${g.dst}|${g.gateway ?? ''}|${g.dev ?? ''}|${g.metric ?? ''}`,
    });
    open({ kind: 'route', table: 'vpc', key: fx.snapshot.cloud!.routeTables.value![0].entries[0].id });
    expect(open({ kind: 'event', id: fx.snapshot.cloud!.events.value![0].id }).all).toContain(
      'SecurityGroupId',
    );
    expect(open({ kind: 'timeline', id: 2 }).all).toContain('ECONNRESET');
    expect(open({ kind: 'series', key: 'cms-out' }).v.rows.length).toBeGreaterThan(30);
    open({ kind: 'source', name: fx.snapshot.sources[0].name });
    open({ kind: 'eni', id: fx.snapshot.cloud!.instance.value!.enis[0].id });
    open({ kind: 'acl-entry', id: fx.snapshot.cloud!.networkAcl.value!.ingress[0].id });
    const r = fx.snapshot.guest!.firewall.value!.ipv4!.tables.filter.chains.INPUT.rules[0];
    expect(
      open({ kind: 'ipt-rule', family: 4, table: 'filter', chain: 'INPUT', index: r.index }).all,
    ).toContain(r.raw);
    expect(resolveDrill({ kind: 'sg-rule', id: 'sgr-gone' }, ctx)).toBeUndefined();
  });
});

describe('widths (English and Chinese align)', () => {
  it('counts CJK as two columns and cuts without breaking alignment', () => {
    expect(width('安全组')).toBe(6);
    expect(width(truncate('安全组规则很长', 7))).toBe(7);
    expect(fitWidth('实例', 6)).toBe('实例  ');
    expect(width(fitWidth('网络 ACL 入方向', 9))).toBe(9);
    expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
  });
  it('the fast width path agrees with string-width on everything the UI draws', () => {
    const zh = translator('zh');
    const samples = [
      ...'✔✘›…▌·●↩➜◀↓▸⏎│─❚⟳▲█▇▆▅▄▃▂▁•←→↑–—“”‘’°±×',
      '安全组 sg-bp1 · 入方向 · 生效顺序（无状态）',
      'ｆｕｌｌ ｗｉｄｔｈ',
      'ｶﾀｶﾅ',
      '한국어',
      'e\u0301',
      '👍🏽',
      '\u200b',
      zh.t('bw.lossLegend'),
      zh.t('help.title'),
    ];
    for (const x of samples) expect(width(x), JSON.stringify(x)).toBe(stringWidth(x));
  });

  it('every table line is exactly as wide as the terminal, in both languages', () => {
    for (const lang of ['en', 'zh'] as const) {
      const m = buildSecurity(ctxFor('in-tcp-443-internet', { lang }));
      for (const w of [80, 120, 160]) {
        const widths = layoutColumns(m.columns, w - 2);
        for (const r of m.rows)
          expect(width(spansText(rowSpans(r, m.columns, widths, { selected: false, width: w })))).toBe(w);
      }
    }
  });
  it('wraps styled text at word boundaries', () => {
    const lines = wrapSpans(
      [{ text: 'deploy-bot added ', tone: 'warn' }, { text: 'a drop rule at noon' }],
      12,
    );
    expect(
      lines.map((l) =>
        l
          .map((s) => s.text)
          .join('')
          .trimEnd(),
      ),
    ).toEqual(['deploy-bot', 'added a drop', 'rule at noon']);
  });
  it('the path bar fits any width, windowing around the cursor when it must', () => {
    const ctx = ctxFor('in-tcp-443-internet', { lang: 'zh' });
    const hops = orderedHops(ctx.path);
    for (const w of [30, 60, 76, 150])
      expect(width(spansText(hopLine(hops, 5, ctx.tr, w)))).toBeLessThanOrEqual(w);
    expect(spansText(hopLine(hops, 5, ctx.tr, 30))).toContain('[✘');
  });
});
