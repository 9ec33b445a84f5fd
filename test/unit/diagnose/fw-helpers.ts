/** Shared by the guest-firewall evaluator tests: fixtures read through the production parsers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Packet } from '../../../source/diagnose/evaluate/packet.js';
import { parseIptablesSave } from '../../../source/guest/parsers/iptables-save.js';
import { parseNftJson } from '../../../source/guest/parsers/nft.js';
import type { IptablesRuleset, NftRuleset } from '../../../source/model/index.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/firewall');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** An iptables-save dump from test/fixtures/firewall (captured by generate.sh), parsed; warnings must be empty. */
export function ipt(name: string, family: 4 | 6 = 4): IptablesRuleset {
  const p = parseIptablesSave(fixture(name), family);
  if (p.warnings.length) throw new Error(`${name}: ${p.warnings.join('; ')}`);
  return p.value;
}

export function nft(name: string): NftRuleset {
  const p = parseNftJson(fixture(name));
  if (p.warnings.length) throw new Error(`${name}: ${p.warnings.join('; ')}`);
  return p.value;
}

export const GUEST = '172.16.1.10';

/** The first packet of an inbound TCP connection from `src` to this guest's eth0. */
export function tcpIn(port: number, src = '203.0.113.50', extra: Partial<Packet> = {}): Packet {
  return {
    direction: 'in',
    protocol: 'tcp',
    src,
    dst: GUEST,
    srcPort: [1024, 65535],
    dstPort: port,
    iif: 'eth0',
    ...extra,
  };
}

export function udpIn(port: number, src = '203.0.113.50', extra: Partial<Packet> = {}): Packet {
  return {
    direction: 'in',
    protocol: 'udp',
    src,
    dst: GUEST,
    srcPort: [1024, 65535],
    dstPort: port,
    iif: 'eth0',
    ...extra,
  };
}

/** The first packet of an outbound TCP connection from this guest. */
export function tcpOut(port: number, dst = '203.0.113.80', extra: Partial<Packet> = {}): Packet {
  return {
    direction: 'out',
    protocol: 'tcp',
    src: GUEST,
    dst,
    srcPort: [32768, 60999],
    dstPort: port,
    oif: 'eth0',
    ...extra,
  };
}
