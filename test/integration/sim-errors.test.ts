/**
 * The simulator's gatekeeping and injected trouble, seen through the real SDK (and, where the SDK cannot show the
 * wire, through a request signed with the SDK's own signing function): bad keys and signatures, RAM denials,
 * unknown resources, throttling, proxy error pages, scripted failures, latency, and the unsigned helper routes.
 */
import * as OpenApiUtilNs from '@alicloud/openapi-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { failure, sdk, VERSIONS } from './sim-sdk.js';

const OpenApiUtil: any = (OpenApiUtilNs as any).default?.default ?? (OpenApiUtilNs as any).default;
const R = { RegionId: 'cn-hangzhou' };

/** A GET URL signed exactly as the SDK's V2 path signs (OpenApiUtil.getRPCSignature). */
function signedV2(
  sim: RunningSim,
  action: string,
  params: Record<string, string>,
  over: Record<string, string> = {},
): string {
  const q: Record<string, string> = {
    Action: action,
    Format: 'json',
    Version: VERSIONS.ecs,
    Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    SignatureNonce: `${Date.now()}-${Math.random()}`,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: sim.accessKeyId,
    ...params,
    ...over,
  };
  q.Signature = OpenApiUtil.getRPCSignature(q, 'GET', sim.accessKeySecret);
  return `${sim.endpoint}/?${new URLSearchParams(q)}`;
}

describe('the simulator as a gatekeeper', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim({
      scenario: 'healthy',
      ssh: false,
      overrides: { deny: ['ecs:RunCommand', 'vpc:Associate*'] },
      faults: {
        throttle: { DescribeRegions: { qps: 2 } },
        actionLatencyMs: { DescribeVpcs: 300 },
        errors: [
          { action: 'DescribeVSwitches', status: 502, body: 'html' },
          { action: 'DescribeEipAddresses', status: 503, body: 'json', times: 2 },
          { action: 'DescribeNatGateways', status: 200, body: 'json-200', code: 'ServiceUnavailable' },
          { action: 'DescribeRouteTableList', status: 0, body: 'reset', times: 1 },
        ],
      },
    });
  });
  afterAll(() => sim.close());
  const client = (signature: 'v2' | 'v3', secret = sim.accessKeySecret, key = sim.accessKeyId) =>
    sdk({ endpoint: sim.endpoint, accessKeyId: key, accessKeySecret: secret, signature });

  it('SignatureDoesNotMatch with a wrong secret, both schemes (V2 echoes the string to sign)', async () => {
    const v3 = await failure(() => client('v3', 'not-the-secret')('ecs', 'DescribeRegions'));
    expect(v3).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(v3.data).toMatchObject({ Code: 'SignatureDoesNotMatch', HostId: 'ecs.cn-hangzhou.aliyuncs.com' });
    expect(v3.data.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const v2 = await failure(() => client('v2', 'not-the-secret')('ecs', 'DescribeRegions'));
    expect(v2).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(v2.message).toContain('server string to sign is:POST&%2F&AccessKeyId%3D');
    expect(v2.message).not.toContain(sim.accessKeySecret);
  });

  it('InvalidAccessKeyId.NotFound (404) for a key the region does not know, both schemes', async () => {
    for (const s of ['v3', 'v2'] as const) {
      const e = await failure(() =>
        client(s, sim.accessKeySecret, 'LTAI5tUnknownKeyId000000')('ecs', 'DescribeRegions'),
      );
      expect(e).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
    }
  });

  it('Forbidden.RAM (403) names the RAM action in AccessDeniedDetail', async () => {
    const e = await failure(() =>
      client('v3')('ecs', 'RunCommand', {
        ...R,
        Type: 'RunShellScript',
        CommandContent: 'id',
        InstanceId: ['i-bp1k6jsb2wslxp48772b'],
      }),
    );
    expect(e).toMatchObject({ code: 'Forbidden.RAM', statusCode: 403 });
    expect(e.accessDeniedDetail).toMatchObject({
      AuthAction: 'ecs:RunCommand',
      NoPermissionType: 'ImplicitDeny',
    });
    const g = await failure(() =>
      client('v2')('vpc', 'AssociateEipAddress', { AllocationId: 'eip-x', InstanceId: 'i-x' }),
    );
    expect(g.accessDeniedDetail.AuthAction).toBe('vpc:AssociateEipAddress');
    // Reads stay allowed.
    expect((await client('v3')('ecs', 'DescribeInstances', R)).statusCode).toBe(200);
  });

  it('unknown actions and versions', async () => {
    const a = await failure(() => client('v3')('ecs', 'DescribeUnicorns', R));
    expect(a).toMatchObject({ code: 'InvalidAction.NotFound', statusCode: 404 });
    const res = await fetch(signedV2(sim, 'DescribeRegions', {}, { Version: '2099-01-01' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).Code).toBe('InvalidVersion');
  });

  it('Throttling.User (400) above the QPS limit, then recovery', async () => {
    const call = client('v3');
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => call('ecs', 'DescribeRegions')));
    const throttled = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    for (const e of throttled) {
      expect(e).toMatchObject({ code: 'Throttling.User', statusCode: 400 });
      expect(e.message).toContain('Request was denied due to user flow control.');
    }
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call('ecs', 'DescribeRegions')).statusCode).toBe(200);
  });

  it("a proxy's HTML 502 page surfaces from the SDK as a parse error, not a ResponseError", async () => {
    const e = await failure(() => client('v3')('vpc', 'DescribeVSwitches', R));
    expect(e.name).toBe('SyntaxError');
    expect(e.code).toBeUndefined();
    const res = await fetch(signedV2(sim, 'DescribeVSwitches', R, { Version: VERSIONS.vpc }));
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('x-netdoctor-sim')).toBe('healthy');
    expect(await res.text()).toContain('<title>502 Bad Gateway</title>');
  });

  it('scripted failures recover after `times`; a 200 with Success:false passes the SDK unchecked', async () => {
    const call = client('v2');
    for (let i = 0; i < 2; i++) {
      const e = await failure(() => call('vpc', 'DescribeEipAddresses', R));
      expect(e).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
    }
    expect((await call('vpc', 'DescribeEipAddresses', R)).body.TotalCount).toBe(2);
    const ok = await call('vpc', 'DescribeNatGateways', R);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatchObject({ Code: 'ServiceUnavailable', Success: false });
  });

  it('a reset connection, then the call works again', async () => {
    const e = await failure(() => client('v3')('vpc', 'DescribeRouteTableList', R));
    expect(e.code).toBe('ECONNRESET');
    expect(e.message).toContain('socket hang up');
    expect(e.statusCode).toBeUndefined();
    expect((await client('v3')('vpc', 'DescribeRouteTableList', R)).statusCode).toBe(200);
  });

  it('injects per-action latency', async () => {
    const call = client('v3');
    const t0 = performance.now();
    await call('vpc', 'DescribeVpcs', R);
    const slow = performance.now() - t0;
    const t1 = performance.now();
    await call('ecs', 'DescribeInstances', R);
    const fast = performance.now() - t1;
    expect(slow).toBeGreaterThanOrEqual(295);
    expect(fast).toBeLessThan(250);
  });

  it('rejects unsigned, stale and replayed requests', async () => {
    const unsigned = await fetch(`${sim.endpoint}/?Action=DescribeRegions&Version=${VERSIONS.ecs}`);
    expect(unsigned.status).toBe(400);
    const u = (await unsigned.json()) as any;
    expect(u.Code).toBe('IncompleteSignature');
    expect(unsigned.headers.get('x-acs-request-id')).toBe(u.RequestId);
    const stale = await fetch(
      signedV2(
        sim,
        'DescribeRegions',
        {},
        { Timestamp: new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z') },
      ),
    );
    expect(((await stale.json()) as any).Code).toBe('IllegalTimestamp');
    const url = signedV2(sim, 'DescribeInstances', R);
    expect((await fetch(url)).status).toBe(200);
    const replay = await fetch(url);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as any).Code).toBe('SignatureNonceUsed');
  });
});

