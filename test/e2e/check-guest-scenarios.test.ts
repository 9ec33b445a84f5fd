/**
 * The guest-code and two-cause scenarios, end to end: the built program against the simulated region (real SDK over
 * HTTP, ssh2 or Cloud Assistant into the simulated guest, simulated probes). Beyond the codes each scenario
 * expects (check-scenarios.test.ts), each story's telling details must come out: the deciding line, the way the
 * guest was reached, the RAM action that is missing, and — for two causes — both blocks on the same path.
 * Build first: node scripts/build.mjs.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

interface Hop {
  hop: string;
  leg: string;
  state: string;
  detail: string;
  evidence: Record<string, unknown>;
}
interface Out {
  verdicts: {
    intent: { id: string };
    result: string;
    blockedAt?: string;
    path: Hop[];
    probe?: { outcome: string };
  }[];
  findings: {
    code: string;
    severity: string;
    title: string;
    evidence: Record<string, unknown>;
    remedies: string[];
    advice?: string[];
  }[];
  sources: { name: string; ok: boolean }[];
}

async function check(name: string): Promise<{ code: number; out: Out }> {
  const r = await runCli(['check', '--scenario', name, '--json'], { timeoutMs: 90_000 });
  expect(r.stderr).toBe('');
  return { code: r.code, out: JSON.parse(r.stdout) as Out };
}

const verdict = (o: Out, id: string) => {
  const v = o.verdicts.find((x) => x.intent.id === id);
  if (!v) throw new Error(`no verdict for ${id}: ${o.verdicts.map((x) => x.intent.id).join(', ')}`);
  return v;
};
const finding = (o: Out, code: string) => {
  const f = o.findings.find((x) => x.code === code);
  if (!f) throw new Error(`no ${code} in ${o.findings.map((x) => x.code).join(', ')}`);
  return f;
};

describe.concurrent('guest scenarios tell their story', () => {
  it('hosts-deny-office-moved: sshd refused by line 5 of hosts.deny, the guest read through Cloud Assistant', async () => {
    const { code, out } = await check('hosts-deny-office-moved');
    expect(code).toBe(1);
    const f = finding(out, 'HOSTS_DENY_MATCH');
    expect(f.evidence.rule).toMatchObject({ file: 'hosts.deny', line: 5, raw: 'sshd: ALL' });
    expect(f.remedies.length).toBeGreaterThan(0);
    expect(out.sources.map((s) => s.name)).toContain('guest:assistant');
    const v = verdict(out, 'in-tcp-22-me');
    expect(v.path.find((h) => h.hop === 'sg-in')?.state).toBe('OK');
    expect(v.path.find((h) => h.hop === 'tcp-wrappers')?.detail).toMatch(/no banner/);
  });

  it('service-loopback-only: the listener is 127.0.0.1:8080, the kernel refuses, the plan shows the bind', async () => {
    const { out } = await check('service-loopback-only');
    const v = verdict(out, 'in-tcp-8080-internet');
    const l = v.path.find((h) => h.hop === 'listener')!;
    expect(l.state).toBe('BLOCKED');
    expect(JSON.stringify(l.evidence)).toContain('127.0.0.1');
    // Probes have a short budget: on a loaded machine one may not come back (its answer is unit-tested).
    if (v.probe) expect(v.probe.outcome).toBe('refused');
    expect(finding(out, 'SERVICE_LOOPBACK_ONLY').remedies).toContain('guest-show-bind:tcp:8080');
  });

  it('secondary-eni-down: eth1 is down, eth0 keeps the site and SSH up', async () => {
    const { code, out } = await check('secondary-eni-down');
    expect(code).toBe(1);
    expect(finding(out, 'GUEST_NIC_DOWN').evidence.resource).toBe('eth1');
    for (const id of ['in-tcp-443-internet', 'in-tcp-22-me'])
      expect(verdict(out, id).result).toBe('DELIVERED');
  });

  it('ephemeral-ports-exhausted: the upstream and the range are named', async () => {
    const { out } = await check('ephemeral-ports-exhausted');
    const f = finding(out, 'EPHEMERAL_PORTS_EXHAUSTED');
    expect(f.severity).toBe('critical');
    expect(f.evidence.usage).toMatchObject({
      level: 'exhausted',
      range: [60000, 61499],
      worst: { peer: '172.16.2.40:6379', timeWait: 1446 },
    });
  });

  it('guest-firewall-reboot: dropped by the INPUT policy, the probe times out (not refused)', async () => {
    const { out } = await check('guest-firewall-reboot');
    const v = verdict(out, 'in-tcp-443-internet');
    expect(v.blockedAt).toBe('guest-firewall-in');
    expect(v.path.find((h) => h.hop === 'listener')?.state).toBe('OK');
    if (v.probe) expect(v.probe.outcome).toBe('timeout');
    expect(verdict(out, 'in-tcp-80-internet').result).toBe('DELIVERED');
  });
});

describe.concurrent('partial visibility: SOURCE_UNAVAILABLE names the RAM action and decides the rest', () => {
  it('ram-no-acl-read: ACL hops NOT_CHECKED (never OK), exit 3', async () => {
    const { code, out } = await check('ram-no-acl-read');
    expect(code).toBe(3);
    const f = finding(out, 'SOURCE_UNAVAILABLE');
    expect((f.evidence.error as { ramAction?: string }).ramAction).toBe('vpc:DescribeNetworkAcls');
    const v = verdict(out, 'in-tcp-443-internet');
    expect(v.path.filter((h) => h.hop.startsWith('nacl-')).map((h) => h.state)).toEqual([
      'NOT_CHECKED',
      'NOT_CHECKED',
    ]);
    expect(v.path.find((h) => h.hop === 'sg-in')?.state).toBe('OK');
  });

  it('ram-no-audit-trail: the cause is still found; who did it is not', async () => {
    const { code, out } = await check('ram-no-audit-trail');
    expect(code).toBe(1);
    const f = finding(out, 'SOURCE_UNAVAILABLE');
    expect((f.evidence.error as { ramAction?: string }).ramAction).toBe('actiontrail:LookupEvents');
    expect(JSON.stringify(f)).toContain('ext-ops-contractor');
    expect(finding(out, 'SG_INGRESS_NOT_ALLOWED').remedies.length).toBeGreaterThan(0);
    expect(out.findings.map((x) => x.code)).not.toContain('RECENT_CHANGE');
  });
});

describe.concurrent('two causes at once: both found, both fixable, both on the path', () => {
  const fixable = (f: Out['findings'][number]) => f.remedies.length > 0 || (f.advice?.length ?? 0) > 0;

  it('hardening-acl-and-iptables: iptables drops the request and the ACL drops the reply of the same flow', async () => {
    const { out } = await check('hardening-acl-and-iptables');
    const v = verdict(out, 'in-tcp-443-internet');
    const blocked = v.path.filter((h) => h.state === 'BLOCKED').map((h) => `${h.leg}:${h.hop}`);
    expect(blocked).toEqual(['forward:guest-firewall-in', 'return:nacl-out']);
    expect(fixable(finding(out, 'GUEST_FIREWALL_DROP'))).toBe(true);
    expect(fixable(finding(out, 'NACL_EGRESS_DENIED'))).toBe(true);
    expect(out.sources.map((s) => s.name)).toContain('guest:assistant');
  });

  it('decommission-wrong-server: SSH meets both the moved EIP and the guest DROP rule', async () => {
    const { out } = await check('decommission-wrong-server');
    const v = verdict(out, 'in-tcp-22-me');
    expect(v.path.filter((h) => h.state === 'BLOCKED').map((h) => h.hop)).toEqual([
      'public-ip',
      'guest-firewall-in',
    ]);
    expect(finding(out, 'EIP_ASSOCIATED_ELSEWHERE').remedies[0]).toMatch(
      /^associate-eip:eip-bp1mztyt4atry8yqw1b5:/,
    );
    expect(fixable(finding(out, 'GUEST_FIREWALL_DROP'))).toBe(true);
  });

  it('cleanup-snat-and-resolver: no way out, and no names either', async () => {
    const { out } = await check('cleanup-snat-and-resolver');
    expect(verdict(out, 'out-tcp-443-internet').blockedAt).toBe('internet-egress');
    expect(verdict(out, 'dns').result).toBe('DROPPED');
    expect(JSON.stringify(finding(out, 'DNS_RESOLVER_UNREACHABLE').evidence)).toContain('172.16.2.53');
    const change = finding(out, 'RECENT_CHANGE');
    expect((change.evidence.event as { name: string }).name).toBe('DeleteSnatEntry');
  });

  it('sale-peak-conntrack-bandwidth: the platform cap and the kernel table, both critical', async () => {
    const { code, out } = await check('sale-peak-conntrack-bandwidth');
    expect(code).toBe(1);
    expect(finding(out, 'BANDWIDTH_SATURATED').severity).toBe('critical');
    const ct = finding(out, 'CONNTRACK_TABLE_FULL');
    expect(ct.severity).toBe('critical');
    expect(JSON.stringify(ct.evidence)).toContain('table full, dropping packet');
  });
});
