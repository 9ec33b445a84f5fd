import { describe, expect, it } from 'vitest';
import { parseDig, parseGetentAhosts, parseNslookup } from '../../../source/guest/parsers/dns-lookup.js';
import { parseEthtool } from '../../../source/guest/parsers/ethtool.js';
import { parseHostsAccess } from '../../../source/guest/parsers/hosts-access.js';
import { classifyKernelLine, parseKernelLog } from '../../../source/guest/parsers/kernel-log.js';
import { parseProcNetDev } from '../../../source/guest/parsers/proc-net-dev.js';
import {
  parseConntrack,
  parseSockstat,
  parseStateCounts,
  parseSysctl,
} from '../../../source/guest/parsers/proc-values.js';
import { parseResolvConf } from '../../../source/guest/parsers/resolv.js';
import { linksLibwrap, parseSystem } from '../../../source/guest/parsers/system.js';
import {
  parseServiceStatus,
  parseSystemctlShow,
  systemdTimeToIso,
} from '../../../source/guest/parsers/systemctl.js';
import { crlf, fixture } from './fixtures.js';

describe('resolv.conf', () => {
  it('reads nameservers, search and options (captured netns file)', () => {
    expect(parseResolvConf(fixture('resolv', 'netns')).value).toEqual({
      nameservers: ['198.19.251.53', '198.18.255.254'],
      search: ['corp.example', 'internal.example'],
      options: ['timeout:1', 'attempts:1', 'rotate'],
    });
  });
  it("Ubuntu's systemd-resolved stub and its symlink target", () => {
    expect(
      parseResolvConf(fixture('resolv', 'ubuntu-stub'), '/run/systemd/resolve/stub-resolv.conf').value,
    ).toEqual({
      nameservers: ['127.0.0.53'],
      search: ['ada.elpuig.xeill.net'],
      options: ['edns0', 'trust-ad'],
      target: '/run/systemd/resolve/stub-resolv.conf',
    });
  });
  it("`;` comments out Alibaba's dhclient lines", () => {
    const { value, warnings } = parseResolvConf(fixture('resolv', 'alibaba-commented'));
    expect(warnings).toEqual([]);
    expect(value).toEqual({ nameservers: ['172.22.1.50', '172.22.1.51'], search: ['ops.com'], options: [] });
  });
});

describe('hosts.allow / hosts.deny', () => {
  it("Debian's shipped files hold only comments", () => {
    expect(parseHostsAccess(fixture('hosts-access', 'debian-allow'), 'hosts.allow')).toEqual({
      value: [],
      warnings: [],
    });
    expect(parseHostsAccess(fixture('hosts-access', 'debian-deny'), 'hosts.deny').value).toEqual([]);
  });
  it('reads lists, EXCEPT, options, continuation lines and bracketed IPv6 patterns', () => {
    const text = [
      '# comment',
      'sshd: ALL',
      'ALL EXCEPT in.fingerd: other.host.name, .other.domain',
      'sshd, vsftpd : 192.168. EXCEPT 192.168.1.7 \\',
      '   , [2001:db8::]/32 : spawn (/bin/echo %a >> /var/log/deny) : deny',
      'garbage without a colon',
    ].join('\n');
    const { value, warnings } = parseHostsAccess(text, 'hosts.deny');
    expect(value).toEqual([
      { file: 'hosts.deny', line: 2, daemons: ['sshd'], clients: ['ALL'], raw: 'sshd: ALL' },
      {
        file: 'hosts.deny',
        line: 3,
        daemons: ['ALL', 'EXCEPT', 'in.fingerd'],
        clients: ['other.host.name', '.other.domain'],
        raw: 'ALL EXCEPT in.fingerd: other.host.name, .other.domain',
      },
      {
        file: 'hosts.deny',
        line: 4,
        daemons: ['sshd', 'vsftpd'],
        clients: ['192.168.', 'EXCEPT', '192.168.1.7', '[2001:db8::]/32'],
        options: 'spawn (/bin/echo %a >> /var/log/deny) : deny',
        raw: 'sshd, vsftpd : 192.168. EXCEPT 192.168.1.7 \\\n   , [2001:db8::]/32 : spawn (/bin/echo %a >> /var/log/deny) : deny',
      },
    ]);
    expect(warnings).toEqual([
      "hosts.deny line 6: no ':' between daemons and clients: garbage without a colon",
    ]);
    expect(parseHostsAccess(crlf(text), 'hosts.deny').value.map((r) => r.daemons)).toEqual(
      value.map((r) => r.daemons),
    );
  });
});

