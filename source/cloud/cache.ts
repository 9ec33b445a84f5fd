/**
 * One collection's memo of shared resources: a security group, vSwitch, route table, ACL or NAT gateway list
 * used by many instances is fetched once (a failure is remembered too, so it is not retried per instance).
 */
import type { NatGateway, NetworkAcl, RouteEntry, SecurityGroup } from '../model/index.js';
import type { CloudClient } from './client.js';
import type { SecurityGroupSummary } from './parse/ecs.js';
import type { RouteTableSummary } from './parse/vpc.js';
import { type Res, securityGroupAttribute, securityGroupSummaries } from './reads-ecs.js';
import {
  natGatewaysOfVpc,
  networkAclOfVSwitch,
  routeEntries,
  routeTablesOfVpc,
  type VSwitchRead,
  vSwitchById,
} from './reads-vpc.js';

export class CloudCache {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(readonly client: CloudClient) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      // Keep the rejection for later askers, but never as an unhandled one.
      p.catch(() => undefined);
      this.memo.set(key, p);
    }
    return p;
  }

  /** Preloads group types for many groups in one DescribeSecurityGroups walk. */
  sgSummaries(ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !this.memo.has(`sgsum:${id}`));
    if (!missing.length) return Promise.resolve();
    const batch = securityGroupSummaries(this.client, missing);
    for (const id of missing)
      this.once(`sgsum:${id}`, () => batch.then((r) => ({ value: r.value.get(id), call: r.call })));
    return batch.then(() => undefined);
  }

  sgSummary(id: string): Promise<Res<SecurityGroupSummary | undefined>> {
    if (!this.memo.has(`sgsum:${id}`)) void this.sgSummaries([id]);
    return this.memo.get(`sgsum:${id}`) as Promise<Res<SecurityGroupSummary | undefined>>;
  }

  /** A group with every rule; its type is filled in when DescribeSecurityGroups answers (else `normal`). */
  securityGroup(id: string): Promise<Res<SecurityGroup>> {
    return this.once(`sg:${id}`, async () => {
      const [attr, sum] = await Promise.all([
        securityGroupAttribute(this.client, id),
        this.sgSummary(id).catch(() => undefined),
      ]);
      const type = sum?.value?.type;
      if (type) attr.value.type = type;
      return attr;
    });
  }

  vSwitch(id: string): Promise<Res<VSwitchRead>> {
    return this.once(`vsw:${id}`, () => vSwitchById(this.client, id));
  }

  routeTables(vpcId: string): Promise<Res<RouteTableSummary[]>> {
    return this.once(`rtl:${vpcId}`, () => routeTablesOfVpc(this.client, vpcId));
  }

  routeEntries(routeTableId: string): Promise<Res<RouteEntry[]>> {
    return this.once(`rte:${routeTableId}`, () => routeEntries(this.client, routeTableId));
  }

  networkAcl(vSwitchId: string): Promise<Res<NetworkAcl | null>> {
    return this.once(`acl:${vSwitchId}`, () => networkAclOfVSwitch(this.client, vSwitchId));
  }

  natGateways(vpcId: string): Promise<Res<NatGateway[]>> {
    return this.once(`nat:${vpcId}`, () => natGatewaysOfVpc(this.client, vpcId));
  }
}
