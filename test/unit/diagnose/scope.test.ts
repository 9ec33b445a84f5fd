/**
 * Scope grading (seed checklist item 8): low = one instance, medium = several in one zone, high = several across
 * zones. Members are real scenario worlds (source/sim/scenarios) turned into cloud facts by the simulator's own
 * view of them (source/sim/truth.ts), diagnosed by the real diagnose(); worlds are varied in code (instances
 * stopped, moved between zones, groups swapped) to reach every branch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIntentSpec } from '../../../source/diagnose/intents.js';
import {
  cloudResult,
  evaluateMember,
  gradeScope,
  intentApplies,
  type ScopeInput,
  scopeGrade,
} from '../../../source/diagnose/scope.js';
import { memberSnapshot } from '../../../source/engine/scope.js';
import type { Intent, Snapshot } from '../../../source/model/index.js';
import { textReport } from '../../../source/report/text.js';
import { loadScenario, type World } from '../../../source/sim/index.js';
import { worldCloudFacts } from '../../../source/sim/truth.js';

const NOW = Date.parse('2026-11-26T04:00:00Z');
const TARGET = 'i-bp1k6jsb2wslxp48772b';
const WEB_SG = 'sg-bp1w3fxyigw34kdcz3f7';
const DROP_RULE = 'sgr-bp1z005mzaiieivmf1hf';

function world(name: string): World {
  const w = loadScenario(name, { now: NOW });
  w.epoch = NOW;
  return w;
}

function intentsOf(w: World, specs = w.intents ?? []): Intent[] {
  return specs.map((s) => parseIntentSpec(s, { me: w.operator.ip }));
}

/** Cloud-only snapshots for the chosen members, built the way the engine builds them. */
function members(w: World, ids: string[]): Snapshot[] {
  // Only the operator of the target's check carries over to a member snapshot.
  const target: Snapshot = {
    at: NOW,
    target: { kind: 'instance', instanceId: w.target, addresses: [] },
    operator: { egressIp: w.operator.ip, source: 'sim' },
    sources: [],
  };
  return ids.map((id) => {
    const inst = w.instances.find((i) => i.id === id);
    if (!inst) throw new Error(`${id} is not in ${w.name}`);
    const cloud = worldCloudFacts(w, inst, NOW);
    return memberSnapshot(NOW, cloud, cloud.instance.value!, target);
  });
}

function sgMembers(w: World, group: string): string[] {
  return w.instances.filter((i) => i.securityGroupIds.includes(group)).map((i) => i.id);
}

function input(
  w: World,
  kind: ScopeInput['kind'],
  resource: string,
  ids: string[],
  intents?: Intent[],
): ScopeInput {
  return { kind, resource, targetId: w.target, intents: intents ?? intentsOf(w), members: members(w, ids) };
}

describe('scopeGrade', () => {
  it.each([
    [0, 0, 'low'],
    [1, 1, 'low'],
    [2, 1, 'medium'],
    [7, 1, 'medium'],
    [2, 2, 'high'],
    [9, 3, 'high'],
  ] as const)('%i affected in %i zone(s) → %s', (affected, zones, grade) => {
    expect(scopeGrade(affected, zones)).toBe(grade);
  });
});

