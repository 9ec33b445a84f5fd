/**
 * Temporary access: the description format and its parser, the plan (authorize one Accept rule at priority 1;
 * undo revokes exactly it), and which rules a sweep may touch. The same flows against the simulator, with the
 * real client, are in test/integration/remedy-temp-access.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SecurityGroup, SgRule } from '../../../source/model/index.js';
import { openAuditLog, readAuditLog } from '../../../source/remedy/audit.js';
import {
  parseExpiry,
  parseTemporary,
  revertPlanOf,
  sweepExpired,
  temporaryAccessPlan,
  temporaryDescription,
} from '../../../source/remedy/temp-access.js';

const NOW = Date.parse('2026-11-26T12:30:00Z');

describe('temporary rule description', () => {
  it('round-trips the expiry and who opened it', () => {
    const d = temporaryDescription(Date.parse('2026-11-26T13:00:00.456Z'), 'alice@laptop');
    expect(d).toBe('netdoctor temporary access until 2026-11-26T13:00:00Z by alice@laptop');
    expect(parseExpiry(d)).toBe(Date.parse('2026-11-26T13:00:00Z'));
    expect(parseTemporary(d)).toEqual({ until: Date.parse('2026-11-26T13:00:00Z'), by: 'alice@laptop' });
    expect(temporaryDescription(NOW, 'bob smith; rm -rf /')).toBe(
      'netdoctor temporary access until 2026-11-26T12:30:00Z by bobsmithrm-rf',
    );
  });

  it('is strict: anything else is not a netdoctor temporary rule', () => {
    for (const d of [
      '',
      'office',
      'netdoctor temporary access until tomorrow',
      'x netdoctor temporary access until 2026-11-26T13:00:00Z',
      'netdoctor temporary access until 2026-13-40T99:00:00Z',
    ])
      expect(parseExpiry(d)).toBeUndefined();
  });
});

describe('temporaryAccessPlan', () => {
  it('authorizes tcp/22 from the /32 at priority 1 with the expiry in the description; undo revokes exactly it', () => {
    const p = temporaryAccessPlan({
      groupId: 'sg-1',
      regionId: 'cn-hangzhou',
      cidr: '203.0.113.7',
      minutes: 30,
      by: 'alice@laptop',
      now: NOW,
    });
    expect(p.expiresAt).toBe(NOW + 30 * 60_000);
    expect(p.title).toBe('Open tcp/22 to 203.0.113.7/32 for 30 minutes');
    const s = p.steps[0];
    expect(s.api).toEqual({
      product: 'ecs',
      action: 'AuthorizeSecurityGroup',
      params: {
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-1',
        Permissions: [
          {
            IpProtocol: 'TCP',
            PortRange: '22/22',
            SourceCidrIp: '203.0.113.7/32',
            Policy: 'accept',
            Priority: '1',
            Description: 'netdoctor temporary access until 2026-11-26T13:00:00Z by alice@laptop',
          },
        ],
      },
    });
    expect(s.undo?.api).toEqual({
      product: 'ecs',
      action: 'RevokeSecurityGroup',
      params: {
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-1',
        Permissions: [
          {
            IpProtocol: 'TCP',
            PortRange: '22/22',
            SourceCidrIp: '203.0.113.7/32',
            Policy: 'accept',
            Priority: '1',
          },
        ],
      },
    });
    const v6 = temporaryAccessPlan({
      groupId: 'sg-1',
      regionId: 'r',
      cidr: '2001:db8::7',
      port: 2222,
      durationMs: 1500,
      by: 'a',
      now: NOW,
    });
    expect((v6.steps[0].api!.params.Permissions as Record<string, unknown>[])[0]).toMatchObject({
      Ipv6SourceCidrIp: '2001:db8::7/128',
      PortRange: '2222/2222',
    });
    expect(v6.title).toBe('Open tcp/2222 to 2001:db8::7/128 for 2 seconds');
  });

  it('its revert plan is the undo, as a low-risk API step', () => {
    const p = temporaryAccessPlan({
      groupId: 'sg-1',
      regionId: 'r',
      cidr: '203.0.113.7/32',
      minutes: 5,
      by: 'a',
      now: NOW,
    });
    const r = revertPlanOf(p);
    expect(r.id).toBe('temporary-access:revert');
    expect(r.steps).toEqual([
      {
        id: 'authorize-temporary:revert',
        title: p.steps[0].undo!.title,
        kind: 'api',
        api: p.steps[0].undo!.api,
        risk: 'low',
        lockout: false,
      },
    ]);
  });
});

describe('sweepExpired', () => {
  const rule = (over: Partial<SgRule>): SgRule => ({
    id: 'sgr-a',
    groupId: 'sg-1',
    direction: 'ingress',
    policy: 'accept',
    priority: 1,
    protocol: 'tcp',
    ports: { from: 22, to: 22 },
    peerCidr: '203.0.113.7/32',
    description: '',
    ...over,
  });
  const group = (rules: SgRule[]): SecurityGroup => ({
    id: 'sg-1',
    name: 'web',
    type: 'normal',
    innerAccessPolicy: 'Accept',
    rules,
  });
  const expired = temporaryDescription(NOW - 60_000, 'alice@laptop');

  it('revokes only expired Accept rules in netdoctor format, by rule id, audits each and says what it did', async () => {
    const calls: { action: string; params: Record<string, unknown> }[] = [];
    const client = {
      region: 'cn-hangzhou',
      call: async (_p: string, action: string, params: Record<string, unknown>) => {
        calls.push({ action, params });
        return { RequestId: 'r' };
      },
    };
    const audit = openAuditLog({ file: join(mkdtempSync(join(tmpdir(), 'nd-sweep-')), 'a.jsonl') });
    const g = group([
      rule({ id: 'sgr-old', description: expired }),
      rule({ id: 'sgr-live', description: temporaryDescription(NOW + 60_000, 'a') }),
      rule({ id: 'sgr-drop', policy: 'drop', description: expired }),
      rule({ id: 'sgr-office', description: 'office' }),
      rule({ id: 'sg-1#4', description: expired, direction: 'egress', peerCidr: '198.18.0.9/32' }),
    ]);
    const done = await sweepExpired(client, [g], NOW, { audit, who: 'alice@laptop' });
    expect(done.map((d) => [d.ruleId, d.action])).toEqual([
      ['sgr-old', 'revoked'],
      ['sg-1#4', 'revoked'],
    ]);
    expect(done[0].message).toBe(
      'Revoked temporary rule sgr-old (tcp/22 from 203.0.113.7/32) in sg-1: it expired at 2026-11-26T12:29:00Z (opened by alice@laptop).',
    );
    expect(calls).toEqual([
      {
        action: 'RevokeSecurityGroup',
        params: { SecurityGroupId: 'sg-1', RegionId: 'cn-hangzhou', SecurityGroupRuleId: ['sgr-old'] },
      },
      {
        action: 'RevokeSecurityGroupEgress',
        params: {
          SecurityGroupId: 'sg-1',
          RegionId: 'cn-hangzhou',
          Permissions: [
            {
              IpProtocol: 'TCP',
              PortRange: '22/22',
              Policy: 'accept',
              Priority: '1',
              DestCidrIp: '198.18.0.9/32',
            },
          ],
        },
      },
    ]);
    const lines = await readAuditLog(audit.path);
    expect(lines.map((l) => [l.step, l.outcome])).toEqual([
      ['sgr-old', 'EXPIRED_REVOKED'],
      ['sg-1#4', 'EXPIRED_REVOKED'],
    ]);
  });

  it('read-only: reports the expired rule as still open and calls nothing', async () => {
    let called = 0;
    const client = { call: async () => void called++ };
    const done = await sweepExpired(client, [group([rule({ description: expired })])], NOW, {
      readOnly: true,
    });
    expect(called).toBe(0);
    expect(done[0].action).toBe('kept-read-only');
    expect(done[0].message).toMatch(
      /still open: netdoctor is read-only.*Security Groups › sg-1 › Rules › Inbound/,
    );
  });
});
