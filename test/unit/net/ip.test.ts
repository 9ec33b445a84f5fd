import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrOverlaps,
  formatCidr,
  formatIp,
  inCidr,
  isLoopback,
  isPrivateIp,
  isWildcard,
  parseCidr,
  parseIp,
  unmapV4,
} from '../../../source/net/ip.js';

describe('ip arithmetic', () => {
  it('parses and normalises CIDRs', () => {
    expect(formatCidr(parseCidr('172.16.1.77/24')!)).toBe('172.16.1.0/24');
    expect(formatCidr(parseCidr('10.0.0.1')!)).toBe('10.0.0.1/32');
    expect(formatCidr(parseCidr('2001:db8::1/32')!)).toBe('2001:db8::/32');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
    expect(parseCidr('not-an-ip')).toBeUndefined();
  });

  it('answers containment and overlap', () => {
    expect(inCidr('47.96.1.180', '0.0.0.0/0')).toBe(true);
    expect(inCidr('172.16.1.10', '172.16.0.0/12')).toBe(true);
    expect(inCidr('172.32.0.1', '172.16.0.0/12')).toBe(false);
    expect(inCidr('::ffff:10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/8')!, parseCidr('10.1.0.0/16')!)).toBe(true);
    expect(cidrContains(parseCidr('10.1.0.0/16')!, parseCidr('10.0.0.0/8')!)).toBe(false);
    expect(cidrOverlaps(parseCidr('10.1.0.0/16')!, parseCidr('10.0.0.0/8')!)).toBe(true);
    expect(cidrOverlaps(parseCidr('10.0.0.0/8')!, parseCidr('::/0')!)).toBe(false);
  });

  it('classifies addresses', () => {
    expect(isPrivateIp('172.16.3.4')).toBe(true);
    expect(isPrivateIp('100.100.2.136')).toBe(true);
    expect(isPrivateIp('47.96.1.180')).toBe(false);
    expect(isLoopback('127.0.0.53')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isWildcard('[::]')).toBe(true);
    expect(isWildcard('*')).toBe(true);
    expect(unmapV4('::ffff:1.2.3.4')).toBe('1.2.3.4');
  });

  it('round-trips IPv4 and IPv6 integers', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const p = parseIp(ip)!;
        expect(formatIp(4, p.value)).toBe(ip.split('.').map(Number).join('.'));
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const p = parseIp(ip)!;
        expect(parseIp(formatIp(6, p.value))!.value).toBe(p.value);
      }),
    );
  });

  it('containment agrees with a brute-force walk over small prefixes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 24, max: 32 }),
        fc.integer({ min: 0, max: 255 }),
        (a, len, probe) => {
          const c = `10.0.0.${a}/${len}`;
          const size = 2 ** (32 - len);
          const start = Math.floor(a / size) * size;
          expect(inCidr(`10.0.0.${probe}`, c)).toBe(probe >= start && probe < start + size);
        },
      ),
    );
  });
});
