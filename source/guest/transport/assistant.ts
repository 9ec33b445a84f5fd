/**
 * The Cloud Assistant transport: RunCommand, then DescribeInvocationResults polled with backoff. Output comes
 * back whole despite the 24 KB cap (see assistant-wrap.ts); the agent's and the API's failures become
 * ASSISTANT_UNAVAILABLE with the reason and what to do. Cloud Assistant delivers output at the end only.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ASSISTANT_UNAVAILABLE, assistantError, FINAL_INVOCATION_STATUS } from './assistant-errors.js';
import {
  cleanupCommand,
  contentB64Length,
  decodePayload,
  type Envelope,
  MAX_CONTENT_B64,
  parseEnvelope,
  SLICE_BYTES,
  sliceCommand,
  wrapCommand,
} from './assistant-wrap.js';
import {
  type RunOptions,
  type RunResult,
  type Transport,
  TransportError,
  type TransportStats,
} from './types.js';

/** The cloud client's call (source/cloud/client.ts `CloudClient.call` fits). Errors carry `code`. */
export interface AssistantApi {
  call(product: 'ecs', action: string, params: Record<string, unknown>): Promise<any>;
}

export interface AssistantOptions {
  /** Linux user the command runs as (default root, Cloud Assistant's default). */
  username?: string;
  /** First poll delay and the cap of the doubling backoff, ms. */
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** Time allowed beyond the command's own timeout for delivery and result reporting, ms (default 30 s). */
  deliverySlackMs?: number;
  /** Skip DescribeCloudAssistantStatus (already known online). */
  skipStatusCheck?: boolean;
  /** Envelope sizes (tests shrink them to exercise paging). */
  inlineMax?: number;
  sliceBytes?: number;
}

export interface AssistantTransport extends Transport {
  kind: 'assistant';
  /** Agent version and heartbeat from DescribeCloudAssistantStatus, when read. */
  agent(): { version?: string; lastHeartbeat?: string } | undefined;
}

interface InvocationOutcome {
  output: string;
  exitCode: number | null;
  dropped: number;
  status: string;
  errorCode?: string;
  errorInfo?: string;
  timedOut?: boolean;
}

function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const e = new Error('command cancelled');
  e.name = 'AbortError';
  return e;
}

function codeOf(e: unknown): string {
  const x = e as { code?: unknown; data?: { Code?: unknown } };
  return String(x?.code ?? x?.data?.Code ?? 'UNKNOWN');
}

