/**
 * Cloud-side plans: revoke the drop rule that wins, allow a flow with the narrowest rule, fix a network ACL,
 * start the instance, associate the expected EIP. Each step carries the exact API call, the rule diff, the undo.
 */
import { describeRule } from '../../diagnose/evaluate/security-group.js';
import type { AclEntry, ApiCall, NetworkAcl, Plan, PlanStep, SgRule } from '../../model/index.js';
import { groupOf, instanceOf, type PlanContext, PlanError, regionOf, targetsOf } from './context.js';

function portRange(r: { from: number; to: number }): string {
  return r.from === -1 ? '-1/-1' : `${r.from}/${r.to}`;
}

/** The permission fields that identify a rule (the API matches on them when no rule id is given). */
export function permissionOf(r: SgRule): Record<string, unknown> {
  const p: Record<string, unknown> = {
    IpProtocol: r.protocol.toUpperCase(),
    PortRange: portRange(r.ports),
    Policy: r.policy,
    Priority: String(r.priority),
  };
  const peer = r.direction === 'ingress' ? 'Source' : 'Dest';
  if (r.peerCidr) p[`${peer}CidrIp`] = r.peerCidr;
  if (r.peerIpv6Cidr) p[r.direction === 'ingress' ? 'Ipv6SourceCidrIp' : 'Ipv6DestCidrIp'] = r.peerIpv6Cidr;
  if (r.peerGroupId) p[`${peer}GroupId`] = r.peerGroupId;
  if (r.peerPrefixListId) p[`${peer}PrefixListId`] = r.peerPrefixListId;
  if (r.nicType) p.NicType = r.nicType;
  if (r.description) p.Description = r.description;
  return p;
}

function ruleLines(rules: SgRule[], direction: SgRule['direction']): string[] {
  return rules
    .filter((r) => r.direction === direction)
    .sort((a, b) => a.priority - b.priority || (a.policy === 'drop' ? -1 : 1))
    .map(describeRule);
}

/** `sg-revoke:<sgId>:<ruleId>` — revoke the rule that wins (the storefront's noon Drop). */
export function sgRevokePlan(ctx: PlanContext, id: string, sgId: string, ruleId: string): Plan {
  const g = groupOf(ctx, sgId);
  const rule = g?.rules.find((r) => r.id === ruleId);
  if (!g || !rule) throw new PlanError(`rule ${ruleId} is not in ${sgId} any more (refresh and check again)`);
  const egress = rule.direction === 'egress';
  const base = { RegionId: regionOf(ctx), SecurityGroupId: sgId };
  const byId = /^sgr-/.test(rule.id);
  const revoke: ApiCall = {
    product: 'ecs',
    action: egress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroup',
    params: byId
      ? { ...base, SecurityGroupRuleId: [rule.id] }
      : { ...base, Permissions: [permissionOf(rule)] },
  };
  const undo: ApiCall = {
    product: 'ecs',
    action: egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroup',
    params: { ...base, Permissions: [permissionOf(rule)] },
  };
  const before = ruleLines(g.rules, rule.direction);
  const after = ruleLines(
    g.rules.filter((r) => r.id !== rule.id),
    rule.direction,
  );
  const step: PlanStep = {
    id: 'revoke-rule',
    title: `Revoke ${rule.policy} rule ${rule.id} from ${sgId}`,
    kind: 'api',
    api: revoke,
    diff: { before, after },
    risk: 'medium',
    // It changes what production traffic is let in: the target's name is typed back.
    lockout: true,
    undo: { title: `Re-create ${describeRule(rule)}`, api: undo },
  };
  return {
    id,
    title: `Revoke the ${rule.policy} rule ${rule.id} in ${sgId}`,
    summary: `${describeRule(rule)} decides the path today${rule.description ? ` ("${rule.description}")` : ''}. Revoking it lets the lower-priority rules decide again.`,
    risk: 'medium',
    ...targetsOf(ctx, id),
    steps: [step],
  };
}

