/** Is the address the cloud assigned present on the guest, on an interface that is up with carrier? Pure. */
import type { Confidence, GuestAddress, GuestInterface } from '../../model/index.js';
import { unmapV4 } from '../../net/ip.js';

/** Up but without a link: no carrier, or the kernel's operational state says the link (or the one below) is down. */
export function noCarrier(i: GuestInterface): boolean {
  return i.carrier === false || i.operState === 'DOWN' || i.operState === 'LOWERLAYERDOWN';
}

export interface AddressCheck {
  status: 'ok' | 'missing' | 'nic-down' | 'no-carrier' | 'tentative';
  code?: 'GUEST_ADDRESS_MISSING' | 'GUEST_NIC_DOWN';
  confidence: Confidence;
  iface?: GuestInterface;
  address?: GuestAddress;
  detail: string;
}

/** Is the address the cloud assigned configured, usable, on an interface that is up with carrier? */
export function checkAddress(interfaces: GuestInterface[], address: string): AddressCheck {
  const want = unmapV4(address);
  for (const i of interfaces) {
    const a = i.addresses.find((x) => unmapV4(x.address) === want);
    if (!a) continue;
    const at = `${want}/${a.prefixLen} on ${i.name}`;
    if (a.flags?.includes('dadfailed'))
      return {
        status: 'missing',
        code: 'GUEST_ADDRESS_MISSING',
        confidence: 'certain',
        iface: i,
        address: a,
        detail: `${at} failed duplicate address detection and is not used`,
      };
    if (!i.adminUp)
      return {
        status: 'nic-down',
        code: 'GUEST_NIC_DOWN',
        confidence: 'certain',
        iface: i,
        address: a,
        detail: `${at}, but ${i.name} is administratively down`,
      };
    if (noCarrier(i))
      return {
        status: 'no-carrier',
        code: 'GUEST_NIC_DOWN',
        confidence: 'certain',
        iface: i,
        address: a,
        detail: `${at}, but ${i.name} has no carrier (${i.operState})`,
      };
    if (a.flags?.includes('tentative'))
      return {
        status: 'tentative',
        confidence: 'likely',
        iface: i,
        address: a,
        detail: `${at} is still tentative (duplicate address detection running)`,
      };
    return { status: 'ok', confidence: 'certain', iface: i, address: a, detail: `${at}, ${i.name} is up` };
  }
  const have = interfaces
    .filter((i) => i.name !== 'lo')
    .map(
      (i) =>
        `${i.name}: ${
          i.addresses
            .filter((a) => a.family === (want.includes(':') ? 6 : 4))
            .map((a) => `${a.address}/${a.prefixLen}`)
            .join(', ') || 'none'
        }`,
    );
  return {
    status: 'missing',
    code: 'GUEST_ADDRESS_MISSING',
    confidence: 'certain',
    detail: `no interface carries ${want} (${have.join('; ') || 'no interfaces'})`,
  };
}
