/**
 * What the SDK does not check: a 200 body that is HTML or not JSON (a proxy or captive portal answering), or a
 * JSON body whose `Code`/`Success` says it failed (CloudMonitor does this). Plus the retry schedule.
 */
import { CloudError, type ErrorContext, fromSdkError, ramActionOf } from './errors.js';

export interface RawResponse {
  body: unknown;
  headers: Record<string, string>;
  statusCode: number;
}

/** JSON, not HTML; no `Code`/`Success:false` error hiding in a 200. */
export function validateBody(res: RawResponse, ctx: ErrorContext): Record<string, any> {
  const { product, action } = ctx;
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const html = /^\s*</.test(text);
    throw new CloudError({
      code: 'BAD_RESPONSE',
      status: res.statusCode,
      message: `${ramActionOf(product, action)} on ${ctx.endpoint} answered HTTP ${res.statusCode} with ${html ? 'an HTML page' : 'a body that is not JSON'} instead of an API response.`,
      hint: 'A proxy, gateway or captive portal is answering in place of Alibaba Cloud. Check HTTPS_PROXY and --endpoint; reads are retried.',
      retryable: !ctx.write,
      product,
      action,
    });
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new CloudError({
      code: 'BAD_RESPONSE',
      message: `${ramActionOf(product, action)} answered with JSON that is not an object.`,
      product,
      action,
    });
  const b = body as Record<string, any>;
  const code = b.Code ?? b.code;
  const failed =
    b.Success === false ||
    b.success === false ||
    (code !== undefined && code !== null && code !== '' && !/^(200|success|ok)$/i.test(String(code)));
  if (!failed) return b;
  const c = String(code ?? 'UnknownError');
  const err = fromSdkError(
    { code: c, statusCode: /^\d{3}$/.test(c) ? Number(c) : res.statusCode, data: b },
    ctx,
  );
  throw new CloudError({
    code: err.code,
    status: err.status,
    requestId: err.requestId,
    ramAction: err.ramAction,
    message: `${err.message} (in an HTTP ${res.statusCode} body)`,
    hint: err.hint,
    retryable: err.retryable || /^5\d\d$/.test(c),
    product,
    action,
  });
}

/** Equal-jitter exponential backoff: half fixed, half random, so concurrent retries spread out. */
export function backoff(attempt: number, throttled: boolean): number {
  const base = throttled ? 400 : 150;
  const exp = Math.min(8_000, base * 2 ** (attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

export function stripUndefined(o: Record<string, unknown>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
