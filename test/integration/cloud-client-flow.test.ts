/**
 * The cloud client through the real @alicloud/openapi-client over HTTP, against a loopback server that
 * verifies both signature schemes: bounded concurrency, pacing and learnt limits, read-only enforcement,
 * the three pagination schemes with their caps, and simulator detection.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloudOptions, createCloudClient } from '../../source/cloud/client.js';
import { CloudError } from '../../source/cloud/errors.js';
import { pagesByNumber, pagesByToken } from '../../source/cloud/paginate.js';
import { parseDescribeInstances } from '../../source/cloud/parse/ecs.js';
import { parseRouteEntries } from '../../source/cloud/parse/vpc.js';
import { authorizeSecurityGroup, runCommand } from '../../source/cloud/writes.js';
import { type ApiHandler, apiError, startTestApi, type TestApi } from '../unit/cloud/support/api-server.js';

const AK = 'LTAI5tTestKeyId0001';
const SECRET = 'test-secret-Zx9QwErTy';
const _TOKEN = 'STS-token-Qp8ZmN5vB2';

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

describe('flow control', () => {
  it('bounds concurrency per product', async () => {
    const { api, client } = await setup(() => ({ ...ok(), delayMs: 40 }), { concurrency: { ecs: 3 } });
    await Promise.all(Array.from({ length: 12 }, () => client.call('ecs', 'DescribeRegions', {})));
    expect(api.maxInFlight).toBe(3);
  });

  it('paces LookupEvents at 2 calls per second', async () => {
    const { api, client } = await setup(() => ok({ Events: [] }));
    await Promise.all(Array.from({ length: 5 }, () => client.call('actiontrail', 'LookupEvents', {})));
    const t = api.calls.map((c) => c.at).sort((a, b) => a - b);
    for (let i = 2; i < t.length; i++) expect(t[i] - t[i - 2]).toBeGreaterThanOrEqual(1000);
  });

  it('learns a limit from throttling so later calls wait instead of failing', async () => {
    const starts: number[] = [];
    const { api, client } = await setup(() => {
      const now = Date.now();
      starts.push(now);
      const recent = starts.filter((s) => s > now - 1000).length;
      return recent > 3
        ? apiError(400, 'Throttling.User', 'Request was denied due to user flow control.')
        : ok();
    });
    await Promise.all(
      Array.from({ length: 12 }, () => client.call('ecs', 'DescribeSecurityGroupAttribute', {})),
    );
    const failed = client.records.filter((r) => !r.ok).length;
    expect(client.records.filter((r) => r.ok)).toHaveLength(12);
    expect(failed).toBeLessThan(api.calls.length);
  });
});

describe('read-only mode', () => {
  it('refuses every write at the client, with no request sent', async () => {
    const { api, client } = await setup(() => ok(), { readOnly: true });
    for (const [p, a] of [
      ['ecs', 'AuthorizeSecurityGroup'],
      ['ecs', 'RunCommand'],
      ['vpc', 'AssociateEipAddress'],
      ['ecs', 'SomeFutureAction'],
    ] as const) {
      const e = await client.call(p, a, {}).catch((x) => x);
      expect(e).toBeInstanceOf(CloudError);
      expect(e.code).toBe('READ_ONLY');
      expect(e.message).toContain(`${p}:${a}`);
    }
    await expect(
      authorizeSecurityGroup(client, 'sg-1', 'ingress', [{ protocol: 'tcp', ports: { from: 22, to: 22 } }]),
    ).rejects.toMatchObject({ code: 'READ_ONLY' });
    await expect(runCommand(client, { instanceIds: ['i-1'], script: 'true' })).rejects.toMatchObject({
      code: 'READ_ONLY',
    });
    expect(api.calls).toHaveLength(0);
    await client.call('ecs', 'DescribeInstances', {});
    expect(api.calls).toHaveLength(1);
  });
});

describe('pagination', () => {
  const instances = Array.from({ length: 23 }, (_, i) => ({ InstanceId: `i-${String(i).padStart(4, '0')}` }));

  it('PageNumber/PageSize: page 1, then the rest at once', async () => {
    const { client } = await setup((c) => {
      const n = Number(c.params.PageNumber);
      const size = Number(c.params.PageSize);
      return ok({
        TotalCount: instances.length,
        PageNumber: n,
        PageSize: size,
        Instances: { Instance: instances.slice((n - 1) * size, n * size) },
      });
    });
    const r = await pagesByNumber(client, 'ecs', 'DescribeInstances', {}, parseDescribeInstances, {
      pageSize: 10,
    });
    expect(r.items.map((i) => i.id)).toEqual(instances.map((i) => i.InstanceId));
    expect(r.pages).toBe(3);
    const [p1, p2, p3] = client.records;
    expect(p2.parent).toBe(p1.id);
    expect(p3.parent).toBe(p1.id);
  });

  it('NextToken with the singular MaxResult, and a cap that reports truncation', async () => {
    const { api, client } = await setup((c) => {
      const off = Number(c.params.NextToken ?? 0);
      const size = Number(c.params.MaxResult);
      const all = Array.from({ length: 7 }, (_, i) => ({
        RouteEntryId: `rte-${i}`,
        DestinationCidrBlock: `10.${i}.0.0/16`,
      }));
      const next = off + size < all.length ? String(off + size) : '';
      return ok({ NextToken: next, RouteEntrys: { RouteEntry: all.slice(off, off + size) } });
    });
    const r = await pagesByToken(
      client,
      'vpc',
      'DescribeRouteEntryList',
      { RouteTableId: 'vtb-1' },
      parseRouteEntries,
      {
        pageSize: 3,
        sizeParam: 'MaxResult',
      },
    );
    expect(r.items).toHaveLength(7);
    expect(api.calls.every((c) => c.params.MaxResult === '3' && !('MaxResults' in c.params))).toBe(true);
    expect(client.records[1].parent).toBe(client.records[0].id);
    const capped = await pagesByToken(client, 'vpc', 'DescribeRouteEntryList', {}, parseRouteEntries, {
      pageSize: 3,
      sizeParam: 'MaxResult',
      maxPages: 2,
    });
    expect(capped).toMatchObject({ truncated: true, pages: 2 });
  });

  it('stops on a repeated token instead of looping', async () => {
    const { api, client } = await setup(() =>
      ok({ NextToken: 'same', RouteEntrys: { RouteEntry: [{ RouteEntryId: 'rte-1' }] } }),
    );
    const r = await pagesByToken(client, 'vpc', 'DescribeRouteEntryList', {}, parseRouteEntries);
    expect(api.calls).toHaveLength(2);
    expect(r.items).toHaveLength(2);
  });
});

describe('simulator detection', () => {
  it('reads the advert once when responses carry x-netdoctor-sim', async () => {
    const advert = {
      scenario: 'storefront',
      probeUrl: 'http://127.0.0.1:1/__netdoctor/probe',
      echoUrl: 'http://127.0.0.1:1/__netdoctor/echo',
      ssh: {
        host: '127.0.0.1',
        port: 2222,
        hostKey: 'ssh-ed25519 AAAA',
        hostKeySha256: 'SHA256:x',
        password: 'sim-pass-1',
      },
    };
    const { api, client } = await setup((c) => ({
      ...(c.action === 'DescribeNetdoctorSimulator' ? { body: advert } : ok()),
      headers: { 'x-netdoctor-sim': 'storefront' },
    }));
    await client.call('ecs', 'DescribeInstances', {});
    await client.call('ecs', 'DescribeInstances', {});
    expect(await client.simAdvert()).toEqual(advert);
    expect(api.calls.filter((c) => c.action === 'DescribeNetdoctorSimulator')).toHaveLength(1);
    expect(client.secrets()).toContain('sim-pass-1');
  });

  it('answers undefined against a real-looking endpoint, probing with a cheap read when nothing was called', async () => {
    const { api, client } = await setup(() => ok({ Regions: { Region: [] } }));
    expect(await client.simAdvert()).toBeUndefined();
    expect(api.calls.map((c) => c.action)).toEqual(['DescribeRegions']);
  });
});
