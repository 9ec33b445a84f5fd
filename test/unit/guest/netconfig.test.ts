/**
 * The network-configuration parser against files written by the real tools (test/fixtures/guest/netconfig:
 * cloud-init 22.4.2's renderers, ISC dhclient 4.4.3 and systemd-networkd 252 leases; see capture.sh), plus
 * small hand-written variants of the syntax those renderers do not produce (marked as such below).
 */
import { describe, expect, it } from 'vitest';
import {
  type IfaceRef,
  type NetconfigFile,
  parseNetconfig,
  scrubNetconfigSecrets,
  splitNetconfigFiles,
} from '../../../source/guest/parsers/netconfig.js';
import type { ConfiguredAddress } from '../../../source/model/index.js';
import { crlf, fixture } from './fixtures.js';

const IFACES: IfaceRef[] = [
  { name: 'lo', index: 1 },
  { name: 'eth0', index: 2, mac: '00:16:3e:10:20:30' },
  { name: 'eth1', index: 3, mac: '00:16:3e:40:50:60' },
];

const file = (path: string, name: string): NetconfigFile => ({ path, body: fixture('netconfig', name) });
const parse = (files: NetconfigFile[], ifaces = IFACES) => parseNetconfig(files, ifaces);
const brief = (list: ConfiguredAddress[]) =>
  list.map(
    (e) => `${e.iface} ${e.address}/${e.prefixLen} ${e.method} line=${e.line ?? '-'} gw=${e.gateway ?? '-'}`,
  );

describe('parseNetconfig: files written by cloud-init 22.4.2 (eth0 DHCP, eth1 two static addresses)', () => {
  it('ifupdown (interfaces.d/50-cloud-init): both eth1 stanzas, their lines and the gateway', () => {
    const p = parse([file('/etc/network/interfaces.d/50-cloud-init', 'cloudinit-eni')]);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual([
      'eth1 198.19.252.20/24 static line=14 gw=198.19.252.253',
      'eth1 198.19.252.21/24 static line=19 gw=-',
    ]);
    expect(p.value[0]).toMatchObject({ source: 'ifupdown', file: '/etc/network/interfaces.d/50-cloud-init' });
  });

  it('netplan (50-cloud-init.yaml): set-name names the interface; lines of each address item', () => {
    const p = parse([file('/etc/netplan/50-cloud-init.yaml', 'cloudinit-netplan')]);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual([
      'eth1 198.19.252.20/24 static line=16 gw=198.19.252.253',
      'eth1 198.19.252.21/24 static line=17 gw=198.19.252.253',
    ]);
    expect(p.value[0]).toMatchObject({ source: 'netplan', mac: '00:16:3e:40:50:60' });
  });

  it('RHEL ifcfg: BOOTPROTO=dhcp gives nothing; IPADDR/IPADDR1 with NETMASK/NETMASK1, GATEWAY, HWADDR', () => {
    const p = parse([
      file('/etc/sysconfig/network-scripts/ifcfg-eth0', 'cloudinit-ifcfg-eth0'),
      file('/etc/sysconfig/network-scripts/ifcfg-eth1', 'cloudinit-ifcfg-eth1'),
    ]);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual([
      'eth1 198.19.252.20/24 static line=8 gw=198.19.252.253',
      'eth1 198.19.252.21/24 static line=9 gw=-',
    ]);
    expect(p.value[0]).toMatchObject({ source: 'ifcfg', mac: '00:16:3e:40:50:60' });
  });

  it('NetworkManager keyfiles: bound by MAC only, so the interface comes from the MAC', () => {
    const files = [
      file('/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection', 'cloudinit-nm-eth0'),
      file('/etc/NetworkManager/system-connections/cloud-init-eth1.nmconnection', 'cloudinit-nm-eth1'),
    ];
    const p = parse(files);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual([
      'eth1 198.19.252.20/24 static line=17 gw=198.19.252.253',
      'eth1 198.19.252.21/24 static line=19 gw=198.19.252.253',
    ]);
    expect(p.value[0]).toMatchObject({ source: 'nm', mac: '00:16:3e:40:50:60' });
    // No interface has that MAC (the ENI was swapped): the entries stay, bound to no interface.
    expect(parse(files, []).value.map((e) => e.iface)).toEqual(['', '']);
  });

  it('systemd-networkd: [Address] sections, [Match] Name, the default gateway from [Route]', () => {
    const p = parse([
      file('/etc/systemd/network/10-cloud-init-eth0.network', 'cloudinit-networkd-eth0'),
      file('/etc/systemd/network/10-cloud-init-eth1.network', 'cloudinit-networkd-eth1'),
    ]);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual([
      'eth1 198.19.252.20/24 static line=2 gw=198.19.252.253',
      'eth1 198.19.252.21/24 static line=5 gw=198.19.252.253',
    ]);
  });
});

