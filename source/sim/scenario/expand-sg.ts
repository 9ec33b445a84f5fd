/** Security groups in authoring form: the rule shorthand (`{dir: in, policy: drop, prio: 1, ports: 443}`) and ports. */
import type { PortRange, Protocol, SecurityGroup, SgRule } from '../../model/index.js';
import { isoSeconds, stableId } from '../api/format.js';
import { join, type Reader } from './reader.js';

export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'all'];

/** `443`, `80-443`, `80/443`, `all`, `-1`, `-1/-1` → a port range; ICMP/GRE/ALL default to -1/-1. */
export function parsePorts(r: Reader, v: unknown, protocol: Protocol, path: string): PortRange {
  const whole = protocol === 'tcp' || protocol === 'udp' ? { from: 1, to: 65535 } : { from: -1, to: -1 };
  if (v === undefined || v === null || v === 'all' || v === '*') return whole;
  const s = String(v).trim();
  if (s === '-1' || s === '-1/-1') return { from: -1, to: -1 };
  const m = /^(\d+)(?:\s*[-/]\s*(\d+))?$/.exec(s);
  if (!m) r.fail(path, `"${s}" is not a port or range (443, 80-443, 1/65535, all)`);
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || from > to) r.fail(path, `"${s}" is not within 1–65535`);
  return { from, to };
}

const RULE_KEYS = [
  'id',
  'dir',
  'direction',
  'policy',
  'prio',
  'priority',
  'proto',
  'protocol',
  'ports',
  'peer',
  'sourcePorts',
  'nic',
  'nicType',
  'desc',
  'description',
  'created',
  'createTime',
] as const;

export function expandRule(
  r: Reader,
  v: unknown,
  groupId: string,
  region: string,
  i: number,
  path: string,
): SgRule {
  const o = r.obj(v, path, RULE_KEYS);
  const dir = r.oneOf(o, ['dir', 'direction'], path, ['in', 'ingress', 'out', 'egress'] as const, 'in');
  const policy = r.oneOf(o, 'policy', path, ['accept', 'drop', 'allow', 'deny'] as const, 'accept');
  const protocol = r.oneOf(o, ['proto', 'protocol'], path, PROTOCOLS, 'tcp');
  const priority = r.num(o, ['prio', 'priority'], path, 1);
  if (!Number.isInteger(priority) || priority < 1 || priority > 100)
    r.fail(join(path, 'prio'), `priority ${priority} is outside 1–100`);
  const rule: SgRule = {
    id: r.optStr(o, 'id', path) ?? stableId('sgr', region, `${groupId}#${i}`),
    groupId,
    direction: dir === 'in' || dir === 'ingress' ? 'ingress' : 'egress',
    policy: policy === 'drop' || policy === 'deny' ? 'drop' : 'accept',
    priority,
    protocol,
    ports: parsePorts(r, o.ports, protocol, join(path, 'ports')),
    nicType: r.oneOf(o, ['nic', 'nicType'], path, ['intranet', 'internet'] as const, 'intranet'),
    description: r.optStr(o, ['desc', 'description'], path) ?? '',
  };
  const peer = r.str(o, 'peer', path, '0.0.0.0/0');
  if (peer.startsWith('sg-')) rule.peerGroupId = peer;
  else if (peer.startsWith('pl-')) rule.peerPrefixListId = peer;
  else if (peer.includes(':')) rule.peerIpv6Cidr = r.cidr(peer, join(path, 'peer'));
  else rule.peerCidr = r.cidr(peer, join(path, 'peer'));
  if (o.sourcePorts !== undefined)
    rule.sourcePorts = parsePorts(r, o.sourcePorts, protocol, join(path, 'sourcePorts'));
  const created = o.created ?? o.createTime;
  rule.createTime = isoSeconds(
    created !== undefined ? r.time(created, join(path, 'created')) : r.epoch - 200 * 86_400_000,
  );
  return rule;
}

export function expandSecurityGroup(
  r: Reader,
  v: unknown,
  region: string,
  defVpc: string,
  path: string,
): SecurityGroup {
  const o = r.obj(v, path, [
    'id',
    'name',
    'type',
    'vpc',
    'vpcId',
    'innerAccess',
    'innerAccessPolicy',
    'description',
    'rules',
  ]);
  const id = r.id(r.str(o, 'id', path), 'sg-', join(path, 'id'));
  const type = r.oneOf(o, 'type', path, ['normal', 'enterprise'] as const, 'normal');
  return {
    id,
    name: r.str(o, 'name', path, id),
    type,
    vpcId: r.str(o, ['vpc', 'vpcId'], path, defVpc),
    innerAccessPolicy: r.oneOf(
      o,
      ['innerAccess', 'innerAccessPolicy'],
      path,
      ['Accept', 'Drop'] as const,
      type === 'enterprise' ? 'Drop' : 'Accept',
    ),
    description: r.optStr(o, 'description', path) ?? '',
    rules: r
      .list(o.rules, join(path, 'rules'))
      .map((x, i) => expandRule(r, x, id, region, i, `${join(path, 'rules')}[${i}]`)),
  };
}
