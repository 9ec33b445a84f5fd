/**
 * Security-group evaluator, one table row per rule of the semantics in source/diagnose/evaluate/security-group.ts.
 * Rules are shaped like the normalised form of a real DescribeSecurityGroupAttribute body (aliyun CLI output
 * recorded in HXSecurity/TerraformGoat `aliyun/networking/vpc_security_group_open_all_ports/README.md`:
 * `"Priority":1,"Policy":"Accept","IpProtocol":"TCP","PortRange":"1/65535","SourceCidrIp":"0.0.0.0/0"`);
 * ids follow the `sgr-…`/`sg-…` patterns of the API.
 */
import { describe, expect, it } from 'vitest';
import {
  compileSgPool,
  evaluateSecurityGroups,
  evaluateSg,
} from '../../../source/diagnose/evaluate/security-group.js';
import type { SecurityGroup, SgRule } from '../../../source/model/index.js';

let n = 0;
function rule(p: Partial<SgRule> & Pick<SgRule, 'groupId'>): SgRule {
  n++;
  return {
    id: `sgr-bp1${String(n).padStart(6, '0')}`,
    direction: 'ingress',
    policy: 'accept',
    priority: 1,
    protocol: 'tcp',
    ports: { from: 1, to: 65535 },
    nicType: 'intranet',
    description: '',
    ...p,
  };
}

function group(id: string, rules: Omit<Partial<SgRule>, 'groupId'>[], extra: Partial<SecurityGroup> = {}) {
  return {
    id,
    name: id,
    type: 'normal',
    vpcId: 'vpc-bp171csbkbnjhg1bj3npw',
    innerAccessPolicy: 'Accept',
    rules: rules.map((r) => rule({ ...r, groupId: id })),
    ...extra,
  } as SecurityGroup;
}

const INTERNET = '0.0.0.0/0';

describe('security groups: matching', () => {
  it('the real TerraformGoat rule (accept TCP 1/65535 from 0.0.0.0/0, priority 1) allows tcp/443 from anywhere', () => {
    const g = group('sg-2zebb34geaa1x63gtkor', [{ priority: 1, peerCidr: INTERNET }]);
    const d = evaluateSecurityGroups([g], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 443,
      peer: INTERNET,
    });
    expect(d.reach).toBe('allow');
    expect(d.state).toBe('OK');
    expect(d.confidence).toBe('certain');
    expect(d.primary).toEqual({ by: 'rule', rule: g.rules[0] });
    expect(d.evidence.resource).toBe('sg-2zebb34geaa1x63gtkor');
    expect(d.detail).toContain(g.rules[0].id);
  });

  it('protocol ALL matches any protocol; ICMP ignores ports', () => {
    const g = group('sg-a', [
      { protocol: 'all', ports: { from: -1, to: -1 }, peerCidr: '10.0.0.0/8' },
      { protocol: 'icmp', ports: { from: -1, to: -1 }, peerCidr: INTERNET },
    ]);
    const pool = compileSgPool([g]);
    expect(
      evaluateSg(pool, { direction: 'ingress', protocol: 'udp', port: 53, peer: '10.1.2.3' }).reach,
    ).toBe('allow');
    expect(evaluateSg(pool, { direction: 'ingress', protocol: 'icmp', peer: '47.96.1.180' }).reach).toBe(
      'allow',
    );
    expect(
      evaluateSg(pool, { direction: 'ingress', protocol: 'tcp', port: 22, peer: '47.96.1.180' }).reach,
    ).toBe('deny');
  });

  it('a port range matches inside its bounds only; -1/-1 means every port', () => {
    const g = group('sg-a', [
      { ports: { from: 8000, to: 8080 }, peerCidr: INTERNET },
      { protocol: 'udp', ports: { from: -1, to: -1 }, peerCidr: INTERNET },
    ]);
    const pool = compileSgPool([g]);
    const tcp = (port: number) =>
      evaluateSg(pool, { direction: 'ingress', protocol: 'tcp', port, peer: INTERNET });
    expect(tcp(8000).reach).toBe('allow');
    expect(tcp(8080).reach).toBe('allow');
    expect(tcp(8081).reach).toBe('deny');
    expect(tcp(7999).reach).toBe('deny');
    expect(evaluateSg(pool, { direction: 'ingress', protocol: 'udp', port: 123, peer: INTERNET }).reach).toBe(
      'allow',
    );
  });

  it('IPv4 rules do not match IPv6 peers and the other way round', () => {
    const g = group('sg-a', [
      { peerCidr: INTERNET, ports: { from: 443, to: 443 } },
      { peerIpv6Cidr: '2408:4000::/24', ports: { from: 80, to: 80 } },
    ]);
    const pool = compileSgPool([g]);
    expect(evaluateSg(pool, { direction: 'ingress', protocol: 'tcp', port: 443, peer: '::/0' }).reach).toBe(
      'deny',
    );
    expect(
      evaluateSg(pool, { direction: 'ingress', protocol: 'tcp', port: 80, peer: '2408:4001::1' }).reach,
    ).toBe('allow');
    expect(evaluateSg(pool, { direction: 'ingress', protocol: 'tcp', port: 80, peer: '1.2.3.4' }).reach).toBe(
      'deny',
    );
  });
});

