/**
 * The dead-man switch guarding an nftables change on a real guest (root; a fresh namespace host with OpenSSH's
 * sshd, so no iptables-nft tables from other tests are in its ruleset): a table that drops SSH is gone again
 * once the guest restores the saved ruleset in one `nft -f` transaction, and the unrelated table stays.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSsh, type SshTarget } from '../../source/guest/transport/ssh.js';
import type { Transport } from '../../source/guest/transport/types.js';
import { openAuditLog, readAuditLog } from '../../source/remedy/audit.js';
import { runPlan } from '../../source/remedy/runner.js';
import { createNsHost, type NsHost, type Sshd, startSshd } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

describe.runIf(tierReady(hostTier()))('dead-man switch with nftables (netns + OpenSSH)', () => {
  let host: NsHost;
  let sshd: Sshd;
  let session: Transport;
  const target = (timeoutMs: number): SshTarget => ({
    host: host.ip,
    user: 'root',
    identity: sshd.clientKey,
    knownHosts: sshd.knownHosts,
    agent: false,
    configFile: 'none',
    systemConfig: false,
    timeoutMs,
  });

  beforeAll(async () => {
    host = await createNsHost();
    sshd = await startSshd(host);
    session = await openSsh(target(3000));
  });
  afterAll(async () => {
    await session?.close().catch(() => undefined);
    sshd?.stop();
    await host?.close();
  });

  it('an nft table that drops SSH is removed again by restoring the saved ruleset', async () => {
    await host.sh(
      "nft 'add table inet keep; add chain inet keep c { type filter hook output priority 0 ; }; add rule inet keep c tcp dport 7 counter'",
    );
    const before = (await host.sh('nft list ruleset')).stdout;
    const audit = openAuditLog({ file: join(mkdtempSync(join(host.tmp, 'audit-')), 'audit.jsonl') });
    const command =
      "nft 'add table inet ndlock; add chain inet ndlock input { type filter hook input priority -10 ; }; add rule inet ndlock input tcp dport 22 drop'";
    const r = await runPlan(
      {
        id: 'nft-lock',
        title: 'nft change',
        summary: 's',
        risk: 'medium',
        findingIds: [],
        intentIds: [],
        steps: [
          {
            id: 'nft',
            title: 'Add an nft table',
            kind: 'guest',
            command,
            risk: 'medium',
            lockout: true,
            deadmanSeconds: 5,
            saves: ['nft'],
          },
        ],
      },
      {
        guest: async () => session,
        reconnectGuest: () => openSsh(target(1000)),
        verify: async () => ({ fixed: true, detail: 'checked' }),
        confirm: async () => false,
        audit,
        readOnly: false,
        who: 'tester@host-tier',
        target: { name: host.name, id: host.name },
      },
      { yes: true },
    );
    rmSync(`/run/netdoctor/deadman/${r.steps[0].deadmanId}`, { recursive: true, force: true });
    expect(r.outcome).toBe('ROLLED_BACK');
    expect(r.detail).toMatch(
      /^The guest restored the firewall \(nftables\) at \d\d:\d\d:\d\d UTC because netdoctor could not reconnect/,
    );
    expect((await host.sh('nft list ruleset')).stdout).toBe(before);
    const again = await openSsh(target(2000));
    expect((await again.run('echo ok')).stdout.trim()).toBe('ok');
    await again.close();
    expect((await readAuditLog(audit.path)).map((l) => l.outcome)).toEqual(['CONFIRMED', 'ROLLED_BACK']);
  });
});
