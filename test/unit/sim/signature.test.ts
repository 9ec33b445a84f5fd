/**
 * Signature verification against the reference's test vectors (/work/shared/reference/alibaba-cloud-api.md §1.2
 * and §1.3, computed with @alicloud/openapi-util 0.3.3) and against what the installed openapi-util computes.
 */

import * as OpenApiUtilNs from '@alicloud/openapi-util';
import { describe, expect, it } from 'vitest';
import {
  parseV3Authorization,
  percentEncode,
  sha256Hex,
  v2Signature,
  v2StringToSign,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
  verifyV2,
  verifyV3,
} from '../../../source/sim/api/signature.js';

const OpenApiUtil: any = (OpenApiUtilNs as any).default?.default ?? (OpenApiUtilNs as any).default;

const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const V3_HEADERS = {
  host: 'ecs.cn-hangzhou.aliyuncs.com',
  'x-acs-action': 'DescribeInstances',
  'x-acs-version': '2014-05-26',
  'x-acs-date': '2024-01-01T00:00:00Z',
  'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
  'x-acs-content-sha256': EMPTY_SHA,
};
const V3_SIGNED = Object.keys(V3_HEADERS).sort();

describe('V3 ACS3-HMAC-SHA256', () => {
  it('reproduces the reference test vector', () => {
    expect(sha256Hex('')).toBe(EMPTY_SHA);
    const canonical = v3CanonicalRequest({
      method: 'POST',
      path: '/',
      query: { RegionId: 'cn-hangzhou', PageSize: '10' },
      headers: V3_HEADERS,
      signedHeaders: V3_SIGNED,
      payloadHash: EMPTY_SHA,
    });
    expect(canonical.split('\n').slice(0, 3)).toEqual(['POST', '/', 'PageSize=10&RegionId=cn-hangzhou']);
    expect(v3Signature('testsecret', v3StringToSign(canonical))).toBe(
      '06efd52ddf67da90a4498061ad8129b326c696051d5da070a40e4c8b3b7d7c66',
    );
  });

  it('accepts the Authorization header openapi-util builds, and rejects a wrong secret', () => {
    const query = { RegionId: 'cn-hangzhou', 'Tag.1.Key': 'k (1)', InstanceIds: '["i-1","i-2"]' };
    const headers: Record<string, string> = {
      ...V3_HEADERS,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const header = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query, headers },
      'ACS3-HMAC-SHA256',
      EMPTY_SHA,
      'testid',
      'testsecret',
    );
    const auth = parseV3Authorization(header)!;
    expect(auth).toMatchObject({ algorithm: 'ACS3-HMAC-SHA256', accessKeyId: 'testid' });
    expect(auth.signedHeaders).toContain('content-type');
    const input = {
      method: 'POST',
      path: '/',
      query,
      headers,
      signedHeaders: auth.signedHeaders,
      payloadHash: EMPTY_SHA,
    };
    expect(verifyV3(input, auth, 'testsecret')).toEqual({ ok: true });
    const bad = verifyV3(input, auth, 'other');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.stringToSign.startsWith('ACS3-HMAC-SHA256\n')).toBe(true);
  });

  it('rejects a request whose body or signed header changed after signing', () => {
    const header = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query: {}, headers: V3_HEADERS },
      'ACS3-HMAC-SHA256',
      EMPTY_SHA,
      'testid',
      'testsecret',
    );
    const auth = parseV3Authorization(header)!;
    const base = {
      method: 'POST',
      path: '/',
      query: {},
      headers: V3_HEADERS,
      signedHeaders: auth.signedHeaders,
    };
    expect(verifyV3({ ...base, payloadHash: EMPTY_SHA }, auth, 'testsecret').ok).toBe(true);
    expect(verifyV3({ ...base, payloadHash: sha256Hex('RegionId=x') }, auth, 'testsecret').ok).toBe(false);
    const moved = { ...V3_HEADERS, 'x-acs-action': 'RunCommand' };
    expect(verifyV3({ ...base, headers: moved, payloadHash: EMPTY_SHA }, auth, 'testsecret').ok).toBe(false);
  });

  it('parses only well-formed Authorization headers', () => {
    expect(
      parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=ab'),
    ).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      accessKeyId: 'AK',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'ab',
    });
    expect(parseV3Authorization('Bearer abc')).toBeUndefined();
    expect(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AK')).toBeUndefined();
  });
});

describe('V2 HMAC-SHA1 (RPC)', () => {
  const params = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  };

  it('reproduces the reference test vector (the SDK value, not the inconsistent doc example)', () => {
    expect(v2Signature('testsecret', v2StringToSign('GET', params))).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    expect(OpenApiUtil.getRPCSignature(params, 'GET', 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('ignores the Signature parameter itself and checks the method', () => {
    const sig = 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=';
    expect(verifyV2('GET', { ...params, Signature: sig }, sig, 'testsecret')).toEqual({ ok: true });
    const post = verifyV2('POST', { ...params, Signature: sig }, sig, 'testsecret');
    expect(post.ok).toBe(false);
    expect(!post.ok && post.stringToSign.startsWith('POST&%2F&AccessKeyId%3Dtestid')).toBe(true);
  });

  it('encodes like openapi-util (RFC 3986 reserved characters included)', () => {
    expect(percentEncode("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
    const odd = { ...params, 'Tag.1.Value': "it's (a) *test*" };
    expect(v2Signature('s', v2StringToSign('POST', odd))).toBe(OpenApiUtil.getRPCSignature(odd, 'POST', 's'));
  });
});
