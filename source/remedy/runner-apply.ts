/**
 * Applying one confirmed step: an API call (a permission error names the RAM action and the console path for
 * doing it by hand), a guest command, or a guest command under the dead-man switch (confirmed over a new
 * connection, or restored by the guest itself). Output and details are scrubbed of secrets before they are kept.
 */
import { toSourceError } from '../cloud/errors.js';
import type { Transport } from '../guest/transport/types.js';
import type { PlanStep } from '../model/index.js';
import { describeSaves } from './confirm.js';
import { inferSaves, newDeadmanId, runUnderDeadman } from './deadman.js';
import type { RunnerDeps, RunnerEvent, RunOptions, StepReport, StepStatus } from './runner-types.js';

/** Where to make an API change by hand in the console, when the credential may not. */
export function consolePathFor(product: string, action: string, params: Record<string, unknown>): string {
  const p = (k: string) => (typeof params[k] === 'string' ? (params[k] as string) : `<${k}>`);
  if (/SecurityGroup/.test(action))
    return `ECS console › Network & Security › Security Groups › ${p('SecurityGroupId')} › Rules › ${/Egress/.test(action) ? 'Outbound' : 'Inbound'}`;
  if (/Instance/.test(action) && product === 'ecs')
    return `ECS console › Instances & Images › Instances › ${p('InstanceId')} › ${action.replace(/Instances?$/, '')}`;
  if (/Eip/.test(action))
    return `VPC console › Elastic IP Addresses › ${p('AllocationId')} › ${action.replace(/EipAddress$/, '')}`;
  if (/RouteEntry/.test(action))
    return `VPC console › Route Tables › ${p('RouteTableId')} › Route Entry List › Custom Route`;
  if (/NetworkAcl/.test(action))
    return `VPC console › Network ACL › ${p('NetworkAclId')} › Inbound/Outbound Rules`;
  if (/Snat/.test(action)) return `VPC console › NAT Gateways › ${p('SnatTableId')} › SNAT`;
  if (/Command|Invocation/.test(action)) return 'ECS console › Maintenance & Monitoring › Cloud Assistant';
  return `${product.toUpperCase()} console`;
}

function isPermissionError(e: { code?: unknown; status?: unknown; ramAction?: unknown }): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  return (
    /^Forbidden|NoPermission|^AccessForbidden|^Unauthorized/.test(code) || (e.status === 403 && !!e.ramAction)
  );
}

const tail = (s: string, n = 4096) => (s.length > n ? `…${s.slice(-n)}` : s);
const hhmmss = (iso?: string) => (iso ? `${iso.slice(11, 19)} UTC` : 'the end of the window');

/** What applying a step needs from the run it belongs to (see plan-run.ts). */
export interface ApplyContext {
  readonly deps: RunnerDeps;
  readonly opts: RunOptions;
  readonly now: () => number;
  secrets(): readonly string[];
  clean(s: string): string;
  emit(e: RunnerEvent): void;
  deadmanSeconds(step: PlanStep): number | undefined;
}

