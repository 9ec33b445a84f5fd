/**
 * The SSH transport against the real OpenSSH server in network namespaces (root): key auth, an encrypted
 * key, ssh-agent, ProxyJump through a second namespace host, host-key refusals, MaxSessions, timeouts, and
 * exactly one TCP connection for a full guest collection (counted by the guest's own firewall).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGuestFacts } from '../../source/guest/collect.js';
import { openSsh, type SshTarget } from '../../source/guest/transport/ssh.js';
import { createNsHost, type NsHost, type Sshd, startSshd } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

/** `ssh-keygen -lf` of a public key file: the fingerprint OpenSSH itself prints. */
function opensshFingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1];
}

/** Packets that opened a TCP connection to the guest's port 22 (SYN without ACK), counted by the guest. */
async function synCount(host: NsHost): Promise<number> {
  const r = await host.sh('iptables -w -L ND_SYN -v -x -n | awk \'$3=="ACCEPT"{print $1}\'');
  return Number(r.stdout.trim());
}

describe.runIf(tierReady(hostTier()))('SSH transport ↔ OpenSSH sshd in a namespace', () => {
  let a: NsHost;
  let b: NsHost;
  let sshdA: Sshd;
  let sshdB: Sshd;
  /** B's address on the private a↔b link: reachable from A only. */
  const BEHIND = '198.19.254.2';
  let knownAll: string;

  const base = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: a.ip,
    user: 'root',
    identity: sshdA.clientKey,
    knownHosts: sshdA.knownHosts,
    agent: false,
    configFile: 'none',
    systemConfig: false,
    timeoutMs: 5000,
    ...over,
  });

  beforeAll(async () => {
    [a, b] = await Promise.all([createNsHost(), createNsHost()]);
    // Each host resolves through its own address, where nothing listens: the collection's DNS checks fail at
    // once inside the namespace (written before sshd starts: `ip netns exec` mounts /etc overlays at exec).
    await Promise.all([
      a.etc('resolv.conf', `nameserver ${a.ip}\n`),
      b.etc('resolv.conf', `nameserver ${b.ip}\n`),
    ]);
    // A private link between the two namespaces, so B is reachable through A only (no forwarding in the root).
    const link = [
      `ip -n ${a.name} link add ndjump type veth peer name ndjump netns ${b.name}`,
      `ip -n ${a.name} addr add 198.19.254.1/30 dev ndjump`,
      `ip -n ${b.name} addr add ${BEHIND}/30 dev ndjump`,
      `ip -n ${a.name} link set ndjump up`,
      `ip -n ${b.name} link set ndjump up`,
    ].join(' && ');
    execFileSync('sh', ['-c', link]);
    // Count new connections to A's sshd from inside A.
    await a.sh(
      'iptables -w -N ND_SYN && iptables -w -A ND_SYN -j ACCEPT && iptables -w -I INPUT -p tcp --dport 22 --syn -j ND_SYN',
    );
    sshdA = await startSshd(a, 22, 'MaxSessions 3');
    sshdB = await startSshd(b, 22, `ListenAddress ${BEHIND}`);
    // B trusts A's client key too, so one key opens both.
    writeFileSync(join(b.tmp, 'authorized_keys'), `${sshdB.clientKeyPub}${sshdA.clientKeyPub}`);
    knownAll = join(a.tmp, 'known_all');
    const bKey = sshdB.hostKeyPub.split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(knownAll, `${readFileSync(sshdA.knownHosts, 'utf8')}${BEHIND} ${bKey}\n`);
  });

  afterAll(async () => {
    sshdA?.stop();
    sshdB?.stop();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('logs in with a key and runs commands; stdin reaches the command', async () => {
    const t = await openSsh(base());
    try {
      const r = await t.run('hostname -I; id -un');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(a.ip);
      expect(r.stdout).toContain('root');
      expect((await t.run('cat; echo " rc=$?"', { stdin: 'from-stdin' })).stdout).toBe('from-stdin rc=0\n');
      expect((await t.run('exit 7')).code).toBe(7);
    } finally {
      await t.close();
    }
  });

  it('a full guest collection plus more commands uses exactly ONE TCP connection', async () => {
    const before = await synCount(a);
    const t = await openSsh(base());
    try {
      const facts = await collectGuestFacts(t, { now: Date.now() });
      expect(facts.via).toBe('ssh');
      const ifs = facts.interfaces.value ?? [];
      expect(ifs.flatMap((i) => i.addresses.map((x) => x.address))).toContain(a.ip);
      await Promise.all([t.run('true'), t.run('uname -r'), t.run('ip route')]);
      expect(t.stats().connections).toBe(1);
    } finally {
      await t.close();
    }
    expect((await synCount(a)) - before).toBe(1);
  });

  it('respects MaxSessions 3 by queueing: 10 concurrent commands all complete on one connection', async () => {
    const t = await openSsh(base());
    try {
      const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => t.run(`sleep 0.1; echo ${i}`)));
      expect(rs.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
      expect(t.stats().connections).toBe(1);
      expect(t.stats().channelsPeak).toBeLessThanOrEqual(8);
    } finally {
      await t.close();
    }
  });

  it('times out a hung command, ends it on the guest, and keeps the connection', async () => {
    const t = await openSsh(base());
    try {
      const started = Date.now();
      const r = await t.run('sleep 41.5', { timeoutMs: 300 });
      expect(r.timedOut).toBe(true);
      expect(r.code).toBeNull();
      expect(Date.now() - started).toBeLessThan(3000);
      // The channel closed, so sshd hung up on the session: the sleep must not linger.
      let left = '';
      for (let i = 0; i < 20; i++) {
        left = (await a.sh('pgrep -f "slee[p] 41.5" || true')).stdout.trim();
        if (!left) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(left).toBe('');
      expect((await t.run('echo ok')).stdout).toBe('ok\n');
    } finally {
      await t.close();
    }
  });

  it('encrypted key: asks for the passphrase; wrong ones → KEY_PASSPHRASE_WRONG; none → KEY_PASSPHRASE_NEEDED', async () => {
    const key = join(a.tmp, 'id_enc');
    const secret = 'correct horse 7';
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', secret, '-C', 'enc', '-f', key]);
    writeFileSync(
      join(a.tmp, 'authorized_keys'),
      `${sshdA.clientKeyPub}${readFileSync(`${key}.pub`, 'utf8')}`,
    );
    const asked: string[] = [];
    const t = await openSsh(
      base({
        identity: key,
        askPassphrase: async (file, { attempt }) => {
          asked.push(`${file}#${attempt}`);
          return attempt === 1 ? 'nope' : secret;
        },
      }),
    );
    expect((await t.run('echo unlocked')).stdout).toBe('unlocked\n');
    await t.close();
    expect(asked).toEqual([`${key}#1`, `${key}#2`]);

    const wrong = await openSsh(base({ identity: key, askPassphrase: async () => 'wrong-pass-x' })).catch(
      (e) => e,
    );
    expect(wrong.error.code).toBe('KEY_PASSPHRASE_WRONG');
    expect(JSON.stringify(wrong.error)).not.toContain('wrong-pass-x');
    const none = await openSsh(base({ identity: key })).catch((e) => e);
    expect(none.error.code).toBe('KEY_PASSPHRASE_NEEDED');
    expect(none.error.hint).toContain(`ssh-add ${key}`);
  });

  it('authenticates through ssh-agent (no key file given), and says what was tried when it fails', async () => {
    const sock = join(a.tmp, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50; i++) {
        try {
          execFileSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
          break;
        } catch (e: any) {
          if (e.status === 1) break; // "The agent has no identities": it is up
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      const empty = await openSsh(base({ identity: [], agent: sock })).catch((e) => e);
      expect(empty.error.code).toBe('AUTH_FAILED');
      expect(empty.error.hint).toContain('agent holds no keys');
      execFileSync('ssh-add', ['-q', sshdA.clientKey], {
        env: { ...process.env, SSH_AUTH_SOCK: sock },
        stdio: 'ignore',
      });
      const t = await openSsh(base({ identity: [], agent: sock }));
      expect((await t.run('echo via-agent')).stdout).toBe('via-agent\n');
      await t.close();

      // IdentitiesOnly: the agent may offer only the keys named by IdentityFile (matched by their .pub).
      const stranger = join(a.tmp, 'id_other');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
      const cfg = join(a.tmp, 'ssh_config_only');
      const only = (file: string) =>
        writeFileSync(
          cfg,
          `Host *\n  IdentitiesOnly yes\n  IdentityFile ${file}\n  UserKnownHostsFile ${sshdA.knownHosts}\n`,
        );
      only(`${stranger}.pub`);
      const filtered = await openSsh({
        host: a.ip,
        user: 'root',
        agent: sock,
        configFile: cfg,
        systemConfig: false,
      }).catch((e) => e);
      expect(filtered.error.code).toBe('AUTH_FAILED');
      expect(filtered.error.hint).toContain('agent holds no keys');
      only(`${sshdA.clientKey}.pub`);
      const allowed = await openSsh({
        host: a.ip,
        user: 'root',
        agent: sock,
        configFile: cfg,
        systemConfig: false,
      });
      expect((await allowed.run('echo only')).stdout).toBe('only\n');
      await allowed.close();
    } finally {
      agent.kill();
    }
  });

  it('a rejected key is AUTH_FAILED naming the key and what the server accepts', async () => {
    const key = join(a.tmp, 'id_stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const err = await openSsh(base({ identity: key })).catch((e) => e);
    expect(err.error.code).toBe('AUTH_FAILED');
    expect(err.error.hint).toContain(key);
    expect(err.error.hint).toContain('The server accepts: publickey');
  });

  it('ProxyJump: reaches a host behind a second namespace host through one forwarded channel', async () => {
    const t = await openSsh(base({ host: BEHIND, knownHosts: knownAll, jump: `root@${a.ip}` }));
    try {
      const r = await t.run('ip -4 -o addr show dev ndjump');
      expect(r.stdout).toContain(`inet ${BEHIND}/30`);
      expect(t.stats()).toMatchObject({ connections: 1, jumpConnections: 1 });
      expect(t.describe()).toBe(`root@${BEHIND} via root@${a.ip}`);
    } finally {
      await t.close();
    }
  });

  it('ProxyJump from ~/.ssh/config: Host alias, HostName, User, IdentityFile, UserKnownHostsFile', async () => {
    const cfg = join(a.tmp, 'ssh_config');
    writeFileSync(
      cfg,
      [
        'Host behind',
        `  HostName ${BEHIND}`,
        '  ProxyJump gate',
        'Host gate',
        `  HostName ${a.ip}`,
        'Host *',
        '  User root',
        `  IdentityFile ${sshdA.clientKey}`,
        `  UserKnownHostsFile ${knownAll}`,
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );
    const t = await openSsh({
      host: 'behind',
      configFile: cfg,
      systemConfig: false,
      agent: false,
      timeoutMs: 5000,
    });
    try {
      expect((await t.run('hostname -I')).stdout).toContain(BEHIND);
      expect(t.stats().jumpConnections).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('ProxyJump to a port nothing listens on → PROXY_JUMP_FAILED naming the jump host', async () => {
    const err = await openSsh(
      base({ host: BEHIND, port: 2299, knownHosts: knownAll, jump: `root@${a.ip}` }),
    ).catch((e) => e);
    expect(err.error.code).toBe('PROXY_JUMP_FAILED');
    expect(err.error.message).toContain(`root@${a.ip}`);
    expect(err.error.message).toContain(`${BEHIND}:2299`);
  });

  it('unknown host key: refused with the fingerprint OpenSSH prints, and how to accept it', async () => {
    const kh = join(a.tmp, 'kh-empty');
    writeFileSync(kh, '');
    const err = await openSsh(base({ knownHosts: kh })).catch((e) => e);
    expect(err.error.code).toBe('HOST_KEY_UNKNOWN');
    expect(err.error.message).toContain(opensshFingerprint(join(a.tmp, 'ssh_host_ed25519_key.pub')));
    expect(err.error.hint).toContain(`ssh-keyscan -t ed25519 ${a.ip} >> ${kh}`);
    // The jump host is checked too, with its own name.
    const viaJump = await openSsh(base({ host: BEHIND, knownHosts: kh, jump: `root@${a.ip}` })).catch(
      (e) => e,
    );
    expect(viaJump.error.code).toBe('HOST_KEY_UNKNOWN');
    expect(viaJump.error.message).toContain(`jump host ${a.ip}`);
  });

  it('changed host key: refused, naming the known_hosts line', async () => {
    const kh = join(a.tmp, 'kh-changed');
    const bKey = sshdB.hostKeyPub.split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(kh, `${a.ip} ${bKey}\n`);
    const before = await synCount(a);
    const err = await openSsh(base({ knownHosts: kh, acceptNewHostKey: true })).catch((e) => e);
    expect(err.error.code).toBe('HOST_KEY_CHANGED');
    expect(err.error.message).toContain(`${kh} line 1`);
    expect(err.error.hint).toContain(opensshFingerprint(join(a.tmp, 'ssh_host_ed25519_key.pub')));
    expect((await synCount(a)) - before).toBe(1);
    expect(readFileSync(kh, 'utf8')).toBe(`${a.ip} ${bKey}\n`);
  });
});
