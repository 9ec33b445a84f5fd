/**
 * The Cloud Assistant transport through the real cloud client (@alicloud/openapi-client) against a loopback
 * HTTP server written here that speaks DescribeCloudAssistantStatus, RunCommand, DescribeInvocationResults and
 * StopInvocation in the shapes of docs/reference (alibaba-cloud-api.md §RunCommand): it runs each
 * RunShellScript with this machine's real /bin/sh — so the netdoctor wrapper really executes — merges stdout
 * and stderr like the agent, caps Output at 24 KB with `Dropped`, and fails with the agent's ErrorCodes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudClient } from '../../source/cloud/client.js';
import { openAssistant } from '../../source/guest/transport/assistant.js';
import { openGuest } from '../../source/guest/transport/auto.js';
import { TransportError } from '../../source/guest/transport/types.js';

interface Agent {
  online: boolean;
  /** ErrorCode every invocation on this instance fails with (the agent never runs it). */
  errorCode?: string;
}

interface Inv {
  invokeId: string;
  instanceId: string;
  status: 'Running' | 'Finished' | 'Failed' | 'Stopped';
  output: Buffer;
  exitCode: number;
  errorCode?: string;
  child?: ChildProcess;
}

/** The fake region's knobs, reset before each test. */
const region = {
  agents: new Map<string, Agent>(),
  invocations: new Map<string, Inv>(),
  calls: [] as string[],
  /** Actions answered with 403 Forbidden.RAM. */
  deny: new Set<string>(),
  /** Output cap (Cloud Assistant: 24 KB). */
  cap: 24 * 1024,
  /** Answer Base64 even when PlainText was asked (as an older gateway might). */
  ignorePlainText: false,
};

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function params(req: IncomingMessage): Promise<Record<string, string>> {
  const url = new URL(req.url ?? '/', 'http://x');
  const out: Record<string, string> = Object.fromEntries(url.searchParams);
  let body = '';
  for await (const c of req) body += c;
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'nd-ca-'));

