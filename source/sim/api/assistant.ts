/**
 * Cloud Assistant: DescribeCloudAssistantStatus, RunCommand and DescribeInvocationResults. A command runs on the
 * simulated guest when RunCommand is called, through the simulated agent (source/sim/ssh/assistant-exec.ts,
 * which answers netdoctor's wrapper scripts and otherwise runs source/sim/guest/exec.ts, merging stdout and
 * stderr as the agent does); its result shows as Running for
 * `faults.assistantRunMs`, then as the real API reports it: Base64 output capped at 24 KB with `Dropped`,
 * and the agent's ErrorCodes when the command could not run (InstanceNotRunning, ClientNotRunning, …).
 */
import { runAssistantScript } from '../ssh/assistant-exec.js';
import type { WorldInstance } from '../world.js';
import type { ApiCall, Handler, Invocation, InvocationResult } from './context.js';
import { ApiError, instanceNotFound, invalidParameter } from './errors.js';
import { hexToken, isoSeconds } from './format.js';
import { paginate } from './paging.js';
import { inWorldRegion } from './regions.js';
import { findInstance, recordEvent } from './world-ops.js';

/** Cloud Assistant keeps at most 24 KB of output; the rest is counted in `Dropped`. */
export const OUTPUT_CAP = 24 * 1024;
const DEFAULT_RUN_MS = 200;

function online(inst: WorldInstance): boolean {
  return inst.assistant.online && inst.status === 'Running';
}

const DescribeCloudAssistantStatus: Handler = ({ ctx, params: p }) => {
  const { world, state } = ctx;
  const here = inWorldRegion(p, world.region);
  const ids = p.repeat('InstanceId');
  const list = (here ? world.instances : []).filter((i) => !ids.length || ids.includes(i.id));
  const page = paginate(list, p, { defaultSize: 10, maxSize: 50, tokens: true });
  const now = ctx.now();
  return {
    ...page.fields,
    InstanceCloudAssistantStatusSet: {
      InstanceCloudAssistantStatus: page.items.map((i) => {
        const invs = state.invocations.filter((v) => v.results.some((r) => r.instanceId === i.id));
        return {
          InstanceId: i.id,
          CloudAssistantStatus: online(i) ? 'true' : 'false',
          CloudAssistantVersion: i.assistant.version ?? '',
          LastHeartbeatTime: online(i) ? isoSeconds(now - 20_000) : (i.assistant.lastHeartbeat ?? ''),
          OSType: (i.osType ?? 'linux') === 'windows' ? 'Windows' : 'Linux',
          SupportSessionManager: online(i),
          ActiveTaskCount: invs.filter((v) => v.results.some((r) => r.finish > now)).length,
          InvocationCount: invs.length,
          LastInvokedTime: invs.length ? isoSeconds(invs[invs.length - 1].created) : '',
        };
      }),
    },
  };
};

/** Why the agent could not run anything on this instance right now, in Cloud Assistant's own terms. */
function blocked(inst: WorldInstance): { code: string; info: string } | undefined {
  if (inst.status !== 'Running')
    return { code: 'InstanceNotRunning', info: 'the specified instance is not running.' };
  if (inst.assistant.errorCode)
    return { code: inst.assistant.errorCode, info: errorInfo(inst.assistant.errorCode) };
  if (!inst.assistant.online)
    return { code: 'ClientNotRunning', info: 'the Cloud Assistant is not running.' };
  return undefined;
}

function errorInfo(code: string): string {
  switch (code) {
    case 'ClientNotResponse':
      return 'the Cloud Assistant is not responding.';
    case 'ClientNeedUpgrade':
      return 'the Cloud Assistant needs to be upgraded.';
    case 'ClientIsUpgrading':
      return 'the Cloud Assistant is being upgraded.';
    case 'DeliveryTimeout':
      return 'the command delivery timed out.';
    case 'SecurityGroupRuleDenied':
      return 'the security group rules of the instance deny the Cloud Assistant channel.';
    default:
      return `the command could not be delivered (${code}).`;
  }
}

