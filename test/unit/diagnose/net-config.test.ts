/**
 * GUEST_ADDRESS_MISSING from the guest's own configuration (rules/net-config.ts). Each guest is the simulator's
 * (the healthy scenario's web server, its image and interfaces changed per case), rendered as the collection
 * script's real output and read by the production parser, so the rule sees what a collection gives it.
 */
import { describe, expect, it } from 'vitest';
import { mergeFindings } from '../../../source/diagnose/finding.js';
import { diagnose } from '../../../source/diagnose/index.js';
import { nicFindings } from '../../../source/diagnose/rules/guest-health.js';
import { configuredAddressFindings } from '../../../source/diagnose/rules/net-config.js';
import { parseCollection } from '../../../source/guest/collection.js';
import { COLLECT_SCRIPT } from '../../../source/guest/script/collect.js';
import type { GuestFacts, Instance } from '../../../source/model/index.js';
import { parseCollectRequest, renderCollection } from '../../../source/sim/guest/render/collection.js';
import { loadScenario } from '../../../source/sim/scenario/load.js';
import type { GuestInterfaceSpec, GuestWorld } from '../../../source/sim/world.js';

const AT = Date.UTC(2026, 10, 26, 4, 0, 0);
const world = loadScenario('healthy');
const web = world.instances.find((i) => i.guest)!;
const base = web.guest!;
const eth0 = base.interfaces.find((i) => i.name === 'eth0')!;

/** The healthy web server's guest, on `os`, with `edit` applied to a copy. */
function guest(os: string, edit: (g: GuestWorld) => void = () => {}): GuestFacts {
  const g: GuestWorld = structuredClone({ ...base, os });
  edit(g);
  const out = renderCollection(g, parseCollectRequest(COLLECT_SCRIPT), AT, AT - 3600_000, '7x1');
  return parseCollection(out, { at: AT, via: 'ssh' });
}

const eth1 = (o: Partial<GuestInterfaceSpec>): GuestInterfaceSpec => ({
  name: 'eth1',
  mac: '00:16:3e:2a:5c:71',
  up: true,
  carrier: true,
  addresses: [],
  ...o,
});

const IMAGES = ['debian12', 'ubuntu22', 'alinux3', 'centos7'];

