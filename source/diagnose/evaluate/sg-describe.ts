/** Security-group rules, deciders and decisions in words: the evidence and detail lines an operator reads. Pure. */
import type { SgRule } from '../../model/index.js';
import { formatPorts, portSpan, type Span } from './addr-set.js';
import { priorityOf, type SgPool } from './sg-compile.js';
import type { SgDecider, SgShadow } from './sg-types.js';
import type { Coverage, Reach } from './types.js';

export function describeRule(r: SgRule): string {
  const proto = String(r.protocol).toUpperCase();
  const ports = r.protocol === 'tcp' || r.protocol === 'udp' ? ` ${formatPorts(portSpan(r.ports))}` : '';
  const peer = r.peerCidr ?? r.peerIpv6Cidr ?? r.peerGroupId ?? r.peerPrefixListId ?? '?';
  const dir = r.direction === 'egress' ? 'to' : 'from';
  return `${r.id} (${r.groupId}, priority ${priorityOf(r)}, ${r.policy} ${proto}${ports} ${dir} ${peer})`;
}

export function describeDecider(d: SgDecider, pool?: SgPool): string {
  switch (d.by) {
    case 'rule':
      return `${d.rule.policy === 'drop' ? 'drop' : 'accept'} rule ${describeRule(d.rule)}`;
    case 'inner-access':
      return `inner access of ${d.groupId} (InnerAccessPolicy=Accept: members talk freely)`;
    case 'platform':
      return 'the platform: outbound TCP 25 is restricted by default on Alibaba Cloud';
    case 'default': {
      const ids = pool ? pool.groups.map((g) => g.id).join(', ') : 'the groups';
      return d.groupType === 'mixed'
        ? `the default of ${ids} (basic and enterprise groups mixed: Alibaba does not allow this, outcome unknown)`
        : `the default of ${ids} (${d.groupType === 'enterprise' ? 'enterprise' : 'basic'} group)`;
    }
  }
}

export function sgDetail(
  reach: Reach,
  label: string,
  primary: SgDecider,
  parts: { decider: SgDecider; policy: string; spans: Span[] }[],
  coverage: Coverage,
  shadowed: SgShadow[],
  unresolved: SgRule[],
  pool: SgPool,
): string {
  const who = describeDecider(primary, pool);
  const overridden = shadowed.filter((s) => s.rule.policy === 'accept' && s.by === primary);
  const over = overridden.length
    ? `; it overrides accept rule ${overridden.map((s) => describeRule(s.rule)).join(', ')}`
    : '';
  switch (reach) {
    case 'allow':
      return `Allowed: ${label} is accepted by ${who}.`;
    case 'deny':
      return primary.by === 'default'
        ? `Denied: no rule accepts ${label}, so ${who} drops it.`
        : `Denied: ${label} is dropped by ${who}${over}.`;
    case 'partial': {
      const accepting = parts.filter((p) => p.policy === 'accept');
      const allowers = accepting.slice(0, 3).map((p) => describeDecider(p.decider, pool));
      if (accepting.length > 3) allowers.push(`${accepting.length - 3} more`);
      return (
        `Partly allowed: of ${label}, only ${coverage.allowed.join(', ')} ` +
        `(${(coverage.allowedShare * 100).toFixed(coverage.allowedShare < 0.01 ? 4 : 1)}%) is accepted ` +
        `(by ${allowers.join('; ')}); ${coverage.denied.join(', ')} is dropped by ${who}${over}.`
      );
    }
    case 'unknown':
      return unresolved.length
        ? `Undecidable: ${label} depends on ${unresolved.slice(0, 3).map(describeRule).join(', ')}` +
            `${unresolved.length > 3 ? ` and ${unresolved.length - 3} more` : ''} ` +
            '(unresolved prefix list or a source-port range that covers only some client ports).'
        : `Undecidable: ${label} is left to ${who}.`;
  }
}