describe('systemctl show', () => {
  it('reads RHEL 7 blocks (insights-core), keys in any order, Id-less blocks reported', () => {
    const { value, warnings } = parseSystemctlShow(fixture('systemctl', 'rhel7-show-insights'));
    expect(value.map((s) => [s.name, s.active, s.sub, s.since, s.binary])).toEqual([
      ['postfix', 'unknown', undefined, undefined, undefined],
      ['postgresql', 'unknown', undefined, undefined, '/usr/bin/pg_ctl'],
      ['tuned', 'active', 'running', '2019-11-19T23:55:53', undefined],
    ]);
    expect(value[2].description).toBe('Dynamic System Tuning Daemon');
    expect(warnings).toEqual(['systemctl show: not a Key=Value line: basic.target dbus.service']);
  });
  it('reads the properties the collection asks for, in systemd order, and drops not-found units', () => {
    const text = [
      'MainPID=0',
      'Result=oom-kill',
      'ExecMainStatus=9',
      'ExecStart={ path=/usr/sbin/nginx ; argv[]=/usr/sbin/nginx -g daemon on; master_process on; ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
      'Id=nginx.service',
      'Description=A high performance web server and a reverse proxy server',
      'LoadState=loaded',
      'ActiveState=failed',
      'SubState=failed',
      'ActiveEnterTimestamp=Wed 2025-11-26 11:00:00 UTC',
      'InactiveEnterTimestamp=Wed 2025-11-26 11:40:02 UTC',
      '',
      'MainPID=0',
      'Result=success',
      'ExecMainStatus=0',
      'Id=httpd.service',
      'Description=httpd.service',
      'LoadState=not-found',
      'ActiveState=inactive',
      'SubState=dead',
      'ActiveEnterTimestamp=',
      'InactiveEnterTimestamp=',
    ].join('\n');
    expect(parseSystemctlShow(text).value).toEqual([
      {
        name: 'nginx',
        unit: 'nginx.service',
        active: 'failed',
        via: 'systemctl',
        loadState: 'loaded',
        sub: 'failed',
        result: 'oom-kill',
        execMainStatus: 9,
        since: '2025-11-26T11:40:02Z',
        description: 'A high performance web server and a reverse proxy server',
        binary: '/usr/sbin/nginx',
      },
    ]);
    expect(parseSystemctlShow(text, { keepNotFound: true }).value[1].loadState).toBe('not-found');
  });
  it('turns systemd timestamps into ISO without guessing ambiguous zones', () => {
    expect(systemdTimeToIso('Tue 2019-11-19 23:55:53 EST')).toBe('2019-11-19T23:55:53');
    expect(systemdTimeToIso('Mon 2026-08-18 09:12:31 UTC')).toBe('2026-08-18T09:12:31Z');
    expect(systemdTimeToIso('@1791204607')).toBe('2026-10-05T12:50:07Z');
    expect(systemdTimeToIso('n/a')).toBeUndefined();
  });
  it('reads the SysV fallback: a real Debian `service ssh status` (exit 3) and pidof', () => {
    expect(parseServiceStatus('ssh', fixture('service', 'debian-ssh-stopped'), 3, 'service')).toEqual({
      name: 'ssh',
      active: 'inactive',
      via: 'service',
    });
    expect(parseServiceStatus('sshd', 'sshd (pid  1234) is running...', 0, 'service')).toEqual({
      name: 'sshd',
      active: 'active',
      via: 'service',
      mainPid: 1234,
    });
    expect(parseServiceStatus('nginx', 'nginx dead but pid file exists', 1, 'service')?.active).toBe(
      'failed',
    );
    expect(parseServiceStatus('x', 'x: unrecognized service', 1, 'service')).toBeUndefined();
    expect(parseServiceStatus('nginx', '1190 1188\n', 0, 'pidof')).toEqual({
      name: 'nginx',
      active: 'active',
      via: 'pidof',
      mainPid: 1188,
    });
    expect(parseServiceStatus('nginx', '', 1, 'pidof')).toEqual({
      name: 'nginx',
      active: 'inactive',
      via: 'pidof',
    });
  });
});

