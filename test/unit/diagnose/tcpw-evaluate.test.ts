/**
 * TCP wrappers on hosts.allow / hosts.deny files read by the production parser (test/fixtures/firewall/
 * tcpwrappers/, hand-written configuration in hosts_access(5) syntax; the Debian defaults from
 * test/fixtures/guest/hosts-access/). The same semantics are checked against the real libwrap-linked sshd in
 * test/host/fw-tcpwrappers.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  daemonForListener,
  daemonNameFor,
  evaluateTcpWrappers,
  libwrapOf,
  tcpWrappersHop,
  type WrapperQuery,
} from '../../../source/diagnose/evaluate/tcp-wrappers.js';
import { parseHostsAccess } from '../../../source/guest/parsers/hosts-access.js';
import type { TcpWrappers } from '../../../source/model/index.js';

const DIR = join(import.meta.dirname, '../../fixtures');

function wrappers(allowFile: string, denyFile: string, libwrap: Record<string, boolean> = {}): TcpWrappers {
  const a = parseHostsAccess(readFileSync(join(DIR, allowFile), 'utf8'), 'hosts.allow');
  const d = parseHostsAccess(readFileSync(join(DIR, denyFile), 'utf8'), 'hosts.deny');
  expect([...a.warnings, ...d.warnings]).toEqual([]);
  return { allow: a.value, deny: d.value, libwrap };
}

const lockdown = wrappers(
  'firewall/tcpwrappers/lockdown.hosts.allow',
  'firewall/tcpwrappers/lockdown.hosts.deny',
);
const blocklist = wrappers(
  'firewall/tcpwrappers/blocklist.hosts.allow',
  'firewall/tcpwrappers/blocklist.hosts.deny',
);
const q = (daemon: string, client: string, extra: Partial<WrapperQuery> = {}): WrapperQuery => ({
  daemon,
  client,
  server: '172.16.1.10',
  libwrap: true,
  ...extra,
});

describe('hosts.allow first, then hosts.deny, else allowed', () => {
  it('the Debian defaults (only comments) allow everything', () => {
    const deb = wrappers('guest/hosts-access/debian-allow.txt', 'guest/hosts-access/debian-deny.txt');
    const v = evaluateTcpWrappers(deb, q('sshd', 'internet'));
    expect([v.verdict, v.confidence, v.rule]).toEqual(['allow', 'certain', undefined]);
    expect(v.detail).toBe('sshd: allowed by default (no line matches)');
  });

  it('a net/mask pattern in hosts.allow allows (first match), naming the line', () => {
    const v = evaluateTcpWrappers(lockdown, q('sshd', '198.51.100.9'));
    expect([v.verdict, v.rule?.file, v.rule?.line]).toEqual(['allow', 'hosts.allow', 2]);
    expect(v.detail).toContain('hosts.allow line 2: sshd: 198.51.100.0/255.255.255.0');
  });

  it('an address prefix with EXCEPT: 192.0.2.5 allowed, 192.0.2.66 falls through to hosts.deny ALL: ALL', () => {
    expect(evaluateTcpWrappers(lockdown, q('sshd', '192.0.2.5')).rule?.line).toBe(3);
    const v = evaluateTcpWrappers(lockdown, q('sshd', '192.0.2.66'));
    expect([v.verdict, v.rule?.file, v.rule?.line]).toEqual(['deny', 'hosts.deny', 3]);
    const hop = tcpWrappersHop(v);
    expect([hop.state, hop.code]).toEqual(['BLOCKED', 'HOSTS_DENY_MATCH']);
    expect(hop.evidence.lines).toEqual(['hosts.deny line 3: ALL: ALL']);
  });

  it('the extended syntax: `: allow` in hosts.deny allows, `twist` replaces the service', () => {
    const v = evaluateTcpWrappers(lockdown, q('sshd', '10.2.3.4'));
    expect([v.verdict, v.rule?.file, v.rule?.line]).toEqual(['allow', 'hosts.deny', 2]);
    const t = evaluateTcpWrappers(lockdown, q('sshd', '100.64.9.9'));
    expect([t.verdict, t.rule?.line]).toEqual(['deny', 8]);
  });

  it('IPv6 [net]/len patterns', () => {
    expect(evaluateTcpWrappers(lockdown, q('in.telnetd', '2001:db8:5::1')).verdict).toBe('allow');
    expect(evaluateTcpWrappers(lockdown, q('in.telnetd', '2001:db9::1')).verdict).toBe('deny');
  });

  it('daemon@host patterns need the server address; unknown → uncertain, never guessed', () => {
    expect(evaluateTcpWrappers(lockdown, q('sshd', '8.8.8.8', { server: '172.16.1.11' })).rule?.line).toBe(6);
    expect(evaluateTcpWrappers(lockdown, q('sshd', '8.8.8.8', { server: '172.16.1.10' })).verdict).toBe(
      'deny',
    );
    const v = evaluateTcpWrappers(lockdown, q('sshd', '8.8.8.8', { server: undefined }));
    expect(v.verdict).toBe('uncertain');
    expect(v.reasons.join(' ')).toContain('hosts.allow line 6 matches');
  });
});

describe('patterns that need DNS, NIS or files are uncertain unless the answer does not depend on them', () => {
  it('host name suffixes with nested EXCEPT: decided once the client name is known', () => {
    const unknown = evaluateTcpWrappers(lockdown, q('vsftpd', '8.8.8.8'));
    expect(unknown.verdict).toBe('uncertain');
    expect(unknown.reasons.join(' ')).toContain('.example.com matches host names, which need reverse DNS');
    expect(
      evaluateTcpWrappers(lockdown, q('vsftpd', '8.8.8.8', { clientName: 'www.example.com' })).verdict,
    ).toBe('deny');
    expect(
      evaluateTcpWrappers(lockdown, q('vsftpd', '8.8.8.8', { clientName: 'trusted.example.com' })).verdict,
    ).toBe('allow');
    expect(
      evaluateTcpWrappers(lockdown, q('vsftpd', '8.8.8.8', { clientName: 'ftp.other.org' })).verdict,
    ).toBe('allow');
  });

  it('LOCAL, @netgroup and /path patterns', () => {
    const local = evaluateTcpWrappers(lockdown, q('rpcbind', '8.8.8.8'));
    expect(local.verdict).toBe('uncertain');
    expect(local.reasons.join(' ')).toContain('LOCAL needs the client host name');
    // LOCAL matches names without a dot.
    expect(evaluateTcpWrappers(lockdown, q('rpcbind', '8.8.8.8', { clientName: 'gateway' })).verdict).toBe(
      'allow',
    );
    const ng = evaluateTcpWrappers(blocklist, q('vsftpd', '8.8.4.4'));
    expect(ng.reasons.join(' ')).toContain('@badhosts is a NIS netgroup');
    expect(ng.reasons.join(' ')).toContain('/etc/hosts.evil, which was not collected');
  });

  it('a definite match before an undecidable line makes the undecidable line irrelevant', () => {
    const v = evaluateTcpWrappers(blocklist, q('sshd', '45.1.2.3'));
    expect([v.verdict, v.confidence, v.rule?.line]).toEqual(['deny', 'certain', 2]);
  });

  it('address wildcards are decided per address', () => {
    // 8.8.4.4: @badhosts and /etc/hosts.evil come first and are undecidable, so even the wildcard line
    // cannot settle it: every way ends in deny, though, so the answer is certain.
    const v = evaluateTcpWrappers(blocklist, q('sshd', '8.8.4.4'));
    expect([v.verdict, v.confidence]).toEqual(['deny', 'certain']);
    const other = evaluateTcpWrappers(blocklist, q('sshd', '9.9.9.9'));
    expect(other.verdict).toBe('uncertain');
  });
});

describe('a set of clients (the internet, a CIDR)', () => {
  it('splits by address: part allowed, part denied, exactly', () => {
    const v = evaluateTcpWrappers(lockdown, q('sshd', '198.51.100.0/23'));
    expect([v.verdict, v.partial]).toEqual(['uncertain', true]);
    expect(v.branches.map((b) => [b.verdict, b.scope])).toEqual([
      ['allow', 'from 198.51.100.0/24'],
      ['deny', 'from 198.51.101.0/24'],
    ]);
    expect(v.allowedShare).toBe(0.5);
    const hop = tcpWrappersHop(v);
    expect([hop.state, hop.confidence]).toEqual(['OK', 'likely']);
    expect(tcpWrappersHop(evaluateTcpWrappers(lockdown, q('sshd', 'internet'))).state).toBe('BLOCKED');
  });
});

describe('libwrap: hosts.allow/deny bind only daemons linked with it', () => {
  it('not linked: not applicable, and says so', () => {
    const v = evaluateTcpWrappers(lockdown, q('sshd', '192.0.2.66', { libwrap: false }));
    expect([v.verdict, v.confidence]).toEqual(['not-applicable', 'certain']);
    expect(v.detail).toBe(
      'not applicable: sshd is not linked with libwrap, so hosts.allow/hosts.deny do not bind it',
    );
    expect(tcpWrappersHop(v).state).toBe('OK');
  });

  it('not known: an allow is likely, a deny uncertain', () => {
    const deny = evaluateTcpWrappers(lockdown, q('sshd', '192.0.2.66', { libwrap: undefined }));
    expect([deny.verdict, deny.confidence]).toEqual(['uncertain', 'uncertain']);
    expect(deny.detail).toContain('if sshd links libwrap (not known)');
    expect(tcpWrappersHop(deny).state).toBe('UNCERTAIN');
    const allow = evaluateTcpWrappers(lockdown, q('sshd', '192.0.2.5', { libwrap: undefined }));
    expect([allow.verdict, allow.confidence]).toEqual(['allow', 'likely']);
  });

  it('maps listening processes to daemon names and finds libwrap in the facts', () => {
    expect(['sshd', 'sshd-session', '/usr/sbin/vsftpd', 'stunnel4', 'in.tftpd'].map(daemonNameFor)).toEqual([
      'sshd',
      'sshd',
      'vsftpd',
      'stunnel',
      'in.tftpd',
    ]);
    expect(daemonForListener('sshd', 22)).toEqual({ daemon: 'sshd', sure: true });
    expect(daemonForListener('xinetd', 23)).toEqual({ daemon: 'in.telnetd', sure: false });
    const tw: TcpWrappers = { allow: [], deny: [], libwrap: { sshd: true, nginx: false } };
    expect(libwrapOf('sshd', tw)).toBe(true);
    expect(libwrapOf('nginx', tw)).toBe(false);
    expect(libwrapOf('vsftpd', tw)).toBeUndefined();
    expect(
      libwrapOf('sshd', tw, [{ name: 'ssh', active: 'active', binary: '/usr/sbin/sshd', libwrap: false }]),
    ).toBe(false);
  });
});