/** `sg-allow:<direction>:<proto>:<port>:<cidr>` — the narrowest accept rule for exactly the intent's flow. */
export function sgAllowPlan(
  ctx: PlanContext,
  id: string,
  direction: string,
  proto: string,
  port: string,
  cidr: string,
): Plan {
  const inst = instanceOf(ctx);
  const sgId = inst?.securityGroupIds[0];
  const g = sgId ? groupOf(ctx, sgId) : undefined;
  if (!inst || !sgId || !g)
    throw new PlanError('the instance or its security group is not known: cannot add a rule');
  const egress = direction === 'egress';
  const p = Number(port);
  const rule: Record<string, unknown> = {
    IpProtocol: proto.toUpperCase(),
    PortRange: p > 0 ? `${p}/${p}` : '-1/-1',
    Policy: 'accept',
    Priority: '1',
    [egress ? 'DestCidrIp' : 'SourceCidrIp']: cidr,
    Description: `netdoctor: allow ${proto}/${port} ${egress ? 'to' : 'from'} ${cidr} (${ctx.who})`,
  };
  const base = { RegionId: regionOf(ctx), SecurityGroupId: sgId };
  const line = `new (${sgId}, priority 1, accept ${proto.toUpperCase()} ${p > 0 ? p : 'all'} ${egress ? 'to' : 'from'} ${cidr})`;
  const before = ruleLines(g.rules, egress ? 'egress' : 'ingress');
  const { Description: _d, ...match } = rule;
  return {
    id,
    title: `Allow ${proto}/${port} ${egress ? 'to' : 'from'} ${cidr} in ${sgId}`,
    summary: `No rule of ${inst.securityGroupIds.join(', ')} allows this flow; one accept rule for exactly it is the narrowest fix.`,
    risk: 'medium',
    ...targetsOf(ctx, id),
    steps: [
      {
        id: 'authorize-rule',
        title: `Add accept ${proto}/${port} ${egress ? 'to' : 'from'} ${cidr} to ${sgId}`,
        kind: 'api',
        api: {
          product: 'ecs',
          action: egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroup',
          params: { ...base, Permissions: [rule] },
        },
        diff: { before, after: [line, ...before] },
        risk: cidr === '0.0.0.0/0' && [22, 3389, 3306, 6379].includes(p) ? 'high' : 'medium',
        lockout: true,
        undo: {
          title: 'Revoke the added rule',
          api: {
            product: 'ecs',
            action: egress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroup',
            params: { ...base, Permissions: [match] },
          },
        },
      },
    ],
  };
}

function aclParams(
  acl: NetworkAcl,
  list: 'ingress' | 'egress',
  entries: AclEntry[],
): Record<string, unknown> {
  const key = list === 'ingress' ? 'IngressAclEntries' : 'EgressAclEntries';
  const cidrKey = list === 'ingress' ? 'SourceCidrIp' : 'DestinationCidrIp';
  return {
    NetworkAclId: acl.id,
    [list === 'ingress' ? 'UpdateIngressAclEntries' : 'UpdateEgressAclEntries']: true,
    [key]: entries.map((e) => ({
      ...(e.id && !e.id.startsWith('new') ? { NetworkAclEntryId: e.id } : {}),
      NetworkAclEntryName: e.name ?? e.id,
      Policy: e.policy,
      Protocol: e.protocol,
      Port: portRange(e.ports),
      [cidrKey]: e.cidr,
      ...(e.description ? { Description: e.description } : {}),
    })),
  };
}

function aclLine(e: AclEntry, i: number): string {
  return `#${i + 1} ${e.name ?? e.id}: ${e.policy} ${e.protocol} ${portRange(e.ports)} ${e.cidr}`;
}

/** `nacl-allow:<aclId>:<list>:<proto>:<ports>:<cidr>` — an accept entry placed first in the list (first match wins). */
export function naclAllowPlan(
  ctx: PlanContext,
  id: string,
  aclId: string,
  list: string,
  proto: string,
  ports: string,
  cidr: string,
): Plan {
  const acl = ctx.snapshot.cloud?.networkAcl.value;
  if (!acl || acl.id !== aclId)
    throw new PlanError(`network ACL ${aclId} is not known (refresh and check again)`);
  const which = list === 'egress' ? 'egress' : 'ingress';
  const current = acl[which];
  const [a, b] = ports.split('-').map(Number);
  const entry: AclEntry = {
    id: 'new-netdoctor',
    name: 'netdoctor-allow',
    policy: 'accept',
    protocol: (proto === 'icmp' ? 'icmp' : proto) as AclEntry['protocol'],
    ports: Number.isFinite(a) && a > 0 ? { from: a, to: Number.isFinite(b) ? b : a } : { from: -1, to: -1 },
    cidr,
    description: `netdoctor: allow ${proto} ${ports} (${ctx.who})`,
  };
  const params = { RegionId: regionOf(ctx), ...aclParams(acl, which, [entry, ...current]) };
  const undo = { RegionId: regionOf(ctx), ...aclParams(acl, which, current) };
  return {
    id,
    title: `Allow ${proto} ${ports} ${which === 'ingress' ? 'from' : 'to'} ${cidr} in ${aclId} (${which})`,
    summary: `Network ACLs are stateless and first-match: an accept entry at the top of the ${which} list lets this traffic through${which === 'egress' ? ' (the replies of connections to the instance)' : ''}.`,
    risk: 'medium',
    ...targetsOf(ctx, id),
    steps: [
      {
        id: 'update-acl',
        title: `Put an accept entry first in the ${which} list of ${aclId}`,
        kind: 'api',
        api: { product: 'vpc', action: 'UpdateNetworkAclEntries', params },
        diff: { before: current.map(aclLine), after: [entry, ...current].map(aclLine) },
        risk: 'medium',
        lockout: true,
        undo: {
          title: `Restore the previous ${which} entries`,
          api: { product: 'vpc', action: 'UpdateNetworkAclEntries', params: undo },
        },
      },
    ],
  };
}