/** Applies one step (or an undo shaped as a step). Returns its report status and extras. */
export async function applyStep(
  run: ApplyContext,
  step: PlanStep,
): Promise<{ status: StepStatus; extra: Partial<StepReport> }> {
  run.emit({ type: 'applying', step });
  if (step.kind === 'api') {
    const api = step.api!;
    try {
      const body = (await run.deps.cloud!.call(api.product, api.action, api.params)) as
        | { RequestId?: string }
        | undefined;
      const requestId = typeof body?.RequestId === 'string' ? body.RequestId : undefined;
      return {
        status: 'APPLIED',
        extra: {
          requestId,
          detail: `${api.product}:${api.action} accepted${requestId ? ` (RequestId ${requestId})` : ''}.`,
        },
      };
    } catch (e) {
      const err = toSourceError(e, run.secrets());
      err.message = run.clean(err.message);
      if (err.hint) err.hint = run.clean(err.hint);
      if (err.code === 'READ_ONLY') return { status: 'REFUSED', extra: { error: err, detail: err.message } };
      if (isPermissionError(e as object)) {
        const ram = err.ramAction ?? `${api.product}:${api.action}`;
        err.ramAction = ram;
        const consolePath = consolePathFor(api.product, api.action, api.params);
        return {
          status: 'FAILED',
          extra: {
            error: err,
            consolePath,
            // An explicit Deny is not fixed by granting: say what the client found instead.
            detail: /explicit Deny/i.test(err.hint ?? '')
              ? `${err.hint} Nothing was changed; it can also be done by hand: ${consolePath}.`
              : `The credential in use lacks the RAM permission ${ram}, so nothing was changed. Grant ${ram} to this identity, or make the change by hand: ${consolePath}.`,
          },
        };
      }
      return {
        status: 'FAILED',
        extra: { error: err, detail: `${err.message}${err.hint ? ` ${err.hint}` : ''}` },
      };
    }
  }
  let guest: Transport;
  try {
    guest = await run.deps.guest!();
  } catch (e) {
    const err = toSourceError(e, run.secrets());
    return {
      status: 'FAILED',
      extra: { error: err, detail: `Could not reach the guest: ${run.clean(err.message)}` },
    };
  }
  const seconds = run.deadmanSeconds(step);
  if (!seconds) {
    try {
      const r = await guest.run(step.command!, {
        timeoutMs: run.opts.guestTimeoutMs ?? 120_000,
        signal: run.opts.signal,
      });
      const output = run.clean(tail(`${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`.trim()));
      if (r.code === 0) return { status: 'APPLIED', extra: { output, detail: 'The command exited 0.' } };
      const why = r.timedOut
        ? 'timed out'
        : r.code === null
          ? `was killed (${r.signal ?? 'signal'})`
          : `exited ${r.code}`;
      return {
        status: 'FAILED',
        extra: {
          output,
          error: { code: 'COMMAND_FAILED', message: `The command ${why}.` },
          detail: `The command ${why}: ${tail(run.clean(r.stderr.trim()), 500) || 'no error output'}`,
        },
      };
    } catch (e) {
      const err = toSourceError(e, run.secrets());
      return {
        status: 'FAILED',
        extra: { error: err, detail: `The command could not run: ${run.clean(err.message)}` },
      };
    }
  }
  const saves = step.saves?.length ? step.saves : inferSaves(step.command!);
  const id = newDeadmanId();
  const what = describeSaves(saves);
  const out = await runUnderDeadman({
    guest,
    reconnect: run.deps.reconnectGuest!,
    spec: { id, seconds, saves, command: step.command! },
    now: run.now,
    sleep: run.deps.sleep,
    signal: run.opts.signal,
    onEvent: (e) => run.emit({ ...e, step }),
  });
  const extra: Partial<StepReport> = { deadmanId: id };
  if (out.kind === 'confirmed') {
    extra.output = run.clean(tail(out.state.output));
    extra.detail = `Applied under dead-man switch ${id}; a new connection got in and confirmed it${out.state.at ? ` at ${hhmmss(out.state.at)}` : ''}.`;
    return { status: 'APPLIED', extra };
  }
  if (out.kind === 'rolled-back') {
    extra.output = run.clean(tail(out.state.output));
    const rc = out.state.rc
      ? ` (the restore exited ${out.state.rc}: ${tail(run.clean(out.state.restoreLog), 300)})`
      : '';
    if (out.state.reason === 'apply-failed') {
      extra.error = { code: 'COMMAND_FAILED', message: `The command exited ${out.state.applyRc ?? '≠0'}.` };
      extra.detail = `The command exited ${out.state.applyRc ?? 'with an error'}; the guest restored ${what} at ${hhmmss(out.state.at)}${rc}.`;
      return { status: 'FAILED', extra };
    }
    extra.detail = `The guest restored ${what} at ${hhmmss(out.state.at)} because netdoctor could not reconnect within ${seconds} s${rc}. The change cut access (or broke the path netdoctor uses); nothing of it remains.`;
    return { status: 'ROLLED_BACK', extra };
  }
  extra.error = {
    code: out.kind === 'not-armed' ? 'DEADMAN_NOT_ARMED' : 'GUEST_UNREACHABLE',
    message: out.detail,
  };
  extra.detail = out.detail;
  return { status: 'FAILED', extra };
}
