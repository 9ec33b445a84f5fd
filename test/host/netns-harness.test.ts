import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNsHost, type NsHost, startSshd } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

describe.runIf(tierReady(hostTier()))('netns test host harness', () => {
  let host: NsHost;
  beforeAll(async () => {
    host = await createNsHost();
  });
  afterAll(async () => {
    await host?.close();
  });

  it('gives the host its own address, default route and /etc overlay', async () => {
    await host.etc('resolv.conf', 'nameserver 198.18.255.254\n');
    const r = await host.sh('ip -4 -o addr show dev eth0; ip route show default; cat /etc/resolv.conf');
    expect(r.stdout).toContain(`inet ${host.ip}/30`);
    expect(r.stdout).toContain(`default via ${host.peerIp} dev eth0`);
    expect(r.stdout).toContain('nameserver 198.18.255.254');
    expect(host.ip).toMatch(/^198\.1[89]\./);
  });

  it('runs a real sshd that the OpenSSH client can log in to with the test key', async () => {
    const sshd = await startSshd(host);
    try {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync('ssh', [
        '-i',
        sshd.clientKey,
        '-o',
        `UserKnownHostsFile=${sshd.knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-p',
        String(sshd.port),
        `root@${host.ip}`,
        'echo hello-from-$(hostname -I)',
      ]).toString();
      expect(out.trim()).toBe(`hello-from-${host.ip}`);
    } finally {
      sshd.stop();
    }
  });
});