describe('configuredAddressFindings', () => {
  it.each(IMAGES)('%s, healthy: the lease holds what eth0 holds, nothing is reported', (os) => {
    const g = guest(os);
    expect(g.configured?.value?.map((e) => `${e.iface} ${e.address} ${e.method}`)).toEqual([
      `eth0 ${eth0.addresses[0].split('/')[0]} dhcp`,
    ]);
    expect(configuredAddressFindings(g)).toEqual([]);
  });

  it.each(IMAGES)('%s: a static address configured on eth1 and not held → warning naming the file', (os) => {
    const g = guest(os, (w) => {
      w.interfaces.push(eth1({ configured: { method: 'static', addresses: ['172.16.2.15/24'] } }));
    });
    const [f, ...rest] = configuredAddressFindings(g);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      id: 'GUEST_ADDRESS_MISSING:172.16.2.15',
      code: 'GUEST_ADDRESS_MISSING',
      severity: 'warning',
      confidence: 'certain',
      hop: 'guest-nic',
      remedies: ['guest-restart-network'],
      evidence: { iface: 'eth1', address: '172.16.2.15', prefixLen: 24, method: 'static', present: [] },
    });
    const file = f.evidence.file as string;
    expect(file).toMatch(
      /^\/etc\/(network\/interfaces|netplan\/50-cloud-init\.yaml|sysconfig\/network-scripts\/ifcfg-eth1)$/,
    );
    expect(f.title).toBe(`eth1 should hold 172.16.2.15/24 (${file} line ${f.evidence.line}) but does not`);
    // The evidence quotes the configuration line itself.
    expect(f.evidence.lines).toEqual([expect.stringMatching(/line \d+: .*172\.16\.2\.15/)]);
  });

  it('critical when the address is the instance private address, or the interface is configured with the gateway', () => {
    const g = guest('debian12', (w) => {
      w.interfaces.push(eth1({ configured: { method: 'static', addresses: ['172.16.2.15/24'] } }));
    });
    const inst = { ...web, privateIps: [...web.privateIps, '172.16.2.15'] } as Instance;
    const [f] = configuredAddressFindings(g, inst);
    expect(f.severity).toBe('critical');
    expect(f.evidence.resource).toBe(web.id);
    expect(f.detail).toContain('The VPC delivers traffic for it to this instance');
    const gw = guest('debian12', (w) => {
      w.interfaces.push(
        eth1({ configured: { method: 'static', addresses: ['172.16.2.15/24'], gateway: '172.16.2.253' } }),
      );
    });
    const [h] = configuredAddressFindings(gw);
    expect(h.severity).toBe('critical');
    expect(h.detail).toContain('eth1 is configured with the default gateway');
    expect(h.evidence.lines).toEqual(['/etc/network/interfaces line 15: address 172.16.2.15/24']);
  });

  it('ubuntu22: eth0 lost its DHCP address (flushed, routes gone) → critical from the networkd lease', () => {
    const g = guest('ubuntu22', (w) => {
      const e = w.interfaces.find((i) => i.name === 'eth0')!;
      e.configured = { method: 'dhcp', addresses: e.addresses, gateway: '172.16.1.253' };
      e.addresses = [];
      w.routes = [];
    });
    const [f, ...rest] = configuredAddressFindings(g);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      severity: 'critical',
      confidence: 'likely',
      evidence: { iface: 'eth0', file: '/run/systemd/netif/leases/2', method: 'dhcp', source: 'dhcp-lease' },
    });
    expect(f.title).toBe(
      `eth0 lost its DHCP address ${eth0.addresses[0]} (last lease in /run/systemd/netif/leases/2)`,
    );
    expect(f.detail).toContain('eth0 is configured with the default gateway');
  });

  it('a lease says nothing for an interface that is down, or one DHCP has given another address since', () => {
    const down = guest('debian12', (w) => {
      w.interfaces.push(eth1({ up: false, configured: { method: 'dhcp', addresses: ['172.16.2.15/24'] } }));
    });
    expect(configuredAddressFindings(down)).toEqual([]);
    const renumbered = guest('alinux3', (w) => {
      w.interfaces.push(
        eth1({
          addresses: ['172.16.2.40/24'],
          configured: { method: 'dhcp', addresses: ['172.16.2.15/24'] },
        }),
      );
    });
    // The sim prints no `dynamic` flag, so the address held differs from the lease: reported, as a warning.
    const [f] = configuredAddressFindings(renumbered);
    expect(f.severity).toBe('warning');
    expect(f.evidence.present).toEqual(['172.16.2.40/24']);
  });

  it('alinux3: ifcfg-eth1 bound to the MAC of a replaced ENI → the detail names both MACs', () => {
    const g = guest('alinux3', (w) => {
      w.interfaces.push(
        eth1({ configured: { method: 'static', addresses: ['172.16.2.15/24'], mac: '00:16:3e:0f:d1:9b' } }),
      );
    });
    const [f] = configuredAddressFindings(g);
    expect(f.evidence).toMatchObject({
      file: '/etc/sysconfig/network-scripts/ifcfg-eth1',
      mac: '00:16:3e:0f:d1:9b',
    });
    expect(f.detail).toContain('bound to MAC 00:16:3e:0f:d1:9b, but eth1 now has 00:16:3e:2a:5c:71');
  });

  it('an address held by another interface is still missing from its own, and the detail says where it is', () => {
    const g = guest('debian12', (w) => {
      w.interfaces.push(eth1({ configured: { method: 'static', addresses: [eth0.addresses[0]] } }));
    });
    const [f] = configuredAddressFindings(g);
    expect(f.detail).toContain('The address is on eth0 instead.');
  });

  it('one finding per address with the cloud-based check, keeping the configuration evidence', () => {
    const ip = eth0.addresses[0].split('/')[0];
    const g = guest('centos7', (w) => {
      const e = w.interfaces.find((i) => i.name === 'eth0')!;
      e.configured = { method: 'static', addresses: e.addresses };
      e.addresses = [];
    });
    const inst = web as Instance;
    const merged = mergeFindings([...configuredAddressFindings(g, inst), ...nicFindings(g, inst)]);
    const missing = merged.filter((f) => f.code === 'GUEST_ADDRESS_MISSING');
    expect(missing.map((f) => f.id)).toEqual([`GUEST_ADDRESS_MISSING:${ip}`]);
    expect(missing[0].severity).toBe('critical');
    expect(missing[0].evidence.file).toBe('/etc/sysconfig/network-scripts/ifcfg-eth0');
  });

  it('diagnose() without a cloud account reports it (the --ssh case)', () => {
    const g = guest('debian12', (w) => {
      w.interfaces.push(
        eth1({ configured: { method: 'static', addresses: ['172.16.2.15/24'], gateway: '172.16.2.253' } }),
      );
    });
    const v = diagnose(
      {
        at: AT,
        target: { kind: 'ssh', addresses: [], ssh: 'root@192.0.2.1' },
        guest: g,
        operator: { source: 'unknown' },
        sources: [],
      },
      [],
    );
    const f = v.findings.find((x) => x.code === 'GUEST_ADDRESS_MISSING');
    expect(f?.id).toBe('GUEST_ADDRESS_MISSING:172.16.2.15');
    expect(f?.severity).toBe('critical');
  });

  it('no configured fact (an older collection) or no interfaces: nothing to compare', () => {
    const g = guest('debian12');
    expect(configuredAddressFindings({ ...g, configured: undefined })).toEqual([]);
    expect(configuredAddressFindings({ ...g, interfaces: { source: 'guest:ip-addr', at: AT } })).toEqual([]);
  });
});
