/**
 * The runner's state machine with a scripted cloud, a scripted guest transport and a scripted verify (the
 * brief's "fake cloud/transport/verify"), and the real audit log on a temp file. Dead-man steps use the local
 * transport, so the switch itself is the real script on /bin/sh guarding a scratch file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudError } from '../../../source/cloud/errors.js';
import { openLocal } from '../../../source/guest/transport/local.js';
import type {
  RunResult,
  RunOptions as TRunOptions,
  Transport,
} from '../../../source/guest/transport/types.js';
import type { AuditRecord, Plan, PlanStep } from '../../../source/model/index.js';
import { type AuditLog, openAuditLog, readAuditLog } from '../../../source/remedy/audit.js';
import { ConfirmRefused, type ConfirmRequest } from '../../../source/remedy/confirm.js';
import { DEADMAN_DIRS } from '../../../source/remedy/deadman.js';
import { consolePathFor, type RunnerDeps, type RunnerEvent, runPlan } from '../../../source/remedy/runner.js';

const target = { name: 'storefront-web-1', id: 'i-bp1k6jsb2wslxp48772b' };
const SG = 'sg-bp1w3fxyigw34kdcz3f7';

const revokeStep: PlanStep = {
  id: 'revoke',
  title: 'Revoke the Drop rule on tcp/443',
  kind: 'api',
  api: {
    product: 'ecs',
    action: 'RevokeSecurityGroup',
    params: { RegionId: 'cn-hangzhou', SecurityGroupId: SG, SecurityGroupRuleId: ['sgr-1'] },
  },
  diff: { before: ['drop tcp/443 0.0.0.0/0 p1'], after: [] },
  risk: 'medium',
  lockout: true,
  undo: {
    title: 'Put the Drop rule back',
    api: {
      product: 'ecs',
      action: 'AuthorizeSecurityGroup',
      params: {
        RegionId: 'cn-hangzhou',
        SecurityGroupId: SG,
        Permissions: [
          {
            IpProtocol: 'TCP',
            PortRange: '443/443',
            SourceCidrIp: '0.0.0.0/0',
            Policy: 'drop',
            Priority: '1',
          },
        ],
      },
    },
  },
};
const restartStep: PlanStep = {
  id: 'restart',
  title: 'Restart nginx',
  kind: 'guest',
  command: 'systemctl restart nginx',
  risk: 'low',
  lockout: false,
  undo: { title: 'Stop nginx', command: 'systemctl stop nginx' },
};
const manualStep: PlanStep = {
  id: 'ask-owner',
  title: 'Ask the staging owner',
  kind: 'manual',
  risk: 'low',
  lockout: false,
  instructions: ['Tell ops-scheduler the job hit production.'],
};

const plan = (...steps: PlanStep[]): Plan => ({
  id: 'storefront-fix',
  title: 'Fix the storefront',
  summary: 's',
  risk: 'medium',
  findingIds: ['SG_INGRESS_DENIED'],
  intentIds: [],
  steps,
});

class ScriptedCloud {
  calls: { product: string; action: string; params: Record<string, unknown> }[] = [];
  constructor(private readonly answer: (action: string) => unknown = () => ({ RequestId: 'req-1' })) {}
  async call(product: string, action: string, params: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ product, action, params });
    const a = this.answer(action);
    if (a instanceof Error) throw a;
    return a;
  }
}

class ScriptedTransport implements Transport {
  kind = 'ssh' as const;
  commands: string[] = [];
  constructor(private readonly answer: (cmd: string) => Partial<RunResult> = () => ({ code: 0 })) {}
  describe() {
    return 'root@test';
  }
  async run(command: string, _o?: TRunOptions): Promise<RunResult> {
    this.commands.push(command);
    return { stdout: '', stderr: '', code: 0, ms: 1, ...this.answer(command) };
  }
  stats() {
    return { connections: 1, commands: this.commands.length };
  }
  async close() {}
}

interface Harness {
  deps: RunnerDeps;
  cloud: ScriptedCloud;
  asked: ConfirmRequest[];
  events: RunnerEvent[];
  audit: AuditLog;
  lines: () => Promise<AuditRecord[]>;
}

function harness(
  over: Partial<RunnerDeps> = {},
  opts: { answers?: (string | boolean | Error)[]; fixed?: boolean[]; cloud?: ScriptedCloud } = {},
): Harness {
  const audit = openAuditLog({ file: join(mkdtempSync(join(tmpdir(), 'nd-run-')), 'audit.jsonl') });
  const asked: ConfirmRequest[] = [];
  const answers = [...(opts.answers ?? [])];
  const fixed = [...(opts.fixed ?? [true])];
  const cloud = opts.cloud ?? new ScriptedCloud();
  const deps: RunnerDeps = {
    cloud,
    verify: async () => {
      const f = fixed.shift() ?? true;
      return {
        fixed: f,
        detail: f ? 'tcp/443 from the internet is DELIVERED' : 'tcp/443 from the internet is still DROPPED',
      };
    },
    confirm: async (req) => {
      asked.push(req);
      const a = answers.shift() ?? false;
      if (a instanceof Error) throw a;
      return a;
    },
    audit,
    readOnly: false,
    who: 'alice@laptop (cli_profile:default)',
    target,
    ...over,
  };
  return { deps, cloud, asked, events: [], audit, lines: () => readAuditLog(audit.path) };
}

const run = (h: Harness, p: Plan, o: { yes?: boolean } = {}) =>
  runPlan(p, h.deps, { ...o, onEvent: (e) => h.events.push(e) });

describe('runner: refusals and confirmations', () => {
  it('read-only refuses before any confirmation or call, and shows manual steps', async () => {
    const h = harness({ readOnly: true });
    const r = await run(h, plan(revokeStep, manualStep));
    expect(r.outcome).toBe('REFUSED');
    expect(r.steps.map((s) => s.status)).toEqual(['REFUSED', 'MANUAL']);
    expect(r.detail).toMatch(/read-only/);
    expect(h.asked).toEqual([]);
    expect(h.cloud.calls).toEqual([]);
    expect(await h.lines()).toEqual([]);
    expect(h.events.map((e) => e.type)).toEqual(['previewed', 'previewed', 'refused', 'manual', 'done']);
  });

  it('a lock-out-capable step wants the name: true, y or a wrong name cancel; nothing is called', async () => {
    for (const answer of [true, 'y', 'storefront']) {
      const h = harness({}, { answers: [answer] });
      const r = await run(h, plan(revokeStep));
      expect(r.outcome).toBe('CANCELLED');
      expect(h.asked[0].kind).toBe('type-name');
      expect(h.cloud.calls).toEqual([]);
      expect((await h.lines()).map((l) => l.outcome)).toEqual(['CANCELLED']);
    }
  });

  it('with the name typed back: confirm, apply, verify → FIXED, each audited', async () => {
    const h = harness({}, { answers: ['storefront-web-1'] });
    const r = await run(h, plan(revokeStep));
    expect(r.outcome).toBe('FIXED');
    expect(r.steps[0]).toMatchObject({ status: 'FIXED', requestId: 'req-1' });
    expect(h.cloud.calls).toEqual([
      { product: 'ecs', action: 'RevokeSecurityGroup', params: revokeStep.api!.params },
    ]);
    const lines = await h.lines();
    expect(lines.map((l) => l.outcome)).toEqual(['CONFIRMED', 'APPLIED', 'FIXED']);
    expect(lines[1]).toMatchObject({
      who: 'alice@laptop (cli_profile:default)',
      target: 'storefront-web-1 (i-bp1k6jsb2wslxp48772b)',
      plan: 'storefront-fix',
      step: 'revoke',
      call: revokeStep.api,
      before: ['drop tcp/443 0.0.0.0/0 p1'],
      after: [],
    });
    expect(h.events.map((e) => e.type)).toEqual([
      'previewed',
      'confirm-requested',
      'confirmed',
      'applying',
      'applied',
      'verifying',
      'FIXED',
      'done',
    ]);
  });

  it('--yes confirms lock-out-capable steps without asking', async () => {
    const h = harness();
    const r = await run(h, plan(revokeStep), { yes: true });
    expect(r.outcome).toBe('FIXED');
    expect(h.asked).toEqual([]);
    expect((await h.lines())[0]).toMatchObject({ outcome: 'CONFIRMED', detail: 'confirmed by --yes' });
  });

  it('no terminal and no --yes: REFUSED, nothing applied', async () => {
    const h = harness({}, { answers: [new ConfirmRefused('stdin is not a terminal', 'pass --yes')] });
    const r = await run(h, plan(revokeStep));
    expect(r.outcome).toBe('REFUSED');
    expect(r.detail).toMatch(/--yes/);
    expect(h.cloud.calls).toEqual([]);
  });

  it('manual steps are shown, never applied; a plan of only manual steps is MANUAL', async () => {
    const h = harness();
    const r = await run(h, plan(manualStep));
    expect(r.outcome).toBe('MANUAL');
    expect(r.steps[0].status).toBe('MANUAL');
    expect(await h.lines()).toEqual([]);
  });

  it('a step that cannot run here is refused before asking (no cloud / no guest / no reconnect)', async () => {
    const noCloud = harness({ cloud: undefined });
    expect((await run(noCloud, plan(revokeStep))).steps[0]).toMatchObject({
      status: 'REFUSED',
      detail: expect.stringMatching(/No cloud credentials/),
    });
    const noGuest = harness();
    expect((await run(noGuest, plan(restartStep))).steps[0].detail).toMatch(/No guest access/);
    const noReconnect = harness({ guest: async () => new ScriptedTransport() });
    const r = await run(noReconnect, plan({ ...restartStep, lockout: true }));
    expect(r.steps[0].detail).toMatch(/dead-man switch, which needs a way to reconnect/);
    for (const h of [noCloud, noGuest, noReconnect]) expect(h.asked).toEqual([]);
  });

  it('refuses to change anything when the audit record cannot be written first', async () => {
    const h = harness(
      { audit: openAuditLog({ file: mkdtempSync(join(tmpdir(), 'nd-run-')) }) },
      { answers: ['storefront-web-1'] },
    );
    const r = await run(h, plan(revokeStep));
    expect(r.outcome).toBe('FAILED');
    expect(r.steps[0].error?.code).toBe('AUDIT_WRITE_FAILED');
    expect(h.cloud.calls).toEqual([]);
  });
});

describe('runner: failures, UNFIXED and rollback', () => {
  it('UNFIXED offers the undo; confirmed, it is applied and the plan is ROLLED_BACK', async () => {
    const h = harness({}, { answers: ['storefront-web-1', 'storefront-web-1'], fixed: [false] });
    const r = await run(h, plan(revokeStep));
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.verify).toEqual({ fixed: false, detail: 'tcp/443 from the internet is still DROPPED' });
    expect(r.rollback).toMatchObject({ offered: true, applied: true });
    expect(h.asked.map((a) => a.purpose)).toEqual(['apply', 'rollback']);
    expect(h.cloud.calls.map((c) => c.action)).toEqual(['RevokeSecurityGroup', 'AuthorizeSecurityGroup']);
    const lines = await h.lines();
    expect(lines.map((l) => l.outcome)).toEqual(['CONFIRMED', 'APPLIED', 'UNFIXED', 'ROLLED_BACK']);
    expect(lines[3].rollback).toEqual({ title: 'Put the Drop rule back', api: revokeStep.undo!.api });
    expect(h.events.map((e) => e.type)).toContain('rollback-offered');
    expect(h.events.map((e) => e.type)).toContain('rolled-back');
  });

  it('UNFIXED with the rollback declined stays UNFIXED and says so', async () => {
    const h = harness({}, { answers: ['storefront-web-1', false], fixed: [false] });
    const r = await run(h, plan(revokeStep));
    expect(r.outcome).toBe('UNFIXED');
    expect(r.rollback).toMatchObject({ offered: true, applied: false });
    expect(h.cloud.calls.map((c) => c.action)).toEqual(['RevokeSecurityGroup']);
  });

  it('Forbidden.RAM on a write names the RAM action and the console path', async () => {
    const denied = new CloudError({
      code: 'Forbidden.RAM',
      status: 403,
      message: 'ecs:RevokeSecurityGroup failed: Forbidden.RAM (HTTP 403): User not authorized',
      ramAction: 'ecs:RevokeSecurityGroup',
      hint: 'grant it',
    });
    const h = harness({}, { cloud: new ScriptedCloud(() => denied) });
    const r = await run(h, plan(revokeStep), { yes: true });
    expect(r.outcome).toBe('FAILED');
    expect(r.steps[0]).toMatchObject({
      status: 'FAILED',
      consolePath: `ECS console › Network & Security › Security Groups › ${SG} › Rules › Inbound`,
      error: { code: 'Forbidden.RAM', ramAction: 'ecs:RevokeSecurityGroup' },
    });
    expect(r.detail).toMatch(/lacks the RAM permission ecs:RevokeSecurityGroup/);
    expect(r.detail).toContain(`Security Groups › ${SG} › Rules`);
    expect((await h.lines()).map((l) => l.outcome)).toEqual(['CONFIRMED', 'FAILED']);
  });

  it('an explicit Deny says that granting will not help', async () => {
    const denied = new CloudError({
      code: 'Forbidden.RAM',
      status: 403,
      message: 'denied',
      ramAction: 'ecs:RevokeSecurityGroup',
      hint: 'An explicit Deny in a Custom policy blocks ecs:RevokeSecurityGroup for this identity; granting it will not help — remove or narrow that Deny statement.',
    });
    const r = await run(harness({}, { cloud: new ScriptedCloud(() => denied) }), plan(revokeStep), {
      yes: true,
    });
    expect(r.detail).toMatch(
      /^An explicit Deny .* Nothing was changed; it can also be done by hand: ECS console/,
    );
  });

  it('a read-only client refusing the write reports REFUSED', async () => {
    const ro = new CloudError({
      code: 'READ_ONLY',
      message: 'Refused ecs:RevokeSecurityGroup: netdoctor is in read-only mode',
      ramAction: 'ecs:RevokeSecurityGroup',
    });
    const r = await run(harness({}, { cloud: new ScriptedCloud(() => ro) }), plan(revokeStep), { yes: true });
    expect(r.outcome).toBe('REFUSED');
  });

  it('a failure in a later step skips the rest and offers to roll back the earlier ones', async () => {
    const guest = new ScriptedTransport((c) =>
      c.startsWith('systemctl restart') ? { code: 1, stderr: 'Job for nginx.service failed.' } : { code: 0 },
    );
    const h = harness(
      { guest: async () => guest },
      { answers: ['storefront-web-1', 'y', 'y', 'storefront-web-1'] },
    );
    const r = await run(h, plan(revokeStep, restartStep, manualStep));
    expect(r.steps.map((s) => s.status)).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'SKIPPED']);
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.detail).toMatch(/exited 1: Job for nginx.service failed/);
    // Newest first: the failed guest command's own undo, then the revoke's.
    expect(guest.commands).toEqual(['systemctl restart nginx', 'systemctl stop nginx']);
    expect(h.cloud.calls.map((c) => c.action)).toEqual(['RevokeSecurityGroup', 'AuthorizeSecurityGroup']);
  });

  it('verify that throws counts as UNFIXED with the reason', async () => {
    const h = harness(
      { verify: async () => Promise.reject(new Error('probe timed out')) },
      { answers: ['storefront-web-1', false] },
    );
    const r = await run(h, plan(revokeStep));
    expect(r.outcome).toBe('UNFIXED');
    expect(r.detail).toMatch(/Could not verify: probe timed out/);
  });

  it('no planted secret reaches the audit log or the result', async () => {
    const secret = 'Zq8wLs3kXv9Tn2Rb5Mc7Hd1Gf4Jp6Y';
    const cmd = `echo 'root:${secret}' > /tmp/x; curl -u admin:${secret}`;
    const h = harness({
      guest: async () => new ScriptedTransport(() => ({ code: 2, stderr: `auth with ${secret} failed` })),
      secrets: () => [secret],
    });
    const r = await run(h, plan({ ...restartStep, command: cmd, undo: undefined }), { yes: true });
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(readFileSync(h.audit.path, 'utf8')).not.toContain(secret);
    expect(JSON.stringify(h.events)).not.toContain(secret);
  });
});

describe('runner: guest steps under the dead-man switch (real sh, scratch file)', () => {
  const used: string[] = [];
  afterAll(() => {
    for (const id of used)
      for (const b of DEADMAN_DIRS) rmSync(`${b}/${id}`, { recursive: true, force: true });
  });
  const fileStep = (f: string, seconds = 3): PlanStep => ({
    id: 'edit',
    title: 'Edit the file',
    kind: 'guest',
    command: `echo changed > ${f}`,
    risk: 'medium',
    lockout: true,
    deadmanSeconds: seconds,
    saves: [`file:${f}`],
  });
  const scratch = () => {
    const f = join(mkdtempSync(join(tmpdir(), 'nd-run-dm-')), 'conf');
    writeFileSync(f, 'original\n');
    return f;
  };

  it('reconnects, confirms, verifies; an UNFIXED change is rolled back from the guest record', async () => {
    const f = scratch();
    const h = harness(
      { guest: async () => openLocal(), reconnectGuest: async () => openLocal() },
      { answers: ['storefront-web-1', 'y'], fixed: [false] },
    );
    const r = await run(h, plan(fileStep(f)));
    used.push(r.steps[0].deadmanId!);
    expect(h.events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'deadman-armed',
        'deadman-confirmed',
        'UNFIXED',
        'rollback-offered',
        'rolled-back',
      ]),
    );
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(readFileSync(f, 'utf8')).toBe('original\n');
    expect(h.asked[1]).toMatchObject({ purpose: 'rollback', kind: 'yes' });
    expect(h.asked[1].preview.join('\n')).toContain('action=restore');
  });

  it('when no new connection gets in, the guest restores by itself and the step is ROLLED_BACK with when', async () => {
    const f = scratch();
    let allow = false;
    const h = harness({
      guest: async () => openLocal(),
      reconnectGuest: async () => {
        if (!allow) throw new Error('connect ETIMEDOUT');
        return openLocal();
      },
    });
    const events: RunnerEvent[] = [];
    const r = await runPlan(plan(fileStep(f, 2)), h.deps, {
      yes: true,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'deadman-waiting') allow = true;
      },
    });
    used.push(r.steps[0].deadmanId!);
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.steps[0].status).toBe('ROLLED_BACK');
    expect(r.detail).toMatch(
      /^The guest restored .*conf at \d\d:\d\d:\d\d UTC because netdoctor could not reconnect within 2 s/,
    );
    expect(readFileSync(f, 'utf8')).toBe('original\n');
    expect((await h.lines()).map((l) => l.outcome)).toEqual(['CONFIRMED', 'ROLLED_BACK']);
    expect(events.map((e) => e.type)).toContain('deadman-expired');
  });
});

describe('consolePathFor', () => {
  it('names where to make each kind of change by hand', () => {
    expect(consolePathFor('ecs', 'RevokeSecurityGroupEgress', { SecurityGroupId: 'sg-1' })).toBe(
      'ECS console › Network & Security › Security Groups › sg-1 › Rules › Outbound',
    );
    expect(consolePathFor('ecs', 'StartInstance', { InstanceId: 'i-1' })).toBe(
      'ECS console › Instances & Images › Instances › i-1 › Start',
    );
    expect(consolePathFor('vpc', 'AssociateEipAddress', { AllocationId: 'eip-1' })).toBe(
      'VPC console › Elastic IP Addresses › eip-1 › Associate',
    );
  });
});
