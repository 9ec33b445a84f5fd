/**
 * The ssh2 client transport against the simulator's ssh2 server, over loopback: many channels on one
 * connection, timeouts, cancel, MaxSessions queueing, reconnect, and every host-key refusal happening
 * before a credential is sent.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSsh, type SshTarget } from '../../source/guest/transport/ssh.js';
import { TransportError } from '../../source/guest/transport/types.js';
import type { GuestExecResult } from '../../source/sim/guest/exec.js';
import { type SimSshServer, startSimSsh } from '../../source/sim/ssh/server.js';
import type { World, WorldInstance } from '../../source/sim/world.js';

function instance(id: string, over: Partial<WorldInstance> = {}): WorldInstance {
  return {
    id,
    name: id,
    regionId: 'cn-hangzhou',
    zoneId: 'cn-hangzhou-h',
    status: 'Running',
    locks: [],
    networkType: 'vpc',
    privateIps: ['172.16.1.10'],
    publicIps: [],
    internetMaxBandwidthOut: 0,
    securityGroupIds: [],
    enis: [],
    assistant: { online: true },
    ...over,
  };
}

function world(): World {
  return {
    name: 'ssh-test',
    title: 'ssh transport test',
    region: 'cn-hangzhou',
    account: { id: '1', accessKeyId: 'LTAI-test', accessKeySecret: 'not-used' },
    target: 'i-up',
    operator: { ip: '198.18.255.1' },
    deny: [],
    faults: {},
    expect: { codes: [] },
    vpcs: [],
    vswitches: [],
    routeTables: [],
    networkAcls: [],
    natGateways: [],
    securityGroups: [],
    eips: [],
    instances: [
      instance('i-up'),
      instance('i-nossh', { sshUp: false }),
      instance('i-stopped', { status: 'Stopped' }),
    ],
    events: [],
    internet: { reachable: [], dns: {} },
  };
}

/**
 * The simulated guest for these tests: `echo X` prints X, `seq N` prints 1..N, `fail N` exits N with a message
 * on stderr. (The scenario-rendered guest is source/sim/guest/exec.ts's business and is tested there.)
 */
const calls: string[] = [];
function guest(_w: World, id: string, command: string): GuestExecResult {
  calls.push(command);
  const [cmd, arg = ''] = command.split(/ (.*)/s);
  if (cmd === 'echo') return { stdout: `${arg}\n`, stderr: '', code: 0 };
  if (cmd === 'whoami') return { stdout: `${id}\n`, stderr: '', code: 0 };
  if (cmd === 'seq')
    return {
      stdout: Array.from({ length: Number(arg) }, (_, i) => `${i + 1}\n`).join(''),
      stderr: '',
      code: 0,
    };
  if (cmd === 'fail') return { stdout: '', stderr: `failing with ${arg}\n`, code: Number(arg) };
  return { stdout: '', stderr: `sh: ${cmd}: not found\n`, code: 127 };
}

