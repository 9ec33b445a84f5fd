/**
 * Acceptance: every scenario's expected codes come out of `netdoctor check --scenario NAME --json` (the built
 * program: real SDK → simulated region over HTTP, ssh2 → simulated guest, probes answered by the simulator), with
 * the exit code of DESIGN.md §3, and the first BLOCKED hop naming the right resource and rule.
 */
import { describe, expect, it } from 'vitest';
import { listScenarios, loadScenario } from '../../source/sim/index.js';
import { runCli } from '../support/cli.js';

const scenarios = listScenarios().filter((s) => s.name !== 'fleet');

describe('check --scenario NAME --json', () => {
  it('covers every platform and cloud-network finding code with a scenario', () => {
    const codes = new Set(scenarios.flatMap((s) => s.codes));
    for (const c of [
      'INSTANCE_NOT_RUNNING',
      'INSTANCE_LOCKED',
      'NO_PUBLIC_ADDRESS',
      'EIP_NOT_ASSOCIATED',
      'EIP_ASSOCIATED_ELSEWHERE',
      'PUBLIC_BANDWIDTH_ZERO',
      'BANDWIDTH_SATURATED',
      'RESOURCE_EXHAUSTED',
      'PLATFORM_PORT_BLOCKED',
      'ASSISTANT_UNAVAILABLE',
      'SG_INGRESS_NOT_ALLOWED',
      'SG_INGRESS_DENIED',
      'SG_EGRESS_DENIED',
      'NACL_INGRESS_DENIED',
      'NACL_EGRESS_DENIED',
      'VPC_ROUTE_MISDIRECTED',
      'VPC_ROUTE_MISSING',
      'NO_INTERNET_EGRESS',
    ])
      expect(codes, c).toContain(c);
  });

  it.concurrent.each(scenarios.map((s) => [s.name]))('%s', async (name) => {
    const world = loadScenario(name);
    const r = await runCli(['check', '--scenario', name, '--json'], { timeoutMs: 90_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const codes = new Set(out.findings.map((f: { code: string }) => f.code));
    for (const c of world.expect.codes) expect([...codes], `${name} should report ${c}`).toContain(c);
    for (const c of world.expect.absent ?? [])
      expect([...codes], `${name} must not report ${c}`).not.toContain(c);
    if (world.expect.exit !== undefined) expect(r.code, `${name} exit code`).toBe(world.expect.exit);
    const b = world.expect.blocked;
    if (b) {
      const v = out.verdicts.find(
        (p: { intent: { id: string } }) => p.intent.id === (b.intent ?? out.verdicts[0].intent.id),
      );
      expect(v, `${name}: intent ${b.intent}`).toBeDefined();
      expect(v.result).toBe('DROPPED');
      expect(v.blockedAt).toBe(b.hop);
      const hop = v.path.find((h: { state: string }) => h.state === 'BLOCKED');
      const ev = JSON.stringify(hop.evidence);
      if (b.resource) expect(ev, `${name}: blocked hop names ${b.resource}`).toContain(b.resource);
      if (b.rule) expect(ev, `${name}: blocked hop names ${b.rule}`).toContain(b.rule);
    }
    // Every verdict and finding follows the JSON contract.
    for (const v of out.verdicts) {
      expect(['DELIVERED', 'DROPPED', 'UNKNOWN']).toContain(v.result);
      for (const h of v.path) expect(['OK', 'BLOCKED', 'UNCERTAIN', 'NOT_CHECKED']).toContain(h.state);
    }
    for (const f of out.findings) {
      expect(['critical', 'warning', 'info']).toContain(f.severity);
      expect(['platform', 'cloud-network', 'guest', 'any']).toContain(f.layer);
      expect(['certain', 'likely', 'uncertain']).toContain(f.confidence);
      expect(Array.isArray(f.remedies)).toBe(true);
    }
  });

  it('storefront names the security group rule and the audit-trail event, and the dead web service', async () => {
    const r = await runCli(['check', '--scenario', 'storefront', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    const sg = out.findings.find((f: { code: string }) => f.code === 'SG_INGRESS_DENIED');
    expect(JSON.stringify(sg.evidence)).toContain('sgr-bp1z005mzaiieivmf1hf');
    const change = out.findings.find((f: { code: string }) => f.code === 'RECENT_CHANGE');
    expect(change.evidence.event.name).toBe('AuthorizeSecurityGroup');
    expect(change.evidence.event.user).toBe('ops-scheduler');
    expect(change.evidence.explains).toBe(sg.id);
    expect(out.findings.map((f: { code: string }) => f.code).indexOf('RECENT_CHANGE')).toBe(
      out.findings.indexOf(sg) + 1,
    );
    expect(out.findings.find((f: { code: string }) => f.code === 'SERVICE_DOWN').title).toMatch(/nginx/);
  });
});
