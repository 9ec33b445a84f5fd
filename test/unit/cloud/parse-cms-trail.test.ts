/**
 * CloudMonitor and ActionTrail parsers, and the shared readers.
 * Parsers on the official response demos (test/fixtures/alicloud/demo, origin in README.source.txt) and on the
 * quirks real bodies have: numbers as strings and strings as numbers, Datapoints as a JSON string, lists that
 * are missing, null or a lone object, `Enabled` as a number, the `RouteEntrys` spelling.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEvent, parseLookupEvents } from '../../../source/cloud/parse/actiontrail.js';
import { parseMetricList } from '../../../source/cloud/parse/cms.js';
import { list, portRange } from '../../../source/cloud/parse/util.js';

const here = dirname(fileURLToPath(import.meta.url));
const demo = (name: string) =>
  JSON.parse(readFileSync(join(here, '../../fixtures/alicloud/demo', `${name}.json`), 'utf8'));

describe('CloudMonitor', () => {
  it('Datapoints as a JSON string (the official demo)', () => {
    expect(parseMetricList(demo('cms_DescribeMetricList'), 'CPUUtilization')).toEqual([
      { name: 'CPUUtilization', unit: '%', points: [{ t: 1548777660000, avg: 9.92, max: 9.92, min: 9.92 }] },
    ]);
  });

  it('splits net_tcpconnection by state and sorts points; accepts an array too', () => {
    const pts = [
      { timestamp: 2000, userId: 'u', instanceId: 'i-1', state: 'ESTABLISHED', Average: 10 },
      { timestamp: 1000, userId: 'u', instanceId: 'i-1', state: 'ESTABLISHED', Average: '9' },
      { timestamp: 1000, userId: 'u', instanceId: 'i-1', state: 'TIME_WAIT', Average: 3, Maximum: 4 },
      { timestamp: 1000, userId: 'u', instanceId: 'i-1' },
    ];
    const s = parseMetricList({ Datapoints: pts }, 'net_tcpconnection');
    expect(s).toEqual([
      {
        name: 'net_tcpconnection',
        unit: 'count',
        dims: { state: 'ESTABLISHED' },
        points: [
          { t: 1000, avg: 9 },
          { t: 2000, avg: 10 },
        ],
      },
      {
        name: 'net_tcpconnection',
        unit: 'count',
        dims: { state: 'TIME_WAIT' },
        points: [{ t: 1000, avg: 3, max: 4 }],
      },
    ]);
    expect(parseMetricList({ Datapoints: '' }, 'x')).toEqual([]);
    expect(parseMetricList({}, 'x')).toEqual([]);
  });
});

describe('ActionTrail', () => {
  const event = {
    eventId: 'E-1',
    eventVersion: 1,
    eventName: 'RevokeSecurityGroup',
    eventSource: 'ecs.aliyuncs.com',
    eventTime: '2021-08-05T09:21:32Z',
    eventType: 'ApiCall',
    eventRW: 'Write',
    serviceName: 'Ecs',
    sourceIpAddress: '10.10.**.**',
    userAgent: 'AlibabaCloud (linux)',
    requestParameters: { SecurityGroupId: 'sg-web', 'Permissions.1.PortRange': '443/443' },
    referencedResources: { 'ACS::ECS::SecurityGroup': ['sg-web'] },
    userIdentity: {
      type: 'ram-user',
      accountId: '1',
      principalId: '2',
      userName: 'alice',
      accessKeyId: 'LTAI…',
    },
  };

  it('events are objects with camelCase keys; resources from references and parameters', () => {
    expect(parseEvent(event)).toEqual({
      id: 'E-1',
      time: Date.parse('2021-08-05T09:21:32Z'),
      name: 'RevokeSecurityGroup',
      service: 'Ecs',
      rw: 'Write',
      user: 'alice',
      userType: 'ram-user',
      sourceIp: '10.10.**.**',
      userAgent: 'AlibabaCloud (linux)',
      resources: ['sg-web'],
      params: { SecurityGroupId: 'sg-web', 'Permissions.1.PortRange': '443/443' },
    });
  });

  it('tolerates events given as JSON strings and drops unusable ones', () => {
    const p = parseLookupEvents({
      NextToken: 'n',
      Events: [
        JSON.stringify({
          ...event,
          eventId: 'E-2',
          requestParameters: JSON.stringify({ InstanceId: 'i-1' }),
        }),
        { eventName: 'x' },
      ],
    });
    expect(p.nextToken).toBe('n');
    expect(p.items).toHaveLength(1);
    expect(p.items[0].resources.sort()).toEqual(['i-1', 'sg-web']);
  });
});

describe('readers', () => {
  it('list(): missing, null, lone object, array', () => {
    expect(list({}, 'A', 'B')).toEqual([]);
    expect(list({ A: null }, 'A', 'B')).toEqual([]);
    expect(list({ A: { B: { x: 1 } } }, 'A', 'B')).toEqual([{ x: 1 }]);
    expect(list({ A: { B: [{ x: 1 }, null] } }, 'A', 'B')).toEqual([{ x: 1 }]);
    expect(list({ A: [{ x: 2 }] }, 'A', 'B')).toEqual([{ x: 2 }]);
  });

  it('portRange()', () => {
    expect(portRange('80/80')).toEqual({ from: 80, to: 80 });
    expect(portRange('-1/-1')).toEqual({ from: -1, to: -1 });
    expect(portRange('22')).toEqual({ from: 22, to: 22 });
    expect(portRange('')).toEqual({ from: -1, to: -1 });
    expect(portRange('junk')).toEqual({ from: -1, to: -1 });
  });
});
