/**
 * GUEST_ADDRESS_MISSING from the guest's own configuration: an address a config file gives an interface, or the
 * address of the interface's last DHCP lease, that the interface does not hold now (DHCP failed, `ip addr
 * flush`, a static config not applied after a NIC swap). This needs no cloud account: the cloud-based check
 * (guest-health.ts nicFindings) needs the instance's private addresses. Both use the id
 * `GUEST_ADDRESS_MISSING:<address>`, so one address missing is one finding (mergeFindings keeps the first,
 * and diagnose() runs this check first: its evidence names the file and line).
 *
 * A lease counts only for an interface that is up, has no static configuration, and holds no DHCP address at
 * all: an interface that got another address from DHCP since has a newer lease, and its old lease file (left by
 * another client, or carried in a custom image) proves nothing.
 */
import type { ConfiguredAddress, Finding, GuestFacts, GuestInterface, Instance } from '../../model/index.js';
import { makeFinding } from '../finding.js';

const holds = (i: GuestInterface, address: string) =>
  i.addresses.some((a) => a.family === 4 && a.address === address);

const isUp = (i: GuestInterface) => i.adminUp && i.carrier !== false && i.operState !== 'LOWERLAYERDOWN';

/** The text of line `line` of `file` in the netconfig section's raw output (files behind ITEM headers). */
function configLine(raw: string | undefined, file: string, line: number | undefined): string | undefined {
  if (!raw || line === undefined) return undefined;
  const rows = raw.split('\n');
  const start = rows.findIndex(
    (r) => /^@@ND:[^:\s]+:ITEM /.test(r) && r.replace(/^@@ND:[^:\s]+:ITEM /, '') === file,
  );
  if (start < 0) return undefined;
  const text = rows[start + line];
  return text === undefined || /^@@ND:/.test(text) ? undefined : text.trim();
}

function where(e: ConfiguredAddress): string {
  return e.line !== undefined ? `${e.file} line ${e.line}` : e.file;
}

export function configuredAddressFindings(guest: GuestFacts, inst?: Instance): Finding[] {
  const conf = guest.configured?.value;
  const ifaces = guest.interfaces.value;
  if (!conf?.length || !ifaces) return [];
  const byName = new Map(ifaces.map((i) => [i.name, i]));
  const staticIfaces = new Set(conf.filter((e) => e.method === 'static').map((e) => e.iface));
  const defaults = (guest.routes.value ?? []).filter(
    (r) =>
      r.family === 4 &&
      (r.dst === 'default' || r.dst === '0.0.0.0/0') &&
      (r.table === 'main' || r.table === '254') &&
      r.type === 'unicast',
  );
  // The instance's own addresses, those of secondary ENIs included: the VPC delivers traffic for each to it.
  const instIps = new Set([
    ...(inst?.privateIps ?? []),
    ...(inst?.enis ?? []).flatMap((x) => [x.primaryIp, ...x.privateIps]),
  ]);
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const e of conf) {
    const iface = e.iface ? byName.get(e.iface) : undefined;
    // A file for an interface this guest does not have (a detached ENI, a MAC no NIC has) says nothing here.
    if (!iface || iface.name === 'lo' || seen.has(e.address) || holds(iface, e.address)) continue;
    if (e.method === 'dhcp') {
      if (staticIfaces.has(e.iface) || !isUp(iface)) continue;
      if (iface.addresses.some((a) => a.family === 4 && a.flags?.includes('dynamic'))) continue;
      if (conf.some((o) => o.method === 'dhcp' && o.iface === e.iface && holds(iface, o.address))) continue;
    }
    seen.add(e.address);
    const own = conf.filter((o) => o.iface === e.iface);
    // The interface that carries (or, with no default route left, is configured to carry) the default route.
    const routeNow = defaults.some((r) => r.dev === e.iface);
    const routeConfigured = own.some((o) => o.gateway && (o.method === 'static' || defaults.length === 0));
    const instanceIp = instIps.has(e.address);
    const eni = inst?.enis.find(
      (x) => x.type !== 'Primary' && (x.primaryIp === e.address || x.privateIps.includes(e.address)),
    );
    const reasons = [
      instanceIp &&
        `${e.address} is ${eni ? `the address of ${eni.id}, attached to` : 'the private address of'} the instance`,
      routeNow && `${e.iface} carries the default route`,
      !routeNow && routeConfigured && `${e.iface} is configured with the default gateway`,
    ].filter((x): x is string => !!x);
    const elsewhere = ifaces.find((i) => i !== iface && holds(i, e.address));
    const macNow = iface.mac?.toLowerCase();
    const otherMac = e.mac && macNow && e.mac.toLowerCase() !== macNow;
    const present = iface.addresses.filter((a) => a.family === 4).map((a) => `${a.address}/${a.prefixLen}`);
    const text = configLine(guest.configured?.raw, e.file, e.line);
    const lease = e.method === 'dhcp';
    const cidr = `${e.address}/${e.prefixLen}`;
    out.push(
      makeFinding({
        code: 'GUEST_ADDRESS_MISSING',
        severity: reasons.length ? 'critical' : 'warning',
        confidence: lease ? 'likely' : 'certain',
        key: e.address,
        title: lease
          ? `${e.iface} lost its DHCP address ${cidr} (last lease in ${e.file})`
          : `${e.iface} should hold ${cidr} (${where(e)}) but does not`,
        detail: [
          lease
            ? `The last DHCP lease gave ${e.iface} ${cidr}, but the interface holds no address from DHCP now: the ` +
              'DHCP client stopped, failed to renew, or the address was flushed.'
            : `The guest's network configuration gives ${e.iface} ${cidr}, but the interface does not hold it ` +
              'now: the configuration was not applied (a NIC swap, a HWADDR that no longer matches, a network ' +
              'service not restarted after an edit) or the address was removed by hand (ip addr del / flush).',
          otherMac
            ? `The file is bound to MAC ${e.mac}, but ${e.iface} now has ${macNow} (a replaced NIC or ENI): ` +
              'the network service skips it. Point the file at the new MAC, or drop the MAC from it.'
            : '',
          elsewhere ? `The address is on ${elsewhere.name} instead.` : '',
          instanceIp ? 'The VPC delivers traffic for it to this instance, and the kernel drops it.' : '',
          `${e.iface} holds ${present.length ? present.join(', ') : 'no IPv4 address'}.`,
          reasons.length ? `Critical: ${reasons.join('; ')}.` : '',
        ]
          .filter(Boolean)
          .join(' '),
        evidence: {
          resource: inst?.id,
          iface: e.iface,
          address: e.address,
          prefixLen: e.prefixLen,
          file: e.file,
          line: e.line,
          source: e.source,
          method: e.method,
          gateway: e.gateway,
          mac: e.mac,
          present,
          lines: [text !== undefined ? `${where(e)}: ${text}` : where(e)],
        },
        hop: 'guest-nic',
        remedies: ['guest-restart-network'],
      }),
    );
  }
  return out;
}