describe('parseNetconfig: DHCP leases written by the real clients', () => {
  it('dhclient: the last lease block of the interface (two blocks in the file), without a line', () => {
    const p = parse([file('/var/lib/dhcp/dhclient.eth0.leases', 'dhclient-eth0-leases')]);
    expect(p.warnings).toEqual([]);
    expect(p.value).toEqual([
      {
        iface: 'eth0',
        address: '198.19.253.12',
        prefixLen: 24,
        source: 'dhcp-lease',
        file: '/var/lib/dhcp/dhclient.eth0.leases',
        method: 'dhcp',
        gateway: '198.19.253.253',
      },
    ]);
  });

  it('dhclient: a tail that starts inside a block skips the partial block', () => {
    const body = fixture('netconfig', 'dhclient-eth0-leases').split('\n').slice(5).join('\n');
    const p = parse([{ path: '/var/lib/dhclient/dhclient--eth0.lease', body }]);
    expect(brief(p.value)).toEqual(['eth0 198.19.253.12/24 dhcp line=- gw=198.19.253.253']);
  });

  it('systemd-networkd: /run/systemd/netif/leases/IFINDEX is resolved through the ifindex', () => {
    const f = file('/run/systemd/netif/leases/2', 'networkd-lease-2');
    expect(brief(parse([f]).value)).toEqual(['eth0 198.19.252.10/24 dhcp line=- gw=198.19.252.253']);
    // Without the interface list nothing says which interface ifindex 2 is.
    expect(parse([f], []).value.map((e) => e.iface)).toEqual(['']);
  });

  it("NetworkManager's internal client writes the same format, named after the interface", () => {
    const body = fixture('netconfig', 'networkd-lease-2');
    const p = parse([
      { path: '/var/lib/NetworkManager/internal-6604b755-b04f-33a3-8a74-8eec86f491b6-eth1.lease', body },
    ]);
    expect(p.value.map((e) => e.iface)).toEqual(['eth1']);
  });
});