describe('the helper routes the advertisement points at', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'healthy', ssh: false });
  });
  afterAll(() => sim.close());

  it('echo answers the operator address; probes answer from the world', async () => {
    const echo = await fetch(sim.advert.echoUrl);
    expect(echo.status).toBe(200);
    expect((await echo.text()).trim()).toBe('116.232.18.77');
    const tcp = await fetch(`${sim.advert.probeUrl}?kind=tcp&host=47.96.73.18&port=443`);
    expect(tcp.status).toBe(200);
    expect(await tcp.json()).toMatchObject({ host: '47.96.73.18', port: 443, via: 'sim' });
    const ping = await fetch(`${sim.advert.probeUrl}?kind=ping&host=47.96.73.18`);
    expect(await ping.json()).toMatchObject({ host: '47.96.73.18', via: 'sim' });
    const dns = await fetch(`${sim.advert.probeUrl}?kind=dns&name=mirrors.aliyun.com`);
    expect(await dns.json()).toMatchObject({
      name: 'mirrors.aliyun.com',
      ok: true,
      addresses: ['47.110.187.37', '47.110.187.38'],
    });
    const nx = await fetch(`${sim.advert.probeUrl}?kind=dns&name=nothing.invalid`);
    expect(await nx.json()).toMatchObject({ ok: false, error: 'NXDOMAIN', addresses: [] });
    const bad = await fetch(`${sim.advert.probeUrl}?kind=tcp&host=47.96.73.18&port=99999`);
    expect(bad.status).toBe(400);
  });
});
