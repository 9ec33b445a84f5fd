/**
 * Typed ECS reads. Each returns its value with the id of the call it finally rested on (`call`), so collectors
 * can record what a dependent call waited for.
 */
import type { AssistantStatus, Instance, SecurityGroup } from '../model/index.js';
import type { CloudClient } from './client.js';
import { CloudError } from './errors.js';
import { type Paged, pagesByNumber, pagesByToken } from './paginate.js';
import {
  type OwnedEni,
  parseCloudAssistantStatus,
  parseDescribeInstances,
  parseNetworkInterfaces,
  parseSecurityGroupAttribute,
  parseSecurityGroups,
  type SecurityGroupSummary,
} from './parse/ecs.js';
import { list, page, type Raw } from './parse/util.js';

export interface Res<T> {
  value: T;
  /** The call this value rests on (the last to finish), for dependency records. */
  call?: number;
  /** True when a page cap cut the list short. */
  truncated?: boolean;
}

export function resOf<T>(
  client: CloudClient,
  value: T,
  paged: Pick<Paged<unknown>, 'bodies' | 'truncated'>,
): Res<T> {
  const r: Res<T> = { value, call: client.latest(paged.bodies) };
  if (paged.truncated) r.truncated = true;
  return r;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** DescribeInstances by id, 100 ids per call (the API's limit), calls in parallel. */
export async function instancesByIds(client: CloudClient, ids: string[]): Promise<Res<Instance[]>> {
  const unique = [...new Set(ids)];
  const parts = await Promise.all(
    chunks(unique, 100).map((c) =>
      pagesByNumber(
        client,
        'ecs',
        'DescribeInstances',
        { RegionId: client.region, InstanceIds: JSON.stringify(c) },
        parseDescribeInstances,
        { pageSize: 100 },
      ),
    ),
  );
  return {
    value: parts.flatMap((p) => p.items),
    call: client.latest(parts.flatMap((p) => p.bodies)),
  };
}

export async function instanceById(client: CloudClient, id: string): Promise<Res<Instance>> {
  const r = await instancesByIds(client, [id]);
  const inst = r.value.find((i) => i.id === id);
  if (!inst)
    throw new CloudError({
      code: 'InvalidInstanceId.NotFound',
      message: `Instance ${id} does not exist in region ${client.region}.`,
      hint: `Check the id, and that --region is the instance's region (now ${client.region}, from ${client.regionVia}).`,
    });
  return { value: inst, call: r.call };
}

/** DescribeInstances with filters (name, addresses, vpc …), every page. */
export async function instancesWhere(
  client: CloudClient,
  filter: Record<string, unknown>,
  maxPages = 20,
): Promise<Res<Instance[]>> {
  const p = await pagesByNumber(
    client,
    'ecs',
    'DescribeInstances',
    { RegionId: client.region, ...filter },
    parseDescribeInstances,
    { pageSize: 100, maxPages },
  );
  return resOf(client, p.items, p);
}

export async function networkInterfaces(client: CloudClient, instanceId: string): Promise<Res<OwnedEni[]>> {
  const p = await pagesByToken(
    client,
    'ecs',
    'DescribeNetworkInterfaces',
    { RegionId: client.region, InstanceId: instanceId },
    parseNetworkInterfaces,
    { pageSize: 500, maxPages: 10 },
  );
  return resOf(client, p.items, p);
}

/** Every rule of one group, both directions (NextToken pages of up to 1000 rules). */
export async function securityGroupAttribute(
  client: CloudClient,
  groupId: string,
  type?: 'normal' | 'enterprise',
): Promise<Res<SecurityGroup>> {
  let firstBody: Raw | undefined;
  const p = await pagesByToken(
    client,
    'ecs',
    'DescribeSecurityGroupAttribute',
    { RegionId: client.region, SecurityGroupId: groupId, Direction: 'all' },
    (body) => {
      firstBody ??= body;
      return page(body, list(body, 'Permissions', 'Permission'));
    },
    { pageSize: 1000, maxPages: 10 },
  );
  // Parse the rules once, all pages together, so synthetic ids (`sg#index`) stay unique across pages.
  const merged = { ...firstBody, Permissions: { Permission: p.items } };
  const sg = parseSecurityGroupAttribute(merged, type);
  return resOf(client, sg, p);
}

/** Group type (normal/enterprise) and names for many groups: DescribeSecurityGroups by id list. */
export async function securityGroupSummaries(
  client: CloudClient,
  ids: string[],
): Promise<Res<Map<string, SecurityGroupSummary>>> {
  const parts = await Promise.all(
    chunks([...new Set(ids)], 100).map((c) =>
      pagesByNumber(
        client,
        'ecs',
        'DescribeSecurityGroups',
        { RegionId: client.region, SecurityGroupIds: JSON.stringify(c) },
        parseSecurityGroups,
        { pageSize: 50 },
      ),
    ),
  );
  const map = new Map(parts.flatMap((p) => p.items).map((s) => [s.id, s]));
  return { value: map, call: client.latest(parts.flatMap((p) => p.bodies)) };
}

export async function assistantStatuses(
  client: CloudClient,
  ids: string[],
): Promise<Res<Map<string, AssistantStatus>>> {
  const out = new Map<string, AssistantStatus>();
  const bodies: Raw[] = [];
  await Promise.all(
    chunks([...new Set(ids)], 50).map(async (c) => {
      const params: Record<string, unknown> = { RegionId: client.region, InstanceId: c, MaxResults: 50 };
      const body = (await client.call('ecs', 'DescribeCloudAssistantStatus', params)) as Raw;
      bodies.push(body);
      for (const [k, v] of parseCloudAssistantStatus(body)) out.set(k, v);
    }),
  );
  return { value: out, call: client.latest(bodies) };
}