/** `start-instance:<id>`. */
export function startInstancePlan(ctx: PlanContext, id: string, instanceId: string): Plan {
  const inst = instanceOf(ctx);
  if (inst?.locks.length)
    throw new PlanError(
      `${instanceId} is locked (${inst.locks.map((l) => l.reason).join(', ')}): it cannot be started until the lock is lifted`,
    );
  return {
    id,
    title: `Start ${instanceId}`,
    summary: `${instanceId} is ${inst?.status ?? 'not running'}; StartInstance boots it (services configured to start at boot come back).`,
    risk: 'low',
    ...targetsOf(ctx, id),
    steps: [
      {
        id: 'start',
        title: `StartInstance ${instanceId}`,
        kind: 'api',
        api: { product: 'ecs', action: 'StartInstance', params: { InstanceId: instanceId } },
        risk: 'low',
        lockout: false,
        undo: {
          title: `Stop ${instanceId} again`,
          api: { product: 'ecs', action: 'StopInstance', params: { InstanceId: instanceId } },
        },
      },
    ],
  };
}

/** `associate-eip:<allocationId>:<instanceId>` — moving it from another resource cuts that one's traffic. */
export function associateEipPlan(
  ctx: PlanContext,
  id: string,
  allocationId: string,
  instanceId: string,
): Plan {
  const eip = ctx.snapshot.cloud?.eips.value?.find((e) => e.allocationId === allocationId);
  if (!eip) throw new PlanError(`EIP ${allocationId} is not known (refresh and check again)`);
  const region = regionOf(ctx);
  const steps: PlanStep[] = [];
  const elsewhere = eip.instanceId && eip.instanceId !== instanceId ? eip.instanceId : undefined;
  if (elsewhere)
    steps.push({
      id: 'unassociate',
      title: `Unbind ${eip.ip} from ${elsewhere}`,
      kind: 'api',
      api: {
        product: 'vpc',
        action: 'UnassociateEipAddress',
        params: {
          RegionId: region,
          AllocationId: allocationId,
          InstanceId: elsewhere,
          ...(eip.instanceType ? { InstanceType: eip.instanceType } : {}),
        },
      },
      diff: { before: [`${eip.ip} → ${elsewhere}`], after: [`${eip.ip} → (none)`] },
      risk: 'high',
      lockout: true,
      undo: {
        title: `Bind ${eip.ip} back to ${elsewhere}`,
        api: {
          product: 'vpc',
          action: 'AssociateEipAddress',
          params: {
            RegionId: region,
            AllocationId: allocationId,
            InstanceId: elsewhere,
            ...(eip.instanceType ? { InstanceType: eip.instanceType } : {}),
          },
        },
      },
    });
  steps.push({
    id: 'associate',
    title: `Bind ${eip.ip} to ${instanceId}`,
    kind: 'api',
    api: {
      product: 'vpc',
      action: 'AssociateEipAddress',
      params: {
        RegionId: region,
        AllocationId: allocationId,
        InstanceId: instanceId,
        InstanceType: 'EcsInstance',
      },
    },
    diff: { before: [`${eip.ip} → ${elsewhere ?? '(none)'}`], after: [`${eip.ip} → ${instanceId}`] },
    risk: elsewhere ? 'high' : 'medium',
    lockout: true,
    undo: {
      title: `Unbind ${eip.ip} from ${instanceId}`,
      api: {
        product: 'vpc',
        action: 'UnassociateEipAddress',
        params: { RegionId: region, AllocationId: allocationId, InstanceId: instanceId },
      },
    },
  });
  return {
    id,
    title: `Bind EIP ${eip.ip} to ${instanceId}${elsewhere ? ` (moving it from ${elsewhere})` : ''}`,
    summary: elsewhere
      ? `${eip.ip} answers for ${elsewhere} today. Moving it cuts ${elsewhere}'s public traffic: do it only if that binding is the mistake.`
      : `${eip.ip} is ${eip.status}: binding it to ${instanceId} brings its public address back.`,
    risk: elsewhere ? 'high' : 'medium',
    ...targetsOf(ctx, id),
    steps,
  };
}
