/**
 * Typed write helpers for the remedies. All go through `client.call`, so read-only mode refuses them, and
 * none is retried after an ambiguous failure (a timeout may mean it happened).
 */
import type { Eip, PortRange, Protocol, SgDirection, SgPolicy } from '../model/index.js';
import type { CloudClient } from './client.js';
import { assignDefined, list, num, type Raw, str } from './parse/util.js';
import { parseEipAddresses } from './parse/vpc.js';

export interface WriteResult {
  requestId?: string;
}

/** A security group rule to add or revoke, in model terms (`peer` is the source for ingress, destination for egress). */
export interface SgRuleSpec {
  protocol: Protocol;
  ports: PortRange;
  peerCidr?: string;
  peerIpv6Cidr?: string;
  peerGroupId?: string;
  peerPrefixListId?: string;
  policy?: SgPolicy;
  /** 1 (highest) … 100; API default 1. */
  priority?: number;
  description?: string;
  nicType?: string;
  sourcePorts?: PortRange;
}

const PROTO: Record<string, string> = {
  tcp: 'TCP',
  udp: 'UDP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  gre: 'GRE',
  all: 'ALL',
};

function range(p: PortRange): string {
  return `${p.from}/${p.to}`;
}

/** Model rule → the `Permissions.N.*` fields of Authorize/Revoke (ingress: Source*, egress: Dest*). */
export function permissionOf(rule: SgRuleSpec, direction: SgDirection): Record<string, unknown> {
  const ing = direction === 'ingress';
  const p: Record<string, unknown> = {
    IpProtocol: PROTO[rule.protocol] ?? String(rule.protocol).toUpperCase(),
    PortRange: range(rule.ports),
  };
  return assignDefined(p, {
    [ing ? 'SourceCidrIp' : 'DestCidrIp']: rule.peerCidr,
    [ing ? 'Ipv6SourceCidrIp' : 'Ipv6DestCidrIp']: rule.peerIpv6Cidr,
    [ing ? 'SourceGroupId' : 'DestGroupId']: rule.peerGroupId,
    [ing ? 'SourcePrefixListId' : 'DestPrefixListId']: rule.peerPrefixListId,
    Policy: rule.policy,
    Priority: rule.priority !== undefined ? String(rule.priority) : undefined,
    Description: rule.description,
    NicType: rule.nicType,
    SourcePortRange: rule.sourcePorts ? range(rule.sourcePorts) : undefined,
  });
}

function result(body: Raw): WriteResult {
  return assignDefined<WriteResult>({}, { requestId: str(body.RequestId) });
}

export async function authorizeSecurityGroup(
  client: CloudClient,
  groupId: string,
  direction: SgDirection,
  rules: SgRuleSpec[],
): Promise<WriteResult> {
  const action = direction === 'ingress' ? 'AuthorizeSecurityGroup' : 'AuthorizeSecurityGroupEgress';
  const body = await client.call('ecs', action, {
    RegionId: client.region,
    SecurityGroupId: groupId,
    Permissions: rules.map((r) => permissionOf(r, direction)),
  });
  return result(body);
}

/** Revokes by rule id (`sgr-…`, preferred) or by rule content. */
export async function revokeSecurityGroup(
  client: CloudClient,
  groupId: string,
  direction: SgDirection,
  what: { ruleIds?: string[]; rules?: SgRuleSpec[] },
): Promise<WriteResult> {
  const action = direction === 'ingress' ? 'RevokeSecurityGroup' : 'RevokeSecurityGroupEgress';
  const params: Record<string, unknown> = { RegionId: client.region, SecurityGroupId: groupId };
  if (what.ruleIds?.length) params.SecurityGroupRuleId = what.ruleIds;
  if (what.rules?.length) params.Permissions = what.rules.map((r) => permissionOf(r, direction));
  return result(await client.call('ecs', action, params));
}

/** Changes one rule in place (ModifySecurityGroupRule / ModifySecurityGroupEgressRule). */
export async function modifySecurityGroupRule(
  client: CloudClient,
  groupId: string,
  direction: SgDirection,
  ruleId: string,
  rule: SgRuleSpec,
): Promise<WriteResult> {
  const action = direction === 'ingress' ? 'ModifySecurityGroupRule' : 'ModifySecurityGroupEgressRule';
  return result(
    await client.call('ecs', action, {
      RegionId: client.region,
      SecurityGroupId: groupId,
      SecurityGroupRuleId: ruleId,
      ...permissionOf(rule, direction),
    }),
  );
}

export async function startInstance(client: CloudClient, instanceId: string): Promise<WriteResult> {
  return result(await client.call('ecs', 'StartInstance', { InstanceId: instanceId }));
}

export async function rebootInstance(
  client: CloudClient,
  instanceId: string,
  opts: { forceStop?: boolean } = {},
): Promise<WriteResult> {
  return result(
    await client.call('ecs', 'RebootInstance', {
      InstanceId: instanceId,
      ForceStop: opts.forceStop ? 'true' : undefined,
    }),
  );
}

export interface EipBinding {
  allocationId: string;
  /** Instance (or ENI, with instanceType NetworkInterface) id. */
  instanceId: string;
  instanceType?: 'EcsInstance' | 'NetworkInterface' | string;
  privateIp?: string;
}

/** Asynchronous on the API side: poll the EIP's status (Associating → InUse) to verify. */
export async function associateEipAddress(client: CloudClient, b: EipBinding): Promise<WriteResult> {
  return result(
    await client.call('vpc', 'AssociateEipAddress', {
      RegionId: client.region,
      AllocationId: b.allocationId,
      InstanceId: b.instanceId,
      InstanceType: b.instanceType,
      PrivateIpAddress: b.privateIp,
    }),
  );
}

