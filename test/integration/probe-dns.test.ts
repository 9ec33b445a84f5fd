// DNS probes against a small real DNS server on loopback (test/unit/probe/support/dns-server.ts) that
// answers A/AAAA records, NXDOMAIN, SERVFAIL and REFUSED, or stays silent; plus a port where nothing listens.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDns, resolveSystem, resolveWith } from '../../source/probe/dns.js';
import { startDns, type Zone } from '../unit/probe/support/dns-server.js';

const ZONE: Zone = {
  'www.shop.test': { a: ['198.18.0.7'] },
  'dual.shop.test': { a: ['198.18.0.8'], aaaa: ['2001:db8::8'] },
  'v6only.shop.test': { aaaa: ['2001:db8::9'] },
  'empty.shop.test': {},
  'broken.shop.test': { rcode: 2 },
  'private.shop.test': { rcode: 5 },
  'slow.shop.test': { silent: true },
};

describe('DNS probe against a chosen server', () => {
  let dns: Awaited<ReturnType<typeof startDns>>;
  let mute: dgram.Socket;
  let muteServer: string;
  let closedServer: string;
  beforeAll(async () => {
    dns = await startDns(ZONE);
    mute = dgram.createSocket('udp4');
    await new Promise<void>((r) => mute.bind(0, '127.0.0.1', () => r()));
    muteServer = `127.0.0.1:${mute.address().port}`;
    const gone = dgram.createSocket('udp4');
    await new Promise<void>((r) => gone.bind(0, '127.0.0.1', () => r()));
    closedServer = `127.0.0.1:${gone.address().port}`;
    gone.close();
  });
  afterAll(() => {
    dns?.socket.close();
    mute?.close();
  });

  it('resolves A records', async () => {
    const p = await resolveWith('www.shop.test', dns.server, { timeoutMs: 2000 });
    expect(p).toMatchObject({
      name: 'www.shop.test',
      server: dns.server,
      ok: true,
      addresses: ['198.18.0.7'],
    });
    expect(p.error).toBeUndefined();
    expect(dns.queries).toContain('www.shop.test');
  });

  it('merges A and AAAA, and takes a name with only AAAA', async () => {
    expect((await resolveWith('dual.shop.test', dns.server)).addresses).toEqual([
      '198.18.0.8',
      '2001:db8::8',
    ]);
    expect(await resolveWith('v6only.shop.test', dns.server)).toMatchObject({
      ok: true,
      addresses: ['2001:db8::9'],
    });
  });

  it('classifies NXDOMAIN', async () => {
    const p = await resolveWith('nosuch.shop.test', dns.server);
    expect(p).toMatchObject({ ok: false, addresses: [], error: 'NXDOMAIN' });
    expect(p.detail).toMatch(/does not exist/);
  });

  it('classifies a name without addresses as NODATA', async () => {
    expect(await resolveWith('empty.shop.test', dns.server)).toMatchObject({ ok: false, error: 'NODATA' });
  });

  it('classifies SERVFAIL and REFUSED', async () => {
    expect(await resolveWith('broken.shop.test', dns.server)).toMatchObject({ ok: false, error: 'SERVFAIL' });
    expect(await resolveWith('private.shop.test', dns.server)).toMatchObject({ ok: false, error: 'REFUSED' });
  });

  it('classifies a server that never answers as timeout, within its budget', async () => {
    for (const [name, server] of [
      ['www.shop.test', muteServer],
      ['slow.shop.test', dns.server],
    ]) {
      const t0 = performance.now();
      const p = await resolveWith(name, server, { timeoutMs: 600, tries: 2 });
      const took = performance.now() - t0;
      expect(p).toMatchObject({ ok: false, error: 'timeout' });
      expect(p.detail).toMatch(/gave no answer within 600 ms/);
      expect(took).toBeLessThan(1200);
    }
  });

  it('classifies a port where nothing listens as unreachable', async () => {
    const p = await resolveWith('www.shop.test', closedServer, { timeoutMs: 1500 });
    expect(p).toMatchObject({ ok: false, error: 'unreachable' });
  });

  it('asks an IPv6 server', async () => {
    const v6 = await startDns(ZONE, '::1');
    try {
      expect(await resolveWith('www.shop.test', v6.server)).toMatchObject({
        ok: true,
        addresses: ['198.18.0.7'],
      });
    } finally {
      v6.socket.close();
    }
  });

  it('refuses a server that is not an address without asking anyone', async () => {
    const p = await resolveWith('www.shop.test', 'dns.shop.test');
    expect(p).toMatchObject({ ok: false, error: 'bad-server', ms: 0 });
  });

  it('stops when the signal fires', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const t0 = performance.now();
    const p = await resolveWith('slow.shop.test', dns.server, { timeoutMs: 5000, signal: ctl.signal });
    expect(p.error).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('DNS probe through the system resolver', () => {
  it('resolves localhost through getaddrinfo (/etc/hosts)', async () => {
    const p = await probeDns('localhost');
    expect(p.server).toBeUndefined();
    expect(p.ok).toBe(true);
    expect(p.addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });

  it('reports a refused lookup as an error fact, never a throw', async () => {
    // The test network guard refuses names outside the test network, like a policy would.
    const p = await resolveSystem('mirrors.aliyun.com', { timeoutMs: 1000 });
    expect(p).toMatchObject({ ok: false, addresses: [], error: 'error' });
    expect(p.detail).toMatch(/ENETDOCTORGUARD/);
  });
});