describe('security groups: priority and ties', () => {
  it('the storefront case: a priority-1 drop overrides the priority-100 accept; both are reported', () => {
    const g = group('sg-bp1storefront', [
      { priority: 100, ports: { from: 443, to: 443 }, peerCidr: INTERNET, description: 'https' },
      { priority: 100, ports: { from: 80, to: 80 }, peerCidr: INTERNET, description: 'http' },
      { priority: 1, policy: 'drop', ports: { from: 80, to: 443 }, peerCidr: INTERNET, description: 'peak' },
    ]);
    const d = evaluateSecurityGroups([g], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 443,
      peer: INTERNET,
    });
    expect(d.reach).toBe('deny');
    expect(d.state).toBe('BLOCKED');
    expect(d.code).toBe('SG_INGRESS_DENIED');
    const drop = g.rules[2];
    expect(d.primary).toEqual({ by: 'rule', rule: drop });
    expect(d.shadowed.map((s) => s.rule.id)).toEqual([g.rules[0].id]);
    expect(d.shadowed[0].by).toEqual({ by: 'rule', rule: drop });
    expect(d.detail).toContain(drop.id);
    expect(d.detail).toContain(`overrides accept rule ${g.rules[0].id}`);
    expect(d.evidence.shadowed).toEqual([g.rules[0].id]);
  });

  it('at equal priority drop beats accept, in whichever group each rule sits (rules are pooled)', () => {
    const a = group('sg-a', [{ priority: 5, ports: { from: 22, to: 22 }, peerCidr: INTERNET }]);
    const b = group('sg-b', [
      { priority: 5, policy: 'drop', ports: { from: 22, to: 22 }, peerCidr: '0.0.0.0/0' },
    ]);
    const d = evaluateSecurityGroups([a, b], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 22,
      peer: '1.2.3.4',
    });
    expect(d.reach).toBe('deny');
    expect(d.primary).toEqual({ by: 'rule', rule: b.rules[0] });
    expect(
      evaluateSecurityGroups([b, a], { direction: 'ingress', protocol: 'tcp', port: 22, peer: '1.2.3.4' })
        .reach,
    ).toBe('deny');
  });

  it('a higher-priority accept (smaller number) beats a lower-priority drop', () => {
    const g = group('sg-a', [
      { priority: 2, ports: { from: 22, to: 22 }, peerCidr: '203.0.113.7/32' },
      { priority: 50, policy: 'drop', ports: { from: 22, to: 22 }, peerCidr: INTERNET },
    ]);
    const d = evaluateSecurityGroups([g], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 22,
      peer: '203.0.113.7',
    });
    expect(d.reach).toBe('allow');
    expect(d.shadowed).toEqual([
      { rule: g.rules[1], by: { by: 'rule', rule: g.rules[0] }, addresses: ['203.0.113.7/32'] },
    ]);
  });
});

