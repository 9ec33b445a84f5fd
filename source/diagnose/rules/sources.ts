/**
 * SOURCE_UNAVAILABLE: a layer could not be seen, and why. Its hops are NOT_CHECKED, never OK — this finding says
 * what it would take to see them (the RAM action, the SSH error, the Cloud Assistant state).
 */
import type { CloudFacts, Fact, Finding, GuestFacts, Snapshot, SourceError } from '../../model/index.js';
import { makeFinding } from '../finding.js';

const CLOUD_PARTS: [keyof CloudFacts, string, 'critical' | 'warning' | 'info'][] = [
  ['instance', 'instance state (ECS)', 'critical'],
  ['securityGroups', 'security group rules (ECS)', 'warning'],
  ['eips', 'elastic IPs (VPC)', 'warning'],
  ['vSwitch', 'vSwitch (VPC)', 'warning'],
  ['routeTables', 'VPC route tables', 'warning'],
  ['networkAcl', 'network ACL (VPC)', 'warning'],
  ['natGateways', 'NAT gateways (VPC)', 'info'],
  ['metrics', 'CloudMonitor metrics', 'info'],
  ['events', 'ActionTrail events', 'info'],
  ['assistant', 'Cloud Assistant status', 'info'],
];

const GUEST_PARTS: [keyof GuestFacts, string][] = [
  ['interfaces', 'interfaces'],
  ['routes', 'routes'],
  ['firewall', 'firewall rules'],
  ['sockets', 'sockets'],
  ['services', 'services'],
  ['resolv', 'resolv.conf'],
  ['dns', 'DNS lookup'],
  ['tcpWrappers', 'hosts.allow/deny'],
];

function errorText(e: SourceError): string {
  return e.hint ? `${e.message} — ${e.hint}` : e.message;
}

function sourceFinding(
  key: string,
  what: string,
  err: SourceError,
  severity: 'critical' | 'warning' | 'info',
  source: string,
): Finding {
  return makeFinding({
    code: 'SOURCE_UNAVAILABLE',
    severity,
    key,
    title: `Could not read ${what}: ${err.code}`,
    detail: errorText(err),
    evidence: { source, error: err },
    advice: err.hint ? [err.hint] : undefined,
    confidence: 'certain',
  });
}

export function sourceFindings(s: Snapshot): Finding[] {
  const out: Finding[] = [];
  if (s.cloud) {
    for (const [key, what, sev] of CLOUD_PARTS) {
      const f = s.cloud[key] as Fact<unknown> | undefined;
      if (f?.error) out.push(sourceFinding(`cloud:${String(key)}`, what, f.error, sev, f.source));
    }
  }
  if (s.guestError) {
    const how =
      s.target.kind === 'ssh'
        ? 'the guest over SSH'
        : s.target.kind === 'local'
          ? 'this machine'
          : 'the guest (SSH, then Cloud Assistant)';
    out.push(sourceFinding('guest', how, s.guestError, 'warning', 'guest'));
  }
  if (s.guest) {
    for (const [key, what] of GUEST_PARTS) {
      const f = s.guest[key] as Fact<unknown> | undefined;
      if (f?.error)
        out.push(sourceFinding(`guest:${String(key)}`, `the guest's ${what}`, f.error, 'info', f.source));
    }
  }
  if (s.probes?.tcp.error)
    out.push(sourceFinding('probe:tcp', 'operator-side probes', s.probes.tcp.error, 'info', 'probe:tcp'));
  return out;
}