describe('gradeScope on the scope scenarios', () => {
  it('scope-sg-drop: the Drop rule in the shared group blocks all four web servers in two zones → high', () => {
    const w = world('scope-sg-drop');
    const r = gradeScope(input(w, 'sg', WEB_SG, sgMembers(w, WEB_SG)));
    expect(r.grade).toBe('high');
    expect(r.affected).toBe(4);
    expect(r.members).toHaveLength(4);
    expect(r.zones).toEqual(['cn-hangzhou-j', 'cn-hangzhou-k']);
    expect(r.members[0]).toMatchObject({ instanceId: TARGET, target: true, result: 'DROPPED' });
    for (const m of r.members) {
      expect(m.codes).toEqual(['SG_INGRESS_DENIED']);
      expect(m.intents?.find((i) => i.id === 'in-tcp-443-internet')).toEqual({
        id: 'in-tcp-443-internet',
        result: 'DROPPED',
        blockedAt: 'sg-in',
      });
      // 80 and 22 pass the cloud side on every member (nginx being dead on web-01 is a guest matter).
      expect(m.intents?.find((i) => i.id === 'in-tcp-80-internet')?.result).toBe('DELIVERED');
    }
    expect(r.causes).toHaveLength(1);
    expect(r.causes![0]).toMatchObject({
      id: `SG_INGRESS_DENIED:${WEB_SG}:${DROP_RULE}`,
      code: 'SG_INGRESS_DENIED',
      hop: 'sg-in',
      resource: WEB_SG,
      rule: DROP_RULE,
      perInstance: false,
      shared: true,
      intentIds: ['in-tcp-443-internet'],
    });
    expect(r.causes![0].instanceIds.sort()).toEqual(r.members.map((m) => m.instanceId).sort());
    expect(r.summary).toMatch(
      /^4 of 4 instances sharing security group sg-bp1w3fxyigw34kdcz3f7 are blocked, in 2 zones/,
    );
    expect(r.summary).toContain(
      `One cause blocks all of them: Security group denies tcp/443 from the internet — ${DROP_RULE}`,
    );
  });

  it('scope-one-instance: only the target carries the drain group → low, cause specific to it', () => {
    const w = world('scope-one-instance');
    const drain = 'sg-bp14wnzi5gnpzd1smd7v';
    const ids = [...new Set([...sgMembers(w, WEB_SG), ...sgMembers(w, drain)])];
    const r = gradeScope(input(w, 'sg', `${WEB_SG},${drain}`, ids));
    expect(r.grade).toBe('low');
    expect(r.affected).toBe(1);
    expect(r.zones).toEqual(['cn-hangzhou-k']);
    expect(r.members.map((m) => [m.name, m.result])).toEqual([
      ['storefront-web-01', 'DROPPED'],
      ['storefront-web-03', 'DELIVERED'],
      ['storefront-web-02', 'DELIVERED'],
    ]);
    expect(r.causes).toEqual([
      expect.objectContaining({
        resource: drain,
        rule: 'sgr-bp1amomjd3npk85z98fn',
        instanceIds: [TARGET],
        shared: true,
      }),
    ]);
    expect(r.summary).toMatch(
      /^Only storefront-web-01 \(i-bp1k6jsb2wslxp48772b\) is blocked; the 2 other instances/,
    );
    expect(r.summary).toContain('the cause is specific to this instance');
  });

  it('scope-zone-nacl over the VPC: the ACL entry on zone K’s vSwitch → medium; the private app server is not counted', () => {
    const w = world('scope-zone-nacl');
    const r = gradeScope(
      input(
        w,
        'vpc',
        'vpc-bp11ra8wq594tuaxlox6',
        w.instances.map((i) => i.id),
      ),
    );
    expect(r.grade).toBe('medium');
    expect(r.affected).toBe(2);
    expect(r.zones).toEqual(['cn-hangzhou-k']);
    const app = r.members.find((m) => m.name === 'storefront-app-01')!;
    expect(app.result).toBe('UNKNOWN');
    expect(app.intents).toEqual([{ id: 'in-tcp-443-internet', result: 'n/a' }]);
    expect(app.note).toMatch(/no public address/);
    expect(r.members.find((m) => m.name === 'storefront-web-03')?.result).toBe('DELIVERED');
    expect(r.causes![0]).toMatchObject({
      code: 'NACL_INGRESS_DENIED',
      resource: 'nacl-bp1cra6xj27c1lsgn3eu',
      rule: 'nae-bp1oatho7udy17rx2372',
      shared: true,
    });
    expect(r.summary).toContain('in one zone (cn-hangzhou-k)');
  });
});

