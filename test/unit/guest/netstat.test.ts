import { describe, expect, it } from 'vitest';
import { netstatStateToSs, parseNetstat } from '../../../source/guest/parsers/netstat.js';
import { parseSs } from '../../../source/guest/parsers/ss.js';
import { fixture } from './fixtures.js';

describe('parseNetstat (net-tools)', () => {
  it('reads `netstat -tulnp` (net-tools 2.10, Debian 12)', () => {
    const { value, warnings } = parseNetstat(fixture('netstat', 'tulnp'));
    expect(warnings).toEqual([]);
    expect(value).toEqual([
      {
        proto: 'tcp',
        family: 4,
        state: 'LISTEN',
        local: { address: '127.0.0.1', port: 8080 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 0,
        sendQ: 0,
        processes: [{ name: 'socat', pid: 22804 }],
      },
      {
        proto: 'tcp',
        family: 4,
        state: 'LISTEN',
        local: { address: '0.0.0.0', port: 80 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 0,
        sendQ: 0,
        processes: [{ name: 'socat', pid: 22803 }],
      },
      {
        proto: 'tcp',
        family: 6,
        state: 'LISTEN',
        local: { address: '::', port: 8443 },
        peer: { address: '::', port: 0 },
        recvQ: 0,
        sendQ: 0,
        processes: [{ name: 'socat', pid: 22806 }],
      },
      {
        proto: 'tcp',
        family: 6,
        state: 'LISTEN',
        local: { address: '::', port: 443 },
        peer: { address: '::', port: 0 },
        recvQ: 0,
        sendQ: 0,
        processes: [{ name: 'socat', pid: 22805 }],
      },
      {
        proto: 'udp',
        family: 4,
        state: 'UNCONN',
        local: { address: '0.0.0.0', port: 5353 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 0,
        sendQ: 0,
        processes: [{ name: 'socat', pid: 22807 }],
      },
    ]);
  });

  it('reads `netstat -tunap` and agrees with ss on the same sockets', () => {
    const ns = parseNetstat(fixture('netstat', 'tunap')).value;
    const ss = parseSs(fixture('ss', 'all-header')).value;
    const key = (s: {
      state: string;
      local: { port: number };
      peer: { port: number };
      processes: { pid: number }[];
    }) => `${s.state} ${s.local.port} ${s.peer.port} ${s.processes[0]?.pid}`;
    expect(ns.map(key).sort()).toEqual(ss.map(key).sort());
    // netstat shows a v4-mapped peer of a tcp6 socket in IPv4 form; the parser restores the mapped form.
    expect(ns.find((s) => s.processes[0]?.pid === 22865)?.local.address).toBe('::ffff:198.19.254.2');
  });

  it('reads German output (title and header translated, `Benutzer`/`Inode` columns, udp without state)', () => {
    const { value } = parseNetstat(fixture('netstat', 'de-tulpen'));
    expect(value.map((s) => [s.proto, s.state, s.local.port, s.processes[0]?.name])).toEqual([
      ['tcp', 'LISTEN', 2208, 'hpiod'],
      ['tcp', 'LISTEN', 631, 'cupsd'],
      ['tcp', 'LISTEN', 15000, 'wesnothd'],
      ['tcp', 'LISTEN', 2207, 'python'],
      ['udp', 'UNCONN', 32768, 'avahi-daemon:'],
      ['udp', 'UNCONN', 68, 'dhclient'],
    ]);
  });

  it('reads non-root German output: `-` instead of a process, the stderr note skipped', () => {
    const { value, warnings } = parseNetstat(fixture('netstat', 'de-tlnp-nonroot'));
    expect(warnings).toEqual([]);
    expect(value).toHaveLength(8);
    expect(value.every((s) => s.processes.length === 0)).toBe(true);
    expect(value.filter((s) => s.family === 6).map((s) => [s.local.address, s.local.port])).toEqual([
      ['::1', 631],
      ['::', 22],
      ['::', 3389],
      ['::1', 3350],
    ]);
  });

  it('reads `netstat -neopa` (insights-core RHEL fixture): timers, a program name with a space, unix sockets skipped', () => {
    const { value } = parseNetstat(fixture('netstat', 'rhel-neopa-insights'));
    expect(value).toHaveLength(6);
    expect(value.find((s) => s.local.port === 53644)?.processes).toEqual([
      { name: 'Passenger Rac', pid: 12387 },
    ]);
    expect(value.find((s) => s.state === 'SYN-RECV')?.processes).toEqual([]);
  });

  it('maps translated states from the net-tools catalogues', () => {
    expect(netstatStateToSs('VERBUNDEN')).toBe('ESTAB');
    expect(netstatStateToSs('OUÇA')).toBe('LISTEN');
    expect(netstatStateToSs('POSLEDNÍ ACK')).toBe('LAST-ACK');
    expect(netstatStateToSs('TIME_WAIT')).toBe('TIME-WAIT');
    expect(netstatStateToSs('0')).toBeUndefined();
    const cs = parseNetstat(
      'tcp        0      0 10.0.0.1:22             10.0.0.2:5000           POSLEDNÍ ACK 1/sshd\n',
    ).value;
    expect(cs[0].state).toBe('LAST-ACK');
    expect(cs[0].processes).toEqual([{ name: 'sshd', pid: 1 }]);
  });
});