function runScript(inv: Inv, content: string, timeoutS: number): void {
  const file = join(scratch, `${inv.invokeId}.sh`);
  writeFileSync(file, content);
  const chunks: Buffer[] = [];
  const child = spawn('sh', [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  inv.child = child;
  child.stdout.on('data', (b) => chunks.push(b));
  child.stderr.on('data', (b) => chunks.push(b));
  const killer = setTimeout(() => {
    inv.errorCode = 'ExecutionTimeout';
    child.kill('SIGKILL');
  }, timeoutS * 1000);
  child.on('close', (code) => {
    clearTimeout(killer);
    if (inv.status === 'Stopped') return;
    inv.output = Buffer.concat(chunks);
    inv.exitCode = code ?? -1;
    inv.status = inv.errorCode ? 'Failed' : 'Finished';
  });
}

async function handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const p = await params(req);
  const action = String(req.headers['x-acs-action'] ?? p.Action);
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  region.calls.push(action);
  if (region.deny.has(action))
    return send(res, 403, {
      RequestId: requestId,
      HostId: 'ecs.aliyuncs.com',
      Code: 'Forbidden.RAM',
      Message: "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    });
  if (action === 'DescribeCloudAssistantStatus') {
    const ids = Object.entries(p)
      .filter(([k]) => /^InstanceId\.\d+$/.test(k))
      .map(([, v]) => v);
    const list = ids
      .filter((id) => region.agents.has(id))
      .map((id) => ({
        InstanceId: id,
        CloudAssistantStatus: region.agents.get(id)!.online ? 'true' : 'false',
        CloudAssistantVersion: '2.2.3.309',
        LastHeartbeatTime: '2026-01-20T08:00:00Z',
        OSType: 'Linux',
        SupportSessionManager: true,
      }));
    return send(res, 200, {
      RequestId: requestId,
      TotalCount: list.length,
      PageNumber: 1,
      PageSize: 10,
      InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: list },
    });
  }
  if (action === 'RunCommand') {
    const content =
      p.ContentEncoding === 'Base64'
        ? Buffer.from(p.CommandContent, 'base64').toString('utf8')
        : p.CommandContent;
    const instanceId = p['InstanceId.1'];
    const invokeId = `t-hz${randomBytes(6).toString('hex')}`;
    const inv: Inv = { invokeId, instanceId, status: 'Running', output: Buffer.alloc(0), exitCode: 0 };
    region.invocations.set(invokeId, inv);
    const agent = region.agents.get(instanceId);
    if (agent?.errorCode) {
      inv.status = 'Failed';
      inv.errorCode = agent.errorCode;
    } else runScript(inv, content, Number(p.Timeout ?? 60));
    return send(res, 200, {
      RequestId: requestId,
      CommandId: `c-hz${randomBytes(6).toString('hex')}`,
      InvokeId: invokeId,
    });
  }
  if (action === 'DescribeInvocationResults') {
    const inv = region.invocations.get(p.InvokeId);
    const plain = p.ContentEncoding === 'PlainText' && !region.ignorePlainText;
    const done = inv && inv.status !== 'Running';
    const kept = done ? inv.output.subarray(0, region.cap) : Buffer.alloc(0);
    const results = inv
      ? [
          {
            InvokeId: inv.invokeId,
            CommandId: 'c-hz0',
            InstanceId: inv.instanceId,
            InvokeRecordStatus:
              inv.status === 'Running' ? 'Running' : inv.status === 'Stopped' ? 'Stopped' : 'Finished',
            InvocationStatus:
              inv.status === 'Running'
                ? 'Running'
                : inv.status === 'Stopped'
                  ? 'Stopped'
                  : inv.errorCode === 'ExecutionTimeout'
                    ? 'Timeout'
                    : inv.errorCode
                      ? 'Failed'
                      : inv.exitCode === 0
                        ? 'Success'
                        : 'Failed',
            ExitCode: inv.exitCode,
            Output: plain ? kept.toString('utf8') : kept.toString('base64'),
            Dropped: done ? Math.max(0, inv.output.length - region.cap) : 0,
            ErrorCode: inv.errorCode ?? (done && inv.exitCode !== 0 ? 'ExitCodeNonzero' : ''),
            ErrorInfo: inv.errorCode ? `the agent reported ${inv.errorCode}.` : '',
            StartTime: '2026-01-20T08:00:00Z',
            FinishedTime: done ? '2026-01-20T08:00:01Z' : '',
            StopTime: '',
            Repeats: 1,
            Username: 'root',
            TerminationMode: 'ProcessTree',
            Tags: { Tag: [] },
          },
        ]
      : [];
    return send(res, 200, {
      RequestId: requestId,
      Invocation: {
        PageSize: 10,
        PageNumber: 1,
        TotalCount: results.length,
        NextToken: '',
        InvocationResults: { InvocationResult: results },
      },
    });
  }
  if (action === 'StopInvocation') {
    const inv = region.invocations.get(p.InvokeId);
    if (inv && inv.status === 'Running') {
      inv.status = 'Stopped';
      inv.child?.kill('SIGKILL');
    }
    return send(res, 200, { RequestId: requestId });
  }
  send(res, 400, {
    RequestId: requestId,
    Code: 'InvalidAction.NotFound',
    Message: `Specified api ${action} is not found.`,
  });
}

describe('Cloud Assistant transport ↔ loopback OpenAPI server (real openapi-client, real sh)', () => {
  let server: Server;
  let api: Awaited<ReturnType<typeof createCloudClient>>;
  const ID = 'i-bp1loopback';
  const fast = { pollInitialMs: 20, pollMaxMs: 100 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      handle(req, res).catch((e) => send(res, 500, { Code: 'InternalError', Message: String(e) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    api = await createCloudClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      accessKeyId: 'LTAI5tLoopbackTestKey',
      accessKeySecret: 'loopback-secret-not-real',
      region: 'cn-hangzhou',
      retries: 0,
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    region.agents = new Map([[ID, { online: true }]]);
    region.calls = [];
    region.deny = new Set();
    region.cap = 24 * 1024;
    region.ignorePlainText = false;
  });

  it('runs a command: stdout and stderr apart, exit code, agent info', async () => {
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    const r = await t.run("echo 'to stdout'; echo 'to stderr' >&2; exit 4");
    expect(r).toMatchObject({ stdout: 'to stdout\n', stderr: 'to stderr\n', code: 4 });
    expect(r.truncated).toBeUndefined();
    expect(t.agent()).toEqual({ version: '2.2.3.309', lastHeartbeat: '2026-01-20T08:00:00Z' });
    expect(region.calls[0]).toBe('DescribeCloudAssistantStatus');
    expect(region.calls.filter((c) => c === 'RunCommand')).toHaveLength(1);
    expect(t.stats()).toMatchObject({ connections: 0, commands: 1 });
    expect(t.describe()).toBe(`Cloud Assistant ${ID}`);
    const chunks: string[] = [];
    await t.run('echo streamed', { onData: (c) => chunks.push(c) });
    expect(chunks).toEqual(['streamed\n']);
  });

  it('feeds stdin through the script', async () => {
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    expect((await t.run('tr a-z A-Z', { stdin: "it's stdin\n" })).stdout).toBe("IT'S STDIN\n");
  });

  it('gets a >24 KB output whole: compressed, then paged in slices, guest temp files removed', async () => {
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    const expected = Array.from({ length: 120_000 }, (_, i) => `${i + 1}`).join('\n') + '\n';
    expect(expected.length).toBeGreaterThan(24 * 1024 * 20);
    const before = readdirSync('/tmp').filter((n) => n.startsWith('netdoctor.'));
    const r = await t.run('seq 1 120000; echo done >&2');
    expect(r.truncated).toBeUndefined();
    expect(r.stdout).toBe(expected);
    expect(r.stderr).toBe('done\n');
    const runs = region.calls.filter((c) => c === 'RunCommand').length;
    expect(runs).toBeGreaterThan(1); // the wrapper plus slice fetches
    expect(readdirSync('/tmp').filter((n) => n.startsWith('netdoctor.') && !before.includes(n))).toEqual([]);
  });

  it('a slice the gateway still cuts is fetched again in smaller pieces', async () => {
    region.cap = 12_000; // smaller than our 20 KB slices
    const t = await openAssistant(api, ID, 'cn-hangzhou', { ...fast, inlineMax: 8000 });
    const r = await t.run('head -c 90000 /dev/zero | tr "\\0" "x" | fold -w 100; echo; seq 1 20000');
    expect(r.truncated).toBeUndefined();
    expect(r.stdout).toBe(
      `${`${'x'.repeat(100)}\n`.repeat(900)}${Array.from({ length: 20000 }, (_, i) => i + 1).join('\n')}\n`,
    );
  });

  it('an inline answer that was cut anyway keeps its beginning and says truncated', async () => {
    region.cap = 3000;
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    // Small enough to be sent inline (≈8 KB packed), bigger than this gateway keeps.
    const r = await t.run('seq 1 3000');
    expect(r.truncated).toBe(true);
    expect(r.stdout.startsWith('1\n2\n3\n')).toBe(true);
  });

  it('decodes Base64 Output when the gateway ignores ContentEncoding=PlainText', async () => {
    region.ignorePlainText = true;
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    expect((await t.run('echo b64')).stdout).toBe('b64\n');
  });

  it.each([
    'ClientNotRunning',
    'ClientNotResponse',
    'ClientIsUpgrading',
    'ClientNeedUpgrade',
    'DeliveryTimeout',
    'InstanceNotRunning',
    'SecurityGroupRuleDenied',
  ])('ErrorCode %s → ASSISTANT_UNAVAILABLE with the reason', async (code) => {
    region.agents.set(ID, { online: true, errorCode: code });
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    const err = await t.run('echo never').catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.error.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(err.reason).toBe(code);
    expect(err.error.message).toContain(`[${code}]`);
    expect(err.error.hint).toBeTruthy();
  });

  it('ExecutionTimeout (the agent killed it at RunCommand Timeout) → ASSISTANT_UNAVAILABLE', async () => {
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    // 10 s is RunCommand's smallest Timeout; the fake agent enforces it.
    const err = await t.run('sleep 30', { timeoutMs: 10_000 }).catch((e) => e);
    expect(err.error.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(err.reason).toBe('ExecutionTimeout');
  }, 20_000);

  it('an offline agent is refused before any RunCommand; an unknown one too', async () => {
    region.agents.set(ID, { online: false });
    const off = await openAssistant(api, ID, 'cn-hangzhou', fast).catch((e) => e);
    expect(off.error.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(off.reason).toBe('AgentOffline');
    expect(off.error.message).toContain('last heartbeat 2026-01-20T08:00:00Z');
    const unknown = await openAssistant(api, 'i-bp1nosuch', 'cn-hangzhou', fast).catch((e) => e);
    expect(unknown.reason).toBe('AgentUnknown');
    expect(region.calls).not.toContain('RunCommand');
  });

  it('Forbidden.RAM on RunCommand names ecs:RunCommand; on the status check it is not fatal', async () => {
    region.deny.add('RunCommand');
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    const err = await t.run('echo x').catch((e) => e);
    expect(err.error.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(err.reason).toBe('Forbidden.RAM');
    expect(err.error.ramAction).toBe('ecs:RunCommand');
    expect(JSON.stringify(err.error)).not.toContain('loopback-secret-not-real');

    region.deny = new Set(['DescribeCloudAssistantStatus']);
    const t2 = await openAssistant(api, ID, 'cn-hangzhou', fast);
    expect((await t2.run('echo allowed')).stdout).toBe('allowed\n');
  });

  it('run timeout: stops the invocation and returns timedOut', async () => {
    const t = await openAssistant(api, ID, 'cn-hangzhou', { ...fast, deliverySlackMs: 0 });
    const r = await t.run('sleep 20', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(region.calls).toContain('StopInvocation');
  });

  it('auto: SSH refused → falls back to Cloud Assistant, keeping why', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const s = await openGuest({
      via: 'auto',
      ssh: {
        host: '127.0.0.1',
        port,
        user: 'root',
        agent: false,
        identity: [],
        configFile: 'none',
        systemConfig: false,
      },
      assistant: { api, instanceId: ID, region: 'cn-hangzhou', opts: fast },
    });
    expect(s.transport?.kind).toBe('assistant');
    expect(s.attempts.map((a) => [a.via, a.ok, a.error?.code])).toEqual([
      ['ssh', false, 'CONNECTION_REFUSED'],
      ['assistant', true, undefined],
    ]);
    expect(s.attempts[0].target).toBe(`root@127.0.0.1:${port}`);
    expect((await s.transport!.run('echo fell-back')).stdout).toBe('fell-back\n');
  });

  it('cancel: stops the invocation and rejects with AbortError', async () => {
    const t = await openAssistant(api, ID, 'cn-hangzhou', fast);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    await expect(t.run('sleep 20', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(region.calls).toContain('StopInvocation');
    await t.close();
    await expect(t.run('echo closed')).rejects.toMatchObject({ error: { code: 'TRANSPORT_CLOSED' } });
  });
});