describe('gradeScope: causes and edge cases', () => {
  it('instances stopped one by one in two zones: the same kind of fault on each, not one resource → high', () => {
    const w = world('scope-one-instance');
    for (const i of w.instances)
      if (i.name === 'storefront-web-02' || i.name === 'storefront-web-03') i.status = 'Stopped';
    // Without the drain group the target itself is fine.
    const t = w.instances.find((i) => i.id === TARGET)!;
    t.securityGroupIds = [WEB_SG];
    for (const e of t.enis) e.securityGroupIds = [WEB_SG];
    const r = gradeScope(input(w, 'sg', WEB_SG, sgMembers(w, WEB_SG)));
    expect(r.grade).toBe('high');
    expect(r.affected).toBe(2);
    expect(r.causes).toEqual([
      expect.objectContaining({ id: 'INSTANCE_NOT_RUNNING:each', perInstance: true, shared: true }),
    ]);
    expect(r.causes![0].resource).toBeUndefined();
    expect(r.summary).toContain('Each of them has the same kind of fault: INSTANCE_NOT_RUNNING');
    expect(r.summary).toContain(
      'storefront-web-01 (i-bp1k6jsb2wslxp48772b) itself is not blocked on the cloud side',
    );
    expect(r.members[0]).toMatchObject({ target: true, result: 'DELIVERED' });
  });

  it('two different causes: says no single cause explains them all', () => {
    const w = world('scope-one-instance');
    w.instances.find((i) => i.name === 'storefront-web-02')!.status = 'Stopped';
    const drain = 'sg-bp14wnzi5gnpzd1smd7v';
    const r = gradeScope(input(w, 'sg', WEB_SG, sgMembers(w, WEB_SG)));
    expect(r.affected).toBe(2);
    expect(r.grade).toBe('medium');
    expect(r.causes!.map((c) => [c.code, c.shared])).toEqual([
      ['SG_INGRESS_DENIED', false],
      ['INSTANCE_NOT_RUNNING', false],
    ]);
    expect(r.causes![0].resource).toBe(drain);
    expect(r.summary).toContain('No single cause explains all of them');
  });

  it('a guest-only cause (storefront’s dead nginx on 80) leaves the scope clean → low, none affected', () => {
    const w = world('scope-sg-drop');
    const r = gradeScope(
      input(w, 'sg', WEB_SG, sgMembers(w, WEB_SG), intentsOf(w, ['tcp/80 from internet'])),
    );
    expect(r.affected).toBe(0);
    expect(r.grade).toBe('low');
    expect(r.zones).toEqual([]);
    expect(r.causes).toEqual([]);
    expect(r.members.every((m) => m.result === 'DELIVERED')).toBe(true);
    expect(r.summary).toMatch(
      /^None of the 4 instances sharing security group .* is blocked on the cloud side/,
    );
  });

  it('a member whose instance could not be read is UNKNOWN, noted, and not graded', () => {
    const w = world('scope-sg-drop');
    const snaps = members(w, sgMembers(w, WEB_SG));
    const lost = snaps[2];
    lost.cloud = {
      ...lost.cloud!,
      instance: {
        source: 'ecs:DescribeInstances',
        at: NOW,
        error: {
          code: 'InvalidInstanceId.NotFound',
          message: 'Instance i-gone does not exist in region cn-hangzhou.',
        },
      },
    };
    const r = gradeScope({
      kind: 'sg',
      resource: WEB_SG,
      targetId: w.target,
      intents: intentsOf(w),
      members: snaps,
    });
    const m = r.members.find((x) => x.result === 'UNKNOWN')!;
    expect(m.zoneId).toBe('unknown');
    expect(m.note).toMatch(/^could not be read: InvalidInstanceId.NotFound/);
    expect(r.affected).toBe(3);
    expect(r.notes?.[0]).toMatch(/^1 member could not be read and is not graded/);
  });

  it('keeps the engine’s notes and the total before the cap', () => {
    const w = world('scope-sg-drop');
    const r = gradeScope({
      ...input(w, 'sg', WEB_SG, sgMembers(w, WEB_SG).slice(0, 2)),
      total: 4,
      notes: ['capped'],
    });
    expect(r.total).toBe(4);
    expect(r.members).toHaveLength(2);
    expect(r.notes?.[0]).toBe('capped');
    expect(r.notes?.at(-1)).toMatch(/cloud side only/);
  });
});

describe('what applies to a member', () => {
  it('inbound from outside does not apply to a private instance, nor an instance-to-instance intent to its own peer', () => {
    const w = world('scope-zone-nacl');
    const app = worldCloudFacts(w, w.instances.find((i) => i.name === 'storefront-app-01')!, NOW).instance
      .value!;
    const web = worldCloudFacts(w, w.instances.find((i) => i.id === TARGET)!, NOW).instance.value!;
    const [in443, out443] = intentsOf(w, ['tcp/443 from internet', 'out tcp/443 to internet']);
    const toApp = parseIntentSpec(`tcp/8080 to ${app.id}`, {});
    expect(intentApplies(in443, app, false)).toBe(false);
    expect(intentApplies(in443, app, true)).toBe(true);
    expect(intentApplies(out443, app, false)).toBe(true);
    expect(intentApplies(in443, web, false)).toBe(true);
    expect(intentApplies(toApp, app, false)).toBe(false);
    expect(intentApplies(toApp, web, false)).toBe(true);
  });

  it('cloudResult reads only the platform and cloud-network hops of a real path', () => {
    const w = world('storefront');
    const [snap] = members(w, [TARGET]);
    const e = evaluateMember(snap, intentsOf(w), true);
    expect(e.member.intents).toEqual([
      { id: 'in-tcp-443-internet', result: 'DROPPED', blockedAt: 'sg-in' },
      { id: 'in-tcp-80-internet', result: 'DELIVERED' },
      { id: 'in-tcp-22-me', result: 'DELIVERED' },
    ]);
    // The full path of 80 still has guest hops NOT_CHECKED: diagnose says UNKNOWN, the cloud part DELIVERED.
    expect(cloudResult([])).toEqual({ result: 'UNKNOWN' });
  });
});

