// Real ping output captured from iputils 20221126 and BusyBox 1.35.0 on Debian 12 (fixtures/*.source.txt
// say how each was made).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePing, pingArgs, pingResult } from '../../../source/probe/ping.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', `${name}.txt`), 'utf8');

describe('parsePing', () => {
  it('reads an iputils run where every reply came back', () => {
    const p = parsePing(fixture('ping-iputils-ok'));
    expect(p).toMatchObject({ sent: 3, received: 3, lossPct: 0, complete: true });
    expect(p.rttMs).toEqual({ min: 0.076, avg: 0.08, max: 0.09 });
    expect(pingResult('198.19.250.10', p).error).toBeUndefined();
  });

  it('reads iputils over IPv6', () => {
    const p = parsePing(fixture('ping-iputils-ok-ipv6'));
    expect(p).toMatchObject({ sent: 3, received: 3, lossPct: 0 });
    expect(p.rttMs?.max).toBe(0.09);
  });

  it('reads partial loss (every second echo dropped)', () => {
    const p = parsePing(fixture('ping-iputils-loss50'));
    expect(p).toMatchObject({ sent: 4, received: 2, lossPct: 50 });
    expect(p.rttMs).toEqual({ min: 0.102, avg: 0.107, max: 0.112 });
  });

  it('reads total loss (ICMP dropped) with no rtt line', () => {
    const p = parsePing(fixture('ping-iputils-loss100'));
    expect(p).toMatchObject({ sent: 3, received: 0, lossPct: 100, complete: true });
    expect(p.rttMs).toBeUndefined();
    expect(p.errors).toBeUndefined();
    expect(pingResult('198.19.250.10', p).error).toBeUndefined();
  });

  it('reads ICMP errors from a router (+3 errors, Destination Host Unreachable)', () => {
    const p = parsePing(fixture('ping-iputils-host-unreachable'));
    expect(p).toMatchObject({ sent: 3, received: 0, lossPct: 100, errors: 3 });
    expect(p.icmpError).toEqual({ from: '198.19.250.6', text: 'Destination Host Unreachable' });
    expect(pingResult('198.19.250.10', p).error).toBe(
      '198.19.250.6 answered "Destination Host Unreachable" (3 ICMP errors)',
    );
  });

  it('reads a remote Destination Net Unreachable', () => {
    const p = parsePing(fixture('ping-iputils-net-unreachable-remote'));
    expect(p).toMatchObject({ sent: 2, received: 0, errors: 2 });
    expect(p.icmpError?.text).toBe('Destination Net Unreachable');
  });

  it('turns a local "no route" failure into an error without statistics', () => {
    const p = parsePing(fixture('ping-iputils-no-route'));
    expect(p.complete).toBe(false);
    expect(p.failure).toBe('connect: Network is unreachable');
    const r = pingResult('198.19.250.10', p);
    expect(r).toMatchObject({ sent: 0, received: 0, lossPct: 100 });
    expect(r.error).toMatch(/^no route from this machine/);
  });

  it('turns a name failure into an error', () => {
    const r = pingResult('nosuch.example', parsePing(fixture('ping-iputils-name-failure')));
    expect(r.error).toMatch(/could not resolve the name \(nosuch\.example: Temporary failure/);
  });

  it('reads BusyBox output (packets received, round-trip, no mdev)', () => {
    const p = parsePing(fixture('ping-busybox-ok'));
    expect(p).toMatchObject({ sent: 3, received: 3, lossPct: 0 });
    expect(p.rttMs).toEqual({ min: 0.092, avg: 0.108, max: 0.116 });
    expect(parsePing(fixture('ping-busybox-ok-ipv6')).rttMs?.max).toBe(0.218);
  });

  it('reads BusyBox total loss and its sendto failure', () => {
    expect(parsePing(fixture('ping-busybox-loss100'))).toMatchObject({ sent: 3, received: 0, lossPct: 100 });
    const r = pingResult('198.19.250.10', parsePing(fixture('ping-busybox-no-route')));
    expect(r.error).toBe('no route from this machine to the target (sendto: Network is unreachable)');
  });

  it('says so when the output is not ping output', () => {
    expect(pingResult('h', parsePing('Segmentation fault\n')).error).toMatch(/PARSE_ERROR/);
  });
});

describe('pingArgs', () => {
  it('asks iputils for numeric output, BusyBox without -n (it has none)', () => {
    expect(pingArgs('iputils', '::1', 3, 1, 0.2)).toEqual(['-n', '-c', '3', '-i', '0.2', '-W', '1', '::1']);
    expect(pingArgs('busybox', '127.0.0.1', 2, 2, 0.2)).toEqual([
      '-c',
      '2',
      '-i',
      '0.2',
      '-W',
      '2',
      '127.0.0.1',
    ]);
    expect(pingArgs('bsd', '127.0.0.1', 1, 2, 0.5)).toEqual([
      '-n',
      '-c',
      '1',
      '-i',
      '0.5',
      '-W',
      '2000',
      '127.0.0.1',
    ]);
  });
});
