/** The scenario loader: built-in files, extends/patches, relative times, shorthands, defaults and validation errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINDING_CODES } from '../../../source/model/index.js';
import { listScenarios, loadScenario, ScenarioError } from '../../../source/sim/index.js';
import { mergeDocs } from '../../../source/sim/scenario/merge.js';
import { expandTemplates, parseOffset } from '../../../source/sim/scenario/time.js';

const NOW = Date.parse('2025-11-26T12:00:00Z');
const MIN = 60_000;

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'nd-scen-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** A tiny valid base world, so tests state only what they are about. */
const BASE = `
title: base
account: { id: '1', accessKeyId: AK, accessKeySecret: SK, userName: tester }
vpcs: [{ id: vpc-a, cidr: 10.0.0.0/16 }]
vswitches: [{ id: vsw-a, cidr: 10.0.1.0/24, zone: cn-hangzhou-h }]
routeTables:
  - id: vtb-a
    entries: [{ id: rte-default, dst: 0.0.0.0/0, next: ngw-a }]
networkAcls:
  - id: nacl-a
    vswitches: [vsw-a]
    ingress: [{ id: nae-in1, policy: accept }]
    egress: [{ id: nae-out1, policy: accept }]
natGateways: [{ id: ngw-a, snat: [{ id: snat-a, vswitch: vsw-a, ip: 47.1.1.2 }] }]
securityGroups:
  - id: sg-a
    rules:
      - { id: sgr-ssh, prio: 100, ports: 22, peer: 1.2.3.0/24 }
      - { id: sgr-web, prio: 100, ports: 80-443 }
eips: [{ id: eip-a, ip: 47.1.1.1, instance: i-a, bandwidth: 3 }]
instances:
  - { id: i-a, ip: 10.0.1.10, sgs: [sg-a], guest: true }
events:
  - { at: -25m, name: AuthorizeSecurityGroup, params: { SecurityGroupId: sg-a } }
expect: { codes: [SG_INGRESS_DENIED], exit: 1 }
`;

function load(files: Record<string, string>, name: string, opts: Parameters<typeof loadScenario>[1] = {}) {
  return loadScenario(join(dir(files), name), { now: NOW, ...opts });
}

