/**
 * `netdoctor check --scenario … --scope …` as users run it: the built dist/cli.js, the real SDK against the embedded
 * simulated region, ssh2 into the simulated guest. The JSON carries `scope` (grade, members, causes), the text report
 * shows the grade and the blocked members, and a bad or impossible --scope is a usage error (exit 2).
 */
import { describe, expect, it } from 'vitest';
import type { ScopeResult } from '../../source/model/index.js';
import { runCli } from '../support/cli.js';

async function scopeJson(scenario: string, kind: string) {
  const r = await runCli(['check', '--scenario', scenario, '--scope', kind, '--json'], { timeoutMs: 90_000 });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout) as { scope?: ScopeResult; sources: { name: string; ok: boolean }[] };
  return { r, out, scope: out.scope! };
}

describe('check --scope', () => {
  it.concurrent('scope-sg-drop --scope sg --json: high, the same rule blocks every member', async () => {
    const { r, out, scope } = await scopeJson('scope-sg-drop', 'sg');
    expect(r.code).toBe(1);
    expect(scope).toMatchObject({
      kind: 'sg',
      resource: 'sg-bp1w3fxyigw34kdcz3f7',
      grade: 'high',
      affected: 4,
      zones: ['cn-hangzhou-j', 'cn-hangzhou-k'],
    });
    expect(scope.members).toHaveLength(4);
    for (const m of scope.members) {
      expect(m.result).toBe('DROPPED');
      expect(m.codes).toEqual(['SG_INGRESS_DENIED']);
    }
    expect(scope.causes).toHaveLength(1);
    expect(scope.causes![0]).toMatchObject({
      code: 'SG_INGRESS_DENIED',
      resource: 'sg-bp1w3fxyigw34kdcz3f7',
      rule: 'sgr-bp1z005mzaiieivmf1hf',
      shared: true,
    });
    expect(scope.summary).toContain('One cause blocks all of them');
    expect(out.sources.find((s) => s.name === 'scope')).toMatchObject({ ok: true });
  });

  it.concurrent('scope-one-instance --scope sg --json: low, only the target', async () => {
    const { r, scope } = await scopeJson('scope-one-instance', 'sg');
    expect(r.code).toBe(1);
    expect(scope).toMatchObject({ grade: 'low', affected: 1, zones: ['cn-hangzhou-k'] });
    expect(scope.members.map((m) => [m.name, m.result, !!m.target])).toEqual([
      ['storefront-web-01', 'DROPPED', true],
      ['storefront-web-03', 'DELIVERED', false],
      ['storefront-web-02', 'DELIVERED', false],
    ]);
    expect(scope.causes![0]).toMatchObject({
      resource: 'sg-bp14wnzi5gnpzd1smd7v',
      instanceIds: [scope.target],
    });
  });

  it.concurrent('scope-zone-nacl --scope vpc --json: medium, one zone', async () => {
    const { scope } = await scopeJson('scope-zone-nacl', 'vpc');
    expect(scope).toMatchObject({ kind: 'vpc', grade: 'medium', affected: 2, zones: ['cn-hangzhou-k'] });
    expect(scope.causes![0]).toMatchObject({ code: 'NACL_INGRESS_DENIED', rule: 'nae-bp1oatho7udy17rx2372' });
  });

  it.concurrent('without --scope there is no scope key (the contract is unchanged)', async () => {
    const r = await runCli(['check', '--scenario', 'scope-sg-drop', '--json'], { timeoutMs: 90_000 });
    const out = JSON.parse(r.stdout);
    expect(out.scope).toBeUndefined();
    expect(out.sources.some((s: { name: string }) => s.name === 'scope')).toBe(false);
  });

  it.concurrent('the text report shows the grade, the summary and each blocked member', async () => {
    const r = await runCli(['check', '--scenario', 'scope-sg-drop', '--scope', 'sg'], {
      timeoutMs: 90_000,
      env: { NO_COLOR: '1' },
    });
    expect(r.code).toBe(1);
    const text = r.stdout.slice(r.stdout.indexOf('Scope ('));
    expect(text).toMatch(
      /^Scope \(sg sg-bp1w3fxyigw34kdcz3f7\) {2}HIGH {2}4 of 4 blocked in zones cn-hangzhou-j, cn-hangzhou-k$/m,
    );
    expect(text).toContain('4 of 4 instances sharing security group sg-bp1w3fxyigw34kdcz3f7 are blocked');
    for (const name of ['storefront-web-01', 'storefront-web-02', 'storefront-web-03', 'storefront-web-04'])
      expect(text).toMatch(new RegExp(`✘ ${name} .* DROPPED {2}SG_INGRESS_DENIED`));
    expect(text).toMatch(/✘ storefront-web-01 .*\(target\)/);
    expect(text).toContain(
      'cause: SG_INGRESS_DENIED sgr-bp1z005mzaiieivmf1hf in sg-bp1w3fxyigw34kdcz3f7 — 4 instances',
    );
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it.concurrent('a bad --scope is a usage error before anything is collected', async () => {
    const r = await runCli(['check', '--scenario', 'scope-sg-drop', '--scope', 'zone', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--scope "zone" is not vswitch, sg or vpc');
    expect(r.stderr).toContain('--scope sg:sg-bp1');
  });

  it.concurrent('--scope without a cloud account (--ssh only) is a usage error that says what is needed', async () => {
    const r = await runCli(['check', '--ssh', 'root@127.0.0.1:1', '--scope', 'sg', '--json', '--no-probes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--scope needs a cloud account');
  });
});
