/**
 * Secret scrubbing: known values, secret-shaped text and secret-named fields are masked; ordinary ids and
 * rule text pass through untouched. The planted values below are made up for this test.
 */
import { describe, expect, it } from 'vitest';
import { isSecretField, REDACTED, redactText, redactValue } from '../../../source/remedy/redact.js';

// Alibaba AccessKey secrets are 30 alphanumerics; this one is invented.
const AK_SECRET = 'q7Wm2Zr9Lk4Vb8Nx3Tc6Hj1Pd5Fs0A';
const STS = `CAIS${'xY3z'.repeat(20)}Gq==`;

describe('redactText', () => {
  it('removes known secret values wherever they appear', () => {
    const out = redactText('login with hunter2-very-long and again hunter2-very-long.', [
      'hunter2-very-long',
    ]);
    expect(out).toBe(`login with ${REDACTED} and again ${REDACTED}.`);
  });

  it('masks secret-shaped text: pairs, flags, headers, PEM keys, STS tokens, AK secrets, URL passwords', () => {
    const pem =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----';
    const text = [
      'AccessKeySecret=abcDEF123secret',
      'password: "two words"',
      "passphrase='x y'",
      '{"access_key_secret":"zzz999"}',
      '--password s3cr3t-flag',
      'Authorization: ACS3-HMAC-SHA256 Credential=LTAI5tExample,SignedHeaders=host,Signature=deadbeef',
      pem,
      `token ${STS}`,
      `secret in prose ${AK_SECRET} end`,
      'https://admin:pa55word@example.test/x',
      'SecurityToken=abc.def&Signature=xyz',
    ].join('\n');
    const out = redactText(text);
    for (const leak of [
      'abcDEF123secret',
      'two words',
      'x y',
      'zzz999',
      's3cr3t-flag',
      'deadbeef',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU',
      STS,
      AK_SECRET,
      'pa55word',
      'abc.def',
      'xyz',
    ])
      expect(out).not.toContain(leak);
    expect(out).toContain('-----BEGIN OPENSSH PRIVATE KEY----- *** -----END OPENSSH PRIVATE KEY-----');
    expect(out).toContain('https://admin:***@example.test/x');
  });

  it('leaves resource ids, rules, commands and request ids alone', () => {
    const text =
      'ecs:RevokeSecurityGroup SecurityGroupId=sg-bp1w3fxyigw34kdcz3f7 SecurityGroupRuleId.1=sgr-bp1z005mzaiieivmf1hf ' +
      'InstanceId=i-bp1k6jsb2wslxp48772b RequestId=7B1F3C5E-8D2A-4E6F-9A0B-1C2D3E4F5A6B iptables -D INPUT -p tcp --dport 443 -j DROP ' +
      'AccessKeyId=LTAI5tQfE4pxXyZ';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it('masks fields named like secrets, recurses into arrays and objects, and does not mutate the input', () => {
    const input = {
      who: 'alice@laptop',
      creds: {
        accessKeyId: 'LTAI5tExample',
        accessKeySecret: 'plain',
        security_token: 'tok',
        Password: 'pw',
      },
      list: [{ privateKey: 'k' }, `inline ${AK_SECRET}`],
      params: { Permissions: [{ Description: 'fine' }] },
      nested: { authorization: 'Bearer abc' },
    };
    const copy = structuredClone(input);
    const out = redactValue(input, []);
    expect(input).toEqual(copy);
    expect(out.creds).toEqual({
      accessKeyId: 'LTAI5tExample',
      accessKeySecret: REDACTED,
      security_token: REDACTED,
      Password: REDACTED,
    });
    expect(out.list).toEqual([{ privateKey: REDACTED }, `inline ${REDACTED}`]);
    expect(out.params.Permissions[0].Description).toBe('fine');
    expect(out.nested.authorization).toBe(REDACTED);
  });

  it('survives cycles, buffers and errors', () => {
    const a: Record<string, unknown> = { name: 'a', buf: Buffer.from('secret bytes') };
    a.self = a;
    const e = new Error(`failed with ${AK_SECRET}`);
    const out = redactValue({ a, e }) as any;
    expect(out.a.self).toBe('[circular]');
    expect(out.a.buf).toBe('[12 bytes]');
    expect(out.e.message).toBe(`failed with ${REDACTED}`);
  });

  it('knows secret field names regardless of case and separators', () => {
    for (const k of [
      'AccessKeySecret',
      'access-key-secret',
      'SECURITY_TOKEN',
      'passphrase',
      'PrivateKey',
      'Authorization',
    ])
      expect(isSecretField(k)).toBe(true);
    for (const k of ['accessKeyId', 'description', 'SecurityGroupId', 'command'])
      expect(isSecretField(k)).toBe(false);
  });
});