const RunCommand: Handler = async (call: ApiCall) => {
  const { ctx, params: p } = call;
  const { world, state } = ctx;
  if (!inWorldRegion(p, world.region)) throw instanceNotFound();
  const type = p.req('Type');
  if (!['RunShellScript', 'RunBatScript', 'RunPowerShellScript'].includes(type))
    throw invalidParameter('Type', 'It must be RunShellScript, RunBatScript or RunPowerShellScript.');
  const raw = p.req('CommandContent');
  const enc = p.oneOf('ContentEncoding', ['PlainText', 'Base64'] as const, 'PlainText');
  let content = raw;
  if (enc === 'Base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw.replace(/\s+/g, '')))
      throw new ApiError(
        'CmdContent.DecodeError',
        400,
        'The CommandContent could not be decoded from Base64.',
      );
    content = Buffer.from(raw, 'base64').toString('utf8');
  }
  const ids = p.list('InstanceId', 'InstanceIds');
  if (!ids.length)
    throw new ApiError('MissingParam.InstanceId', 400, 'The parameter InstanceId is required.');
  if (ids.length > 100)
    throw new ApiError('InstanceIds.ExceedLimit', 403, 'The number of instances exceeds the limit (100).');
  const insts = ids.map((id) => findInstance(world, id) ?? missing(id));
  const timeout = p.int('Timeout', { def: 60, min: 10, max: 86_400 })!;
  const now = ctx.now();
  const runMs = world.faults.assistantRunMs ?? DEFAULT_RUN_MS;
  const results: InvocationResult[] = [];
  for (const inst of insts) {
    const why = blocked(inst);
    if (why) {
      results.push({
        instanceId: inst.id,
        start: now,
        finish: now + runMs,
        output: '',
        exitCode: 0,
        errorCode: why.code,
        errorInfo: why.info,
      });
      continue;
    }
    const r = await runAssistantScript(world, inst.id, content, now);
    results.push({
      instanceId: inst.id,
      start: now,
      finish: now + runMs,
      output: r.output,
      exitCode: r.exitCode,
    });
  }
  const inv: Invocation = {
    invokeId: `t-${world.region.includes('hangzhou') ? 'hz' : 'sh'}${hexToken(12)}`,
    commandId: `c-${world.region.includes('hangzhou') ? 'hz' : 'sh'}${hexToken(12)}`,
    name: p.str('Name') ?? '',
    type,
    commandContent: content,
    username: p.str('Username') ?? 'root',
    timeout,
    created: now,
    results,
  };
  state.invocations.push(inv);
  // ActionTrail records RunCommand like any write; keep the stored script short, as the trail truncates it.
  const params = call.params.actionParams();
  if (params.CommandContent && params.CommandContent.length > 256)
    params.CommandContent = `${params.CommandContent.slice(0, 256)}…`;
  recordEvent(call, ids, { params });
  return { CommandId: inv.commandId, InvokeId: inv.invokeId };
};

function missing(id: string): never {
  throw instanceNotFound(id);
}

/** What Cloud Assistant keeps of an output: its first 24 KB, and how many bytes it dropped. */
export function capOutput(output: string): { kept: Buffer; dropped: number } {
  const bytes = Buffer.from(output, 'utf8');
  return { kept: bytes.subarray(0, OUTPUT_CAP), dropped: Math.max(0, bytes.length - OUTPUT_CAP) };
}

function renderResult(inv: Invocation, r: InvocationResult, now: number, plain: boolean) {
  const done = now >= r.finish;
  const { kept, dropped } = capOutput(done ? r.output : '');
  const base = {
    InvokeId: inv.invokeId,
    CommandId: inv.commandId,
    CommandName: inv.name,
    InstanceId: r.instanceId,
    StartTime: isoSeconds(r.start),
    StopTime: '',
    Repeats: 1,
    Username: inv.username,
    ContainerId: '',
    ContainerName: '',
    TerminationMode: 'ProcessTree',
    Tags: { Tag: [] },
    Dropped: dropped,
    Output: plain ? kept.toString('utf8') : kept.toString('base64'),
  };
  if (!done)
    return {
      ...base,
      InvokeRecordStatus: 'Running',
      InvocationStatus: 'Running',
      ErrorCode: '',
      ErrorInfo: '',
      FinishedTime: '',
    };
  if (r.errorCode)
    return {
      ...base,
      InvokeRecordStatus: 'Failed',
      InvocationStatus: 'Failed',
      ErrorCode: r.errorCode,
      ErrorInfo: r.errorInfo ?? '',
      FinishedTime: isoSeconds(r.finish),
    };
  return {
    ...base,
    InvokeRecordStatus: 'Finished',
    InvocationStatus: r.exitCode === 0 ? 'Success' : 'Failed',
    ExitCode: r.exitCode,
    ErrorCode: r.exitCode === 0 ? '' : 'ExitCodeNonzero',
    ErrorInfo: r.exitCode === 0 ? '' : 'the command execution exit code is not zero.',
    FinishedTime: isoSeconds(r.finish),
  };
}

const DescribeInvocationResults: Handler = ({ ctx, params: p }) => {
  const { world, state } = ctx;
  const here = inWorldRegion(p, world.region);
  const plain = p.oneOf('ContentEncoding', ['PlainText', 'Base64'] as const, 'Base64') === 'PlainText';
  const now = ctx.now();
  const rows = (here ? state.invocations : [])
    .filter((v) => !p.has('InvokeId') || v.invokeId === p.str('InvokeId'))
    .filter((v) => !p.has('CommandId') || v.commandId === p.str('CommandId'))
    .flatMap((v) => v.results.map((r) => renderResult(v, r, now, plain)))
    .filter((r) => !p.has('InstanceId') || r.InstanceId === p.str('InstanceId'))
    .filter((r) => !p.has('InvokeRecordStatus') || r.InvokeRecordStatus === p.str('InvokeRecordStatus'))
    .reverse();
  const page = paginate(rows, p, { defaultSize: 10, maxSize: 50, tokens: true });
  return {
    Invocation: { ...page.fields, InvocationResults: { InvocationResult: page.items } },
  };
};

export const ASSISTANT: Record<string, Handler> = {
  DescribeCloudAssistantStatus,
  RunCommand,
  DescribeInvocationResults,
};