describe('security groups: coverage of a peer CIDR', () => {
  it('allow-list of one address when the intent is "from the internet" → partial, BLOCKED, allowed part named', () => {
    const g = group('sg-a', [{ priority: 1, ports: { from: 22, to: 22 }, peerCidr: '203.0.113.7/32' }]);
    const d = evaluateSecurityGroups([g], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 22,
      peer: INTERNET,
    });
    expect(d.reach).toBe('partial');
    expect(d.state).toBe('BLOCKED');
    expect(d.code).toBe('SG_INGRESS_NOT_ALLOWED');
    expect(d.coverage.allowed).toEqual(['203.0.113.7/32']);
    expect(d.coverage.allowedShare).toBeLessThan(0.001);
    expect(d.detail).toContain('203.0.113.7/32');
    expect(d.primary).toEqual({ by: 'default', groupType: 'normal' });
  });

  it('a small blocklist over an open port → partial but OK (likely), the dropped range listed', () => {
    const g = group('sg-a', [
      { priority: 1, policy: 'drop', ports: { from: 443, to: 443 }, peerCidr: '45.0.0.0/8' },
      { priority: 100, ports: { from: 443, to: 443 }, peerCidr: INTERNET },
    ]);
    const d = evaluateSecurityGroups([g], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 443,
      peer: INTERNET,
    });
    expect(d.reach).toBe('partial');
    expect(d.state).toBe('OK');
    expect(d.confidence).toBe('likely');
    expect(d.code).toBeUndefined();
    expect(d.coverage.denied).toEqual(['45.0.0.0/8']);
    expect(d.coverage.allowedShare).toBeCloseTo(1 - 1 / 256, 4);
  });

  it("the operator's own /32 inside an allowed CIDR is allowed", () => {
    const g = group('sg-a', [{ priority: 1, ports: { from: 22, to: 22 }, peerCidr: '203.0.113.0/24' }]);
    expect(
      evaluateSecurityGroups([g], { direction: 'ingress', protocol: 'tcp', port: 22, peer: '203.0.113.9/32' })
        .reach,
    ).toBe('allow');
  });
});

