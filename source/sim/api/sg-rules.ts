/**
 * Security group rule parameters as AuthorizeSecurityGroup / RevokeSecurityGroup / ModifySecurityGroupRule take
 * them: `Permissions.N.*` (current) or the legacy un-prefixed fields, validated with the API's error codes.
 */
import type { PortRange, Protocol, SgDirection, SgRule } from '../../model/index.js';
import { parseCidr } from '../../net/ip.js';
import { ApiError } from './errors.js';
import type { Params } from './params.js';

export type RuleFields = Partial<Record<string, string>>;

const PROTOCOLS: Protocol[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'all'];

/** The `Permissions.N.*` objects, or one object of legacy top-level fields when no list was given. */
export function permissionList(p: Params): RuleFields[] {
  const list = p.objects('Permissions');
  if (list.length) {
    if (list.length > 100)
      throw new ApiError('InvalidParam.Permissions', 400, 'At most 100 Permissions per call.');
    return list;
  }
  const legacy: RuleFields = {};
  for (const k of [
    'IpProtocol',
    'PortRange',
    'SourcePortRange',
    'SourceCidrIp',
    'SourceGroupId',
    'SourcePrefixListId',
    'Ipv6SourceCidrIp',
    'DestCidrIp',
    'DestGroupId',
    'DestPrefixListId',
    'Ipv6DestCidrIp',
    'Policy',
    'Priority',
    'NicType',
    'Description',
  ])
    if (p.has(k)) legacy[k] = p.str(k);
  return Object.keys(legacy).length ? [legacy] : [];
}

export function parseProtocol(v: string | undefined): Protocol {
  if (v === undefined || v === '') throw new ApiError('MissingParameter', 400, 'IpProtocol is mandatory.');
  const p = v.toLowerCase() as Protocol;
  if (!PROTOCOLS.includes(p))
    throw new ApiError(
      'InvalidIpProtocol.Malformed',
      400,
      'The specified parameter "IpProtocol" is not valid.',
    );
  return p;
}

export function parsePortRange(v: string | undefined, protocol: Protocol, name = 'PortRange'): PortRange {
  if (v === undefined || v === '') throw new ApiError('MissingParameter', 400, `${name} is mandatory.`);
  const m = /^(-?\d+)\/(-?\d+)$/.exec(v.trim());
  const bad = () =>
    new ApiError(
      'InvalidParam.PortRange',
      400,
      `The specified parameter "${name}" (${v}) is not valid: use "from/to" (1–65535) for TCP/UDP and "-1/-1" otherwise.`,
    );
  if (!m) throw bad();
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from < 1 || to > 65535 || from > to) throw bad();
  } else if (from !== -1 || to !== -1) throw bad();
  return { from, to };
}

function cidr(v: string | undefined, code: string, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!parseCidr(v))
    throw new ApiError(code, 400, `The specified parameter "${name}" (${v}) is not a valid CIDR.`);
  return v;
}

/** A full rule (without id/group) from one Permissions item, with the API's defaults and checks. */
export function ruleFromFields(f: RuleFields, direction: SgDirection): Omit<SgRule, 'id' | 'groupId'> {
  const protocol = parseProtocol(f.IpProtocol);
  const ports = parsePortRange(f.PortRange, protocol);
  const ingress = direction === 'ingress';
  const peerCidr = cidr(
    ingress ? f.SourceCidrIp : f.DestCidrIp,
    ingress ? 'InvalidSourceCidrIp.Malformed' : 'InvalidDestCidrIp.Malformed',
    ingress ? 'SourceCidrIp' : 'DestCidrIp',
  );
  const peerIpv6Cidr = cidr(
    ingress ? f.Ipv6SourceCidrIp : f.Ipv6DestCidrIp,
    'InvalidIpv6CidrIp.Malformed',
    ingress ? 'Ipv6SourceCidrIp' : 'Ipv6DestCidrIp',
  );
  const peerGroupId = (ingress ? f.SourceGroupId : f.DestGroupId) || undefined;
  const peerPrefixListId = (ingress ? f.SourcePrefixListId : f.DestPrefixListId) || undefined;
  if (!peerCidr && !peerIpv6Cidr && !peerGroupId && !peerPrefixListId)
    throw new ApiError(
      ingress ? 'MissingParameter.Source' : 'MissingParameter.Dest',
      400,
      ingress
        ? 'One of SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or SourcePrefixListId is mandatory.'
        : 'One of DestCidrIp, Ipv6DestCidrIp, DestGroupId or DestPrefixListId is mandatory.',
    );
  const rule: Omit<SgRule, 'id' | 'groupId'> = {
    direction,
    policy: parsePolicy(f.Policy),
    priority: parsePriority(f.Priority),
    protocol,
    ports,
    nicType: parseNicType(f.NicType),
    description: f.Description ?? '',
  };
  if (peerCidr) rule.peerCidr = peerCidr;
  if (peerIpv6Cidr) rule.peerIpv6Cidr = peerIpv6Cidr;
  if (peerGroupId) rule.peerGroupId = peerGroupId;
  if (peerPrefixListId) rule.peerPrefixListId = peerPrefixListId;
  if (f.SourcePortRange) rule.sourcePorts = parsePortRange(f.SourcePortRange, protocol, 'SourcePortRange');
  return rule;
}

