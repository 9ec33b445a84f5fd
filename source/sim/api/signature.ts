/**
 * Verifying Alibaba OpenAPI request signatures, the server side of what `@alicloud/openapi-util` computes
 * (reference §1.2 and §1.3). Pure functions: the HTTP server gathers the pieces, these decide.
 *
 * V3 (`ACS3-HMAC-SHA256`, the SDK default): the `Authorization` header names the key, the signed headers and
 * the hex HMAC-SHA256 of `"ACS3-HMAC-SHA256\n" + hex(sha256(canonical request))`.
 * V2 (`HMAC-SHA1`, RPC): the `Signature` query parameter is the Base64 HMAC-SHA1 (key `secret + "&"`) of
 * `METHOD&%2F&enc(sorted enc(k)=enc(v) joined by &)` over every query and form parameter except `Signature`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** `encodeURIComponent` plus the characters RFC 3986 reserves and JavaScript leaves alone (openapi-util `encode`). */
export function percentEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Query values as the server decoded them; a repeated key keeps every value (the SDK joins them with a comma). */
export type QueryMap = Record<string, string | string[]>;

function flatValue(v: string | string[]): string {
  return Array.isArray(v) ? v.join(',') : v;
}

export interface V3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; undefined when malformed. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const m = /^(\S+)\s+(.*)$/.exec(header.trim());
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const part of m[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (!fields.Credential || fields.SignedHeaders === undefined || !fields.Signature) return undefined;
  return {
    algorithm: m[1],
    accessKeyId: fields.Credential,
    signedHeaders: fields.SignedHeaders.split(';')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    signature: fields.Signature,
  };
}

export interface V3Input {
  method: string;
  /** Request path (`/` for RPC). */
  path: string;
  query: QueryMap;
  /** Lower-cased header names → value. */
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  /** Hex SHA-256 of the raw body bytes. */
  payloadHash: string;
  /**
   * The SDK puts query keys into the canonical string unencoded; the published spec encodes them. Keys of
   * real parameters never differ between the two, but a verifier that accepts either is kinder to other clients.
   */
  encodeKeys?: boolean;
}

export function v3CanonicalRequest(i: V3Input): string {
  const keys = Object.keys(i.query).sort();
  const query = keys
    .map((k) => `${i.encodeKeys ? percentEncode(k) : k}=${percentEncode(flatValue(i.query[k]))}`)
    .join('&');
  const names = [...i.signedHeaders].sort();
  const headers = names
    .map((h) => {
      const v = i.headers[h];
      const vals = (Array.isArray(v) ? v : [v ?? '']).map((x) => x.trim()).sort();
      return `${h}:${vals.join(',')}\n`;
    })
    .join('');
  const uri = (i.path || '/').replace('+', '%20').replace('*', '%2A').replace('%7E', '~');
  return [i.method.toUpperCase(), uri, query, headers, names.join(';'), i.payloadHash].join('\n');
}

export function v3StringToSign(canonicalRequest: string): string {
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function v3Signature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export function v2StringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function v2Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

/** Constant-time string comparison (a signature check must not leak how many characters matched). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type VerifyResult = { ok: true } | { ok: false; stringToSign: string };

/** Verifies a V3 request against `secret`, trying the SDK's canonical form first, then the spec's. */
export function verifyV3(input: V3Input, auth: V3Authorization, secret: string): VerifyResult {
  let first = '';
  for (const encodeKeys of [false, true]) {
    const sts = v3StringToSign(v3CanonicalRequest({ ...input, encodeKeys }));
    if (!first) first = sts;
    if (sameSignature(v3Signature(secret, sts), auth.signature.toLowerCase())) return { ok: true };
  }
  return { ok: false, stringToSign: first };
}

export function verifyV2(
  method: string,
  params: Record<string, string>,
  signature: string,
  secret: string,
): VerifyResult {
  const sts = v2StringToSign(method, params);
  return sameSignature(v2Signature(secret, sts), signature) ? { ok: true } : { ok: false, stringToSign: sts };
}