describe('kernel counters and settings', () => {
  it('/proc/net/dev', () => {
    const { value, warnings } = parseProcNetDev(fixture('netdev', 'proc-net-dev'));
    expect(warnings).toEqual([]);
    expect(value.map((c) => c.iface)).toEqual(['lo', 'eth1p', 'eth1', 'eth2p', 'eth2', 'eth0']);
    expect(value[5]).toEqual({
      iface: 'eth0',
      rxBytes: 852,
      rxPackets: 10,
      rxErrs: 0,
      rxDrop: 0,
      txBytes: 932,
      txPackets: 10,
      txErrs: 0,
      txDrop: 0,
    });
    // Old kernels glue big counters to the colon.
    expect(parseProcNetDev('  eth0:123456789 2 0 5 0 0 0 0 7 8 0 9 0 0 0 0').value[0]).toMatchObject({
      rxBytes: 123456789,
      rxDrop: 5,
      txDrop: 9,
    });
  });
  it('conntrack count/max from /proc (captured) and bare numbers; absent module = no value', () => {
    expect(parseConntrack(fixture('conntrack', 'proc')).value).toEqual({ count: 3, max: 262144 });
    expect(parseConntrack('262140\n262144\n').value).toEqual({ count: 262140, max: 262144 });
    expect(parseConntrack('').value).toBeUndefined();
  });
  it('sockstat and state counts', () => {
    expect(
      parseSockstat(fixture('sockstat', 'sockstat') + fixture('sockstat', 'sockstat6')).value,
    ).toMatchObject({
      'TCP.inuse': 5,
      'TCP.tw': 0,
      'UDP.inuse': 1,
      'TCP6.inuse': 3,
    });
    expect(parseStateCounts(fixture('ss', 'states')).value).toEqual({ ESTAB: 4, LISTEN: 4 });
    expect(parseStateCounts('  20000 ESTABLISHED\n     12 TIME_WAIT\n      1 Foreign\n').value).toEqual({
      ESTAB: 20000,
      'TIME-WAIT': 12,
    });
  });
  it('sysctl output and the /proc fallback', () => {
    expect(parseSysctl(fixture('sysctl', 'keys')).value).toEqual({
      'net.ipv4.ip_forward': '0',
      'net.ipv4.conf.all.rp_filter': '0',
      'net.ipv4.conf.default.rp_filter': '0',
      'net.ipv4.conf.eth0.rp_filter': '0',
      'net.ipv4.ip_local_port_range': '32768 60999',
      'net.ipv4.tcp_tw_reuse': '2',
      'net.netfilter.nf_conntrack_max': '262144',
    });
    expect(parseSysctl(fixture('sysctl', 'proc')).value).toEqual({
      'net.ipv4.ip_forward': '0',
      'net.ipv4.conf.all.rp_filter': '0',
      'net.ipv4.ip_local_port_range': '32768 60999',
    });
    expect(
      parseSysctl('sysctl: cannot stat /proc/sys/net/netfilter/nf_conntrack_max: No such file or directory')
        .warnings,
    ).toHaveLength(1);
  });
  it('ethtool on veth (captured) and virtio_net (this VM: speed unknown)', () => {
    expect(parseEthtool(fixture('ethtool', 'veth-up')).value).toEqual({
      iface: 'eth0',
      speedMbps: 10000,
      duplex: 'Full',
      linkDetected: true,
    });
    expect(parseEthtool(fixture('ethtool', 'veth-down')).value?.linkDetected).toBe(false);
    expect(parseEthtool(fixture('ethtool', 'virtio') + fixture('ethtool', 'virtio-driver')).value).toEqual({
      iface: 'eth0',
      linkDetected: true,
      driver: 'virtio_net',
    });
    expect(
      parseEthtool('netlink error: Operation not permitted\nSettings for lo:\n\tLink detected: yes\n').value,
    ).toEqual({ iface: 'lo', linkDetected: true });
    expect(parseEthtool('').value).toBeUndefined();
  });
});

