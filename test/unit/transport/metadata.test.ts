/**
 * Instance discovery against a loopback metadata server that answers like Alibaba's (IMDSv2 token via
 * PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds, then GETs carrying
 * X-aliyun-ecs-metadata-token). The real address 100.100.100.200 is never contacted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_METADATA_URL, discoverInstance } from '../../../source/guest/metadata.js';

const TREE: Record<string, string> = {
  'instance-id': 'i-bp1abcdefghijklmnop',
  'region-id': 'cn-hangzhou',
  'zone-id': 'cn-hangzhou-h',
  'private-ipv4': '172.16.1.10',
  eipv4: '47.96.1.180',
  hostname: 'web-1',
  'vpc-id': 'vpc-bp1xyz',
};

const mode = { tokenRequired: false, tokenSupported: true, hang: false, seen: [] as string[] };
const TOKEN = 'AQAEAFakeTokenForTests==';

function handler(req: IncomingMessage, res: ServerResponse): void {
  mode.seen.push(`${req.method} ${req.url} ${req.headers['x-aliyun-ecs-metadata-token'] ? 'token' : '-'}`);
  if (mode.hang) return; // never answers
  if (req.method === 'PUT' && req.url === '/latest/api/token') {
    if (!mode.tokenSupported) return void res.writeHead(404).end();
    if (!req.headers['x-aliyun-ecs-metadata-token-ttl-seconds']) return void res.writeHead(400).end();
    return void res.writeHead(200, { 'content-type': 'text/plain' }).end(TOKEN);
  }
  const m = /^\/latest\/meta-data\/(.+)$/.exec(req.url ?? '');
  if (req.method !== 'GET' || !m) return void res.writeHead(404).end();
  if (mode.tokenRequired && req.headers['x-aliyun-ecs-metadata-token'] !== TOKEN)
    return void res.writeHead(403).end();
  const v = TREE[m[1]];
  if (v === undefined) return void res.writeHead(404).end('Not Found');
  res.writeHead(200, { 'content-type': 'text/plain' }).end(v);
}

describe('discoverInstance (ECS metadata)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest/meta-data/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    Object.assign(mode, { tokenRequired: false, tokenSupported: true, hang: false, seen: [] });
  });

  it('IMDSv2: gets a token first, then reads id, region, zone, addresses with it', async () => {
    const f = await discoverInstance({ baseUrl: base, now: () => 1234 });
    expect(f.error).toBeUndefined();
    expect(f.at).toBe(1234);
    expect(f.source).toBe('guest:metadata');
    expect(f.value).toEqual({
      instanceId: 'i-bp1abcdefghijklmnop',
      regionId: 'cn-hangzhou',
      zoneId: 'cn-hangzhou-h',
      privateIp: '172.16.1.10',
      eip: '47.96.1.180',
      hostname: 'web-1',
      vpcId: 'vpc-bp1xyz',
      imds: 'v2',
    });
    expect(mode.seen[0]).toBe('PUT /latest/api/token -');
    expect(mode.seen.slice(1).every((s) => s.endsWith(' token'))).toBe(true);
  });

  it('falls back to v1 when the token endpoint is missing', async () => {
    mode.tokenSupported = false;
    const f = await discoverInstance({ baseUrl: base });
    expect(f.value?.imds).toBe('v1');
    expect(f.value?.instanceId).toBe('i-bp1abcdefghijklmnop');
  });

  it('token required but unobtainable → METADATA_FORBIDDEN', async () => {
    mode.tokenRequired = true;
    mode.tokenSupported = false;
    const f = await discoverInstance({ baseUrl: base });
    expect(f.error?.code).toBe('METADATA_FORBIDDEN');
    expect(f.error?.hint).toMatch(/--region/);
  });

  it('no answer → METADATA_UNAVAILABLE within the short timeout', async () => {
    mode.hang = true;
    const started = Date.now();
    const f = await discoverInstance({ baseUrl: base, timeoutMs: 200 });
    expect(f.error?.code).toBe('METADATA_UNAVAILABLE');
    expect(f.error?.message).toContain('did not answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('NETDOCTOR_METADATA_URL points it elsewhere; the default address is never asked when metadata is disabled', async () => {
    const viaEnv = await discoverInstance({ env: { NETDOCTOR_METADATA_URL: base.replace(/\/$/, '') } });
    expect(viaEnv.value?.regionId).toBe('cn-hangzhou');
    const disabled = await discoverInstance({ env: { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' } });
    expect(disabled.error?.code).toBe('METADATA_DISABLED');
    expect(DEFAULT_METADATA_URL).toBe('http://100.100.100.200/latest/meta-data/');
  });

  it('a server that is not ECS metadata (wrong answers) is an error, not a bogus instance', async () => {
    const other = createServer((_q, r) => r.writeHead(200).end('<html>hello</html>'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const f = await discoverInstance({
        baseUrl: `http://127.0.0.1:${(other.address() as AddressInfo).port}/latest/meta-data/`,
      });
      expect(f.error?.code).toBe('METADATA_UNAVAILABLE');
      expect(f.value).toBeUndefined();
    } finally {
      other.close();
    }
  });
});
