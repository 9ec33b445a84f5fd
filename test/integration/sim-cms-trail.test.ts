/** CloudMonitor series and the ActionTrail audit trail through the real SDK, both signature schemes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { failure, sdk } from './sim-sdk.js';

const WEB = 'i-bp1k6jsb2wslxp48772b';
const SG_WEB = 'sg-bp1w3fxyigw34kdcz3f7';
const MIN = 60_000;
// A fixed world clock on a minute boundary, so windows and steps are exact.
const NOW = Math.floor(Date.now() / MIN) * MIN;

describe.each(['v3', 'v2'] as const)('CloudMonitor and ActionTrail, %s signature', (signature) => {
  let sim: RunningSim;
  let call: ReturnType<typeof sdk>;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'storefront', ssh: false, now: () => NOW });
    call = sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      signature,
    });
  });
  afterAll(() => sim.close());

  const metricList = (MetricName: string, extra: Record<string, unknown> = {}) =>
    call('cms', 'DescribeMetricList', {
      Namespace: 'acs_ecs_dashboard',
      MetricName,
      Period: '60',
      Dimensions: JSON.stringify([{ instanceId: WEB }]),
      StartTime: String(NOW - 60 * MIN),
      EndTime: String(NOW),
      ...extra,
    });

  it('DescribeMetricList: Code "200", Period a string, Datapoints a JSON string over the window', async () => {
    const r = await metricList('memory_usedutilization');
    expect(r.body).toMatchObject({ Code: '200', Success: true, Period: '60' });
    expect(typeof r.body.Datapoints).toBe('string');
    const pts = JSON.parse(r.body.Datapoints);
    expect(pts).toHaveLength(60);
    expect(pts[0].timestamp).toBe(NOW - 59 * MIN);
    expect(pts.at(-1).timestamp).toBe(NOW);
    expect(pts[0]).toMatchObject({ userId: '1783562409318744', instanceId: WEB });
    expect(Object.keys(pts[0]).sort()).toEqual([
      'Average',
      'Maximum',
      'Minimum',
      'instanceId',
      'timestamp',
      'userId',
    ]);
    // The storefront's memory leak: high before the OOM kill 20 minutes ago, low after it.
    const at = (t: number) => pts.find((p: any) => p.timestamp === t).Average;
    expect(at(NOW - 30 * MIN)).toBeGreaterThan(90);
    expect(at(NOW - 5 * MIN)).toBeLessThan(30);
    for (const p of pts) expect(p.Minimum <= p.Average && p.Average <= p.Maximum).toBe(true);
    const again = await metricList('memory_usedutilization');
    expect(again.body.Datapoints).toBe(r.body.Datapoints);
  });

  it('public-IP metrics carry the ip dimension; agent metrics their state; Length pages', async () => {
    const out = await metricList('VPC_PublicIP_InternetOutRate', { Length: '30' });
    const pts = JSON.parse(out.body.Datapoints);
    expect(pts).toHaveLength(30);
    expect(pts[0].ip).toBe('47.96.73.18');
    expect(out.body.NextToken).toBeTruthy();
    const rest = await metricList('VPC_PublicIP_InternetOutRate', {
      Length: '30',
      NextToken: out.body.NextToken,
    });
    expect(JSON.parse(rest.body.Datapoints)).toHaveLength(30);
    expect(rest.body.NextToken).toBeUndefined();
    const est = await metricList('net_tcpconnection', {
      Dimensions: JSON.stringify([{ instanceId: WEB, state: 'ESTABLISHED' }]),
    });
    const e = JSON.parse(est.body.Datapoints);
    expect(new Set(e.map((p: any) => p.state))).toEqual(new Set(['ESTABLISHED']));
    const none = await metricList('CPUUtilization', { Namespace: 'acs_rds_dashboard' });
    expect(none.body.Datapoints).toBe('[]');
  });

  it('DescribeMetricLast: the latest point of each series', async () => {
    const r = await call('cms', 'DescribeMetricLast', {
      Namespace: 'acs_ecs_dashboard',
      MetricName: 'net_tcpconnection',
      Dimensions: JSON.stringify({ instanceId: WEB }),
    });
    const pts = JSON.parse(r.body.Datapoints);
    expect(pts.map((p: any) => p.state).sort()).toEqual(['ESTABLISHED', 'NON_ESTABLISHED', 'TCP_TOTAL']);
    for (const p of pts) expect(p.timestamp).toBe(NOW);
    const e = await failure(() =>
      call('cms', 'DescribeMetricLast', {
        Namespace: 'acs_ecs_dashboard',
        MetricName: 'CPUUtilization',
        Period: '7',
      }),
    );
    expect(e).toMatchObject({ code: 'ParameterInvalid', statusCode: 400 });
  });

  it('LookupEvents: camelCase events, newest first, filtered by resource and name, paged', async () => {
    const r = await call('actiontrail', 'LookupEvents', {
      LookupAttribute: [{ Key: 'ResourceName', Value: SG_WEB }],
      StartTime: new Date(NOW - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(r.body.Events).toHaveLength(1);
    const ev = r.body.Events[0];
    expect(ev).toMatchObject({
      eventName: 'AuthorizeSecurityGroup',
      eventSource: 'ecs.aliyuncs.com',
      eventType: 'ApiCall',
      eventRW: 'Write',
      serviceName: 'Ecs',
      apiVersion: '2014-05-26',
      acsRegion: 'cn-hangzhou',
      sourceIpAddress: '47.98.52.190',
      referencedResources: { 'ACS::ECS::SecurityGroup': [SG_WEB] },
      userIdentity: { type: 'ram-user', userName: 'ops-scheduler', accountId: '1783562409318744' },
      requestParameters: {
        SecurityGroupId: SG_WEB,
        'Permissions.1.Policy': 'drop',
        'Permissions.1.Priority': '1',
      },
    });
    expect(ev.eventTime).toBe(new Date(NOW - 25 * MIN).toISOString().replace(/\.\d+Z$/, 'Z'));
    const week = await call('actiontrail', 'LookupEvents', {});
    expect(week.body.Events.map((e: any) => e.eventTime)).toEqual(
      [...week.body.Events.map((e: any) => e.eventTime)].sort().reverse(),
    );
    expect(week.body.Events.length).toBe(2);
    const p1 = await call('actiontrail', 'LookupEvents', { MaxResults: '1' });
    expect(p1.body.Events).toHaveLength(1);
    expect(p1.body.NextToken).not.toBe('');
    const p2 = await call('actiontrail', 'LookupEvents', { MaxResults: '1', NextToken: p1.body.NextToken });
    expect(p2.body.Events[0].eventId).not.toBe(p1.body.Events[0].eventId);
    const byName = await call('actiontrail', 'LookupEvents', {
      LookupAttribute: [{ Key: 'EventName', Value: 'StopInstance' }],
    });
    expect(byName.body.Events).toEqual([]);
    const bad = await failure(() =>
      call('actiontrail', 'LookupEvents', { LookupAttribute: [{ Key: 'Colour', Value: 'x' }] }),
    );
    expect(bad).toMatchObject({ code: 'InvalidQueryParameter', statusCode: 400 });
  });
});
