/** The test network guard itself: loopback and 198.18.0.0/15 pass, anything else is refused before it leaves. */
import dns from 'node:dns';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { allowedAddress } from '../../support/net-guard.mjs';

describe('test network guard', () => {
  it('allows loopback and the test hosts only', () => {
    for (const a of ['127.0.0.1', '::1', 'localhost', '198.18.0.2', '198.19.255.254', '::ffff:127.0.0.1'])
      expect(allowedAddress(a), a).toBe(true);
    for (const a of [
      '8.8.8.8',
      '100.100.100.200',
      '47.96.73.18',
      '198.20.0.1',
      'ecs.cn-hangzhou.aliyuncs.com',
      '2001:db8::1',
    ])
      expect(allowedAddress(a), a).toBe(false);
  });

  it('refuses a TCP connect to the metadata service and to an Alibaba endpoint', () => {
    expect(() => net.connect({ host: '100.100.100.200', port: 80 })).toThrow(/netdoctor test guard/);
    expect(() => net.connect(443, '47.96.73.18')).toThrow(/netdoctor test guard/);
  });

  it('refuses DNS lookups of outside names and resolvers outside loopback', async () => {
    await expect(dns.promises.lookup('ecs.cn-hangzhou.aliyuncs.com')).rejects.toThrow(/netdoctor test guard/);
    const r = new dns.promises.Resolver();
    r.setServers(['8.8.8.8']);
    await expect(r.resolve4('aliyun.com')).rejects.toThrow(/netdoctor test guard/);
  });

  it('lets loopback through', async () => {
    const server = net.createServer((s) => s.end('ok'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as net.AddressInfo).port;
    const got = await new Promise<string>((res, rej) => {
      const c = net.connect(port, '127.0.0.1');
      let b = '';
      c.on('data', (d) => (b += d));
      c.on('end', () => res(b));
      c.on('error', rej);
    });
    server.close();
    expect(got).toBe('ok');
  });
});