function problem(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('built-in scenarios', () => {
  const list = listScenarios();

  it('all load, storefront first, one per platform and cloud-network finding code', () => {
    expect(list.filter((s) => s.error)).toEqual([]);
    expect(list[0].name).toBe('storefront');
    expect(new Set(list.map((s) => s.name)).size).toBe(list.length);
    const covered = new Set(list.flatMap((s) => s.codes));
    for (const code of FINDING_CODES.slice(0, 18)) expect(covered, code).toContain(code);
    for (const s of list) expect(s.title.length, s.name).toBeGreaterThan(10);
  });

  it('storefront holds both causes and the expected verdict', () => {
    const w = loadScenario('storefront', { now: NOW });
    expect(w.expect).toMatchObject({
      codes: ['SG_INGRESS_DENIED', 'RECENT_CHANGE', 'SERVICE_DOWN'],
      exit: 1,
      blocked: { intent: 'in-tcp-443-internet', hop: 'sg-in', rule: 'sgr-bp1z005mzaiieivmf1hf' },
    });
    const sg = w.securityGroups.find((g) => g.id === w.expect.blocked!.resource)!;
    const drop = sg.rules.find((r) => r.id === w.expect.blocked!.rule)!;
    expect(drop).toMatchObject({
      policy: 'drop',
      priority: 1,
      protocol: 'tcp',
      ports: { from: 443, to: 443 },
    });
    expect(drop.peerCidr).toBe('0.0.0.0/0');
    expect(sg.rules.some((r) => r.policy === 'accept' && r.priority === 100 && r.ports.from === 443)).toBe(
      true,
    );
    const ev = w.events.find((e) => e.user === 'ops-scheduler')!;
    expect(ev).toMatchObject({ name: 'AuthorizeSecurityGroup', resources: [sg.id] });
    expect(ev.time).toBe(NOW - 25 * MIN);
    const web = w.instances.find((i) => i.id === w.target)!;
    const nginx = web.guest!.services.find((s) => s.name === 'nginx')!;
    expect(nginx).toMatchObject({ active: 'failed', result: 'oom-kill', since: '2025-11-26T11:40:00Z' });
    expect(web.guest!.kernelLog.some((l) => /Out of memory: Killed process \d+ \(nginx\)/.test(l))).toBe(
      true,
    );
    expect(web.eip?.ip).toBe('47.96.73.18');
  });

  it('the fleet has 200 instances spread over 10 shared groups and a 5/s throttle', () => {
    const w = loadScenario('fleet', { now: NOW });
    const fleet = w.instances.filter((i) => i.tags?.fleet === 'fleet-web');
    expect(fleet).toHaveLength(200);
    const groups = new Set(fleet.flatMap((i) => i.securityGroupIds));
    expect(groups.size).toBe(10);
    for (const g of groups) expect(fleet.filter((i) => i.securityGroupIds.includes(g))).toHaveLength(20);
    expect(new Set(w.instances.flatMap((i) => i.privateIps)).size).toBe(w.instances.length);
    expect(new Set(fleet.map((i) => i.zoneId))).toEqual(new Set(['cn-hangzhou-k', 'cn-hangzhou-j']));
    expect(w.faults.throttle).toEqual({ DescribeSecurityGroupAttribute: { qps: 5 } });
  });
});

describe('expansion and defaults', () => {
  it('expands rule shorthand, system routes, bindings and the instance defaults', () => {
    const w = load({ 'base.yaml': BASE }, 'base.yaml');
    const [ssh, web] = w.securityGroups[0].rules;
    expect(ssh).toMatchObject({
      direction: 'ingress',
      policy: 'accept',
      priority: 100,
      protocol: 'tcp',
      ports: { from: 22, to: 22 },
    });
    expect(web.ports).toEqual({ from: 80, to: 443 });
    expect(web.peerCidr).toBe('0.0.0.0/0');
    const rt = w.routeTables[0];
    expect(rt.entries.map((e) => `${e.destination}>${e.nextHops[0].type}`)).toEqual([
      '10.0.1.0/24>local',
      '100.64.0.0/10>local',
      '0.0.0.0/0>NatGateway',
    ]);
    expect(rt.vSwitchIds).toEqual(['vsw-a']);
    expect(w.vswitches[0]).toMatchObject({ routeTableId: 'vtb-a', networkAclId: 'nacl-a' });
    expect(w.natGateways[0].ips).toEqual(['47.1.1.2']);
    const i = w.instances[0];
    expect(i).toMatchObject({
      status: 'Running',
      zoneId: 'cn-hangzhou-h',
      vpcId: 'vpc-a',
      privateIps: ['10.0.1.10'],
    });
    expect(i.eip).toMatchObject({ allocationId: 'eip-a', ip: '47.1.1.1', bandwidth: 3 });
    expect(i.enis[0]).toMatchObject({ type: 'Primary', primaryIp: '10.0.1.10', publicIp: '47.1.1.1' });
    expect(i.enis[0].mac).toMatch(/^00:16:3e(:[0-9a-f]{2}){3}$/);
    expect(i.guest!.routes[0]).toMatchObject({ dst: 'default', via: '10.0.1.253', dev: 'eth0' });
    expect(i.guest!.interfaces.find((x) => x.name === 'eth0')!.addresses).toEqual(['10.0.1.10/24']);
    expect(i.guest!.resolvConf).toContain('nameserver 100.100.2.136');
    expect(Object.keys(i.metrics!)).toContain('CPUUtilization');
    expect(w.events[0]).toMatchObject({
      time: NOW - 25 * MIN,
      user: 'tester',
      service: 'Ecs',
      resources: ['sg-a'],
    });
    expect(w.epoch).toBe(NOW);
  });

  it('parses offsets and fills time templates', () => {
    expect(parseOffset('-25m')).toBe(-25 * MIN);
    expect(parseOffset('-2h')).toBe(-120 * MIN);
    expect(parseOffset('-3d')).toBe(-3 * 24 * 60 * MIN);
    expect(parseOffset('+90s')).toBe(90_000);
    expect(parseOffset('now')).toBe(0);
    expect(parseOffset('25m')).toBeUndefined();
    const boot = NOW - 2 * 24 * 60 * MIN;
    expect(expandTemplates('[{{dmesg:-20m}}] x', NOW, boot)).toBe('[171600.000000] x');
    expect(expandTemplates('{{iso:-20m}}', NOW, boot)).toBe('2025-11-26T11:40:00Z');
    expect(expandTemplates('{{syslog:-20m}} web kernel:', NOW, boot)).toBe('Nov 26 11:40:00 web kernel:');
    expect(expandTemplates('{{systemd:now}}', NOW, boot)).toBe('Wed 2025-11-26 12:00:00 UTC');
    expect(expandTemplates('{{bogus:-1m}}', NOW, boot)).toEqual({
      error: expect.stringContaining('unknown format'),
    });
  });

  it('turns metric steps into offsets from the epoch', () => {
    const w = load(
      {
        'm.yaml': `extends: base.yaml\ntitle: m\ninstances:\n  - id: i-a\n    metrics:\n      CPUUtilization: { base: 5, steps: [{ at: -30m, value: 99 }] }\n      IntranetInRate: null\n`,
        'base.yaml': BASE,
      },
      'm.yaml',
    );
    const m = w.instances[0].metrics!;
    expect(m.CPUUtilization).toMatchObject({
      base: 5,
      jitter: 4,
      unit: '%',
      steps: [{ at: -30 * MIN, value: 99 }],
    });
    expect(m.IntranetInRate).toBeUndefined();
  });
});

describe('extends and patches', () => {
  it('merges keyed lists, removes and places items, replaces plain lists and drops null keys', () => {
    const w = load(
      {
        'base.yaml': BASE,
        'child.yaml': `
extends: base.yaml
title: child
securityGroups:
  - id: sg-a
    rules:
      - { id: sgr-ssh, $remove: true }
      - { id: sgr-web, prio: 5 }
      - { id: sgr-drop, $first: true, policy: drop, ports: 443 }
networkAcls:
  - id: nacl-a
    ingress:
      - { id: nae-deny, $before: nae-in1, policy: drop, proto: tcp, ports: 443 }
    egress: { $replace: [{ id: nae-only, policy: accept, proto: tcp, ports: 1-1023 }] }
eips:
  - { id: eip-a, instance: null, status: Available }
instances:
  - id: i-a
    sgs: [sg-a]
    guest:
      services: [{ name: nginx, active: failed, result: oom-kill, listen: ['0.0.0.0:80'] }]
`,
      },
      'child.yaml',
    );
    expect(w.name).toBe('child');
    expect(w.title).toBe('child');
    expect(w.expect.codes).toEqual([]);
    expect(w.securityGroups[0].rules.map((r) => `${r.id}:${r.priority}`)).toEqual([
      'sgr-drop:1',
      'sgr-web:5',
    ]);
    expect(w.networkAcls[0].ingress.map((e) => e.id)).toEqual(['nae-deny', 'nae-in1']);
    expect(w.networkAcls[0].egress.map((e) => e.id)).toEqual(['nae-only']);
    expect(w.eips[0].instanceId).toBeUndefined();
    expect(w.eips[0].status).toBe('Available');
    expect(w.instances[0].eip).toBeUndefined();
    const svc = w.instances[0].guest!.services;
    expect(svc.find((s) => s.name === 'nginx')).toMatchObject({
      active: 'failed',
      sub: 'failed',
      result: 'oom-kill',
    });
    expect(svc.some((s) => s.name === 'sshd')).toBe(true);
  });

  it('appends events instead of merging them by name', () => {
    const w = load(
      {
        'base.yaml': BASE,
        'e.yaml':
          'extends: base.yaml\ntitle: e\nevents:\n  - { at: -5m, name: AuthorizeSecurityGroup, params: { SecurityGroupId: sg-a } }\n',
      },
      'e.yaml',
    );
    expect(w.events.map((e) => e.time)).toEqual([NOW - 25 * MIN, NOW - 5 * MIN]);
  });

  it('mergeDocs leaves its inputs alone', () => {
    const base = { a: [{ id: 'x', v: 1 }], b: { c: 1 } };
    const out = mergeDocs(base, { a: [{ id: 'x', v: 2 }], b: { c: null, d: 2 } });
    // null stays as a tombstone so that the defaults merged later lose that key too.
    expect(out).toEqual({ a: [{ id: 'x', v: 2 }], b: { c: null, d: 2 } });
    expect(base).toEqual({ a: [{ id: 'x', v: 1 }], b: { c: 1 } });
  });

  it('applies an overrides patch last (e.g. a throttle for a benchmark)', () => {
    const w = load({ 'base.yaml': BASE }, 'base.yaml', {
      overrides: { faults: { throttle: { DescribeInstances: 2 }, latencyMs: 30 } },
    });
    expect(w.faults).toEqual({ throttle: { DescribeInstances: { qps: 2 } }, latencyMs: 30 });
  });
});

describe('validation errors name the file, the path and the problem', () => {
  const cases: [string, string, RegExp][] = [
    [
      'unknown field',
      'securityGroups:\n  - id: sg-a\n    rules: [{ prio_: 1 }]',
      /securityGroups\[0\]\.rules\[0\]\.prio_: unknown field/,
    ],
    [
      'bad CIDR',
      'securityGroups:\n  - id: sg-a\n    rules: [{ id: sgr-ssh, peer: 300.1.1.0/24 }]',
      /rules\[0\]\.peer: "300\.1\.1\.0\/24" is not a CIDR/,
    ],
    [
      'bad priority',
      'securityGroups:\n  - id: sg-a\n    rules: [{ id: sgr-ssh, prio: 101 }]',
      /rules\[0\]\.prio: priority 101 is outside 1–100/,
    ],
    [
      'dangling group',
      'instances:\n  - { id: i-a, sgs: [sg-a, sg-nope] }',
      /instances\[0\]\.sgs\[1\]: "sg-nope" is not a security group/,
    ],
    [
      'address outside its vSwitch',
      'instances:\n  - { id: i-a, ip: 10.0.9.9 }',
      /instances\[0\]\.ip: 10\.0\.9\.9 is not inside vSwitch vsw-a/,
    ],
    [
      'unknown finding code',
      'expect: { codes: [SG_BROKEN] }',
      /expect\.codes\[0\]: "SG_BROKEN" is not a finding code/,
    ],
    [
      'unknown hop',
      'expect: { codes: [], blocked: { hop: firewall } }',
      /expect\.blocked\.hop: "firewall" is not a hop id/,
    ],
    ['bad time', 'events:\n  - { at: yesterday, name: X }', /events\[1\]\.at: "yesterday" is not a time/],
    [
      'unknown rule in expect',
      'expect: { codes: [], blocked: { hop: sg-in, rule: sgr-nope } }',
      /expect\.blocked\.rule: "sgr-nope" is not a rule/,
    ],
    [
      '$remove of a missing item',
      'securityGroups:\n  - id: sg-a\n    rules: [{ id: sgr-zzz, $remove: true }]',
      /\$remove names id sgr-zzz, which the base does not have/,
    ],
    [
      'bad next hop',
      'routeTables:\n  - id: vtb-a\n    entries: [{ id: rte-default, next: gw-1 }]',
      /entries\[0\]\.next: cannot tell the next-hop type of "gw-1"/,
    ],
  ];
  for (const [what, patch, re] of cases)
    it(what, () => {
      const e = problem(() =>
        load({ 'base.yaml': BASE, 'bad.yaml': `extends: base.yaml\ntitle: bad\n${patch}\n` }, 'bad.yaml'),
      );
      expect(e.file).toMatch(/(^|\/)bad\.yaml$/);
      expect(e.message).toMatch(/^scenario \S*bad\.yaml: /);
      expect(e.message).toMatch(re);
    });

  it('a missing title', () => {
    const e = problem(() => load({ 'x.yaml': BASE.replace('title: base', '') }, 'x.yaml'));
    expect(e.message).toMatch(/^scenario \S*x\.yaml: title: is required$/);
  });

  it('YAML syntax', () => {
    const e = problem(() => load({ 'y.yaml': 'title: [unclosed\n' }, 'y.yaml'));
    expect(e.message).toMatch(/^scenario .*y\.yaml: YAML syntax:/);
  });

  it('circular extends', () => {
    const e = problem(() =>
      load({ 'a.yaml': 'extends: b.yaml\ntitle: a\n', 'b.yaml': 'extends: a.yaml\ntitle: b\n' }, 'a.yaml'),
    );
    expect(e.message).toMatch(/circular extends: a\.yaml → b\.yaml → a\.yaml/);
  });

  it('an unknown base or scenario name lists the known names', () => {
    const e = problem(() => load({ 'a.yaml': 'extends: nowhere\ntitle: a\n' }, 'a.yaml'));
    expect(e.message).toMatch(/extends: "nowhere": no built-in scenario has this name \(known: .*storefront/);
    expect(problem(() => loadScenario('no-such-scenario')).message).toMatch(/netdoctor scenarios/);
  });
});
