// `me` against real HTTP echo endpoints on loopback (plain text, JSON, broken, slow, password-protected);
// the public defaults are never contacted in tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_URL_ENV, findMyAddress } from '../../source/probe/me.js';

let server: http.Server;
let base: string;
const seen: { path: string; auth?: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    const route = (req.url ?? '').split('?')[0];
    switch (route) {
      case '/text':
        res.end('203.0.113.7\n');
        break;
      case '/json':
        res.setHeader('content-type', 'application/json');
        res.end('{"ip":"2001:db8::77"}');
        break;
      case '/html':
        res.end('<html><body>Access denied</body></html>');
        break;
      case '/error':
        res.statusCode = 503;
        res.end('maintenance');
        break;
      case '/slow':
        setTimeout(() => res.end('203.0.113.8'), 2000);
        break;
      case '/private':
        if (req.headers.authorization === `Basic ${Buffer.from('ops:s3cret-pw').toString('base64')}`)
          res.end('203.0.113.9');
        else {
          res.statusCode = 401;
          res.end();
        }
        break;
      default:
        res.statusCode = 404;
        res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('findMyAddress', () => {
  it('takes a given address as is, without asking anyone', async () => {
    const before = seen.length;
    expect(await findMyAddress({ given: '203.0.113.50', echoUrl: `${base}/text` })).toEqual({
      egressIp: '203.0.113.50',
      source: 'given',
    });
    expect(await findMyAddress({ given: '[2001:db8::5]' })).toMatchObject({ egressIp: '2001:db8::5' });
    expect(seen.length).toBe(before);
  });

  it('says what is wrong with a given value that is not an address', async () => {
    const me = await findMyAddress({ given: 'my-laptop' });
    expect(me.egressIp).toBeUndefined();
    expect(me.error).toMatchObject({ code: 'BAD_ADDRESS' });
    expect(me.error?.hint).toMatch(/--me 203\.0\.113\.7/);
  });

  it('reads a plain-text echo endpoint', async () => {
    expect(await findMyAddress({ echoUrl: `${base}/text` })).toEqual({
      egressIp: '203.0.113.7',
      source: `echo:${base}/text`,
    });
  });

  it('reads a JSON echo endpoint (IPv6)', async () => {
    expect((await findMyAddress({ echoUrl: `${base}/json` })).egressIp).toBe('2001:db8::77');
  });

  it('uses NETDOCTOR_ECHO_URL when no URL is given', async () => {
    const me = await findMyAddress({ env: { [ECHO_URL_ENV]: `${base}/text` } });
    expect(me).toEqual({ egressIp: '203.0.113.7', source: `echo:${base}/text` });
  });

  it('reports an endpoint that does not answer an address', async () => {
    const me = await findMyAddress({ echoUrl: `${base}/html` });
    expect(me).toMatchObject({ source: 'unknown', error: { code: 'ECHO_FAILED' } });
    expect(me.error?.message).toContain('did not answer with an IP address');
    expect(me.error?.hint).toMatch(/--me/);
    expect((await findMyAddress({ echoUrl: `${base}/error` })).error?.message).toContain('HTTP 503');
  });

  it('gives up on a slow endpoint within its budget', async () => {
    const t0 = performance.now();
    const me = await findMyAddress({ echoUrl: `${base}/slow`, timeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(me.error?.message).toMatch(/slow gave no answer within \d+ ms/);
  });

  it('reports an endpoint where nothing listens', async () => {
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((r) => gone.close(r));
    const me = await findMyAddress({ echoUrl: `http://127.0.0.1:${port}/ip`, timeoutMs: 1000 });
    expect(me.error?.message).toMatch(/could not be reached \(ECONNREFUSED\)/);
  });

  it('sends URL credentials as Basic auth and never shows them', async () => {
    const url = `${base.replace('http://', 'http://ops:s3cret-pw@')}/private?token=t0ken`;
    const me = await findMyAddress({ echoUrl: url });
    expect(me).toEqual({ egressIp: '203.0.113.9', source: `echo:${base}/private` });
    const bad = await findMyAddress({ echoUrl: url.replace('s3cret-pw', 'wrong-pw') });
    expect(bad.error?.message).toContain('HTTP 401');
    expect(JSON.stringify(bad)).not.toMatch(/wrong-pw|t0ken/);
  });

  it('asks the simulated region when it advertises its echo endpoint', async () => {
    const me = await findMyAddress({
      sim: { scenario: 'storefront', probeUrl: `${base}/probe`, echoUrl: `${base}/text` },
      echoUrl: `${base}/json`,
    });
    expect(me).toEqual({ egressIp: '203.0.113.7', source: 'sim' });
    const down = await findMyAddress({
      sim: { scenario: 'storefront', probeUrl: `${base}/probe`, echoUrl: `${base}/error` },
    });
    expect(down).toMatchObject({ source: 'unknown', error: { code: 'ECHO_FAILED' } });
  });
});
