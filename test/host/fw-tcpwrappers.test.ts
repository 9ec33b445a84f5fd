/**
 * TCP wrappers against the real thing: OpenSSH's sshd (Debian links it with libwrap; `ldd` says whether this
 * machine's does) in a network namespace whose /etc/hosts.allow and /etc/hosts.deny are the files under test.
 * For each configuration, the evaluator's verdict is compared with what a connection from the root namespace
 * gets: the SSH banner (allowed) or a connection closed before it (denied). When sshd does not link libwrap,
 * the evaluator must say "not applicable" and sshd must ignore the files.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateTcpWrappers } from '../../source/diagnose/evaluate/tcp-wrappers.js';
import { parseHostsAccess } from '../../source/guest/parsers/hosts-access.js';
import { linksLibwrap } from '../../source/guest/parsers/system.js';
import { createNsHost, type NsHost, type Sshd, startSshd } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

/**
 * Allowed: sshd sends its banner at once. Denied: libwrap's refuse() accepts the connection, sends nothing,
 * sleeps 5 s and exits — so a connection that stays silent for 1.5 s is a denial (what an operator's probe
 * sees too: connected, then nothing).
 */
function banner(host: string, port: number): Promise<'allowed' | 'denied'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let buf = '';
    const done = (v: 'allowed' | 'denied') => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(1500, () => done('denied'));
    s.on('data', (b) => {
      buf += b.toString();
      if (buf.includes('SSH-2.0-')) done('allowed');
    });
    s.on('close', () => done(buf.includes('SSH-2.0-') ? 'allowed' : 'denied'));
    s.on('error', () => done('denied'));
  });
}

describe.runIf(tierReady(hostTier()))('tcp wrappers verdicts vs a libwrap-linked sshd', () => {
  let host: NsHost;
  let sshd: Sshd;
  let libwrap: boolean;
  beforeAll(async () => {
    host = await createNsHost();
    // The files must exist before sshd starts: `ip netns exec` bind-mounts them over /etc at exec time.
    await host.etc('hosts.allow', '');
    await host.etc('hosts.deny', '');
    sshd = await startSshd(host);
    libwrap = linksLibwrap(execFileSync('ldd', ['/usr/sbin/sshd']).toString());
  });
  afterAll(async () => {
    sshd?.stop();
    await host?.close();
  });

  it('agrees on every configuration', async () => {
    const peer = host.peerIp;
    const o = peer.split('.');
    const net30 = `${o[0]}.${o[1]}.${o[2]}.${Number(o[3]) - 1}`;
    const cases: { allow: string; deny: string }[] = [
      { allow: '', deny: `sshd: ${peer}\n` },
      { allow: `sshd: ${net30}/255.255.255.252\n`, deny: 'ALL: ALL\n' },
      { allow: `sshd: ${o[0]}.${o[1]}. EXCEPT ${peer}\n`, deny: 'ALL: ALL\n' },
      { allow: '', deny: `sshd: ALL EXCEPT ${peer}\n` },
      { allow: 'sshd: ALL : deny\n', deny: '' },
      { allow: '', deny: 'sshd: 10.0.0.0/8\n' },
      { allow: '', deny: `sshd@${host.ip}: ALL\n` },
      { allow: '', deny: 'sshd@198.18.255.254: ALL\n' },
      { allow: '', deny: `ALL EXCEPT vsftpd: ${peer}\n` },
      { allow: '', deny: `sshd: ${o[0]}.${o[1]}.*\n` },
      { allow: `vsftpd: ${peer}\n`, deny: 'sshd, vsftpd: ALL\n' },
      { allow: `sshd: ${net30}/30\n`, deny: 'ALL: ALL\n' },
    ];
    const results: string[] = [];
    let denied = 0;
    for (const c of cases) {
      await host.etc('hosts.allow', c.allow);
      await host.etc('hosts.deny', c.deny);
      const a = parseHostsAccess(c.allow, 'hosts.allow');
      const d = parseHostsAccess(c.deny, 'hosts.deny');
      expect([...a.warnings, ...d.warnings]).toEqual([]);
      const v = evaluateTcpWrappers(
        { allow: a.value, deny: d.value, libwrap: { sshd: libwrap } },
        { daemon: 'sshd', client: peer, server: host.ip, libwrap },
      );
      const seen = await banner(host.ip, sshd.port);
      const predicted =
        v.verdict === 'deny'
          ? 'denied'
          : v.verdict === 'allow' || v.verdict === 'not-applicable'
            ? 'allowed'
            : v.verdict;
      if (seen === 'denied') denied++;
      if (predicted !== seen)
        results.push(
          `allow=${JSON.stringify(c.allow)} deny=${JSON.stringify(c.deny)}: predicted ${predicted} (${v.detail}), saw ${seen}`,
        );
      if (!libwrap) expect(v.verdict).toBe('not-applicable');
    }
    expect(results).toEqual([]);
    // With libwrap the cases deny sshd 7 times; without it, never.
    expect(denied).toBe(libwrap ? 7 : 0);
  });
});