export async function unassociateEipAddress(
  client: CloudClient,
  b: EipBinding & { force?: boolean },
): Promise<WriteResult> {
  return result(
    await client.call('vpc', 'UnassociateEipAddress', {
      RegionId: client.region,
      AllocationId: b.allocationId,
      InstanceId: b.instanceId,
      InstanceType: b.instanceType,
      PrivateIpAddress: b.privateIp,
      Force: b.force ? 'true' : undefined,
    }),
  );
}

/**
 * Polls an EIP until `until` holds (Associate/Unassociate are asynchronous: Associating → InUse,
 * Unassociating → Available). Returns the last state seen; `ok` says whether the condition was met in time.
 */
export async function waitForEip(
  client: CloudClient,
  allocationId: string,
  until: (e: Eip | undefined) => boolean,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<{ ok: boolean; eip?: Eip }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let poll = opts.pollMs ?? 500;
  for (;;) {
    const body = await client.call('vpc', 'DescribeEipAddresses', {
      RegionId: client.region,
      AllocationId: allocationId,
    });
    const eip = parseEipAddresses(body).items.find((e) => e.allocationId === allocationId);
    if (until(eip)) return { ok: true, eip };
    if (Date.now() + poll > deadline) return { ok: false, eip };
    await new Promise((r) => setTimeout(r, poll));
    poll = Math.min(poll * 1.5, 3000);
  }
}

export interface RunCommandInput {
  instanceIds: string[];
  /** Shell script text (sent Base64-encoded, so any bytes survive). */
  script: string;
  type?: 'RunShellScript' | 'RunBatScript' | 'RunPowerShellScript';
  /** Seconds (API default 60). */
  timeoutS?: number;
  username?: string;
  workingDir?: string;
}

export interface RunCommandResult extends WriteResult {
  commandId?: string;
  invokeId: string;
}

export async function runCommand(client: CloudClient, input: RunCommandInput): Promise<RunCommandResult> {
  const body = await client.call('ecs', 'RunCommand', {
    RegionId: client.region,
    Type: input.type ?? 'RunShellScript',
    CommandContent: Buffer.from(input.script, 'utf8').toString('base64'),
    ContentEncoding: 'Base64',
    InstanceId: input.instanceIds,
    Timeout: input.timeoutS,
    Username: input.username,
    WorkingDir: input.workingDir,
  });
  return assignDefined<RunCommandResult>(
    { invokeId: str(body.InvokeId) ?? '' },
    { requestId: str(body.RequestId), commandId: str(body.CommandId) },
  );
}

export interface InvocationResult {
  invokeId: string;
  instanceId: string;
  /** Pending, Running, Success, Failed, Error, Timeout, Cancelled, Stopping, Terminated, … */
  status: string;
  /** Running, Finished, Success, Failed, … */
  recordStatus?: string;
  exitCode?: number;
  /** Decoded command output (stdout and stderr as Cloud Assistant captured them, at most 24 KB). */
  output: string;
  /** Bytes the service dropped beyond its output limit. */
  dropped?: number;
  errorCode?: string;
  errorInfo?: string;
  startTime?: string;
  finishedTime?: string;
}

const FINISHED = /^(Success|Failed|Error|Timeout|Cancelled|Terminated|Invalid|Aborted)$/;

export function isInvocationDone(r: InvocationResult): boolean {
  return FINISHED.test(r.status);
}

/** DescribeInvocationResults body → results (Output decoded from Base64, the API's default encoding). */
export function parseInvocationResults(body: Raw): InvocationResult[] {
  const inv = body.Invocation ?? {};
  return list(inv.InvocationResults, 'InvocationResult').map((r) => {
    const raw = String(r.Output ?? '');
    const out: InvocationResult = {
      invokeId: str(r.InvokeId) ?? '',
      instanceId: str(r.InstanceId) ?? '',
      status: str(r.InvocationStatus) ?? str(r.InvokeRecordStatus) ?? '',
      output: raw ? Buffer.from(raw, 'base64').toString('utf8') : '',
    };
    return assignDefined(out, {
      recordStatus: str(r.InvokeRecordStatus),
      exitCode: num(r.ExitCode),
      dropped: num(r.Dropped),
      errorCode: str(r.ErrorCode),
      errorInfo: str(r.ErrorInfo),
      startTime: str(r.StartTime),
      finishedTime: str(r.FinishedTime),
    });
  });
}

export async function describeInvocationResults(
  client: CloudClient,
  invokeId: string,
  instanceId?: string,
): Promise<InvocationResult[]> {
  const body = await client.call('ecs', 'DescribeInvocationResults', {
    RegionId: client.region,
    InvokeId: invokeId,
    InstanceId: instanceId,
    ContentEncoding: 'Base64',
    PageSize: 50,
  });
  return parseInvocationResults(body);
}

/** Polls DescribeInvocationResults until the instance's invocation finishes or `timeoutMs` passes. */
export async function waitForInvocation(
  client: CloudClient,
  invokeId: string,
  instanceId: string,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<InvocationResult> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  let poll = opts.pollMs ?? 500;
  for (;;) {
    const r = (await describeInvocationResults(client, invokeId, instanceId)).find(
      (x) => x.instanceId === instanceId,
    );
    if (r && isInvocationDone(r)) return r;
    if (Date.now() + poll > deadline)
      return (
        r ?? {
          invokeId,
          instanceId,
          status: 'Timeout',
          output: '',
          errorInfo: 'no result before the deadline',
        }
      );
    await new Promise((res) => setTimeout(res, poll));
    poll = Math.min(poll * 1.5, 3000);
  }
}
