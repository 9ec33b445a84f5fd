/** Inbound from the internet ([I1], [I2], see internet.ts): the `instance` and `public-ip` hops. Pure. */
import {
  addressProblem,
  blocked,
  describeAddress,
  eipProblem,
  evaluateInstanceState,
  type InternetFacts,
  ok,
  type PublicAddress,
  publicAddresses,
} from './internet-address.js';
import type { HopDecision } from './types.js';

export interface PublicIngressDecision {
  instance: HopDecision;
  /** The `public-ip` hop. */
  publicIp: HopDecision & { address?: PublicAddress; addresses: PublicAddress[] };
}

/**
 * [I1][I2] Inbound from the internet. `expected`: the public address(es) the operator is trying (the target they
 * typed, an EIP named after the instance); each must be usable on this instance.
 */
export function evaluatePublicIngress(
  facts: InternetFacts,
  opts: { expected?: string[] } = {},
): PublicIngressDecision {
  const inst = facts.instance;
  const instance = evaluateInstanceState(inst);
  const addresses = publicAddresses(facts);
  for (const ip of opts.expected ?? []) {
    if (addresses.some((a) => a.ip === ip)) continue;
    const e = facts.eips?.find((x) => x.ip === ip);
    const problem = e ? eipProblem(e, inst) : undefined;
    if (problem) return { instance, publicIp: { ...problem, addresses } };
    return {
      instance,
      publicIp: {
        ...blocked(
          'NO_PUBLIC_ADDRESS',
          `${ip} is not a public address of ${inst.id} (its public addresses: ${addresses.map((a) => a.ip).join(', ') || 'none'}).`,
          { resource: inst.id, field: 'PublicIpAddress/EipAddress', value: ip },
          facts.eips ? 'certain' : 'likely',
        ),
        addresses,
      },
    };
  }
  const wanted = opts.expected?.length ? addresses.filter((a) => opts.expected?.includes(a.ip)) : addresses;
  if (wanted.length === 0)
    return {
      instance,
      publicIp: {
        ...blocked(
          'NO_PUBLIC_ADDRESS',
          `${inst.id} has no public IP and no EIP bound (PublicIpAddress and EipAddress are empty): the internet cannot reach it directly.`,
          { resource: inst.id, field: 'PublicIpAddress/EipAddress' },
        ),
        addresses,
      },
    };
  const problems = wanted.map((a) => ({ a, p: addressProblem(a, inst) }));
  const good = problems.find((x) => !x.p);
  if (good && (!opts.expected?.length || problems.every((x) => !x.p)))
    return {
      instance,
      publicIp: {
        ...ok(`Reachable at ${describeAddress(good.a)}, bound to ${inst.id}.`, {
          resource: good.a.resource,
          field: good.a.kind === 'eip' ? 'Status/InstanceId' : 'PublicIpAddress',
          address: good.a.ip,
        }),
        address: good.a,
        addresses,
      },
    };
  const bad = problems.find((x) => x.p)!;
  return { instance, publicIp: { ...bad.p!, address: bad.a, addresses } };
}
