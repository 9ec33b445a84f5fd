/**
 * nft rules as text for evidence: the JSON expressions of `nft -j list ruleset` printed back roughly the way
 * `nft list ruleset` prints them. Pure.
 */
import type { NftRule } from '../../model/index.js';

/** A node of nft's JSON output (`nft -j`): its shape depends on the expression. */
export type J = any;

export function valText(v: J): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return typeof v === 'string' && v.includes(' ') ? `"${v}"` : String(v);
  if (Array.isArray(v)) return v.map(valText).join(',');
  if ('set' in v)
    return `{ ${(v.set as J[]).map((x) => (Array.isArray(x) ? `${valText(x[0])} : ${exprText(x[1])}` : valText(x))).join(', ')} }`;
  if ('prefix' in v) return `${v.prefix.addr}/${v.prefix.len}`;
  if ('range' in v) return `${valText(v.range[0])}-${valText(v.range[1])}`;
  if ('payload' in v) return v.payload.protocol ? `${v.payload.protocol} ${v.payload.field}` : 'payload';
  if ('meta' in v)
    return ['iifname', 'oifname', 'iif', 'oif'].includes(v.meta.key) ? v.meta.key : `meta ${v.meta.key}`;
  if ('ct' in v) return `ct ${v.ct.key}`;
  if ('fib' in v) return `fib ${(v.fib.flags ?? []).join(' . ')} ${v.fib.result}`;
  if ('&' in v) return `${valText(v['&'][0])} & ${valText(v['&'][1])}`;
  if ('concat' in v) return (v.concat as J[]).map(valText).join(' . ');
  return JSON.stringify(v);
}

function exprText(e: J): string {
  if (!e || typeof e !== 'object') return String(e);
  const [k] = Object.keys(e);
  const v = e[k];
  switch (k) {
    case 'match':
      return `${valText(v.left)} ${v.op === '==' || v.op === 'in' ? '' : `${v.op} `}${valText(v.right)}`;
    case 'reject':
      return v
        ? `reject with ${v.type === 'tcp reset' ? 'tcp reset' : `${v.type} ${v.expr ?? ''}`.trim()}`
        : 'reject';
    case 'jump':
    case 'goto':
      return `${k} ${v.target}`;
    case 'limit':
      return `limit rate ${v.inv ? 'over ' : ''}${v.rate}/${v.per}`;
    case 'log':
      return v?.prefix ? `log prefix "${v.prefix}"` : 'log';
    case 'vmap':
      return `${valText(v.key)} vmap ${valText(v.data)}`;
    case 'xt':
      return `xt ${v?.type ?? ''} ${v?.name ?? ''}`.trim();
    case 'set':
      return `${v?.op ?? 'add'} ${v?.set ?? ''} { ${valText(v?.elem)}${(v?.stmt ?? []).map((x: J) => ` ${exprText(x)}`).join('')} }`;
    default:
      return v === null || (typeof v === 'object' && Object.keys(v).length === 0)
        ? k
        : k === 'counter'
          ? 'counter'
          : `${k} ${valText(v)}`;
  }
}

/** `tcp dport 22 ip saddr @allowed accept` — the rule as `nft list ruleset` would roughly print it. */
export function nftRuleText(rule: NftRule): string {
  const body = (rule.expr as J[]).map(exprText).join(' ');
  return `${rule.family} ${rule.table} ${rule.chain}: ${body}${rule.comment ? ` comment "${rule.comment}"` : ''} (handle ${rule.handle})`;
}
