/**
 * Remediation acceptance through the built program against `netdoctor sim` over its real protocols:
 * check → fix --remedy (security group) → fix --remedy (the dead web service, over SSH) → check turns DELIVERED.
 * Every write leaves an audit line; no secret reaches any output or the audit log; --read-only refuses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, childEnv, runCli } from '../support/cli.js';

interface SimLine {
  endpoint: string;
  ssh: string;
  accessKeyId: string;
  accessKeySecret: string;
  scenario: string;
}

describe('check → fix → check against netdoctor sim', () => {
  let sim: ChildProcess;
  let line: SimLine;
  const home = mkdtempSync(join(tmpdir(), 'nd-fix-'));
  const audit = join(home, 'audit.jsonl');
  const env = () =>
    childEnv({
      HOME: home,
      ALIBABA_CLOUD_ACCESS_KEY_ID: line.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: line.accessKeySecret,
    });
  const target = 'i-bp1k6jsb2wslxp48772b';
  const base = () => [target, '--endpoint', line.endpoint, '--region', 'cn-hangzhou', '--audit', audit];

  beforeAll(async () => {
    sim = spawn(process.execPath, [CLI, 'sim', '--scenario', 'storefront'], {
      env: childEnv({ HOME: home }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    line = await new Promise<SimLine>((resolve, reject) => {
      let buf = '';
      sim.stdout?.on('data', (b) => {
        buf += b;
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
      });
      sim.on('exit', (c) => reject(new Error(`sim exited ${c}`)));
    });
  });
  afterAll(() => {
    sim?.kill('SIGTERM');
  });

  it('finds both causes, fixes both, and the verdict turns DELIVERED', async () => {
    const before = await runCli(['check', ...base(), '--json'], { env: env() });
    expect(before.code).toBe(1);
    const v1 = JSON.parse(before.stdout);
    const ids: string[] = v1.remedies.map((r: { id: string }) => r.id);
    const sg = ids.find((i) => i.startsWith('sg-revoke:'));
    const svc = ids.find((i) => i === 'guest-restart-service:nginx');
    expect(sg).toBe('sg-revoke:sg-bp1w3fxyigw34kdcz3f7:sgr-bp1z005mzaiieivmf1hf');
    expect(svc).toBeDefined();

    // Without --yes and without a terminal, a lock-out-capable step refuses and changes nothing.
    const refused = await runCli(['fix', ...base(), '--remedy', sg!], { env: env() });
    expect(refused.code).toBe(2);

    const f1 = await runCli(['fix', ...base(), '--remedy', sg!, '--yes'], { env: env() });
    expect(f1.stderr).toMatch(/API call ecs:RevokeSecurityGroup/);
    expect(f1.stderr).toMatch(/FIXED: cleared SG_INGRESS_DENIED/);
    expect(f1.code).toBe(0);
    const f2 = await runCli(['fix', ...base(), '--remedy', svc!, '--yes'], { env: env() });
    expect(f2.stderr).toMatch(/systemctl restart 'nginx'/);
    expect(f2.code).toBe(0);

    const after = await runCli(['check', ...base(), '--json'], { env: env() });
    const v2 = JSON.parse(after.stdout);
    for (const v of v2.verdicts) expect(v.result, v.intent.label).toBe('DELIVERED');
    expect(after.code).toBe(0);

    // Every write is audited; no secret appears anywhere.
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const applied = lines.filter((l) => l.outcome === 'APPLIED');
    expect(applied.map((l) => l.plan)).toEqual([sg, svc]);
    expect(lines.some((l) => l.outcome === 'FIXED' && l.plan === sg)).toBe(true);
    for (const text of [
      readFileSync(audit, 'utf8'),
      before.stdout,
      before.stderr,
      f1.stdout,
      f1.stderr,
      f2.stderr,
      after.stdout,
    ]) {
      expect(text).not.toContain(line.accessKeySecret);
    }
  });

  it('--read-only refuses every write before it reaches the API', async () => {
    const r = await runCli(['fix', ...base(), '--remedy', 'guest-conntrack-max', '--yes', '--read-only'], {
      env: env(),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/read-only/i);
  });
});
