/**
 * Why Cloud Assistant could not run a command, in words an operator can act on. Every reason becomes
 * the stable code ASSISTANT_UNAVAILABLE (the finding of the same name), with Alibaba's own code kept as the
 * reason so the UI can show it and diagnose can tell "agent down" from "no permission".
 */
import type { SourceError } from '../../model/index.js';

export const ASSISTANT_UNAVAILABLE = 'ASSISTANT_UNAVAILABLE';

interface Explained {
  what: string;
  next: string;
  ramAction?: string;
}

const REASONS: Record<string, Explained> = {
  ClientNotRunning: {
    what: 'the Cloud Assistant agent is not running on the instance',
    next: 'Start it from the VNC console (`systemctl start aliyun.service`, or `/etc/init.d/aliyun-service start`), or reinstall the agent from the ECS console (Cloud Assistant → Install).',
  },
  ClientNotResponse: {
    what: 'the Cloud Assistant agent stopped answering (no heartbeat)',
    next: "The guest may be hung, out of memory, or unable to reach the Cloud Assistant server (outbound 443 to the region's Cloud Assistant endpoint / 100.100.0.0/16). Check the instance in the VNC console; restart the agent there.",
  },
  ClientIsUpgrading: {
    what: 'the Cloud Assistant agent is upgrading itself',
    next: 'Try again in a minute.',
  },
  ClientNeedUpgrade: {
    what: 'the Cloud Assistant agent is too old for this command',
    next: 'Upgrade the agent (ECS console → Cloud Assistant → Upgrade, or `aliyun_installer -u` in the VNC console).',
  },
  DeliveryTimeout: {
    what: 'the command could not be delivered to the agent in time',
    next: "The agent cannot reach the Cloud Assistant server: check the guest's outbound rules and routes (security group egress, guest firewall) for 100.100.0.0/16 and the region endpoint.",
  },
  ExecutionTimeout: {
    what: 'the command ran past its time limit and was stopped',
    next: 'The guest is very slow or a tool hung (e.g. a DNS lookup with an unreachable resolver). Try again, or check load in the VNC console.',
  },
  InstanceNotRunning: {
    what: 'the instance is not running',
    next: 'Start the instance (the platform panel offers it); Cloud Assistant only reaches running instances.',
  },
  IncorrectInstanceStatus: {
    what: 'the instance is not in a state that can run commands',
    next: 'Wait for it to reach Running, or start it.',
  },
  InstanceNotExists: {
    what: 'the instance does not exist in this region',
    next: 'Check the instance id and --region.',
  },
  'InvalidInstance.NotMatch': {
    what: 'the instance does not match the command type (e.g. a Windows instance asked for a shell script)',
    next: "netdoctor's guest collection needs a Linux instance.",
  },
  SecurityGroupRuleDenied: {
    what: 'a security group rule blocks the agent from reaching the Cloud Assistant server',
    next: "Allow outbound TCP 443 (and 80) to 100.100.0.0/16 in the security group's egress rules, then retry.",
  },
  'Operation.Forbidden': {
    what: 'the operation is forbidden for this instance',
    next: 'Check that the instance is not locked (OperationLocks) and that the account may use Cloud Assistant.',
  },
  'Forbidden.RAM': {
    what: 'your RAM policy does not allow this Cloud Assistant call',
    next: 'Grant the RAM action shown (e.g. the AliyunECSAssistantFullAccess policy), or use SSH.',
  },
  NoPermission: {
    what: 'your account may not use Cloud Assistant here',
    next: 'Grant the RAM action shown, or use SSH.',
  },
  AgentOffline: {
    what: 'Cloud Assistant reports the agent offline',
    next: 'Start or reinstall the agent from the VNC console (`systemctl start aliyun.service`), then retry.',
  },
  AgentUnknown: {
    what: 'Cloud Assistant has no agent status for this instance (not installed, or the instance is not in this region)',
    next: 'Install the Cloud Assistant agent (ECS console → Cloud Assistant), or check --region.',
  },
  Stopped: {
    what: 'the invocation was stopped before it finished (StopInvocation, or the instance stopped)',
    next: 'Run it again; check in the ECS console whether someone else stopped it.',
  },
  Cancelled: {
    what: 'the invocation was cancelled before it ran',
    next: 'Run it again.',
  },
  Terminated: {
    what: 'the command was terminated on the instance',
    next: 'Run it again; if it keeps happening, check the guest (OOM killer, reboots) in the VNC console.',
  },
  WrapperFailed: {
    what: 'the command wrapper could not run on the guest (no writable /tmp, or base64 missing)',
    next: 'Check disk space and /tmp on the guest (`df -h /tmp`) from the VNC console.',
  },
  OutputGone: {
    what: 'the paged output on the guest disappeared before it was fetched',
    next: 'Something cleaned /tmp meanwhile; run the command again.',
  },
};

/** The RAM action an API call needs, for Forbidden errors. */
export function ramActionFor(apiAction: string): string {
  return `ecs:${apiAction}`;
}

/**
 * The SourceError for a Cloud Assistant failure. `reason` is Alibaba's code (an ErrorCode of
 * DescribeInvocationResults, an API error code) or one of ours (AgentOffline, AgentUnknown, …).
 */
export function assistantError(
  reason: string,
  ctx: { instanceId: string; detail?: string; apiAction?: string; ramAction?: string },
): SourceError {
  const known = REASONS[reason] ?? (reason.startsWith('Forbidden') ? REASONS['Forbidden.RAM'] : undefined);
  const what = known?.what ?? `Cloud Assistant reported ${reason}`;
  const detail = ctx.detail ? ` (${ctx.detail})` : '';
  const e: SourceError = {
    code: ASSISTANT_UNAVAILABLE,
    message: `Cloud Assistant cannot run commands on ${ctx.instanceId}: ${what}${detail} [${reason}].`,
    hint: known?.next ?? 'Check the instance in the ECS console (Cloud Assistant tab) and retry, or use SSH.',
  };
  const ram =
    ctx.ramAction ??
    (reason.startsWith('Forbidden') || reason === 'NoPermission'
      ? ramActionFor(ctx.apiAction ?? 'RunCommand')
      : undefined);
  if (ram) {
    e.ramAction = ram;
    e.hint = `Missing RAM permission ${ram}. ${e.hint}`;
  }
  return e;
}

/** DescribeInvocationResults per-instance states that mean the command has finished one way or another. */
export const FINAL_INVOCATION_STATUS = new Set([
  'Success',
  'Failed',
  'Error',
  'Timeout',
  'Cancelled',
  'Terminated',
  'Aborted',
  'Invalid',
  'Stopped',
]);