export async function openAssistant(
  api: AssistantApi,
  instanceId: string,
  region: string,
  opts: AssistantOptions = {},
): Promise<AssistantTransport> {
  const stats: TransportStats = { connections: 0, commands: 0, apiCalls: 0 };
  let agentInfo: { version?: string; lastHeartbeat?: string } | undefined;
  let closed = false;

  const unavailable = (
    reason: string,
    extra: { detail?: string; apiAction?: string; ramAction?: string } = {},
  ) => new TransportError(assistantError(reason, { instanceId, ...extra }), 'assistant', reason);

  const call = async (action: string, params: Record<string, unknown>): Promise<any> => {
    stats.apiCalls = (stats.apiCalls ?? 0) + 1;
    try {
      return await api.call('ecs', action, { RegionId: region, ...params });
    } catch (e) {
      const code = codeOf(e);
      const x = e as { message?: string; ramAction?: string };
      throw unavailable(code, { detail: x.message, apiAction: action, ramAction: x.ramAction });
    }
  };

  if (!opts.skipStatusCheck) {
    let body: any;
    try {
      body = await call('DescribeCloudAssistantStatus', { InstanceId: [instanceId] });
    } catch (e) {
      // Not being allowed to *read* the status says nothing about the agent: go on and let RunCommand decide.
      if (!(e instanceof TransportError && /^(Forbidden|NoPermission)/.test(e.reason ?? ''))) throw e;
    }
    if (body) {
      const list = body?.InstanceCloudAssistantStatusSet?.InstanceCloudAssistantStatus ?? [];
      const st = (Array.isArray(list) ? list : []).find((s: any) => s?.InstanceId === instanceId);
      if (!st) throw unavailable('AgentUnknown');
      agentInfo = {
        version: st.CloudAssistantVersion || undefined,
        lastHeartbeat: st.LastHeartbeatTime || undefined,
      };
      if (String(st.CloudAssistantStatus) !== 'true')
        throw unavailable('AgentOffline', {
          detail: st.LastHeartbeatTime ? `last heartbeat ${st.LastHeartbeatTime}` : undefined,
        });
    }
  }

  const pollInitial = opts.pollInitialMs ?? 300;
  const pollMax = opts.pollMaxMs ?? 2_000;
  const slack = opts.deliverySlackMs ?? 30_000;

  /** One RunCommand and its polled result. */
  const invoke = async (
    content: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<InvocationOutcome> => {
    const size = contentB64Length(content);
    if (size > MAX_CONTENT_B64)
      throw new TransportError(
        {
          code: 'COMMAND_TOO_LARGE',
          message: `The command is too large for Cloud Assistant (${Math.ceil(size / 1024)} KB of Base64; RunCommand takes ${MAX_CONTENT_B64 / 1024} KB).`,
          hint: 'Split it into smaller commands, or use SSH.',
        },
        'assistant',
      );
    // RunCommand accepts 10 s and more.
    const timeoutS = Math.max(10, Math.ceil(timeoutMs / 1000));
    const run = await call('RunCommand', {
      Type: 'RunShellScript',
      CommandContent: Buffer.from(content, 'utf8').toString('base64'),
      ContentEncoding: 'Base64',
      InstanceId: [instanceId],
      Timeout: timeoutS,
      Username: opts.username ?? 'root',
    });
    const invokeId: string | undefined = run?.InvokeId;
    if (!invokeId) throw unavailable('BadResponse', { detail: 'RunCommand returned no InvokeId' });
    const deadline = Date.now() + timeoutMs + slack;
    let wait = pollInitial;
    for (;;) {
      if (signal?.aborted) {
        await call('StopInvocation', { InvokeId: invokeId, InstanceId: [instanceId] }).catch(() => {});
        throw abortError(signal);
      }
      try {
        await delay(wait, undefined, signal ? { signal } : undefined);
      } catch {
        continue; // aborted while waiting: handled at the top of the loop
      }
      wait = Math.min(pollMax, wait * 2);
      const body = await call('DescribeInvocationResults', {
        InvokeId: invokeId,
        InstanceId: instanceId,
        ContentEncoding: 'PlainText',
      });
      const list = body?.Invocation?.InvocationResults?.InvocationResult ?? [];
      const r = (Array.isArray(list) ? list : []).find(
        (x: any) => !x?.InstanceId || x.InstanceId === instanceId,
      );
      const status: string = r?.InvocationStatus ?? '';
      const record: string = r?.InvokeRecordStatus ?? '';
      const done = FINAL_INVOCATION_STATUS.has(status) || ['Finished', 'Failed', 'Stopped'].includes(record);
      if (r && done) {
        return {
          output: typeof r.Output === 'string' ? r.Output : '',
          exitCode:
            typeof r.ExitCode === 'number' ? r.ExitCode : r.ExitCode != null ? Number(r.ExitCode) : null,
          dropped: Number(r.Dropped ?? 0) || 0,
          status,
          errorCode: r.ErrorCode || undefined,
          errorInfo: r.ErrorInfo || undefined,
        };
      }
      if (Date.now() > deadline) {
        await call('StopInvocation', { InvokeId: invokeId, InstanceId: [instanceId] }).catch(() => {});
        return { output: '', exitCode: null, dropped: 0, status: 'Timeout', timedOut: true };
      }
    }
  };

  /** Turns a finished invocation's failure into ASSISTANT_UNAVAILABLE; a plain non-zero exit is not a failure. */
  const checkOutcome = (o: InvocationOutcome): void => {
    if (o.timedOut) return;
    if (o.errorCode && o.errorCode !== 'ExitCodeNonzero')
      throw unavailable(o.errorCode, { detail: o.errorInfo });
    if (
      !o.errorCode &&
      ['Error', 'Invalid', 'Aborted', 'Timeout', 'Stopped', 'Cancelled', 'Terminated'].includes(o.status)
    )
      throw unavailable(o.status === 'Timeout' ? 'ExecutionTimeout' : o.status, { detail: o.errorInfo });
  };

  /** Reads the text of an Output that may have come back Base64 although PlainText was asked for. */
  const envelopeOf = (output: string): Envelope => {
    const env = parseEnvelope(output);
    if (env.mode !== 'raw' || !/^[A-Za-z0-9+/=\s]+$/.test(output) || !output) return env;
    const decoded = Buffer.from(output, 'base64').toString('utf8');
    const env2 = parseEnvelope(decoded);
    return env2.mode === 'raw' ? env : env2;
  };

  /** Fetches the rest of a paged payload in slices, halving a slice that still came back cut. */
  const fetchPages = async (
    env: Extract<Envelope, { mode: 'paged' }>,
    signal?: AbortSignal,
  ): Promise<{ payload: string; truncated: boolean }> => {
    let payload = env.payload;
    let slice = opts.sliceBytes ?? SLICE_BYTES;
    try {
      while (payload.length < env.size) {
        const len = Math.min(slice, env.size - payload.length);
        const last = payload.length + len >= env.size;
        const o = await invoke(sliceCommand(env.dir, payload.length, len, last), 30_000, signal);
        checkOutcome(o);
        if (o.timedOut) return { payload, truncated: true };
        const text = o.output;
        if (text.startsWith('ND1 err=')) throw unavailable('OutputGone');
        if (o.dropped > 0) {
          if (slice <= 1024) return { payload, truncated: true };
          slice = Math.floor(slice / 2);
          continue;
        }
        if (!text.length) return { payload, truncated: true };
        payload += text;
      }
      return { payload, truncated: false };
    } catch (e) {
      // Best effort, in the background: a cancel must not wait for the cleanup's own round trips.
      void invoke(cleanupCommand(env.dir), 30_000).catch(() => {});
      throw e;
    }
  };

  const runCommand = async (command: string, ropts: RunOptions = {}): Promise<RunResult> => {
    if (closed)
      throw new TransportError(
        { code: 'TRANSPORT_CLOSED', message: `Cloud Assistant on ${instanceId} was closed.` },
        'assistant',
      );
    if (ropts.signal?.aborted) throw abortError(ropts.signal);
    const started = Date.now();
    const timeoutMs = ropts.timeoutMs ?? 30_000;
    stats.commands++;
    let content = command;
    if (ropts.stdin !== undefined) {
      // Cloud Assistant has no stdin: feed it through a here-document of its base64.
      const b64 = Buffer.from(ropts.stdin, 'utf8').toString('base64');
      content = `printf %s '${b64}' | base64 -d | { ${command}\n}`;
    }
    const o = await invoke(
      wrapCommand(content, { inlineMax: opts.inlineMax, sliceBytes: opts.sliceBytes }),
      timeoutMs,
      ropts.signal,
    );
    checkOutcome(o);
    const ms = () => Date.now() - started;
    if (o.timedOut) return { stdout: '', stderr: '', code: null, timedOut: true, ms: ms() };
    const env = envelopeOf(o.output);
    let result: RunResult;
    if (env.mode === 'error') throw unavailable('WrapperFailed', { detail: env.reason });
    if (env.mode === 'raw') {
      result = { stdout: env.text, stderr: '', code: o.exitCode, ms: 0 };
      if (o.dropped > 0) result.truncated = true;
    } else {
      let payload = env.payload;
      let truncated = false;
      if (env.mode === 'paged') ({ payload, truncated } = await fetchPages(env, ropts.signal));
      else if (o.dropped > 0) truncated = true;
      const d = decodePayload(payload, env.enc, env.size);
      result = { stdout: d.stdout, stderr: d.stderr, code: env.rc, ms: 0 };
      if (truncated || d.truncated) result.truncated = true;
    }
    result.ms = ms();
    if (result.stdout) ropts.onData?.(result.stdout, 'stdout');
    if (result.stderr) ropts.onData?.(result.stderr, 'stderr');
    return result;
  };

  return {
    kind: 'assistant',
    describe: () => `Cloud Assistant ${instanceId}`,
    run: runCommand,
    stats: () => ({ ...stats }),
    agent: () => agentInfo,
    async close() {
      closed = true;
    },
  };
}

export { ASSISTANT_UNAVAILABLE };