describe('security groups: defaults, inner access, group peers', () => {
  const flowIn = {
    direction: 'ingress' as const,
    protocol: 'tcp' as const,
    port: 3306,
    peer: '172.16.1.20/32',
  };
  const flowOut = { direction: 'egress' as const, protocol: 'tcp' as const, port: 443, peer: INTERNET };

  it('basic group without rules: inbound denied, outbound allowed by its implicit default', () => {
    const g = group('sg-a', []);
    const i = evaluateSecurityGroups([g], { ...flowIn, peer: INTERNET });
    expect(i.reach).toBe('deny');
    expect(i.code).toBe('SG_INGRESS_NOT_ALLOWED');
    expect(i.detail).toContain('no rule accepts');
    const o = evaluateSecurityGroups([g], flowOut);
    expect(o.reach).toBe('allow');
    expect(o.primary).toEqual({ by: 'default', groupType: 'normal' });
  });

  it('basic group with egress rules keeps its outbound default allow below them', () => {
    const g = group('sg-a', [
      {
        direction: 'egress',
        policy: 'drop',
        priority: 1,
        ports: { from: 3389, to: 3389 },
        peerCidr: INTERNET,
      },
      { direction: 'egress', priority: 1, ports: { from: 80, to: 80 }, peerCidr: '10.0.0.0/8' },
    ]);
    expect(evaluateSecurityGroups([g], flowOut).reach).toBe('allow');
    const rdp = evaluateSecurityGroups([g], { ...flowOut, port: 3389 });
    expect(rdp.reach).toBe('deny');
    expect(rdp.code).toBe('SG_EGRESS_DENIED');
  });

  it('enterprise group: outbound denied by default, and members get no inner access', () => {
    const g = group('sg-ent', [], { type: 'enterprise', innerAccessPolicy: 'Drop' });
    const o = evaluateSecurityGroups([g], flowOut);
    expect(o.reach).toBe('deny');
    expect(o.code).toBe('SG_EGRESS_DENIED');
    expect(o.primary).toEqual({ by: 'default', groupType: 'enterprise' });
    expect(evaluateSecurityGroups([g], { ...flowIn, peerGroupIds: ['sg-ent'] }).reach).toBe('deny');
    // Even if the API reported Accept on an enterprise group, it grants no inner access.
    const odd = group('sg-ent2', [], { type: 'enterprise', innerAccessPolicy: 'Accept' });
    expect(evaluateSecurityGroups([odd], { ...flowIn, peerGroupIds: ['sg-ent2'] }).reach).toBe('deny');
  });

  it('basic group with InnerAccessPolicy=Accept: members talk, over any custom drop', () => {
    const g = group('sg-a', [
      { priority: 1, policy: 'drop', ports: { from: 3306, to: 3306 }, peerCidr: '172.16.0.0/12' },
    ]);
    const d = evaluateSecurityGroups([g], { ...flowIn, peerGroupIds: ['sg-a'] });
    expect(d.reach).toBe('allow');
    expect(d.primary).toEqual({ by: 'inner-access', groupId: 'sg-a' });
    expect(d.shadowed[0].rule).toBe(g.rules[0]);
    // The same address as a plain CIDR (membership unknown) is denied by the drop.
    expect(evaluateSecurityGroups([g], flowIn).reach).toBe('deny');
  });

  it('InnerAccessPolicy=Drop isolates members, but a custom rule authorising the group lets them in', () => {
    const iso = group('sg-iso', [], { innerAccessPolicy: 'Drop' });
    expect(evaluateSecurityGroups([iso], { ...flowIn, peerGroupIds: ['sg-iso'] }).reach).toBe('deny');
    const allowed = group(
      'sg-iso',
      [{ priority: 10, ports: { from: 3306, to: 3306 }, peerGroupId: 'sg-iso' }],
      {
        innerAccessPolicy: 'Drop',
      },
    );
    expect(evaluateSecurityGroups([allowed], { ...flowIn, peerGroupIds: ['sg-iso'] }).reach).toBe('allow');
  });

  it('isolation has the lowest priority: a second shared group with Accept lets members talk', () => {
    const iso = group('sg-g1', [], { innerAccessPolicy: 'Drop' });
    const open = group('sg-g2', [], { innerAccessPolicy: 'Accept' });
    const d = evaluateSecurityGroups([iso, open], { ...flowIn, peerGroupIds: ['sg-g1', 'sg-g2'] });
    expect(d.reach).toBe('allow');
    expect(d.primary).toEqual({ by: 'inner-access', groupId: 'sg-g2' });
  });

  it('a peer-group rule matches members only; for a CIDR peer it is skipped and noted', () => {
    const db = group('sg-db', [{ priority: 1, ports: { from: 3306, to: 3306 }, peerGroupId: 'sg-web' }], {
      innerAccessPolicy: 'Drop',
    });
    expect(evaluateSecurityGroups([db], { ...flowIn, peerGroupIds: ['sg-web'] }).reach).toBe('allow');
    expect(evaluateSecurityGroups([db], { ...flowIn, peerGroupIds: ['sg-other'] }).reach).toBe('deny');
    const cidr = evaluateSecurityGroups([db], { ...flowIn, peer: '172.16.0.0/16' });
    expect(cidr.reach).toBe('deny');
    expect(cidr.confidence).toBe('likely');
    expect(cidr.notes[0]).toContain('peer security group');
  });

  it('mixed basic + enterprise pool (not allowed by Alibaba): outbound left to the default is unknown', () => {
    const d = evaluateSecurityGroups(
      [group('sg-a', []), group('sg-e', [], { type: 'enterprise', innerAccessPolicy: 'Drop' })],
      flowOut,
    );
    expect(d.reach).toBe('unknown');
    expect(d.state).toBe('UNCERTAIN');
    expect(d.confidence).toBe('uncertain');
  });
});

