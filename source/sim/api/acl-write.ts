/**
 * UpdateNetworkAclEntries (VPC 2016-04-28): replaces the ingress and/or egress entry list of a network ACL with the
 * given one, in order (list order is evaluation order). Entries are `IngressAclEntries.N.{NetworkAclEntryId?,
 * NetworkAclEntryName, Policy, Protocol, Port, SourceCidrIp, Description}` (egress: DestinationCidrIp) with
 * `UpdateIngressAclEntries=true` / `UpdateEgressAclEntries=true`.
 */
import type { AclEntry } from '../../model/index.js';
import type { Handler } from './context.js';
import { ApiError } from './errors.js';
import { newId } from './format.js';
import { inWorldRegion } from './regions.js';
import { recordEvent } from './world-ops.js';

const PROTOCOLS = new Set(['icmp', 'gre', 'tcp', 'udp', 'all', 'icmpv6']);

function entries(raw: Record<string, string>[], cidrKey: string, region: string): AclEntry[] {
  return raw.map((o, i) => {
    const protocol = (o.Protocol ?? '').toLowerCase();
    if (!PROTOCOLS.has(protocol))
      throw new ApiError(
        'InvalidParameter',
        400,
        `Protocol of entry ${i + 1} must be one of ${[...PROTOCOLS].join(', ')}.`,
      );
    const policy = (o.Policy ?? '').toLowerCase();
    if (policy !== 'accept' && policy !== 'drop')
      throw new ApiError('InvalidParameter', 400, `Policy of entry ${i + 1} must be accept or drop.`);
    const port = o.Port ?? '-1/-1';
    const m = /^(-?\d+)\/(-?\d+)$/.exec(port);
    if (!m)
      throw new ApiError('InvalidParameter', 400, `Port of entry ${i + 1} must look like 80/80 or -1/-1.`);
    const cidr = o[cidrKey];
    if (!cidr) throw new ApiError('MissingParameter', 400, `${cidrKey} of entry ${i + 1} is mandatory.`);
    const e: AclEntry = {
      id: o.NetworkAclEntryId || newId('nae', region),
      policy,
      protocol: protocol as AclEntry['protocol'],
      ports: { from: Number(m[1]), to: Number(m[2]) },
      cidr,
      entryType: 'custom',
    };
    if (o.NetworkAclEntryName) e.name = o.NetworkAclEntryName;
    if (o.Description) e.description = o.Description;
    return e;
  });
}

const UpdateNetworkAclEntries: Handler = (call) => {
  const { world } = call.ctx;
  const p = call.params;
  const id = p.req('NetworkAclId');
  const acl = inWorldRegion(p, world.region, false) ? world.networkAcls.find((a) => a.id === id) : undefined;
  if (!acl)
    throw new ApiError(
      'InvalidNetworkAcl.NotFound',
      400,
      `The specified network ACL (${id}) does not exist.`,
    );
  const ingress = p.str('UpdateIngressAclEntries') === 'true';
  const egress = p.str('UpdateEgressAclEntries') === 'true';
  if (!ingress && !egress)
    throw new ApiError(
      'MissingParameter',
      400,
      'UpdateIngressAclEntries or UpdateEgressAclEntries must be true.',
    );
  if (ingress) acl.ingress = entries(p.objects('IngressAclEntries'), 'SourceCidrIp', world.region);
  if (egress) acl.egress = entries(p.objects('EgressAclEntries'), 'DestinationCidrIp', world.region);
  recordEvent(call, [acl.id]);
  return {};
};

export const ACL_WRITES: Record<string, Handler> = { UpdateNetworkAclEntries };
