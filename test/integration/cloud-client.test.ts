/**
 * The cloud client through the real @alicloud/openapi-client over HTTP, against a loopback server that
 * verifies both signature schemes: flattening, retries and their limits, validation of odd bodies, error
 * guidance, timeouts and call records (flow control, paging and the rest: cloud-client-flow.test.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloudOptions, createCloudClient } from '../../source/cloud/client.js';
import { CloudError } from '../../source/cloud/errors.js';
import { type ApiHandler, apiError, startTestApi, type TestApi } from '../unit/cloud/support/api-server.js';

const AK = 'LTAI5tTestKeyId0001';
const SECRET = 'test-secret-Zx9QwErTy';
const TOKEN = 'STS-token-Qp8ZmN5vB2';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function setup(handler: ApiHandler, extra: Partial<CloudOptions> = {}) {
  api = await startTestApi({ accessKeyId: AK, accessKeySecret: SECRET, handler });
  const client = await createCloudClient({
    endpoint: api.endpoint,
    region: 'cn-hangzhou',
    accessKeyId: AK,
    accessKeySecret: SECRET,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-cloud-')),
    ...extra,
  });
  return { api, client };
}

const ok = (body: Record<string, unknown> = {}) => ({ body: { RequestId: 'R-1', ...body } });

describe('signing and parameters', () => {
  for (const sig of ['v3', 'v2'] as const) {
    it(`signs with ${sig} and flattens lists and objects`, async () => {
      const { api, client } = await setup(() => ok({ Done: true }), { signatureAlgorithm: sig });
      const body = await client.call('ecs', 'AuthorizeSecurityGroup', {
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-1',
        Permissions: [{ IpProtocol: 'TCP', PortRange: '443/443', SourceCidrIp: '0.0.0.0/0' }],
        InstanceIds: JSON.stringify(['i-1', 'i-2']),
        Skipped: undefined,
      });
      expect(body.Done).toBe(true);
      const call = api.calls[0];
      expect(call.signature).toBe(sig);
      expect(call.action).toBe('AuthorizeSecurityGroup');
      expect(call.version).toBe('2014-05-26');
      expect(call.params['Permissions.1.PortRange']).toBe('443/443');
      expect(call.params['Permissions.1.SourceCidrIp']).toBe('0.0.0.0/0');
      expect(call.params.InstanceIds).toBe('["i-1","i-2"]');
      expect('Skipped' in call.params).toBe(false);
    });
  }

  it('sends the STS token, and products their own API version', async () => {
    const { api, client } = await setup(() => ok(), { securityToken: TOKEN });
    await client.call('vpc', 'DescribeVSwitches', { RegionId: 'cn-hangzhou' });
    await client.call('cms', 'DescribeMetricList', { Namespace: 'acs_ecs_dashboard' });
    await client.call('actiontrail', 'LookupEvents', {});
    expect(api.calls.map((c) => c.version)).toEqual(['2016-04-28', '2019-01-01', '2020-07-06']);
    expect(api.calls[0].securityToken).toBe(TOKEN);
    expect(client.credentialSource).toBe('explicit');
  });

  it('a wrong secret fails signature verification and says what to fix', async () => {
    const { client } = await setup(() => ok(), { accessKeySecret: 'not-the-secret' });
    const e = await client.call('ecs', 'DescribeRegions', {}).catch((x) => x);
    expect(e).toBeInstanceOf(CloudError);
    expect(e.code).toBe('SignatureDoesNotMatch');
    expect(e.hint).toMatch(/secret does not match/);
    expect(e.hint).toMatch(/passed explicitly/);
    expect(`${e.message} ${e.hint}`).not.toContain('not-the-secret');
  });
});

describe('retries', () => {
  it('retries Throttling, 503, an HTML 502 page and a reset connection, then succeeds', async () => {
    const script = [
      apiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
      apiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
      { status: 502, raw: '<html><head><title>502 Bad Gateway</title></head><body>Tengine</body></html>' },
      { reset: true },
    ];
    const { client } = await setup((_c, n) => script[n - 1] ?? ok({ Answer: 42 }), { retries: 5 });
    const body = await client.call('ecs', 'DescribeInstances', { RegionId: 'cn-hangzhou' });
    expect(body.Answer).toBe(42);
    const recs = client.records;
    expect(recs.map((r) => r.code ?? 'ok')).toEqual([
      'Throttling.User',
      'ServiceUnavailable',
      'BAD_RESPONSE',
      'ECONNRESET',
      'ok',
    ]);
    expect(recs.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    // Each retry is recorded as depending on the attempt before it.
    for (let i = 1; i < recs.length; i++) expect(recs[i].parent).toBe(recs[i - 1].id);
  });

  it('gives up after the retry count with the last error', async () => {
    const { api, client } = await setup(() => apiError(503, 'ServiceUnavailable', 'down'), { retries: 2 });
    const e = await client.call('ecs', 'DescribeInstances', {}).catch((x) => x);
    expect(e.code).toBe('ServiceUnavailable');
    expect(e.status).toBe(503);
    expect(api.calls).toHaveLength(3);
  });

  it('honours the total retry budget', async () => {
    const { api, client } = await setup(() => apiError(400, 'Throttling', 'slow down'), {
      retries: 50,
      retryBudgetMs: 1200,
    });
    const t = Date.now();
    const e = await client.call('ecs', 'DescribeInstances', {}).catch((x) => x);
    expect(e.code).toBe('Throttling');
    expect(Date.now() - t).toBeLessThan(2500);
    expect(api.calls.length).toBeLessThan(6);
  });

  it('does not retry permission errors, and names the RAM action', async () => {
    const { api, client } = await setup(() =>
      apiError(403, 'Forbidden.RAM', 'User not authorized to operate on the specified resource.'),
    );
    const e = await client.call('vpc', 'DescribeNatGateways', {}).catch((x) => x);
    expect(api.calls).toHaveLength(1);
    expect(e.code).toBe('Forbidden.RAM');
    expect(e.ramAction).toBe('vpc:DescribeNatGateways');
    expect(e.hint).toContain('vpc:DescribeNatGateways');
    expect(e.hint).toContain('docs/ram-policy.json');
    expect(e.toSourceError()).toMatchObject({ code: 'Forbidden.RAM', ramAction: 'vpc:DescribeNatGateways' });
  });

  it('takes the RAM action from AccessDeniedDetail and recognises an explicit deny', async () => {
    const { client } = await setup(() =>
      apiError(403, 'NoPermission', 'You are not authorized.', {
        AccessDeniedDetail: {
          AuthAction: 'ecs:RunCommand',
          NoPermissionType: 'ExplicitDeny',
          PolicyType: 'AccountLevelIdentityBasedPolicy',
          AuthPrincipalDisplayName: 'ops-bot',
        },
      }),
    );
    const e = await client.call('ecs', 'RunCommand', {}).catch((x) => x);
    expect(e.ramAction).toBe('ecs:RunCommand');
    expect(e.hint).toMatch(/explicit Deny/);
    expect(e.hint).toContain('ops-bot');
  });

  it('does not repeat a write after a timeout (it may have happened)', async () => {
    const { api, client } = await setup(() => ({ ...ok(), delayMs: 800 }), { timeoutMs: 200 });
    const e = await client.call('ecs', 'StartInstance', { InstanceId: 'i-1' }).catch((x) => x);
    expect(e.code).toBe('READ_TIMEOUT');
    expect(e.retryable).toBe(false);
    expect(api.calls).toHaveLength(1);
  });

  it('retries a read that timed out', async () => {
    const { api, client } = await setup((_c, n) => ({ ...ok({ N: n }), delayMs: n === 1 ? 800 : 0 }), {
      timeoutMs: 200,
    });
    const body = await client.call('ecs', 'DescribeRegions', {});
    expect(body.N).toBe(2);
    expect(api.calls).toHaveLength(2);
  });
});

describe('validation of 200 bodies', () => {
  it('an error code inside a 200 body is an error', async () => {
    const { client } = await setup(() => ({
      body: {
        RequestId: 'R',
        Code: 'ResourceNotFound',
        Success: false,
        Message: 'The specified resource is not found.',
      },
    }));
    const e = await client.call('cms', 'DescribeMetricList', {}).catch((x) => x);
    expect(e.code).toBe('ResourceNotFound');
    expect(e.message).toMatch(/in an HTTP 200 body/);
  });

  it('Code "200" with Success true is a success (CloudMonitor)', async () => {
    const { client } = await setup(() => ({ body: { Code: '200', Success: true, Datapoints: '[]' } }));
    expect((await client.call('cms', 'DescribeMetricList', {})).Datapoints).toBe('[]');
  });

  it('an HTML page with status 200 is BAD_RESPONSE, with what it means', async () => {
    const { client } = await setup(() => ({ raw: '<html><body>Please log in to the Wi-Fi</body></html>' }), {
      retries: 1,
    });
    const e = await client.call('ecs', 'DescribeRegions', {}).catch((x) => x);
    expect(e.code).toBe('BAD_RESPONSE');
    expect(e.message).toMatch(/HTML page/);
    expect(e.hint).toMatch(/proxy/);
  });
});

describe('errors never carry secrets', () => {
  it('scrubs the echoed string-to-sign and any secret from messages', async () => {
    const { client } = await setup(
      () =>
        apiError(
          400,
          'SignatureDoesNotMatch',
          `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D${AK}%26SecurityToken%3D${TOKEN}`,
        ),
      { securityToken: TOKEN },
    );
    const e = await client.call('ecs', 'DescribeRegions', {}).catch((x) => x);
    const text = `${e.message} ${e.hint} ${JSON.stringify(e.toSourceError())}`;
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/withheld/);
  });
});

describe('network failures', () => {
  it('a refused connection says what to check and leaks nothing from the signed URL (v2 puts the token there)', async () => {
    const client = await createCloudClient({
      endpoint: 'http://127.0.0.1:1',
      region: 'cn-hangzhou',
      accessKeyId: AK,
      accessKeySecret: SECRET,
      securityToken: TOKEN,
      signatureAlgorithm: 'v2',
      env: {},
      home: mkdtempSync(join(tmpdir(), 'nd-cloud-')),
    });
    const e = await client.call('ecs', 'DescribeRegions', {}).catch((x) => x);
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.hint).toMatch(/netdoctor sim/);
    const text = `${e.message} ${e.hint}`;
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('Signature=');
    expect(client.records).toHaveLength(1);
  });
});

describe('InvalidAccessKeyId names the credential source', () => {
  it('from an aliyun CLI profile', async () => {
    api = await startTestApi({ accessKeyId: AK, accessKeySecret: SECRET, handler: () => ok() });
    const home = mkdtempSync(join(tmpdir(), 'nd-cloud-'));
    mkdirSync(join(home, '.aliyun'));
    writeFileSync(
      join(home, '.aliyun', 'config.json'),
      JSON.stringify({
        current: 'work',
        profiles: [
          {
            name: 'work',
            mode: 'AK',
            access_key_id: 'LTAI5tUnknownKey99',
            access_key_secret: 'x-secret-1',
            region_id: 'cn-shanghai',
          },
        ],
      }),
    );
    const client = await createCloudClient({ endpoint: api.endpoint, env: {}, home });
    expect(client.region).toBe('cn-shanghai');
    const e = await client.call('ecs', 'DescribeRegions', {}).catch((x) => x);
    expect(e.code).toBe('InvalidAccessKeyId.NotFound');
    expect(client.credentialSource).toBe('cli_profile:work');
    expect(e.hint).toContain('profile "work"');
    expect(e.hint).toContain('aliyun configure --profile work');
    expect(e.hint).toContain('LTAI…ey99');
    expect(e.hint).not.toContain('x-secret-1');
  });

  it('from the environment', async () => {
    api = await startTestApi({ accessKeyId: AK, accessKeySecret: SECRET, handler: () => ok() });
    const client = await createCloudClient({
      endpoint: api.endpoint,
      region: 'cn-hangzhou',
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tEnvKey000', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret' },
      home: mkdtempSync(join(tmpdir(), 'nd-cloud-')),
    });
    const e = await client.call('ecs', 'DescribeRegions', {}).catch((x) => x);
    expect(client.credentialSource).toBe('env');
    expect(e.hint).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
  });
});
