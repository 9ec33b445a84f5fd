/**
 * Every scenario, diagnosed straight from its world (no wire): the expected codes, absent codes and first blocked
 * hop. Fast and deterministic; test/e2e/check-scenarios.test.ts checks the same through the real protocols.
 */
import { describe, expect, it } from 'vitest';
import { defaultIntents, diagnose } from '../../../source/diagnose/index.js';
import { listScenarios, loadScenario } from '../../../source/sim/index.js';
import { worldSnapshot } from '../../../source/sim/truth.js';

const NOW = Date.parse('2026-11-26T12:20:00Z');

describe('diagnose() on every scenario world', () => {
  it.each(
    listScenarios()
      .filter((s) => s.name !== 'fleet')
      .map((s) => [s.name]),
  )('%s', (name) => {
    const w = loadScenario(name, { now: NOW });
    const s = worldSnapshot(w, w.target, NOW);
    const v = diagnose(s, defaultIntents(s, { me: w.operator.ip }, w.intents ?? []));
    const codes = v.findings.map((f) => f.code);
    for (const c of w.expect.codes) expect(codes, `${name} should report ${c}`).toContain(c);
    for (const c of w.expect.absent ?? []) expect(codes, `${name} must not report ${c}`).not.toContain(c);
    const b = w.expect.blocked;
    if (b) {
      const p = v.verdicts.find((x) => x.intent.id === (b.intent ?? v.verdicts[0].intent.id));
      expect(p?.blockedAt, `${name}: first blocked hop`).toBe(b.hop);
      const ev = JSON.stringify(p?.path.find((h) => h.hop === b.hop)?.evidence);
      if (b.resource) expect(ev).toContain(b.resource);
      if (b.rule) expect(ev).toContain(b.rule);
    }
    // Ranks are 1..n with no gaps; a linked change sits right after what it explains.
    expect(v.findings.map((f) => f.rank)).toEqual(v.findings.map((_, i) => i + 1));
    for (const f of v.findings) {
      const explains = f.evidence.explains;
      if (typeof explains === 'string' && v.findings.some((x) => x.id === explains)) {
        const i = v.findings.findIndex((x) => x.id === explains);
        expect(v.findings.indexOf(f), `${f.id} placement`).toBeGreaterThan(i);
      }
    }
    // No two findings with the same id.
    expect(new Set(v.findings.map((f) => f.id)).size).toBe(v.findings.length);
  });
});
