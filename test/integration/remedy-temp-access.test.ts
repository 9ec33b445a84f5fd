/**
 * Temporary access against the simulated region with the real client: the rule is created through the runner
 * with its expiry in the description, the scheduler revokes it on time (confirming only that revert itself) and
 * verifies by reading the group back; a later run's sweep revokes a rule whose time has passed and says so.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudCache } from '../../source/cloud/cache.js';
import { type CloudClient, createCloudClient } from '../../source/cloud/client.js';
import { openAuditLog, readAuditLog } from '../../source/remedy/audit.js';
import type { ConfirmRequest } from '../../source/remedy/confirm.js';
import { type RunnerDeps, type RunnerEvent, runPlan } from '../../source/remedy/runner.js';
import {
  needsRevert,
  parseExpiry,
  scheduleRevert,
  sweepExpired,
  temporaryAccessPlan,
  temporaryDescription,
} from '../../source/remedy/temp-access.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

const SG = 'sg-bp1w3fxyigw34kdcz3f7';
let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function open(): Promise<CloudClient> {
  sim = await startSim({ scenario: 'storefront', ssh: false });
  return createCloudClient({
    endpoint: sim.endpoint,
    region: sim.world.region,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-tmp-')),
  });
}

const group = async (client: CloudClient) => (await new CloudCache(client).securityGroup(SG)).value;

describe('temporary access ↔ simulated region', () => {
  it('opens tcp/22 to the operator /32, then revokes it on time by itself', async () => {
    const client = await open();
    const operator = sim!.world.operator.ip;
    const asked: ConfirmRequest[] = [];
    const audit = openAuditLog({ file: join(mkdtempSync(join(tmpdir(), 'nd-tmp-a-')), 'audit.jsonl') });
    const deps: RunnerDeps = {
      cloud: client,
      verify: async () => {
        const open22 = (await group(client)).rules.find(
          (r) => r.peerCidr === `${operator}/32` && r.ports.from === 22 && parseExpiry(r.description),
        );
        return open22
          ? { fixed: true, detail: `tcp/22 from ${operator} is allowed by ${open22.id}` }
          : { fixed: false, detail: 'no rule' };
      },
      confirm: async (req) => {
        asked.push(req);
        return true;
      },
      audit,
      readOnly: false,
      who: 'tester@ci (explicit)',
      target: { name: 'storefront-web-1', id: sim!.world.target },
    };
    const plan = temporaryAccessPlan({
      groupId: SG,
      regionId: client.region,
      cidr: operator,
      durationMs: 2500,
      by: 'tester@ci',
      now: Date.now(),
    });
    const applied = await runPlan(plan, deps);
    expect(applied.outcome).toBe('FIXED');
    expect(asked.map((a) => a.kind)).toEqual(['yes']);
    const rule = (await group(client)).rules.find((r) =>
      r.description.startsWith('netdoctor temporary access until'),
    )!;
    expect(rule).toMatchObject({
      policy: 'accept',
      priority: 1,
      protocol: 'tcp',
      ports: { from: 22, to: 22 },
      peerCidr: `${operator}/32`,
    });
    expect(parseExpiry(rule.description)).toBe(Math.floor(plan.expiresAt! / 1000) * 1000);

    expect(needsRevert(plan, applied)).toBe(true);
    const events: RunnerEvent[] = [];
    const handle = scheduleRevert(plan, deps, { onEvent: (e) => events.push(e), regionId: client.region });
    const result = await handle.done;
    const ranAt = Date.now();
    expect(ranAt).toBeGreaterThanOrEqual(plan.expiresAt!);
    expect(ranAt - plan.expiresAt!).toBeLessThan(3000);
    expect(result?.outcome).toBe('FIXED');
    expect(result?.detail).toBe('The temporary rule is gone.');
    // The scheduler answered its own revert; the operator was asked once, for the opening only.
    expect(asked).toHaveLength(1);
    expect(events.find((e) => e.type === 'confirmed')).toMatchObject({ by: 'auto' });
    expect((await group(client)).rules.some((r) => r.id === rule.id)).toBe(false);
    const lines = await readAuditLog(audit.path);
    expect(lines.map((l) => `${l.plan}:${l.outcome}`)).toEqual([
      'temporary-access:CONFIRMED',
      'temporary-access:APPLIED',
      'temporary-access:FIXED',
      'temporary-access:revert:CONFIRMED',
      'temporary-access:revert:APPLIED',
      'temporary-access:revert:FIXED',
    ]);
    expect(lines[3].detail).toBe('confirmed by netdoctor: the revert it scheduled');
    expect(lines[4].call?.action).toBe('RevokeSecurityGroup');
  });

  it('a cancelled revert does not run', async () => {
    const client = await open();
    let called = 0;
    const plan = temporaryAccessPlan({
      groupId: SG,
      regionId: client.region,
      cidr: '198.18.0.7',
      durationMs: 300,
      by: 't',
      now: Date.now(),
    });
    const h = scheduleRevert(plan, {
      cloud: { call: async () => void called++ },
      verify: async () => ({ fixed: true, detail: '' }),
      confirm: async () => true,
      audit: openAuditLog({ file: join(mkdtempSync(join(tmpdir(), 'nd-tmp-c-')), 'a.jsonl') }),
      readOnly: false,
      who: 't',
      target: { name: 'x', id: 'i-x' },
    });
    h.cancel();
    expect(await h.done).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    expect(called).toBe(0);
  });

  it('a later run sweeps an expired netdoctor rule from the group it reads, and leaves the rest', async () => {
    const client = await open();
    const now = Date.now();
    const expired = temporaryDescription(now - 5 * 60_000, 'bob@old-laptop');
    const live = temporaryDescription(now + 30 * 60_000, 'carol@laptop');
    await client.call('ecs', 'AuthorizeSecurityGroup', {
      RegionId: client.region,
      SecurityGroupId: SG,
      Permissions: [
        {
          IpProtocol: 'TCP',
          PortRange: '22/22',
          SourceCidrIp: '198.18.0.5/32',
          Policy: 'accept',
          Priority: '1',
          Description: expired,
        },
        {
          IpProtocol: 'TCP',
          PortRange: '22/22',
          SourceCidrIp: '198.18.0.6/32',
          Policy: 'accept',
          Priority: '1',
          Description: live,
        },
      ],
    });
    const before = await group(client);
    const audit = openAuditLog({ file: join(mkdtempSync(join(tmpdir(), 'nd-tmp-s-')), 'a.jsonl') });
    const done = await sweepExpired(client, [before], now, { audit, who: 'tester@ci' });
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ action: 'revoked', by: 'bob@old-laptop' });
    expect(done[0].message).toMatch(
      /^Revoked temporary rule sgr-\S+ \(tcp\/22 from 198\.18\.0\.5\/32\) in sg-bp1w3fxyigw34kdcz3f7: it expired at /,
    );
    const after = await group(client);
    expect(after.rules.some((r) => r.description === expired)).toBe(false);
    expect(after.rules.some((r) => r.description === live)).toBe(true);
    expect(after.rules.length).toBe(before.rules.length - 1);
    expect((await readAuditLog(audit.path)).map((l) => l.outcome)).toEqual(['EXPIRED_REVOKED']);
  });
});