describe('kernel log', () => {
  it('classifies link changes in dmesg (Ubuntu, e1000e)', () => {
    const lines = parseKernelLog(fixture('kernel-log', 'dmesg-e1000e-ubuntu')).value;
    expect(lines.map((l) => [l.time, l.kind, l.iface])).toEqual([
      ['10.031998', 'link-down', 'eth0'],
      ['11.760455', 'link-up', 'eth0'],
      ['11.760459', undefined, undefined],
      ['11.760506', 'link-up', 'eth0'],
      ['40.458057', 'link-down', 'eth0'],
      ['283.416589', 'link-up', 'eth0'],
      ['283.416600', undefined, undefined],
    ]);
  });
  it('reads syslog lines and the conntrack-full message of two kernel generations', () => {
    const sys = parseKernelLog(fixture('kernel-log', 'syslog-e1000e')).value;
    expect(sys[0]).toEqual({
      time: 'May 18 20:18:50',
      text: '[10121.062129] e1000e: eth0 NIC Link is Down',
      kind: 'link-down',
      iface: 'eth0',
    });
    const ct = parseKernelLog(fixture('kernel-log', 'messages-conntrack')).value;
    expect(ct.map((l) => [l.time, l.kind])).toEqual([
      ['Jul 8 10:03:53', 'conntrack-full'],
      ['Jul 8 09:51:16', 'conntrack-full'],
    ]);
  });
  it('knows OOM kills, NIC resets, SYN floods and firewall LOG lines', () => {
    expect(classifyKernelLine('Out of memory: Killed process 1188 (nginx) total-vm:7340032kB').kind).toBe(
      'oom',
    );
    expect(classifyKernelLine('NETDEV WATCHDOG: eth0 (virtio_net): transmit queue 0 timed out')).toEqual({
      kind: 'nic-reset',
      iface: 'eth0',
    });
    expect(
      classifyKernelLine('TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.').kind,
    ).toBe('syn-flood');
    expect(
      classifyKernelLine('nd-drop: IN=eth0 OUT= MAC=00 SRC=1.2.3.4 DST=5.6.7.8 LEN=60 PROTO=TCP DPT=443'),
    ).toEqual({ kind: 'drop', iface: 'eth0' });
    expect(parseKernelLog(fixture('kernel-log', 'dmesg-net')).value.length).toBeGreaterThan(0);
  });
});

describe('DNS lookups (captured against a test responder and an unreachable server)', () => {
  it('getent ahosts', () => {
    expect(parseGetentAhosts('aliyun.com', fixture('dns', 'getent-ok'), 0)).toEqual({
      name: 'aliyun.com',
      ok: true,
      addresses: ['198.19.90.1', '198.19.90.2'],
    });
    expect(parseGetentAhosts('capture-b.example', fixture('dns', 'getent-hosts-file'), 0).addresses).toEqual([
      '198.19.251.2',
    ]);
    expect(parseGetentAhosts('nonexistent.example', fixture('dns', 'getent-nxdomain'), 2)).toEqual({
      name: 'nonexistent.example',
      ok: false,
      addresses: [],
      error: 'not-found',
    });
    expect(parseGetentAhosts('aliyun.com', fixture('dns', 'getent-timeout'), 124).error).toBe('timeout');
  });
  it('nslookup', () => {
    expect(parseNslookup('aliyun.com', '198.19.251.53', fixture('dns', 'nslookup-ok'), 0)).toEqual({
      name: 'aliyun.com',
      server: '198.19.251.53',
      ok: true,
      addresses: ['198.19.90.1', '198.19.90.2'],
    });
    expect(
      parseNslookup('nonexistent.example', '198.19.251.53', fixture('dns', 'nslookup-nxdomain'), 1).error,
    ).toBe('NXDOMAIN');
    expect(parseNslookup('aliyun.com', '198.18.255.254', fixture('dns', 'nslookup-timeout'), 1).error).toBe(
      'timeout',
    );
    expect(
      parseNslookup('aliyun.com', '198.18.254.254', fixture('dns', 'nslookup-unroutable'), 1).error,
    ).toBe('unreachable');
  });
  it('dig', () => {
    expect(parseDig('aliyun.com', '198.19.251.53', fixture('dns', 'dig-ok'), 0)).toEqual({
      name: 'aliyun.com',
      server: '198.19.251.53',
      ok: true,
      addresses: ['198.19.90.1', '198.19.90.2'],
    });
    expect(parseDig('aliyun.com', '198.18.255.254', fixture('dns', 'dig-timeout'), 9).error).toBe('timeout');
  });
});

describe('system section and ldd', () => {
  it('reads host facts and os-release', () => {
    const text =
      'hostname=web-1\nkernel=6.1.0-28-amd64\nuid=0\nuptime=86400.12\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n';
    expect(parseSystem(text)).toEqual({
      hostname: 'web-1',
      kernel: '6.1.0-28-amd64',
      uid: 0,
      uptime: 86400.12,
      os: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(parseSystem('hostname=c7\nCentOS Linux release 7.6.1810 (Core)\n').os).toBe(
      'CentOS Linux release 7.6.1810 (Core)',
    );
  });
  it('sees libwrap in ldd output (Debian 12 sshd links it)', () => {
    expect(linksLibwrap(fixture('ldd', 'sshd'))).toBe(true);
    expect(linksLibwrap('\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6')).toBe(false);
  });
});