describe('ssh2 transport ↔ simulator SSH server', () => {
  let w: World;
  let server: SimSshServer;
  let latency = 0;
  const home = mkdtempSync(join(tmpdir(), 'nd-ssh-sim-'));

  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: server.host,
    port: server.port,
    user: 'i-up',
    password: server.password,
    hostKeyPin: server.hostKeyPublic,
    agent: false,
    configFile: 'none',
    systemConfig: false,
    identity: [],
    knownHosts: join(home, 'known_hosts'),
    timeoutMs: 5000,
    ...over,
  });

  beforeAll(async () => {
    w = world();
    server = await startSimSsh(w, { latencyMs: () => latency, exec: guest });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs many commands concurrently over ONE connection', async () => {
    const before = server.stats();
    const t = await openSsh(target());
    try {
      latency = 20;
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => t.run(`echo n${i}`)));
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 24 }, (_, i) => `n${i}\n`));
      expect(results.every((r) => r.code === 0)).toBe(true);
      expect(t.stats().connections).toBe(1);
      expect(t.stats().commands).toBe(24);
      expect(t.stats().channelsPeak).toBeGreaterThan(1);
      const after = server.stats();
      expect(after.connections - before.connections).toBe(1);
      expect(after.commands - before.commands).toBe(24);
      expect(t.describe()).toBe(`i-up@127.0.0.1:${server.port}`);
    } finally {
      latency = 0;
      await t.close();
    }
  });

  it('reports exit codes and stderr, and streams output through onData', async () => {
    const t = await openSsh(target());
    try {
      const f = await t.run('fail 3');
      expect(f).toMatchObject({ code: 3, stdout: '', stderr: 'failing with 3\n' });
      const chunks: string[] = [];
      const big = await t.run('seq 20000', { onData: (c, s) => s === 'stdout' && chunks.push(c) });
      expect(big.stdout.split('\n')).toHaveLength(20001);
      expect(chunks.join('')).toBe(big.stdout);
      expect(chunks.length).toBeGreaterThan(1);
      expect((await t.run('whoami')).stdout).toBe('i-up\n');
    } finally {
      await t.close();
    }
  });

  it('times out a command: result timedOut with code null, the server drops it, the connection stays usable', async () => {
    const t = await openSsh(target());
    try {
      latency = 3000;
      const n = calls.length;
      const started = Date.now();
      const r = await t.run('echo slow', { timeoutMs: 200 });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(r.timedOut).toBe(true);
      expect(r.code).toBeNull();
      latency = 0;
      expect((await t.run('echo after')).stdout).toBe('after\n');
      await new Promise((res) => setTimeout(res, 100));
      // The slow command was signalled and its channel closed before the guest ever ran it.
      expect(calls.slice(n)).toEqual(['echo after']);
      expect(t.stats().connections).toBe(1);
    } finally {
      latency = 0;
      await t.close();
    }
  });

  it('cancels a command with an AbortSignal', async () => {
    const t = await openSsh(target());
    try {
      latency = 3000;
      const ac = new AbortController();
      const p = t.run('echo never', { signal: ac.signal });
      setTimeout(() => ac.abort(), 100);
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      latency = 0;
      expect((await t.run('echo still-here')).stdout).toBe('still-here\n');
      const pre = new AbortController();
      pre.abort();
      await expect(t.run('echo x', { signal: pre.signal })).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      latency = 0;
      await t.close();
    }
  });

  it('queues channels beyond the server’s MaxSessions instead of failing them', async () => {
    const limited = await startSimSsh(w, { latencyMs: () => 30, exec: guest, maxSessions: 2 });
    const t = await openSsh(target({ port: limited.port, maxChannels: 8 }));
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => t.run(`echo q${i}`)));
      expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 12 }, (_, i) => `q${i}`));
      expect(t.stats().connections).toBe(1);
      expect(limited.stats().commands).toBe(12);
    } finally {
      await t.close();
      await limited.close();
    }
  });

  it('reconnects once after the connection drops, counting the new connection', async () => {
    const t = await openSsh(target());
    try {
      expect((await t.run('echo one')).stdout).toBe('one\n');
      server.dropAll();
      await new Promise((res) => setTimeout(res, 100));
      expect((await t.run('echo two')).stdout).toBe('two\n');
      expect(t.stats().connections).toBe(2);
    } finally {
      await t.close();
    }
    await expect(t.run('echo closed')).rejects.toMatchObject({ error: { code: 'TRANSPORT_CLOSED' } });
  });

  it('a command in flight when the connection drops fails with CONNECTION_LOST', async () => {
    const t = await openSsh(target());
    try {
      latency = 2000;
      const p = t.run('echo cut');
      setTimeout(() => server.dropAll(), 100);
      await expect(p).rejects.toMatchObject({ error: { code: 'CONNECTION_LOST' } });
    } finally {
      latency = 0;
      await t.close();
    }
  });

  it('refuses a server whose host key is not the pinned one — before sending any credential', async () => {
    const other = ssh2.utils.generateKeyPairSync('ed25519').public;
    const before = server.stats();
    const err = await openSsh(target({ hostKeyPin: other })).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.error.code).toBe('HOST_KEY_CHANGED');
    expect(err.error.message).toContain(server.hostKeySha256);
    expect(err.error.message).not.toContain(server.password);
    expect(server.stats().authAttempts - before.authAttempts).toBe(0);
  });

  it('unknown host key: refused with the fingerprint and the ssh-keyscan line; accepted with acceptNewHostKey', async () => {
    const kh = join(home, 'kh-unknown');
    const before = server.stats();
    const err = await openSsh(target({ hostKeyPin: undefined, knownHosts: kh })).catch((e) => e);
    expect(err.error.code).toBe('HOST_KEY_UNKNOWN');
    expect(err.error.message).toContain(server.hostKeySha256);
    expect(err.error.hint).toContain(`ssh-keyscan -t ed25519 -p ${server.port} 127.0.0.1 >> ${kh}`);
    expect(server.stats().authAttempts - before.authAttempts).toBe(0);

    const accepted: string[] = [];
    const t = await openSsh(target({ hostKeyPin: undefined, knownHosts: kh, acceptNewHostKey: true }), {
      onHostKeyAccepted: (i) => accepted.push(i.fingerprint),
    });
    await t.close();
    expect(accepted).toEqual([server.hostKeySha256]);
    expect(readFileSync(kh, 'utf8')).toContain(`[127.0.0.1]:${server.port} ssh-ed25519 `);
    // Now known: no flag needed.
    const again = await openSsh(target({ hostKeyPin: undefined, knownHosts: kh }));
    expect((await again.run('echo known')).stdout).toBe('known\n');
    await again.close();
  });

  it('changed host key: refused loudly, naming the file and line, even with acceptNewHostKey', async () => {
    const kh = join(home, 'kh-changed');
    const other = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');
    writeFileSync(kh, `# first line\n[127.0.0.1]:${server.port} ${other}\n`);
    const before = server.stats();
    const err = await openSsh(
      target({ hostKeyPin: undefined, knownHosts: kh, acceptNewHostKey: true }),
    ).catch((e) => e);
    expect(err.error.code).toBe('HOST_KEY_CHANGED');
    expect(err.error.message).toContain(`${kh} line 2`);
    expect(err.error.hint).toContain(server.hostKeySha256);
    expect(server.stats().authAttempts - before.authAttempts).toBe(0);
    expect(readFileSync(kh, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('a wrong password is AUTH_FAILED naming the methods tried, without the password', async () => {
    const err = await openSsh(target({ password: 'not-the-password' })).catch((e) => e);
    expect(err.error.code).toBe('AUTH_FAILED');
    expect(err.error.hint).toContain('password');
    expect(err.error.hint).toContain('The server accepts: password');
    expect(JSON.stringify(err.error)).not.toContain('not-the-password');
  });

  it('an instance with SSH down or not running refuses the session (CONNECTION_REFUSED)', async () => {
    for (const user of ['i-nossh', 'i-stopped']) {
      const before = server.stats().refused;
      const err = await openSsh(target({ user })).catch((e) => e);
      expect(err.error.code).toBe('CONNECTION_REFUSED');
      expect(server.stats().refused).toBe(before + 1);
    }
  });

  it('a closed port is CONNECTION_REFUSED, a silent one CONNECT_TIMEOUT', async () => {
    const closed = await startSimSsh(w, { exec: guest });
    const port = closed.port;
    await closed.close();
    const refused = await openSsh(target({ port })).catch((e) => e);
    expect(refused.error.code).toBe('CONNECTION_REFUSED');

    // A listener that accepts TCP but never speaks SSH.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const started = Date.now();
      const err = await openSsh(
        target({ port: (silent.address() as { port: number }).port, timeoutMs: 300 }),
      ).catch((e) => e);
      expect(err.error.code).toBe('CONNECT_TIMEOUT');
      expect(err.error.message).toMatch(/did not complete the SSH handshake/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});
