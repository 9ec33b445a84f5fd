import { describe, expect, it } from 'vitest';
import { parseSs } from '../../../source/guest/parsers/ss.js';
import { crlf, fixture } from './fixtures.js';

const sock = (proc: string, pid: number, fd: number) => [{ name: proc, pid, fd }];

describe('parseSs on iproute2 6.1 output (Debian 12, captured in a netns)', () => {
  it('reads listeners with -H -e: wildcard forms, v6only, processes, ext fields ignored', () => {
    const { value, warnings } = parseSs(fixture('ss', 'listen'));
    expect(warnings).toEqual([]);
    expect(value).toEqual([
      {
        proto: 'udp',
        family: 4,
        state: 'UNCONN',
        local: { address: '0.0.0.0', port: 5353 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 0,
        sendQ: 0,
        processes: sock('socat', 22807, 5),
      },
      {
        proto: 'tcp',
        family: 4,
        state: 'LISTEN',
        local: { address: '127.0.0.1', port: 8080 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 0,
        sendQ: 5,
        processes: sock('socat', 22804, 5),
      },
      {
        proto: 'tcp',
        family: 4,
        state: 'LISTEN',
        local: { address: '0.0.0.0', port: 80 },
        peer: { address: '0.0.0.0', port: 0 },
        recvQ: 0,
        sendQ: 5,
        processes: sock('socat', 22803, 5),
      },
      {
        proto: 'tcp',
        family: 6,
        state: 'LISTEN',
        local: { address: '*', port: 8443 },
        peer: { address: '*', port: 0 },
        recvQ: 0,
        sendQ: 5,
        processes: sock('socat', 22806, 5),
        v6only: false,
      },
      {
        proto: 'tcp',
        family: 6,
        state: 'LISTEN',
        local: { address: '::', port: 443 },
        peer: { address: '::', port: 0 },
        recvQ: 0,
        sendQ: 5,
        processes: sock('socat', 22805, 5),
        v6only: true,
      },
    ]);
  });

  it('reads connected sockets, including a v4-mapped IPv6 peer', () => {
    const { value } = parseSs(fixture('ss', 'connected'));
    expect(
      value.map((s) => [
        s.state,
        s.family,
        `${s.local.address}:${s.local.port}`,
        `${s.peer.address}:${s.peer.port}`,
        s.processes[0].pid,
      ]),
    ).toEqual([
      ['ESTAB', 4, '127.0.0.1:8080', '127.0.0.1:51080', 22853],
      ['ESTAB', 4, '127.0.0.1:51080', '127.0.0.1:8080', 22844],
      ['ESTAB', 4, '198.19.254.2:47936', '198.19.254.2:8443', 22845],
      ['ESTAB', 6, '::ffff:198.19.254.2:8443', '::ffff:198.19.254.2:47936', 22865],
    ]);
  });

  it('skips the header line and reads the same sockets as the -H captures', () => {
    const all = parseSs(fixture('ss', 'all-header')).value;
    expect(all).toHaveLength(9);
    expect(all.filter((s) => s.state === 'LISTEN').map((s) => s.local.port)).toEqual([8080, 80, 8443, 443]);
    // Without -e there is no v6only token, but new ss prints `[::]` only for a v6only socket.
    expect(all.find((s) => s.local.port === 443)?.v6only).toBe(true);
    expect(all.find((s) => s.local.port === 8443)?.v6only).toBe(false);
  });

  it('gives the same facts from CRLF output', () => {
    expect(parseSs(crlf(fixture('ss', 'listen')))).toEqual(parseSs(fixture('ss', 'listen')));
  });
});

describe('parseSs on older ss', () => {
  it('CentOS 7.6 (iproute 3.10): `*` is the IPv4 wildcard, `:::80` is IPv6, no process column', () => {
    const { value, warnings } = parseSs(fixture('ss', 'centos76-ltn'), { defaultProto: 'tcp' });
    expect(warnings).toEqual([]);
    expect(value.map((s) => [s.family, s.local.address, s.local.port, s.processes.length])).toEqual([
      [4, '*', 22, 0],
      [4, '127.0.0.1', 25, 0],
      [6, '::', 80, 0],
      [6, '::', 22, 0],
    ]);
    expect(value[0].v6only).toBeUndefined();
  });

  it('CentOS 7.8 (iproute 3.10 backport): `*` is IPv4 even next to bracketed IPv6', () => {
    const { value } = parseSs(fixture('ss', 'centos7-tnplu'));
    expect(value).toHaveLength(30);
    const ssh = value.filter((s) => s.local.port === 22);
    expect(ssh.map((s) => [s.family, s.local.address, s.processes[0]])).toEqual([
      [4, '*', { name: 'sshd', pid: 614, fd: 3 }],
      [6, '::', { name: 'sshd', pid: 614, fd: 4 }],
    ]);
    expect(value.find((s) => s.local.port === 25 && s.family === 6)?.local.address).toBe('::1');
  });

  it('RHEL 7 (insights-core fixture): both users:(("name",pid,fd)) forms', () => {
    const { value } = parseSs(fixture('ss', 'rhel7-tulpn-insights'));
    expect(value).toHaveLength(13);
    expect(value.find((s) => s.local.port === 22)?.processes).toEqual([{ name: 'sshd', pid: 1231, fd: 3 }]);
    expect(value.find((s) => s.local.port === 2223)?.processes).toEqual([{ name: 'sshd', pid: 1416, fd: 4 }]);
    expect(value.find((s) => s.local.port === 37968)?.peer).toEqual({ address: '::', port: 12345 });
  });

  it('RHEL 8 era (insights-core fixture): `%virbr0` scope, TIME-WAIT without a process, `*:80` dual stack', () => {
    const { value } = parseSs(fixture('ss', 'rhel8-tupna-insights'));
    expect(value.find((s) => s.local.port === 67)?.local).toEqual({
      address: '0.0.0.0',
      port: 67,
      iface: 'virbr0',
    });
    expect(value.filter((s) => s.state === 'TIME-WAIT')).toHaveLength(3);
    const http = value.find((s) => s.local.port === 80);
    expect([http?.family, http?.v6only]).toEqual([6, false]);
    expect(value.find((s) => s.local.port === 68)?.recvQ).toBe(9728);
  });
});