describe('security groups: undecidable references and the platform', () => {
  it('an unresolved prefix list above the deciding rule makes the answer unknown; resolved, it decides', () => {
    const g = group('sg-a', [
      { priority: 1, ports: { from: 443, to: 443 }, peerPrefixListId: 'pl-bp1cdn' },
      { priority: 100, policy: 'drop', ports: { from: 443, to: 443 }, peerCidr: INTERNET },
    ]);
    const flow = { direction: 'ingress' as const, protocol: 'tcp' as const, port: 443, peer: INTERNET };
    const u = evaluateSecurityGroups([g], flow);
    expect(u.reach).toBe('unknown');
    expect(u.unresolved).toEqual([g.rules[0]]);
    expect(u.detail).toContain('pl-bp1cdn');
    const r = evaluateSecurityGroups([g], flow, { prefixLists: { 'pl-bp1cdn': ['198.51.100.0/24'] } });
    expect(r.reach).toBe('partial');
    expect(r.coverage.allowed).toEqual(['198.51.100.0/24']);
  });

  it('an undecidable rule of the same policy as the outcome does not make it unknown', () => {
    const g = group('sg-a', [
      { priority: 1, policy: 'drop', ports: { from: 443, to: 443 }, peerPrefixListId: 'pl-x' },
      { priority: 2, policy: 'drop', ports: { from: 443, to: 443 }, peerCidr: INTERNET },
    ]);
    expect(
      evaluateSecurityGroups([g], { direction: 'ingress', protocol: 'tcp', port: 443, peer: INTERNET }).reach,
    ).toBe('deny');
  });

  it('five-tuple rules: a source-port range covering the clients matches, a disjoint one does not, overlap is unknown', () => {
    const mk = (from: number, to: number) =>
      group('sg-a', [
        { priority: 1, ports: { from: 443, to: 443 }, peerCidr: INTERNET, sourcePorts: { from, to } },
      ]);
    const flow = { direction: 'ingress' as const, protocol: 'tcp' as const, port: 443, peer: INTERNET };
    expect(evaluateSecurityGroups([mk(1, 65535)], flow).reach).toBe('allow');
    expect(evaluateSecurityGroups([mk(53, 53)], flow).reach).toBe('deny');
    expect(evaluateSecurityGroups([mk(32768, 60999)], flow).reach).toBe('unknown');
    expect(
      evaluateSecurityGroups([mk(32768, 60999)], { ...flow, sourcePorts: { from: 40000, to: 40000 } }).reach,
    ).toBe('allow');
  });

  it('outbound TCP 25 is blocked by the platform whatever the groups say; 465 is not', () => {
    const g = group('sg-a', [
      { direction: 'egress', priority: 1, ports: { from: 25, to: 25 }, peerCidr: INTERNET },
    ]);
    const d = evaluateSecurityGroups([g], { direction: 'egress', protocol: 'tcp', port: 25, peer: INTERNET });
    expect(d.reach).toBe('deny');
    expect(d.code).toBe('PLATFORM_PORT_BLOCKED');
    expect(d.primary).toEqual({ by: 'platform', reason: 'tcp-25' });
    expect(d.confidence).toBe('likely');
    expect(d.detail).toContain('security groups alone: allow');
    expect(
      evaluateSecurityGroups([g], { direction: 'egress', protocol: 'tcp', port: 465, peer: INTERNET }).reach,
    ).toBe('allow');
    expect(
      evaluateSecurityGroups(
        [g],
        { direction: 'egress', protocol: 'tcp', port: 25, peer: INTERNET },
        { port25Unblocked: true },
      ).reach,
    ).toBe('allow');
    // Inbound 25 (a mail server receiving) is not restricted by the platform.
    const inbound = group('sg-b', [{ priority: 1, ports: { from: 25, to: 25 }, peerCidr: INTERNET }]);
    expect(
      evaluateSecurityGroups([inbound], { direction: 'ingress', protocol: 'tcp', port: 25, peer: INTERNET })
        .reach,
    ).toBe('allow');
  });

  it('an invalid peer is UNCERTAIN, not a guess', () => {
    const d = evaluateSecurityGroups([group('sg-a', [])], {
      direction: 'ingress',
      protocol: 'tcp',
      port: 1,
      peer: 'x',
    });
    expect(d.state).toBe('UNCERTAIN');
    expect(d.reach).toBe('unknown');
  });
});
