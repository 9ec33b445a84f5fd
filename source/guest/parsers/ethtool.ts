/** `ethtool IFACE` (link settings) and `ethtool -i IFACE` (driver), ethtool 3.x to 6.x. */
import type { EthtoolLink } from '../../model/index.js';
import { lines, type Parsed } from './common.js';

export function parseEthtool(text: string, iface?: string): Parsed<EthtoolLink | undefined> {
  const warnings: string[] = [];
  let name = iface;
  const link: Partial<EthtoolLink> = {};
  let seen = false;
  for (const line of lines(text)) {
    const settings = /^Settings for (\S+?):\s*$/.exec(line.trim());
    if (settings) {
      name = name ?? settings[1];
      seen = true;
      continue;
    }
    const m = /^\s*([A-Za-z][A-Za-z -]*?):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'Speed') {
      seen = true;
      const s = /^(\d+)\s*Mb\/s$/.exec(value);
      if (s) link.speedMbps = Number(s[1]);
    } else if (key === 'Duplex') {
      seen = true;
      if (value && !/^Unknown/i.test(value)) link.duplex = value;
    } else if (key === 'Link detected') {
      seen = true;
      if (value === 'yes') link.linkDetected = true;
      else if (value === 'no') link.linkDetected = false;
    } else if (key === 'driver') {
      seen = true;
      if (value) link.driver = value;
    }
  }
  if (!seen || !name) {
    if (text.trim()) warnings.push(`ethtool: no link settings in the output${name ? ` for ${name}` : ''}`);
    return { value: undefined, warnings };
  }
  return { value: { iface: name, ...link }, warnings };
}