export function parsePolicy(v: string | undefined): 'accept' | 'drop' {
  if (v === undefined || v === '') return 'accept';
  const p = v.toLowerCase();
  if (p !== 'accept' && p !== 'drop')
    throw new ApiError(
      'InvalidPolicy.Malformed',
      400,
      'The specified parameter "Policy" must be accept or drop.',
    );
  return p;
}

export function parsePriority(v: string | undefined): number {
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new ApiError(
      'InvalidPriority.ValueNotSupported',
      400,
      `The specified Priority (${v}) is not supported: it must be an integer from 1 to 100.`,
    );
  return n;
}

function parseNicType(v: string | undefined): string {
  if (v === undefined || v === '') return 'intranet';
  if (v !== 'intranet' && v !== 'internet')
    throw new ApiError('InvalidNicType.ValueNotSupported', 400, 'NicType must be intranet or internet.');
  return v;
}

function samePorts(a?: PortRange, b?: PortRange): boolean {
  return (!a && !b) || (!!a && !!b && a.from === b.from && a.to === b.to);
}

/** Same rule as far as identity goes (what makes an Authorize a no-op and a Revoke a hit). */
export function sameRule(a: Omit<SgRule, 'id' | 'groupId'>, b: Omit<SgRule, 'id' | 'groupId'>): boolean {
  return (
    a.direction === b.direction &&
    a.protocol === b.protocol &&
    samePorts(a.ports, b.ports) &&
    samePorts(a.sourcePorts, b.sourcePorts) &&
    (a.peerCidr ?? '') === (b.peerCidr ?? '') &&
    (a.peerIpv6Cidr ?? '') === (b.peerIpv6Cidr ?? '') &&
    (a.peerGroupId ?? '') === (b.peerGroupId ?? '') &&
    (a.peerPrefixListId ?? '') === (b.peerPrefixListId ?? '') &&
    (a.nicType ?? 'intranet') === (b.nicType ?? 'intranet') &&
    a.policy === b.policy &&
    a.priority === b.priority
  );
}

/**
 * Does a Revoke/Modify item (possibly partial: Policy and Priority may be left out) name this rule?
 * Unspecified optional fields match anything.
 */
export function ruleMatches(f: RuleFields, r: SgRule): boolean {
  const protocol = parseProtocol(f.IpProtocol);
  if (r.protocol !== protocol) return false;
  if (!samePorts(parsePortRange(f.PortRange, protocol), r.ports)) return false;
  const ingress = r.direction === 'ingress';
  const want = (v: string | undefined, have: string | undefined) => !v || v === (have ?? '');
  if (!want(ingress ? f.SourceCidrIp : f.DestCidrIp, r.peerCidr)) return false;
  if (!want(ingress ? f.SourceGroupId : f.DestGroupId, r.peerGroupId)) return false;
  if (!want(ingress ? f.Ipv6SourceCidrIp : f.Ipv6DestCidrIp, r.peerIpv6Cidr)) return false;
  if (!want(ingress ? f.SourcePrefixListId : f.DestPrefixListId, r.peerPrefixListId)) return false;
  if (f.Policy && parsePolicy(f.Policy) !== r.policy) return false;
  if (f.Priority && parsePriority(f.Priority) !== r.priority) return false;
  if (f.NicType && f.NicType !== (r.nicType ?? 'intranet')) return false;
  return true;
}
