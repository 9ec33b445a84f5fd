// The TCP probe against real loopback servers: open (banner, silent, closing at once), closed, resetting,
// and a listener whose accept queue is full (the kernel drops the SYN: a real timeout on loopback).
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTcp } from '../../source/probe/tcp.js';
import { tierReady } from '../support/tier.js';
import { toolsCheck } from '../unit/probe/support/tools-check.js';

function listen(onConn: (s: net.Socket) => void, host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(onConn);
    srv.once('error', reject);
    srv.listen(0, host, () => resolve(srv));
  });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = await listen(() => {}, host);
  const p = portOf(s);
  await new Promise((r) => s.close(r));
  return p;
}

describe('probeTcp on loopback', () => {
  const servers: net.Server[] = [];
  let banner: net.Server;
  let silent: net.Server;
  let closer: net.Server;
  let resetter: net.Server;
  let lateResetter: net.Server;
  beforeAll(async () => {
    banner = await listen((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    silent = await listen(() => {});
    closer = await listen((s) => s.end());
    // resetAndDestroy sends an RST (SO_LINGER 0): what a crashing worker or an IPS looks like.
    resetter = await listen((s) => s.resetAndDestroy());
    lateResetter = await listen((s) => setTimeout(() => s.resetAndDestroy(), 100));
    servers.push(banner, silent, closer, resetter, lateResetter);
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('delivers to an open port and closes at once without a hold', async () => {
    const p = await probeTcp('127.0.0.1', portOf(silent), { timeoutMs: 2000 });
    expect(p).toMatchObject({ host: '127.0.0.1', outcome: 'delivered', via: 'direct' });
    expect(p.after).toBeUndefined();
    expect(p.ms).toBeLessThan(500);
  });

  it('reads the banner a server sends first', async () => {
    const p = await probeTcp('127.0.0.1', portOf(banner), { timeoutMs: 2000, holdMs: 500 });
    expect(p).toMatchObject({
      outcome: 'delivered',
      after: 'banner',
      banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
    });
  });

  it('notices a server that closes at once (tcp wrappers deny looks like this)', async () => {
    const p = await probeTcp('127.0.0.1', portOf(closer), { timeoutMs: 2000, holdMs: 500 });
    expect(p).toMatchObject({ outcome: 'delivered', after: 'closed' });
  });

  it('notices a silent server', async () => {
    const p = await probeTcp('127.0.0.1', portOf(silent), { timeoutMs: 2000, holdMs: 150 });
    expect(p).toMatchObject({ outcome: 'delivered', after: 'silent' });
  });

  it('classifies a reset right after the handshake as reset', async () => {
    const p = await probeTcp('127.0.0.1', portOf(resetter), { timeoutMs: 2000, holdMs: 500 });
    expect(p.outcome).toBe('reset');
    // Depending on timing the RST lands before or after Node reports the connect; both are a reset.
    expect(p.error).toMatch(
      /^ECONNRESET: the (server accepted the connection, then reset it|connection was reset as it opened)/,
    );
  });

  it('classifies a reset some time after the handshake as reset, and says when it came', async () => {
    const p = await probeTcp('127.0.0.1', portOf(lateResetter), { timeoutMs: 2000, holdMs: 1000 });
    expect(p.outcome).toBe('reset');
    expect(p.error).toMatch(/^ECONNRESET: the server accepted the connection, then reset it \d+ ms later$/);
  });

  it('classifies a closed port as refused', async () => {
    const p = await probeTcp('127.0.0.1', await closedPort(), { timeoutMs: 2000 });
    expect(p.outcome).toBe('refused');
    expect(p.error).toMatch(/^ECONNREFUSED/);
  });

  it('speaks IPv6, with or without brackets', async () => {
    let v6: net.Server;
    try {
      v6 = await listen(() => {}, '::1');
    } catch (e) {
      throw new Error(`this machine has no ::1 (${(e as Error).message}); IPv6 probes cannot be tested`);
    }
    try {
      expect((await probeTcp('[::1]', portOf(v6), { timeoutMs: 2000 })).outcome).toBe('delivered');
      const p = await probeTcp('::1', await closedPort('::1'), { timeoutMs: 2000 });
      expect(p).toMatchObject({ host: '::1', outcome: 'refused' });
    } finally {
      v6.close();
    }
  });

  it('rejects a port that is not a port', async () => {
    expect((await probeTcp('127.0.0.1', 0)).outcome).toBe('error');
    expect((await probeTcp('127.0.0.1', 70000)).error).toMatch(/not a TCP port/);
  });

  it('turns a refused-by-policy connect (the test network guard) into an error, not a throw', async () => {
    const p = await probeTcp('203.0.113.9', 443, { timeoutMs: 500 });
    expect(p.outcome).toBe('error');
    expect(p.error).toMatch(/^ENETDOCTORGUARD/);
  });

  it('stops when the signal fires, well before its timeout', async () => {
    const ctl = new AbortController();
    const port = portOf(silent);
    setTimeout(() => ctl.abort(), 100);
    // holdMs keeps the probe busy after the handshake; the abort ends it as a delivered, silent probe.
    const p = await probeTcp('127.0.0.1', port, { timeoutMs: 5000, holdMs: 5000, signal: ctl.signal });
    expect(p).toMatchObject({ outcome: 'delivered', after: 'silent' });
  });
});

describe.runIf(tierReady(toolsCheck(['python3'])))(
  'probeTcp against a full accept queue (SYN dropped by the kernel)',
  () => {
    let child: ChildProcess;
    let port: number;
    let filler: net.Socket[] = [];
    beforeAll(async () => {
      // A listener with backlog 0 that never accepts: once one connection waits in the queue, Linux drops
      // further SYNs (tcp_abort_on_overflow=0), which is exactly what a DROP rule looks like to a client.
      child = spawn('python3', [
        '-c',
        'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)',
      ]);
      port = await new Promise<number>((resolve, reject) => {
        child.stdout!.once('data', (b) => resolve(Number(String(b).trim())));
        child.once('error', reject);
      });
      // Fill the queue until a connect no longer completes.
      for (let i = 0; i < 4; i++) {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('error', () => {});
        filler.push(s);
      }
      await new Promise((r) => setTimeout(r, 300));
    });
    afterAll(() => {
      for (const s of filler) s.destroy();
      filler = [];
      child?.kill('SIGKILL');
    });

    it('classifies no answer as timeout, bounded by the budget, across attempts', async () => {
      const t0 = performance.now();
      const p = await probeTcp('127.0.0.1', port, { timeoutMs: 1200, attempts: 2 });
      const took = performance.now() - t0;
      expect(p.outcome).toBe('timeout');
      expect(p.attempts).toBe(2);
      expect(p.error).toMatch(/^no answer within \d+ ms over 2 attempts/);
      expect(p.ms).toBeGreaterThanOrEqual(1100);
      expect(took).toBeGreaterThanOrEqual(1100);
      expect(took).toBeLessThan(2000);
    });
  },
);
