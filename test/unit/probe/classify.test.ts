import { describe, expect, it } from 'vitest';
import { classifyDnsError, validServer } from '../../../source/probe/dns.js';
import { parseEchoBody, safeUrl } from '../../../source/probe/me.js';
import { classifyTcpError } from '../../../source/probe/tcp.js';

describe('classifyTcpError', () => {
  // The errno each REJECT variant produces on Linux is verified for real in test/host/probe-classify.test.ts.
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['ETIMEDOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ENOPROTOOPT', 'unreachable'],
    ['EPERM', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['ENETDOWN', 'unreachable'],
    ['ENOTFOUND', 'error'],
    ['ENETDOCTORGUARD', 'error'],
    [undefined, 'error'],
  ])('%s → %s', (code, outcome) => {
    const c = classifyTcpError(code);
    expect(c.outcome).toBe(outcome);
    expect(c.error).toMatch(new RegExp(`^${code ?? 'UNKNOWN'}: `));
  });

  it('says what a refusal means, including the REJECT rules that look like a closed port', () => {
    expect(classifyTcpError('ECONNREFUSED').error).toMatch(/tcp-reset or icmp-port-unreachable/);
    expect(classifyTcpError('EPERM').error).toMatch(/refused to send the SYN \(a local security policy/);
  });
});

describe('classifyDnsError', () => {
  it.each([
    ['ENOTFOUND', 'server', 'NXDOMAIN'],
    ['ENOTFOUND', 'system', 'NXDOMAIN'],
    ['ENODATA', 'server', 'NODATA'],
    ['ESERVFAIL', 'server', 'SERVFAIL'],
    ['EREFUSED', 'server', 'REFUSED'],
    ['ETIMEOUT', 'server', 'timeout'],
    ['ECANCELLED', 'server', 'timeout'],
    ['EAI_AGAIN', 'system', 'timeout'],
    ['ECONNREFUSED', 'server', 'unreachable'],
    ['EBADRESP', 'server', 'bad-response'],
    ['EAI_FAIL', 'system', 'SERVFAIL'],
    ['EWHATEVER', 'server', 'error'],
  ] as const)('%s (%s) → %s', (code, via, kind) => {
    const c = classifyDnsError(code, via);
    expect(c.kind).toBe(kind);
    expect(c.detail.length).toBeGreaterThan(10);
  });

  it('accepts server addresses the way Resolver.setServers does', () => {
    for (const ok of ['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:53', '198.18.0.2'])
      expect(validServer(ok)).toBe(true);
    for (const bad of ['dns.example', '127.0.0.1:0', '127.0.0.1:70000', '[::1]:x', '', 'localhost'])
      expect(validServer(bad)).toBe(false);
  });
});

describe('echo endpoint bodies', () => {
  it('reads a bare address, with or without a trailing newline', () => {
    expect(parseEchoBody('203.0.113.7\n')).toBe('203.0.113.7');
    expect(parseEchoBody('  2001:db8::7  ')).toBe('2001:db8::7');
    expect(parseEchoBody('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('reads the JSON shapes of common echo services', () => {
    expect(parseEchoBody('{"ip":"203.0.113.7"}')).toBe('203.0.113.7'); // ipify ?format=json
    expect(parseEchoBody('{"origin": "203.0.113.7, 10.0.0.1"}')).toBe('203.0.113.7'); // httpbin /ip behind a proxy
    expect(parseEchoBody('{"status":"success","query":"203.0.113.8"}')).toBe('203.0.113.8'); // ip-api
  });

  it('rejects anything that is not an address', () => {
    for (const b of [
      '<html>blocked</html>',
      '{"ip": 12}',
      '{"ip":"999.1.1.1"}',
      '',
      '{not json',
      'hello world',
    ])
      expect(parseEchoBody(b)).toBeUndefined();
  });

  it('never shows credentials or query strings of an echo URL', () => {
    expect(safeUrl('https://user:s3cret@echo.example/ip?token=abc')).toBe('https://echo.example/ip');
    expect(safeUrl('not a url')).toBe('(invalid URL)');
  });
});
