/**
 * Network ACL evaluator, one row per rule of the semantics in source/diagnose/evaluate/nacl.ts. Entries follow the
 * DescribeNetworkAclAttributes shape (official response demo in the VPC 2016-04-28 api-docs.json, mirrored by
 * dew-serverless/acs-sdk-php @2da261e4: `"NetworkAclEntryId":"nae-…","EntryType":"custom","Policy":"accept",
 * "SourceCidrIp":"10.0.0.0/24","Protocol":"all","Port":"-1/-1"`), normalised to the model's AclEntry.
 */
import { describe, expect, it } from 'vitest';
import { evaluateNacl } from '../../../source/diagnose/evaluate/nacl.js';
import type { AclEntry, NetworkAcl } from '../../../source/model/index.js';

let n = 0;
function entry(p: Partial<AclEntry>): AclEntry {
  n++;
  return {
    id: `nae-a2dk86arlydm${String(n).padStart(6, '0')}`,
    name: `acl-${n}`,
    policy: 'accept',
    protocol: 'all',
    ports: { from: -1, to: -1 },
    cidr: '0.0.0.0/0',
    entryType: 'custom',
    ...p,
  };
}

function acl(ingress: Partial<AclEntry>[], egress: Partial<AclEntry>[]): NetworkAcl {
  return {
    id: 'nacl-a2do9e413e0spnhmj0001',
    vpcId: 'vpc-bp171csbkbnjhg1bj3npw',
    ingress: ingress.map(entry),
    egress: egress.map(entry),
    vSwitchIds: ['vsw-bp1xgvok3myac6ctry030'],
  };
}

const INTERNET = '0.0.0.0/0';
const VSW = '172.16.0.0/24';
const https = {
  direction: 'inbound' as const,
  protocol: 'tcp' as const,
  port: 443,
  peer: INTERNET,
  vSwitchCidr: VSW,
};

describe('network ACL: applicability and order', () => {
  it('no ACL bound to the vSwitch: not applicable, both legs OK', () => {
    const d = evaluateNacl(null, https, 'vsw-bp1xgvok3myac6ctry030');
    expect(d.applicable).toBe(false);
    expect(d.forward.state).toBe('OK');
    expect(d.return.state).toBe('OK');
    expect(d.forward.detail).toContain('No network ACL is bound to vsw-bp1xgvok3myac6ctry030');
  });

  it('first match wins: a drop listed first beats a later accept, and the later accept is named', () => {
    const a = acl(
      [
        { policy: 'drop', protocol: 'all', cidr: INTERNET },
        { policy: 'accept', protocol: 'tcp', ports: { from: 443, to: 443 }, cidr: INTERNET },
      ],
      [{ protocol: 'all', cidr: INTERNET }],
    );
    const d = evaluateNacl(a, https);
    expect(d.forward.reach).toBe('deny');
    expect(d.forward.code).toBe('NACL_INGRESS_DENIED');
    expect(d.forward.hop).toBe('nacl-in');
    expect(d.forward.primary).toEqual({ by: 'entry', entry: a.ingress[0], index: 0 });
    expect(d.forward.shadowed.map((s) => s.entry.id)).toEqual([a.ingress[1].id]);
    expect(d.forward.detail).toContain('entry #2');
    expect(d.forward.evidence.position).toBe(1);
    // Reversed, the accept comes first and wins.
    const b = { ...a, ingress: [a.ingress[1], a.ingress[0]] };
    expect(evaluateNacl(b, https).forward.reach).toBe('allow');
  });

  it('no matching entry: the ACL denies (implicit deny after the list)', () => {
    const a = acl([{ protocol: 'tcp', ports: { from: 22, to: 22 }, cidr: INTERNET }], [{ cidr: INTERNET }]);
    const d = evaluateNacl(a, https);
    expect(d.forward.reach).toBe('deny');
    expect(d.forward.primary).toEqual({ by: 'default' });
    expect(d.forward.detail).toContain('no ingress entry');
  });

  it('system entries are evaluated where the API lists them', () => {
    const a = acl(
      [
        { policy: 'accept', protocol: 'tcp', ports: { from: 443, to: 443 }, cidr: INTERNET },
        { policy: 'drop', protocol: 'all', cidr: INTERNET, entryType: 'system' },
      ],
      [{ policy: 'drop', protocol: 'all', cidr: INTERNET, entryType: 'system' }],
    );
    const d = evaluateNacl(a, https);
    expect(d.forward.reach).toBe('allow');
    expect(d.return.reach).toBe('deny');
    expect(d.return.detail).toContain('system');
  });

  it('an IPv6 entry does not match an IPv4 flow', () => {
    const a = acl([{ cidr: '::/0' }], [{ cidr: '::/0' }]);
    expect(evaluateNacl(a, https).forward.reach).toBe('deny');
    expect(evaluateNacl(a, { ...https, peer: '2408:4000::1' }).forward.reach).toBe('allow');
  });
});

