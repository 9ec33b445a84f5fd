/**
 * The runner with the real OpenAPI client against the simulated region over HTTP: the storefront's Drop rule on
 * tcp/443 is revoked through a confirmed plan and verify (re-reading the group) turns FIXED; an UNFIXED result
 * is rolled back for real; Forbidden.RAM names the permission and the console path; a read-only client sends
 * no write at all. Every write leaves an audit line, and the scenario's AccessKey secret never reaches it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudCache } from '../../source/cloud/cache.js';
import { type CloudClient, createCloudClient } from '../../source/cloud/client.js';
import type { Plan } from '../../source/model/index.js';
import { openAuditLog, readAuditLog } from '../../source/remedy/audit.js';
import type { ConfirmRequest } from '../../source/remedy/confirm.js';
import { type RunnerDeps, runPlan } from '../../source/remedy/runner.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

const SG = 'sg-bp1w3fxyigw34kdcz3f7';
const DROP_443 = 'sgr-bp1z005mzaiieivmf1hf';

let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function open(opts: { readOnly?: boolean; deny?: string[] } = {}): Promise<CloudClient> {
  sim = await startSim({
    scenario: 'storefront',
    ssh: false,
    ...(opts.deny ? { overrides: { deny: opts.deny } } : {}),
  });
  return createCloudClient({
    endpoint: sim.endpoint,
    region: sim.world.region,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    readOnly: opts.readOnly,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-remedy-')),
    retries: 0,
  });
}

const rulesOf = async (client: CloudClient) => (await new CloudCache(client).securityGroup(SG)).value.rules;

function revokePlan(region: string): Plan {
  return {
    id: 'sg-revoke-drop',
    title: 'Revoke the Drop rule on tcp/443',
    summary: 'A priority-1 Drop rule beats the Accept at 100.',
    risk: 'medium',
    findingIds: ['SG_INGRESS_DENIED'],
    intentIds: ['in-tcp-443-internet'],
    steps: [
      {
        id: 'revoke',
        title: `Revoke ${DROP_443} from ${SG}`,
        kind: 'api',
        api: {
          product: 'ecs',
          action: 'RevokeSecurityGroup',
          params: { RegionId: region, SecurityGroupId: SG, SecurityGroupRuleId: [DROP_443] },
        },
        diff: {
          before: ['drop tcp/443 from 0.0.0.0/0 priority 1', 'accept tcp/443 from 0.0.0.0/0 priority 100'],
          after: ['accept tcp/443 from 0.0.0.0/0 priority 100'],
        },
        risk: 'medium',
        lockout: true,
        undo: {
          title: 'Put the Drop rule back',
          api: {
            product: 'ecs',
            action: 'AuthorizeSecurityGroup',
            params: {
              RegionId: region,
              SecurityGroupId: SG,
              Permissions: [
                {
                  IpProtocol: 'TCP',
                  PortRange: '443/443',
                  SourceCidrIp: '0.0.0.0/0',
                  Policy: 'drop',
                  Priority: '1',
                  Description: 'maint-window close https (staging)',
                },
              ],
            },
          },
        },
      },
    ],
  };
}

function deps(client: CloudClient, over: Partial<RunnerDeps> = {}): RunnerDeps & { asked: ConfirmRequest[] } {
  const asked: ConfirmRequest[] = [];
  return {
    asked,
    cloud: client,
    // What the lead's verify does in full (re-collect, re-diagnose), reduced to the check this plan fixes.
    verify: async () => {
      const drop = (await rulesOf(client)).find(
        (r) => r.direction === 'ingress' && r.policy === 'drop' && r.ports.from <= 443 && r.ports.to >= 443,
      );
      return drop
        ? { fixed: false, detail: `tcp/443 is still dropped by ${drop.id}` }
        : { fixed: true, detail: 'No Drop rule covers tcp/443 any more.' };
    },
    confirm: async (req) => {
      asked.push(req);
      return req.kind === 'type-name' ? 'storefront-web-1' : true;
    },
    audit: openAuditLog({
      file: join(mkdtempSync(join(tmpdir(), 'nd-remedy-audit-')), 'audit.jsonl'),
      secrets: () => client.secrets(),
    }),
    readOnly: false,
    who: `tester@ci (${client.credentialSource})`,
    target: { name: 'storefront-web-1', id: sim!.world.target },
    secrets: () => client.secrets(),
    ...over,
  };
}

describe('runner ↔ simulated region (real OpenAPI client)', () => {
  it('revokes the Drop rule after the name is typed back; verify turns FIXED; audited without secrets', async () => {
    const client = await open();
    expect((await rulesOf(client)).some((r) => r.id === DROP_443)).toBe(true);
    const d = deps(client);
    const r = await runPlan(revokePlan(client.region), d);
    expect(r.outcome).toBe('FIXED');
    expect(d.asked.map((a) => a.kind)).toEqual(['type-name']);
    expect(d.asked[0].preview).toContain(`  SecurityGroupRuleId.1=${DROP_443}`);
    expect((await rulesOf(client)).some((r) => r.id === DROP_443)).toBe(false);
    expect(r.steps[0].requestId).toBeTruthy();
    const lines = await readAuditLog(d.audit.path);
    expect(lines.map((l) => l.outcome)).toEqual(['CONFIRMED', 'APPLIED', 'FIXED']);
    expect(lines[1].call?.action).toBe('RevokeSecurityGroup');
    expect(lines[1].detail).toContain(r.steps[0].requestId!);
    expect(readFileSync(d.audit.path, 'utf8')).not.toContain(sim!.accessKeySecret);
  });

  it('UNFIXED: the undo is offered and, confirmed, puts the rule back for real', async () => {
    const client = await open();
    const d = deps(client, {
      verify: async () => ({ fixed: false, detail: 'tcp/443 still times out: nginx is down' }),
    });
    const r = await runPlan(revokePlan(client.region), d);
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(d.asked.map((a) => a.purpose)).toEqual(['apply', 'rollback']);
    const back = (await rulesOf(client)).find((x) => x.policy === 'drop' && x.ports.from === 443);
    expect(back).toMatchObject({
      priority: 1,
      peerCidr: '0.0.0.0/0',
      description: 'maint-window close https (staging)',
    });
    expect((await readAuditLog(d.audit.path)).map((l) => l.outcome)).toEqual([
      'CONFIRMED',
      'APPLIED',
      'UNFIXED',
      'ROLLED_BACK',
    ]);
  });

  it('Forbidden.RAM names ecs:RevokeSecurityGroup and the console path; nothing changes', async () => {
    const client = await open({ deny: ['ecs:RevokeSecurityGroup'] });
    const d = deps(client);
    const r = await runPlan(revokePlan(client.region), d);
    expect(r.outcome).toBe('FAILED');
    expect(r.steps[0].error).toMatchObject({ code: 'Forbidden.RAM', ramAction: 'ecs:RevokeSecurityGroup' });
    expect(r.steps[0].consolePath).toBe(
      `ECS console › Network & Security › Security Groups › ${SG} › Rules › Inbound`,
    );
    expect(r.detail).toMatch(/lacks the RAM permission ecs:RevokeSecurityGroup/);
    expect((await rulesOf(client)).some((x) => x.id === DROP_443)).toBe(true);
    expect((await readAuditLog(d.audit.path)).map((l) => l.outcome)).toEqual(['CONFIRMED', 'FAILED']);
  });

  it('read-only client: the write is refused inside the client, before any request leaves', async () => {
    const client = await open({ readOnly: true });
    const d = deps(client);
    const r = await runPlan(revokePlan(client.region), d, { yes: true });
    expect(r.outcome).toBe('REFUSED');
    expect(r.steps[0].error?.code).toBe('READ_ONLY');
    expect(client.records.filter((x) => x.action === 'RevokeSecurityGroup')).toEqual([]);
    expect(sim!.calls().get('RevokeSecurityGroup')).toBeUndefined();
    // And the client refuses any write action directly, whatever the caller.
    for (const [product, action] of [
      ['ecs', 'AuthorizeSecurityGroup'],
      ['ecs', 'RunCommand'],
      ['vpc', 'AssociateEipAddress'],
      ['ecs', 'SomeFutureAction'],
    ] as const)
      await expect(client.call(product, action, {})).rejects.toMatchObject({ code: 'READ_ONLY' });
    expect(sim!.calls().size).toBe(0);
  });

  it('read-only runner: refused before any confirmation, and the client is never called', async () => {
    const client = await open();
    const d = deps(client, { readOnly: true });
    const r = await runPlan(revokePlan(client.region), d);
    expect(r.outcome).toBe('REFUSED');
    expect(d.asked).toEqual([]);
    expect(client.records).toEqual([]);
  });
});
