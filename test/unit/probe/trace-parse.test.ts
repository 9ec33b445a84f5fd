// Real traceroute 2.1.2, tcptraceroute 1.5beta7 and BusyBox 1.35.0 output captured on Debian 12 across an
// isolated 3-hop namespace chain (fixtures/*.source.txt say how each was made).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, traceError } from '../../../source/probe/trace.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', `${name}.txt`), 'utf8');
const B = '198.19.250.10';
const PATH3 = ['198.19.250.2', '198.19.250.6', B];

describe('parseTrace', () => {
  for (const name of [
    'traceroute-udp-ok',
    'traceroute-icmp-ok',
    'traceroute-tcp-open',
    'traceroute-busybox-ok',
  ]) {
    it(`reads the three hops of ${name}`, () => {
      const p = parseTrace(fixture(name), B);
      expect(p.hops.map((h) => h.ttl)).toEqual([1, 2, 3]);
      expect(p.hops.map((h) => h.address)).toEqual(PATH3);
      expect(p.hops.every((h) => typeof h.rttMs === 'number' && h.rttMs > 0)).toBe(true);
      expect(p.reached).toBe(true);
      expect(p.failure).toBeUndefined();
      expect(traceError(p, B, 8)).toBeUndefined();
    });
  }

  it('reads IPv6 hops and compares the destination as an address', () => {
    const p = parseTrace(fixture('traceroute-udp-ok-ipv6'), 'fd0d:3:0:0::2');
    expect(p.hops.map((h) => h.address)).toEqual(['fd0d:1::2', 'fd0d:2::2', 'fd0d:3::2']);
    expect(p.reached).toBe(true);
  });

  it('keeps the first answer of each hop with -q 3', () => {
    const p = parseTrace(fixture('traceroute-udp-q3'), B);
    expect(p.hops[0]).toEqual({ ttl: 1, address: '198.19.250.2', rttMs: 0.621 });
    expect(p.reached).toBe(true);
  });

  it('reads hops where some or all probes went unanswered (ICMP rate limit)', () => {
    const p = parseTrace(fixture('traceroute-udp-q3-ratelimited'), B);
    expect(p.hops).toHaveLength(7);
    expect(p.hops[1]).toEqual({ ttl: 2, address: '198.19.250.6', rttMs: 0.022 });
    expect(p.hops[2]).toEqual({ ttl: 3 });
    expect(p.hops[6]).toEqual({ ttl: 7, address: B, rttMs: 0.073 });
    expect(p.reached).toBe(true);
  });

  it('says where a trace into a DROP stops', () => {
    for (const name of ['traceroute-udp-stars', 'traceroute-tcp-filtered', 'tcptraceroute-filtered']) {
      const p = parseTrace(fixture(name), B);
      expect(p.hops.map((h) => h.address)).toEqual([
        '198.19.250.2',
        '198.19.250.6',
        undefined,
        undefined,
        undefined,
      ]);
      expect(p.reached).toBe(false);
      expect(p.failure).toBeUndefined();
      expect(traceError(p, B, 5)).toBe(
        `${B} did not answer within 5 hops; the last router that answered is 198.19.250.6 (hop 2)`,
      );
    }
  });

  it('reads !H from a rejecting router', () => {
    for (const name of [
      'traceroute-udp-host-unreachable',
      'traceroute-tcp-host-unreachable',
      'tcptraceroute-host-unreachable',
    ]) {
      const p = parseTrace(fixture(name), B);
      expect(p.hops[2]).toMatchObject({ ttl: 3, address: '198.19.250.6', flag: '!H' });
      expect(p.reached).toBe(false);
      expect(traceError(p, B, 8)).toBe('198.19.250.6 answered host unreachable (!H) at hop 3');
    }
  });

  it('reads tcptraceroute [open] and [closed] as reached, with the port state', () => {
    const open = parseTrace(fixture('tcptraceroute-open'), B);
    expect(open.hops[2]).toEqual({ ttl: 3, address: B, rttMs: 0.113, flag: '[open]' });
    expect(open.reached).toBe(true);
    const closed = parseTrace(fixture('tcptraceroute-closed'), B);
    expect(closed.hops[2].flag).toBe('[closed]');
    expect(closed.reached).toBe(true);
    expect(parseTrace(fixture('tcptraceroute-q3'), B).hops[2]).toMatchObject({
      flag: '[open]',
      rttMs: 0.102,
    });
  });

  it('treats traceroute -T reaching a closed port as reached (the host answered with a reset)', () => {
    expect(parseTrace(fixture('traceroute-tcp-closed'), B).reached).toBe(true);
  });

  it('reports a tool failure line', () => {
    const p = parseTrace(fixture('traceroute-no-route'), B);
    expect(p.hops).toEqual([]);
    expect(p.failure).toBe('connect: Network is unreachable');
    expect(traceError(p, B, 5)).toBe('the trace failed: connect: Network is unreachable');
  });

  it('explains the privilege failure of an unprivileged TCP trace', () => {
    const p = parseTrace(fixture('traceroute-tcp-nonroot'), B);
    expect(p.hops).toEqual([]);
    expect(traceError(p, B, 8)).toMatch(/^the trace needs raw sockets \(You do not have enough privileges/);
  });
});
