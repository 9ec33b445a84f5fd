/** Network-ACL entries, deciders and leg decisions in words: the detail lines an operator reads. Pure. */
import type { AclEntry, NetworkAcl } from '../../model/index.js';
import { formatPorts, portSpan } from './addr-set.js';
import type { LegSpec } from './nacl-leg.js';
import type { NaclDecider, NaclPart, NaclShadow } from './nacl-types.js';
import type { Coverage, Reach } from './types.js';

function describeEntry(list: 'ingress' | 'egress', e: AclEntry, index: number): string {
  const proto = String(e.protocol).toUpperCase();
  const ports = e.protocol === 'tcp' || e.protocol === 'udp' ? ` ${formatPorts(portSpan(e.ports))}` : '';
  const dir = list === 'ingress' ? 'from' : 'to';
  const sys = e.entryType && e.entryType !== 'custom' ? `, ${e.entryType}` : '';
  return `${list} entry #${index + 1} ${e.id}${e.name ? ` "${e.name}"` : ''} (${e.policy} ${proto}${ports} ${dir} ${e.cidr}${sys})`;
}

/** Identifies a decider across leg pieces (entries by position). */
export function deciderKey(d: NaclDecider): string {
  return d.by === 'entry' ? `e${d.index}` : d.by;
}

function describeDecider(acl: NetworkAcl, list: 'ingress' | 'egress', d: NaclDecider): string {
  switch (d.by) {
    case 'entry':
      return `${acl.id} ${describeEntry(list, d.entry, d.index)}`;
    case 'default':
      return `${acl.id}'s implicit deny (no ${list} entry matches)`;
    case 'same-vswitch':
      return `the vSwitch itself (traffic inside ${d.cidr} is not filtered by the network ACL)`;
    case 'cloud-service':
      return 'the platform (Alibaba DNS and metadata addresses are never filtered by network ACLs)';
  }
}

export function legDetail(
  acl: NetworkAcl,
  spec: LegSpec,
  reach: Reach,
  primary: NaclDecider,
  parts: NaclPart[],
  coverage: Coverage,
  shadowed: NaclShadow[],
): string {
  const what = spec.leg === 'forward' ? spec.label : `Replies (${spec.label})`;
  const who = describeDecider(acl, spec.list, primary);
  const later = shadowed.filter(
    (s) => deciderKey(s.by) === deciderKey(primary) && s.entry.policy === 'accept',
  );
  const after = later.length
    ? `; ${later.map((s) => `entry #${s.index + 1} ${s.entry.id}`).join(', ')} would accept but comes later (first match wins)`
    : '';
  const stateless = spec.leg === 'return' ? ' Network ACLs are stateless: replies need their own entry.' : '';
  if (reach === 'allow') return `${what}: allowed by ${who}.`;
  const gaps = parts
    .filter((p) => p.policy === 'drop')
    .slice(0, 3)
    .map((p) => `${p.addresses.join(', ')}${p.ports ? ` ports ${p.ports}` : ''}`)
    .join('; ');
  if (reach === 'deny')
    return primary.by === 'default'
      ? `${what}: denied, no ${spec.list} entry of ${acl.id} matches (a network ACL drops what no entry accepts).${stateless}`
      : `${what}: dropped by ${who}${after}.${stateless}`;
  return (
    `${what}: only ${(coverage.allowedShare * 100).toFixed(1)}% get through; dropped: ${gaps} ` +
    `(first: ${who})${after}.${stateless}`
  );
}
