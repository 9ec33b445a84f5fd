/** Error guidance, redaction, write classification and pacing primitives. */
import { describe, expect, it } from 'vitest';
import { type ErrorContext, fromSdkError, redact } from '../../../source/cloud/errors.js';
import { ActionPacer, RateWindow, Semaphore } from '../../../source/cloud/limits.js';
import { isWriteAction } from '../../../source/cloud/write-actions.js';

const ctx = (over: Partial<ErrorContext> = {}): ErrorContext => ({
  product: 'ecs',
  action: 'DescribeSecurityGroupAttribute',
  region: 'cn-hangzhou',
  credentialSource: 'cli_profile:ops',
  accessKeyHint: 'LTAI…abcd',
  endpoint: 'ecs.cn-hangzhou.aliyuncs.com',
  secrets: ['topsecret-value'],
  write: false,
  ...over,
});

/** The shape @alicloud/openapi-client 0.4.15 throws for a 4xx/5xx JSON body (reference §1.4). */
function sdkError(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  const data = { RequestId: 'R1', Code: code, Message: message, statusCode: status, ...extra };
  return Object.assign(new Error(`${code}: code: ${status}, ${message} request id: R1`), {
    code,
    statusCode: status,
    data,
    accessDeniedDetail: (extra as { AccessDeniedDetail?: unknown }).AccessDeniedDetail,
  });
}

describe('fromSdkError', () => {
  it('InvalidAccessKeyId.NotFound names the credential source and how to fix it', () => {
    const e = fromSdkError(
      sdkError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
      ctx(),
    );
    expect(e).toMatchObject({
      code: 'InvalidAccessKeyId.NotFound',
      status: 404,
      requestId: 'R1',
      retryable: false,
    });
    expect(e.hint).toContain('profile "ops"');
    expect(e.hint).toContain('aliyun configure --profile ops');
    expect(e.hint).toContain('LTAI…abcd');
  });

  it('Forbidden.RAM names ecs:Action', () => {
    const e = fromSdkError(
      sdkError(403, 'Forbidden.RAM', 'User not authorized to operate on the specified resource.'),
      ctx(),
    );
    expect(e.ramAction).toBe('ecs:DescribeSecurityGroupAttribute');
    expect(e.hint).toContain('ecs:DescribeSecurityGroupAttribute');
    expect(e.message).toContain('HTTP 403');
  });

  it('CloudMonitor AccessForbidden and a product prefix', () => {
    const e = fromSdkError(
      sdkError(403, 'AccessForbidden', 'forbidden'),
      ctx({ product: 'cms', action: 'DescribeMetricList' }),
    );
    expect(e.ramAction).toBe('cms:DescribeMetricList');
  });

  it('retryable classes', () => {
    expect(fromSdkError(sdkError(400, 'Throttling.User', 'x'), ctx()).retryable).toBe(true);
    expect(fromSdkError(sdkError(400, 'Throttling.Api', 'x'), ctx()).retryable).toBe(true);
    expect(fromSdkError(sdkError(503, 'ServiceUnavailable', 'x'), ctx()).retryable).toBe(true);
    expect(fromSdkError(sdkError(500, 'InternalError', 'x'), ctx()).retryable).toBe(true);
    expect(fromSdkError(sdkError(500, 'InternalError', 'x'), ctx({ write: true })).retryable).toBe(false);
    expect(fromSdkError(sdkError(404, 'InvalidInstanceId.NotFound', 'x'), ctx()).retryable).toBe(false);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(fromSdkError(reset, ctx()).retryable).toBe(true);
    expect(fromSdkError(reset, ctx({ write: true })).retryable).toBe(false);
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:1POST http://127.0.0.1:1/ failed.'),
      {
        code: 'ECONNREFUSED',
      },
    );
    const r = fromSdkError(refused, ctx({ endpoint: '127.0.0.1:1' }));
    expect(r.retryable).toBe(false);
    expect(r.hint).toMatch(/netdoctor sim/);
  });

  it('a bare SyntaxError (HTML error body) becomes BAD_RESPONSE', () => {
    const e = fromSdkError(new SyntaxError('Unexpected token < in JSON at position 0'), ctx());
    expect(e.code).toBe('BAD_RESPONSE');
    expect(e.hint).toMatch(/proxy/);
  });

  it('clock skew and expired tokens get their own advice', () => {
    expect(fromSdkError(sdkError(400, 'IllegalTimestamp', 'x'), ctx()).hint).toMatch(/clock/);
    expect(fromSdkError(sdkError(400, 'InvalidSecurityToken.Expired', 'x'), ctx()).hint).toMatch(/STS token/);
  });
});

describe('redact', () => {
  it('removes secrets, tokens, signatures and the echoed string to sign', () => {
    const t = redact(
      'bad sig topsecret-value SecurityToken=abc123&Signature=zzz server string to sign is:POST&%2F&AccessKeyId%3Dx',
      ['topsecret-value'],
    );
    expect(t).not.toMatch(/topsecret-value|abc123|zzz|AccessKeyId%3Dx/);
  });
});

describe('write actions', () => {
  it('knows the writes, and treats anything not read-like as a write', () => {
    expect(isWriteAction('ecs', 'AuthorizeSecurityGroup')).toBe(true);
    expect(isWriteAction('ecs', 'RunCommand')).toBe(true);
    expect(isWriteAction('vpc', 'UnassociateEipAddress')).toBe(true);
    expect(isWriteAction('ecs', 'BrandNewMutation')).toBe(true);
    expect(isWriteAction('ecs', 'DescribeInstances')).toBe(false);
    expect(isWriteAction('actiontrail', 'LookupEvents')).toBe(false);
    expect(isWriteAction('ecs', 'DescribeNetdoctorSimulator')).toBe(false);
  });
});

describe('flow control primitives', () => {
  it('Semaphore admits at most its limit', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 7 }, async () => {
        const release = await s.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        release();
      }),
    );
    expect(peak).toBe(2);
  });

  it('RateWindow spaces a start a full window after the end of the call it displaces', async () => {
    const w = new RateWindow(3, 300, 10);
    const spans: { start: number; end: number }[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async () => {
        const done = await w.take();
        const start = Date.now();
        await new Promise((r) => setTimeout(r, 40)); // the call itself
        done();
        spans.push({ start, end: Date.now() });
      }),
    );
    spans.sort((a, b) => a.start - b.start);
    for (let i = 3; i < spans.length; i++)
      expect(spans[i].start - spans[i - 3].end).toBeGreaterThanOrEqual(300);
  });

  it('ActionPacer learns a halved rate from throttling and forgets it later', async () => {
    const p = new ActionPacer({}, 50);
    for (let i = 0; i < 6; i++) await p.before('ecs:X');
    p.throttled('ecs:X', 1);
    expect(p.limitOf('ecs:X')).toBe(3);
    await new Promise((r) => setTimeout(r, 60));
    await p.before('ecs:X');
    expect(p.limitOf('ecs:X')).toBeUndefined();
  });
});