describe('grading property', () => {
  it('over random stops and zone moves, affected = stopped members and the grade follows the rule', () => {
    const w = world('scope-sg-drop');
    // Without the drop rule, only the stopped members are blocked.
    const g = w.securityGroups.find((s) => s.id === WEB_SG)!;
    g.rules = g.rules.filter((r) => r.id !== DROP_RULE);
    const ids = sgMembers(w, WEB_SG);
    const base = members(w, ids);
    const intents = intentsOf(w, ['tcp/443 from internet']);
    fc.assert(
      fc.property(
        fc.array(fc.record({ stopped: fc.boolean(), zone: fc.constantFrom('a', 'b', 'c') }), {
          minLength: ids.length,
          maxLength: ids.length,
        }),
        (plan) => {
          const snaps = structuredClone(base);
          snaps.forEach((s, k) => {
            const inst = s.cloud!.instance.value!;
            inst.zoneId = `cn-hangzhou-${plan[k].zone}`;
            if (plan[k].stopped) inst.status = 'Stopped';
          });
          const r = gradeScope({ kind: 'sg', resource: WEB_SG, targetId: w.target, intents, members: snaps });
          const stopped = ids.filter((_, k) => plan[k].stopped);
          const zones = new Set(plan.filter((p) => p.stopped).map((p) => `cn-hangzhou-${p.zone}`));
          expect(r.affected).toBe(stopped.length);
          expect(
            r.members
              .filter((m) => m.result === 'DROPPED')
              .map((m) => m.instanceId)
              .sort(),
          ).toEqual([...stopped].sort());
          expect(r.zones).toEqual([...zones].sort());
          expect(r.grade).toBe(stopped.length < 2 ? 'low' : zones.size > 1 ? 'high' : 'medium');
          if (stopped.length)
            expect(r.causes?.[0]).toMatchObject({ id: 'INSTANCE_NOT_RUNNING:each', shared: true });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the text report of a scope', () => {
  it('leads with the grade, lists the first members and counts the rest', () => {
    const w = world('scope-sg-drop');
    const r = gradeScope(input(w, 'sg', WEB_SG, sgMembers(w, WEB_SG)));
    // A scope of 20: the four real members, then copies standing for a big group (the layout is what is tested).
    const extra = Array.from({ length: 16 }, (_, k) => ({
      ...r.members[1 + (k % 3)],
      instanceId: `i-copy${k}`,
      name: `web-copy-${k}`,
    }));
    const scope = { ...r, members: [...r.members, ...extra], affected: 20 };
    const text = textReport({
      at: NOW,
      target: { kind: 'instance', addresses: [] },
      verdicts: [],
      findings: [],
      sources: [],
      scope,
    });
    const lines = text.slice(text.indexOf('Scope (')).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'Scope (sg sg-bp1w3fxyigw34kdcz3f7)  HIGH  20 of 20 blocked in zones cn-hangzhou-j, cn-hangzhou-k',
    );
    expect(lines[1]).toBe(`  ${r.summary}`);
    expect(lines[2]).toMatch(
      /^ {2}✘ storefront-web-01 {2}i-bp1k6jsb2wslxp48772b {2}cn-hangzhou-k {2}DROPPED {2}SG_INGRESS_DENIED {2}\(target\)$/,
    );
    expect(lines.filter((l) => l.startsWith('  ✘ '))).toHaveLength(12);
    expect(lines).toContain('  … 8 more: 8 DROPPED (--json lists every member)');
    expect(lines).toContain(
      `  cause: SG_INGRESS_DENIED ${DROP_RULE} in ${WEB_SG} — 4 instances (every blocked one)`,
    );
    expect(lines.at(-1)).toMatch(/^ {2}note: Members are checked on the cloud side only/);
  });
});
