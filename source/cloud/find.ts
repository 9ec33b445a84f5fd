/**
 * Resolves what the operator typed — an instance id, an instance name, or a public/private address — to
 * instances of the region. Addresses are looked up as private, public and EIP addresses at once.
 */
import { isIP } from 'node:net';
import type { Instance } from '../model/index.js';
import type { CloudClient } from './client.js';
import { parseNetworkInterfaces } from './parse/ecs.js';
import { instancesByIds, instancesWhere } from './reads-ecs.js';
import { eipsWhere } from './reads-vpc.js';

export type InstanceQueryKind = 'id' | 'ip' | 'name';

export interface FoundInstances {
  kind: InstanceQueryKind;
  query: string;
  instances: Instance[];
  /** For an address: how it matched (`private`, `public`, `eip`), per instance id. */
  matchedBy?: Record<string, string>;
}

export function queryKind(q: string): InstanceQueryKind {
  if (/^i-[0-9a-z]{4,}$/i.test(q)) return 'id';
  if (isIP(q)) return 'ip';
  return 'name';
}

export async function findInstances(client: CloudClient, query: string): Promise<FoundInstances> {
  const q = query.trim();
  const kind = queryKind(q);
  if (kind === 'id') {
    const r = await instancesByIds(client, [q]);
    if (r.value.length) return { kind, query: q, instances: r.value };
    // Not an id after all? It may be a name that looks like one.
    const named = await instancesWhere(client, { InstanceName: q }, 2);
    return { kind: named.value.length ? 'name' : kind, query: q, instances: named.value };
  }
  if (kind === 'ip') {
    const arr = JSON.stringify([q]);
    const [priv, pub, eip, eipNic] = await Promise.all([
      instancesWhere(client, { PrivateIpAddresses: arr }, 2),
      instancesWhere(client, { PublicIpAddresses: arr }, 2),
      instancesWhere(client, { EipAddresses: arr }, 2),
      // An EIP bound to a secondary ENI (NetworkInterface mode) is not on the instance: find its owner.
      eipsWhere(client, { EipAddress: q }).catch(() => ({ value: [] })),
    ]);
    const matchedBy: Record<string, string> = {};
    const found = new Map<string, Instance>();
    const add = (list: Instance[], how: string) => {
      for (const i of list) {
        if (!found.has(i.id)) found.set(i.id, i);
        matchedBy[i.id] ??= how;
      }
    };
    add(priv.value, 'private');
    add(pub.value, 'public');
    add(eip.value, 'eip');
    const eniIds = eipNic.value
      .filter((e) => e.instanceType === 'NetworkInterface' && e.instanceId)
      .map((e) => e.instanceId!);
    if (eniIds.length) {
      const body = await client.call('ecs', 'DescribeNetworkInterfaces', {
        RegionId: client.region,
        NetworkInterfaceId: eniIds,
      });
      const owners = parseNetworkInterfaces(body)
        .items.map((o) => o.instanceId)
        .filter((id): id is string => !!id && !found.has(id));
      if (owners.length) add((await instancesByIds(client, owners)).value, 'eip');
    }
    return { kind, query: q, instances: [...found.values()], matchedBy };
  }
  const exact = await instancesWhere(client, { InstanceName: q }, 5);
  if (exact.value.length || q.includes('*')) return { kind, query: q, instances: exact.value };
  // The API matches names exactly unless given `*`; fall back to a substring match.
  const fuzzy = await instancesWhere(client, { InstanceName: `*${q}*` }, 5);
  return { kind, query: q, instances: fuzzy.value };
}
