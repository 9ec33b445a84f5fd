/**
 * Plans from real verdicts: every remedy id a scenario's findings carry builds a plan; cloud steps name the exact
 * API call; guest steps are commands the simulated guest (which implements the real commands' effects) accepts, and
 * applying them clears the finding they target.
 */
import { describe, expect, it } from 'vitest';
import { defaultIntents, diagnose } from '../../../source/diagnose/index.js';
import type { Verdict } from '../../../source/model/index.js';
import { planFor, plansOf, withRemedies } from '../../../source/remedy/plans/index.js';
import { verifyAgainst } from '../../../source/remedy/verify.js';
import { execGuestCommand } from '../../../source/sim/guest/exec.js';
import { listScenarios, loadScenario } from '../../../source/sim/index.js';
import { worldSnapshot } from '../../../source/sim/truth.js';

const NOW = Date.parse('2026-11-26T12:20:00Z');

function verdictOf(name: string) {
  const world = loadScenario(name, { now: NOW });
  const snapshot = worldSnapshot(world, world.target, NOW);
  const intents = defaultIntents(snapshot, { me: world.operator.ip }, world.intents ?? []);
  const verdict: Verdict = withRemedies(diagnose(snapshot, intents), {
    snapshot,
    who: 'test@host',
    now: NOW,
  });
  return { world, snapshot, intents, verdict, ctx: { snapshot, verdict, who: 'test@host', now: NOW } };
}

describe('remedy plans', () => {
  it.each(
    listScenarios()
      .filter((s) => s.name !== 'fleet')
      .map((s) => [s.name]),
  )('%s: every remedy id builds a plan', (name) => {
    const { ctx } = verdictOf(name);
    const { plans, errors } = plansOf(ctx);
    expect(errors).toEqual([]);
    for (const p of plans) {
      expect(p.steps.length).toBeGreaterThan(0);
      for (const s of p.steps) {
        if (s.kind === 'api') expect(s.api?.action).toMatch(/^[A-Z][A-Za-z]+$/);
        if (s.kind === 'guest') expect(s.command).toBeTruthy();
        if (s.kind === 'manual') expect(s.instructions?.length).toBeGreaterThan(0);
      }
    }
  });

  it('storefront: revoking the winning drop rule names the rule id and can be undone', () => {
    const { ctx } = verdictOf('storefront');
    const p = planFor(ctx, 'sg-revoke:sg-bp1w3fxyigw34kdcz3f7:sgr-bp1z005mzaiieivmf1hf');
    const step = p.steps[0];
    expect(step.api).toEqual({
      product: 'ecs',
      action: 'RevokeSecurityGroup',
      params: {
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-bp1w3fxyigw34kdcz3f7',
        SecurityGroupRuleId: ['sgr-bp1z005mzaiieivmf1hf'],
      },
    });
    expect(step.lockout).toBe(true);
    expect(step.undo?.api?.action).toBe('AuthorizeSecurityGroup');
    expect(step.diff?.before.length).toBe((step.diff?.after.length ?? 0) + 1);
    expect(p.findingIds).toEqual(['SG_INGRESS_DENIED:sg-bp1w3fxyigw34kdcz3f7:sgr-bp1z005mzaiieivmf1hf']);
  });

  it('storefront: restarting nginx in the simulated guest clears SERVICE_DOWN (verify says FIXED)', () => {
    const { world, intents, verdict, ctx } = verdictOf('storefront');
    const p = planFor(ctx, 'guest-restart-service:nginx');
    expect(p.steps[0].lockout).toBe(false);
    const r = execGuestCommand(world, world.target, p.steps[0].command!, NOW + 1000);
    expect(r.code).toBe(0);
    const again = worldSnapshot(world, world.target, NOW + 2000);
    const after = diagnose(again, intents);
    expect(verifyAgainst(p, verdict, after)).toMatchObject({ fixed: true });
    expect(after.verdicts.find((v) => v.intent.id === 'in-tcp-80-internet')?.result).toBe('DELIVERED');
  });

  it('an unknown or stale remedy id is a clear error', () => {
    const { ctx } = verdictOf('storefront');
    expect(() => planFor(ctx, 'no-such-remedy')).toThrow(/unknown remedy/);
    expect(() => planFor(ctx, 'sg-revoke:sg-bp1w3fxyigw34kdcz3f7:sgr-gone')).toThrow(/not in sg-/);
  });

  it('ssh from me blocked at a security group offers temporary access for my /32', () => {
    const { ctx, world } = verdictOf('ssh-drop-rule');
    const ids = ctx.verdict.findings.flatMap((f) => f.remedies);
    const temp = ids.find((i) => i.startsWith('sg-temp-access:'));
    expect(temp).toBe(
      `sg-temp-access:${world.instances[0].securityGroupIds[0]}:22:30:${world.operator.ip}/32`,
    );
    const p = planFor(ctx, temp!);
    expect(p.expiresAt).toBe(NOW + 30 * 60_000);
    expect(JSON.stringify(p.steps[0].api)).toContain('netdoctor temporary access until');
  });

  it('a security lock gets a manual plan saying exactly what to do and where', () => {
    const { ctx } = verdictOf('security-lock');
    const f = ctx.verdict.findings.find((x) => x.code === 'INSTANCE_LOCKED')!;
    const p = planFor(ctx, `manual:${f.id}`);
    expect(p.steps[0].kind).toBe('manual');
    expect(p.steps[0].instructions?.join(' ')).toMatch(/Security Center/);
  });
});
