/** /etc/resolv.conf (resolv.conf(5)): nameserver, search/domain, options; `#` and `;` start comments. */
import type { ResolvConf } from '../../model/index.js';
import { clip, fields, lines, type Parsed, warn } from './common.js';

export function parseResolvConf(text: string, target?: string): Parsed<ResolvConf> {
  const warnings: string[] = [];
  const value: ResolvConf = { nameservers: [], search: [], options: [] };
  if (target) value.target = target;
  for (const line of lines(text)) {
    const t = fields(line.replace(/[#;].*$/, ''));
    if (t.length === 0) continue;
    const [key, ...rest] = t;
    if (key === 'nameserver') {
      if (rest[0]) value.nameservers.push(rest[0]);
      else warn(warnings, `resolv.conf: nameserver without an address: ${clip(line)}`);
    } else if (key === 'search' || key === 'domain') {
      // The last search/domain line wins (resolver behaviour).
      value.search = rest;
    } else if (key === 'options') {
      value.options.push(...rest);
    } else if (key !== 'sortlist' && key !== 'lookup' && key !== 'family') {
      warn(warnings, `resolv.conf: unknown keyword ${clip(key, 30)}`);
    }
  }
  return { value, warnings };
}
