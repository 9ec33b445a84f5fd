/** Pure parts of the simulated API: parameter reading, paging tokens, the throttle, metric generation, output cap. */
import { describe, expect, it } from 'vitest';
import { capOutput, OUTPUT_CAP } from '../../../source/sim/api/assistant.js';
import { metricValue } from '../../../source/sim/api/cms.js';
import { FaultInjector } from '../../../source/sim/api/faults.js';
import { decodeToken, encodeToken, paginate } from '../../../source/sim/api/paging.js';
import { Params, parseApiTime, unflatten } from '../../../source/sim/api/params.js';
import type { Faults } from '../../../source/sim/world.js';

describe('Params', () => {
  const p = new Params({
    RegionId: 'cn-hangzhou',
    'InstanceId.2': 'i-b',
    'InstanceId.1': 'i-a',
    InstanceIds: '["i-x","i-y"]',
    'Permissions.1.IpProtocol': 'tcp',
    'Permissions.1.PortRange': '443/443',
    'Permissions.2.IpProtocol': 'udp',
    PageSize: '20',
    Empty: '',
    Action: 'DescribeInstances',
    Signature: 'abc',
  });

  it('reads repeat lists, JSON-array strings and nested objects', () => {
    expect(p.repeat('InstanceId')).toEqual(['i-a', 'i-b']);
    expect(p.jsonList('InstanceIds')).toEqual(['i-x', 'i-y']);
    expect(p.list('InstanceId', 'InstanceIds')).toEqual(['i-a', 'i-b']);
    expect(new Params({ InstanceIds: '["i-x"]' }).list('InstanceId', 'InstanceIds')).toEqual(['i-x']);
    expect(p.objects('Permissions')).toEqual([
      { IpProtocol: 'tcp', PortRange: '443/443' },
      { IpProtocol: 'udp' },
    ]);
    expect(unflatten({ 'A.1.B': 'x', 'A.2.B': 'y', C: 'z' })).toEqual({
      A: [{ B: 'x' }, { B: 'y' }],
      C: 'z',
    });
  });

  it('validates with the gateway error codes', () => {
    expect(p.int('PageSize', { def: 10, max: 100 })).toBe(20);
    expect(() => p.int('PageSize', { max: 10 })).toThrow(
      expect.objectContaining({ code: 'InvalidParameter', status: 400 }),
    );
    expect(() => p.req('Empty')).toThrow(expect.objectContaining({ code: 'MissingParameter' }));
    expect(() => new Params({ X: '[oops' }).jsonList('X')).toThrow(/JSON array/);
    expect(p.actionParams()).not.toHaveProperty('Signature');
    expect(p.actionParams()).not.toHaveProperty('Action');
  });

  it('reads API times in both accepted forms', () => {
    expect(parseApiTime('StartTime', '1700000000000')).toBe(1_700_000_000_000);
    expect(parseApiTime('StartTime', '2025-11-26T12:00:00Z')).toBe(Date.parse('2025-11-26T12:00:00Z'));
    expect(parseApiTime('StartTime', '2025-11-26 12:00:00')).toBe(Date.parse('2025-11-26T12:00:00Z'));
    expect(() => parseApiTime('StartTime', 'yesterday')).toThrow(
      expect.objectContaining({ code: 'InvalidParameterStartTime' }),
    );
  });
});

describe('paging', () => {
  const items = Array.from({ length: 25 }, (_, i) => i);
  it('PageNumber/PageSize with TotalCount', () => {
    const page = paginate(items, new Params({ PageSize: '10', PageNumber: '3' }), {
      defaultSize: 10,
      maxSize: 50,
    });
    expect(page.items).toEqual([20, 21, 22, 23, 24]);
    expect(page.fields).toEqual({ TotalCount: 25, PageNumber: 3, PageSize: 10 });
  });
  it('NextToken/MaxResults, "" on the last page; foreign tokens refused', () => {
    const a = paginate(items, new Params({ MaxResults: '20' }), {
      defaultSize: 10,
      maxSize: 50,
      tokens: true,
    });
    expect(a.items).toHaveLength(20);
    const b = paginate(items, new Params({ MaxResults: '20', NextToken: String(a.fields.NextToken) }), {
      defaultSize: 10,
      maxSize: 50,
      tokens: true,
    });
    expect(b.items).toEqual([20, 21, 22, 23, 24]);
    expect(b.fields.NextToken).toBe('');
    expect(decodeToken('NextToken', encodeToken(7))).toBe(7);
    expect(() => decodeToken('NextToken', 'e71d8a535bd9cc11')).toThrow(/not one this service issued/);
  });
});

describe('throttle', () => {
  it('admits a burst of qps calls, then qps per second', () => {
    let t = 0;
    const faults: Faults = { throttle: { DescribeSecurityGroupAttribute: { qps: 5 } } };
    const f = new FaultInjector(
      () => faults,
      () => t,
    );
    const burst = Array.from({ length: 8 }, () => f.admit('DescribeSecurityGroupAttribute'));
    expect(burst.filter(Boolean)).toHaveLength(5);
    expect(f.admit('DescribeInstances')).toBe(true);
    t = 200;
    expect(f.admit('DescribeSecurityGroupAttribute')).toBe(true);
    expect(f.admit('DescribeSecurityGroupAttribute')).toBe(false);
    t = 1200;
    const next = Array.from({ length: 7 }, () => f.admit('DescribeSecurityGroupAttribute'));
    expect(next.filter(Boolean)).toHaveLength(5);
  });

  it('fails scripted calls `times` times, then recovers; picks per-action latency', () => {
    const faults: Faults = {
      latencyMs: 20,
      actionLatencyMs: { DescribeVpcs: 500 },
      errors: [{ action: 'DescribeVpcs', status: 503, body: 'json', times: 2 }],
    };
    const f = new FaultInjector(() => faults);
    expect(
      [f.failure('DescribeVpcs'), f.failure('DescribeVpcs'), f.failure('DescribeVpcs')].map((x) => x?.status),
    ).toEqual([503, 503, undefined]);
    expect(f.failure('DescribeInstances')).toBeUndefined();
    expect(f.latency('DescribeVpcs')).toBe(500);
    expect(f.latency('DescribeInstances')).toBe(20);
  });
});

describe('generated metrics', () => {
  const epoch = Date.parse('2025-11-26T12:00:00Z');
  const spec = { base: 40, jitter: 5, unit: '%', steps: [{ at: -30 * 60_000, value: 97 }] };
  it('are deterministic, follow steps, stay ordered and clamp percentages', () => {
    const a = metricValue(spec, 'i-1/CPU', epoch - 3600_000, epoch);
    expect(metricValue(spec, 'i-1/CPU', epoch - 3600_000, epoch)).toEqual(a);
    expect(Math.abs(a.Average - 40)).toBeLessThanOrEqual(5);
    const b = metricValue(spec, 'i-1/CPU', epoch - 10 * 60_000, epoch);
    expect(b.Average).toBeGreaterThanOrEqual(92);
    expect(b.Maximum).toBeLessThanOrEqual(100);
    for (const v of [a, b]) expect(v.Minimum <= v.Average && v.Average <= v.Maximum).toBe(true);
  });
});

describe('Cloud Assistant output cap', () => {
  it('keeps the first 24 KB and counts the rest in Dropped', () => {
    expect(capOutput('hello')).toEqual({ kept: Buffer.from('hello'), dropped: 0 });
    const big = 'x'.repeat(OUTPUT_CAP + 1000);
    const c = capOutput(big);
    expect(c.kept.length).toBe(24 * 1024);
    expect(c.dropped).toBe(1000);
  });
});
