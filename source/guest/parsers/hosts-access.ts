/**
 * /etc/hosts.allow and /etc/hosts.deny (hosts_access(5), hosts_options(5)): `daemons : clients [: options]`,
 * lists split by commas and/or blanks, `EXCEPT`, wildcards (`ALL`, `LOCAL`, `KNOWN`, `PARANOID`, …),
 * `\` continuation lines and `#` comments. Colons inside `[…]` (IPv6 patterns) do not split fields.
 */
import type { TcpWrapperRule } from '../../model/index.js';
import { clip, lines, type Parsed, warn } from './common.js';

/** Splits on `:` outside brackets, at most into three parts (the third keeps its colons). */
function splitFields(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    if (c === ':' && depth === 0 && parts.length < 2) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

export function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function parseHostsAccess(text: string, file: 'hosts.allow' | 'hosts.deny'): Parsed<TcpWrapperRule[]> {
  const warnings: string[] = [];
  const out: TcpWrapperRule[] = [];
  const all = lines(text);
  for (let n = 0; n < all.length; n++) {
    const start = n;
    let logical = all[n];
    const rawLines = [all[n]];
    while (/\\\s*$/.test(logical) && n + 1 < all.length) {
      logical = logical.replace(/\\\s*$/, ' ') + all[++n];
      rawLines.push(all[n]);
    }
    logical = logical.replace(/\\\s*$/, '');
    const trimmed = logical.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const parts = splitFields(trimmed);
    if (parts.length < 2) {
      warn(warnings, `${file} line ${start + 1}: no ':' between daemons and clients: ${clip(trimmed)}`);
      continue;
    }
    const rule: TcpWrapperRule = {
      file,
      line: start + 1,
      daemons: splitList(parts[0]),
      clients: splitList(parts[1]),
      raw: rawLines.join('\n'),
    };
    if (parts[2]?.trim()) rule.options = parts[2].trim();
    if (!rule.daemons.length || !rule.clients.length) {
      warn(warnings, `${file} line ${start + 1}: empty daemon or client list: ${clip(trimmed)}`);
      continue;
    }
    out.push(rule);
  }
  return { value: out, warnings };
}
