/**
 * Authenticating a request against the scenario's key pair, with the gateway's errors: an unknown key is
 * InvalidAccessKeyId.NotFound (404), a wrong signature SignatureDoesNotMatch (400; V2 echoes the server's
 * string-to-sign as the real gateway does), a stale timestamp IllegalTimestamp, a replayed nonce
 * SignatureNonceUsed.
 */
import type { IncomingMessage } from 'node:http';
import type { ParsedUrlQuery } from 'node:querystring';
import type { SimContext } from './context.js';
import { ApiError, SIGNATURE_MISMATCH_MESSAGE } from './errors.js';
import { parseV3Authorization, sha256Hex, V3_ALGORITHM, verifyV2, verifyV3 } from './signature.js';

/** How far a request's own timestamp may be from our (real) clock. */
const SKEW_MS = 15 * 60_000;

function unknownKey(): ApiError {
  return new ApiError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
}

function incomplete(why: string): ApiError {
  return new ApiError(
    'IncompleteSignature',
    400,
    `The request signature does not conform to Aliyun standards. ${why}`,
  );
}

function checkTime(name: string, value: string | undefined): void {
  const t = value ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t) || Math.abs(Date.now() - t) > SKEW_MS)
    throw new ApiError(
      'IllegalTimestamp',
      400,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied or is more than 15 minutes away from the server's clock.`,
    );
}

function checkNonce(ctx: SimContext, nonce: string | undefined): void {
  if (!nonce) return;
  const now = Date.now();
  if (ctx.state.nonces.size > 10_000)
    for (const [n, at] of ctx.state.nonces) if (now - at > SKEW_MS) ctx.state.nonces.delete(n);
  if (ctx.state.nonces.has(nonce))
    throw new ApiError('SignatureNonceUsed', 400, 'The request signature nonce has been used.');
  ctx.state.nonces.set(nonce, now);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Returns the caller's AccessKey id when the request is authentic; throws the gateway's error otherwise. */
export function authenticate(
  ctx: SimContext,
  req: IncomingMessage,
  r: { url: URL; query: ParsedUrlQuery; flat: Record<string, string>; raw: Buffer },
): string {
  const { account } = ctx.world;
  const auth = header(req, 'authorization');
  if (auth) {
    const a = parseV3Authorization(auth);
    if (!a) throw incomplete('The Authorization header is malformed.');
    if (a.algorithm !== V3_ALGORITHM)
      throw incomplete(`Signature algorithm ${a.algorithm} is not supported; use ${V3_ALGORITHM}.`);
    if (a.accessKeyId !== account.accessKeyId) throw unknownKey();
    checkTime('x-acs-date', header(req, 'x-acs-date'));
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.query)) if (v !== undefined) query[k] = v;
    const verdict = verifyV3(
      {
        method: req.method ?? 'GET',
        path: r.url.pathname,
        query,
        headers: req.headers as Record<string, string | string[] | undefined>,
        signedHeaders: a.signedHeaders,
        payloadHash: sha256Hex(r.raw),
      },
      a,
      account.accessKeySecret,
    );
    if (!verdict.ok) throw new ApiError('SignatureDoesNotMatch', 400, SIGNATURE_MISMATCH_MESSAGE);
    checkNonce(ctx, header(req, 'x-acs-signature-nonce'));
    return a.accessKeyId;
  }
  const sig = r.flat.Signature;
  if (sig !== undefined) {
    if (!r.flat.AccessKeyId) throw incomplete('AccessKeyId is missing.');
    if (r.flat.AccessKeyId !== account.accessKeyId) throw unknownKey();
    if ((r.flat.SignatureMethod ?? '') !== 'HMAC-SHA1')
      throw new ApiError(
        'InvalidSignatureMethod',
        400,
        'Specified signature method is not valid; use HMAC-SHA1.',
      );
    checkTime('Timestamp', r.flat.Timestamp);
    const verdict = verifyV2(req.method ?? 'GET', r.flat, sig, account.accessKeySecret);
    if (!verdict.ok)
      throw new ApiError(
        'SignatureDoesNotMatch',
        400,
        `${SIGNATURE_MISMATCH_MESSAGE} server string to sign is:${verdict.stringToSign}`,
      );
    checkNonce(ctx, r.flat.SignatureNonce);
    return r.flat.AccessKeyId;
  }
  throw incomplete('It carries neither an Authorization header (V3) nor a Signature parameter (V2).');
}