describe('network ACL: stateless replies', () => {
  const inbound443 = { protocol: 'tcp' as const, ports: { from: 443, to: 443 }, cidr: INTERNET };

  it('inbound tcp/443 allowed, but no egress entry for the replies → return leg blocked', () => {
    // The only egress entry lets replies reach 10.0.0.0/24: a sliver of the internet's clients.
    const a = acl([inbound443], [{ protocol: 'all', cidr: '10.0.0.0/24' }]);
    const d = evaluateNacl(a, https);
    expect(d.forward.reach).toBe('allow');
    expect(d.return.reach).toBe('partial');
    expect(d.return.coverage.allowed).toEqual(['10.0.0.0/24']);
    expect(d.return.state).toBe('BLOCKED');
    expect(d.return.code).toBe('NACL_EGRESS_DENIED');
    expect(d.return.hop).toBe('nacl-out');
    expect(d.return.leg).toBe('return');
    expect(d.return.detail).toContain('1024-65535');
    expect(d.return.detail).toContain('stateless');
  });

  it("an egress entry for tcp 1024/65535 to the internet lets every client's replies out", () => {
    const a = acl([inbound443], [{ protocol: 'tcp', ports: { from: 1024, to: 65535 }, cidr: INTERNET }]);
    const d = evaluateNacl(a, https);
    expect(d.return.reach).toBe('allow');
    expect(d.return.primary).toEqual({ by: 'entry', entry: a.egress[0], index: 0 });
  });

  it('replies opened only to 32768–65535: partial, OK but likely, the gap 1024–32767 named', () => {
    const a = acl([inbound443], [{ protocol: 'tcp', ports: { from: 32768, to: 65535 }, cidr: INTERNET }]);
    const d = evaluateNacl(a, https);
    expect(d.return.reach).toBe('partial');
    expect(d.return.state).toBe('OK');
    expect(d.return.confidence).toBe('likely');
    expect(d.return.coverage.allowedShare).toBeCloseTo(32768 / 64512, 5);
    expect(d.return.detail).toContain('1024-32767');
  });

  it("outbound tcp/443: the replies need an ingress entry to the instance's ephemeral ports", () => {
    const out = { direction: 'outbound' as const, protocol: 'tcp' as const, port: 443, peer: INTERNET };
    const a = acl([{ protocol: 'tcp', ports: { from: 22, to: 22 }, cidr: INTERNET }], [inbound443]);
    const d = evaluateNacl(a, out);
    expect(d.forward.hop).toBe('nacl-out');
    expect(d.forward.reach).toBe('allow');
    expect(d.return.hop).toBe('nacl-in');
    expect(d.return.reach).toBe('deny');
    expect(d.return.code).toBe('NACL_INGRESS_DENIED');
    expect(d.return.confidence).toBe('likely');
    expect(d.return.detail).toContain('32768-60999');
    expect(d.return.detail).toContain('Linux default');
    // With the guest's own range known and an ingress entry covering it: certain.
    const b = acl([{ protocol: 'tcp', ports: { from: 1024, to: 65535 }, cidr: INTERNET }], [inbound443]);
    const e = evaluateNacl(b, {
      ...out,
      clientPorts: { from: 10000, to: 20000 },
      clientPortsSource: "the guest's net.ipv4.ip_local_port_range",
    });
    expect(e.return.reach).toBe('allow');
    expect(e.return.confidence).toBe('certain');
  });

  it('ping: the echo reply needs an egress ICMP (or all) entry too', () => {
    const ping = { direction: 'inbound' as const, protocol: 'icmp' as const, peer: INTERNET };
    const a = acl(
      [{ protocol: 'icmp', cidr: INTERNET }],
      [{ protocol: 'tcp', ports: { from: 1, to: 65535 }, cidr: INTERNET }],
    );
    const d = evaluateNacl(a, ping);
    expect(d.forward.reach).toBe('allow');
    expect(d.return.reach).toBe('deny');
    expect(d.return.ports).toBeUndefined();
  });
});

describe('network ACL: addresses and exemptions', () => {
  it('an accept for one /24 when the intent is the internet: partial and BLOCKED', () => {
    const a = acl(
      [{ protocol: 'tcp', ports: { from: 443, to: 443 }, cidr: '203.0.113.0/24' }],
      [{ protocol: 'all', cidr: INTERNET }],
    );
    const d = evaluateNacl(a, https);
    expect(d.forward.reach).toBe('partial');
    expect(d.forward.state).toBe('BLOCKED');
    expect(d.forward.coverage.allowed).toEqual(['203.0.113.0/24']);
  });

  it('traffic inside the same vSwitch is not filtered, even by a deny-all ACL', () => {
    const a = acl([{ policy: 'drop', cidr: INTERNET }], [{ policy: 'drop', cidr: INTERNET }]);
    const d = evaluateNacl(a, { ...https, peer: '172.16.0.20/32' });
    expect(d.forward.reach).toBe('allow');
    expect(d.return.reach).toBe('allow');
    expect(d.forward.primary.by).toBe('same-vswitch');
    // A peer in another vSwitch of the VPC is filtered.
    expect(evaluateNacl(a, { ...https, peer: '172.16.1.20/32' }).forward.reach).toBe('deny');
  });

  it('Alibaba DNS (100.100.2.136) and metadata are never filtered', () => {
    const a = acl([{ policy: 'drop', cidr: INTERNET }], [{ policy: 'drop', cidr: INTERNET }]);
    const dns = evaluateNacl(a, { direction: 'outbound', protocol: 'udp', port: 53, peer: '100.100.2.136' });
    expect(dns.forward.reach).toBe('allow');
    expect(dns.return.reach).toBe('allow');
    expect(dns.forward.primary.by).toBe('cloud-service');
    expect(
      evaluateNacl(a, { direction: 'outbound', protocol: 'udp', port: 53, peer: '223.5.5.5' }).forward.reach,
    ).toBe('deny');
  });

  it('an unparseable peer is UNCERTAIN on both legs', () => {
    const d = evaluateNacl(acl([], []), { ...https, peer: 'nope' });
    expect(d.forward.state).toBe('UNCERTAIN');
    expect(d.return.state).toBe('UNCERTAIN');
  });
});