describe('parseNetconfig: syntax variants (hand-written, not captured)', () => {
  it('ifupdown: address + netmask, allow-hotplug, an alias stanza; no auto → not applied at boot', () => {
    const body = [
      'source /etc/network/interfaces.d/*',
      'auto lo',
      'iface lo inet loopback',
      'allow-hotplug eth0',
      'iface eth0 inet static',
      '\taddress 172.16.1.10',
      '\tnetmask 255.255.255.0',
      '\tgateway 172.16.1.253',
      'auto eth0:1',
      'iface eth0:1 inet static',
      '\taddress 172.16.1.30/24',
      'iface eth2 inet static',
      '\taddress 10.9.9.9/24',
      'iface eth0 inet6 static',
      '\taddress 2001:db8::1/64',
    ].join('\n');
    const p = parse([{ path: '/etc/network/interfaces', body: crlf(body) }]);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual([
      'eth0 172.16.1.10/24 static line=6 gw=172.16.1.253',
      'eth0 172.16.1.30/24 static line=11 gw=-',
    ]);
  });

  it('ifcfg: PREFIX, quoted values, ONBOOT=no and DEVICE from the file name', () => {
    const on = 'DEVICE="eth1"\nBOOTPROTO=static\nIPADDR="172.16.2.15"\nPREFIX=24\nONBOOT=yes\n';
    const off = 'BOOTPROTO=none\nIPADDR=172.16.3.15\nPREFIX=24\nONBOOT=no\n';
    const p = parse([
      { path: '/etc/sysconfig/network-scripts/ifcfg-eth1', body: on },
      { path: '/etc/sysconfig/network-scripts/ifcfg-eth2', body: off },
      {
        path: '/etc/sysconfig/network-scripts/ifcfg-lo',
        body: 'DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\n',
      },
    ]);
    expect(brief(p.value)).toEqual(['eth1 172.16.2.15/24 static line=3 gw=-']);
  });

  it('NetworkManager: interface-name, address1=A/N,GW, autoconnect=false ignored, method=disabled ignored', () => {
    const named =
      '[connection]\nid=System eth1\ninterface-name=eth1\n[ipv4]\nmethod=manual\naddress1=172.16.2.15/24,172.16.2.253\n';
    const noAuto =
      '[connection]\nid=spare\ninterface-name=eth2\nautoconnect=false\n[ipv4]\nmethod=manual\naddress1=10.0.0.2/24\n';
    const p = parse([
      { path: '/etc/NetworkManager/system-connections/System eth1.nmconnection', body: named },
      { path: '/etc/NetworkManager/system-connections/spare.nmconnection', body: noAuto },
    ]);
    expect(brief(p.value)).toEqual(['eth1 172.16.2.15/24 static line=6 gw=172.16.2.253']);
    expect(p.value[0].file).toBe('/etc/NetworkManager/system-connections/System eth1.nmconnection');
  });

  it('networkd: [Network] Address= and Gateway=, a glob Name, the first matching file wins', () => {
    const first = '[Match]\nName=eth1\n[Network]\nDHCP=ipv4\n';
    const second = '[Match]\nName=eth1\n[Network]\nAddress=10.0.0.5/24\n';
    const glob = '[Match]\nName=eth0*\n[Network]\nAddress=172.16.1.10/24\nGateway=172.16.1.253\n';
    const p = parse([
      { path: '/etc/systemd/network/10-eth1.network', body: first },
      { path: '/etc/systemd/network/20-eth1.network', body: second },
      { path: '/etc/systemd/network/30-eth0.network', body: glob },
    ]);
    expect(brief(p.value)).toEqual(['eth0 172.16.1.10/24 static line=4 gw=172.16.1.253']);
  });

  it('netplan: routes to default, match by MAC, address maps, dhcp4 only', () => {
    const body = [
      'network:',
      '  version: 2',
      '  ethernets:',
      '    primary:',
      '      match: {macaddress: "00:16:3E:10:20:30"}',
      '      addresses:',
      '        - 172.16.1.10/24:',
      '            label: eth0:web',
      '      routes:',
      '        - to: default',
      '          via: 172.16.1.253',
      '    eth1:',
      '      dhcp4: true',
    ].join('\n');
    const p = parse([{ path: '/etc/netplan/01-netcfg.yaml', body }]);
    expect(p.warnings).toEqual([]);
    expect(brief(p.value)).toEqual(['eth0 172.16.1.10/24 static line=7 gw=172.16.1.253']);
  });

  it('garbage never throws: it becomes warnings', () => {
    const p = parse([
      { path: '/etc/netplan/bad.yaml', body: 'network: [unclosed' },
      { path: '/etc/network/interfaces', body: 'auto eth0\niface eth0 inet static\n address 999.1.1.1/24\n' },
      { path: '/etc/sysconfig/network-scripts/ifcfg-eth0', body: 'IPADDR=abc\n' },
      { path: '/var/lib/dhclient/dhclient.leases', body: 'lease {\n  fixed-address nope;\n}\n' },
      { path: '/run/systemd/netif/leases/9', body: '\u0000ADDRESS=1.2.3\n' },
      { path: '/etc/somewhere/else', body: 'x' },
    ]);
    expect(p.value).toEqual([]);
    expect(p.warnings.length).toBe(6);
    expect(p.warnings.join('\n')).toMatch(/bad\.yaml: not valid YAML/);
  });
});

describe('splitNetconfigFiles and scrubNetconfigSecrets', () => {
  it('keeps whole paths (spaces included) and each body', () => {
    const out = [
      '@@ND:9x1:ITEM /etc/NetworkManager/system-connections/Wired connection 1.nmconnection',
      '[ipv4]',
      'method=auto',
      '',
      '@@ND:9x1:ITEM /run/systemd/netif/leases/2',
      'ADDRESS=198.19.252.10',
    ].join('\n');
    expect(splitNetconfigFiles(out, '9x1')).toEqual([
      {
        path: '/etc/NetworkManager/system-connections/Wired connection 1.nmconnection',
        body: '[ipv4]\nmethod=auto',
      },
      { path: '/run/systemd/netif/leases/2', body: 'ADDRESS=198.19.252.10' },
    ]);
  });

  it('blanks secret values and keeps every line in place', () => {
    const text =
      '[wifi-security]\nkey-mgmt=wpa-psk\npsk=hunter22\n[ipv4]\naddress1=10.0.0.2/24\n    password: "s3cret"\n  wpa-psk 0123abcd';
    const s = scrubNetconfigSecrets(text);
    expect(s).not.toMatch(/hunter22|s3cret|0123abcd/);
    expect(s.split('\n')).toHaveLength(7);
    expect(s).toContain('address1=10.0.0.2/24');
    expect(s).toContain('key-mgmt=wpa-psk');
  });
});
