/**
 * The SSH transport: one ssh2 connection per target (through ProxyJump hops when configured) carrying
 * every command as its own exec channel, queued to respect the server's MaxSessions. A dropped connection
 * is re-established on the next command (host key verified again); close() ends it for good.
 */
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import { ChannelGate } from './channel-gate.js';
import { killCommand, wrapRemote } from './remote-command.js';
import { connectChain, type HandshakeOptions } from './ssh-connect.js';
import { mapConnectError } from './ssh-errors.js';
import { describeHop, type HopPlan, type PlanEnv, planSsh, type SshTarget } from './ssh-plan.js';
import {
  type RunOptions,
  type RunResult,
  type Transport,
  TransportError,
  type TransportStats,
} from './types.js';

export type { SshTarget } from './ssh-plan.js';

const DEFAULT_RUN_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_CHANNELS = 8;

/**
 * Sends an SSH "signal" request (sshd ≥ 7.9 delivers it with killpg to the command's process group). ssh2's
 * public `signal()` refuses once our side sent EOF — which we do at once so commands never wait on stdin —
 * although the channel is still open, so fall back to its protocol object for the same message.
 */
function sendSignal(stream: ClientChannel, name: string): void {
  const ch = stream as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, sig: string): void } };
  };
  if (stream.writable) return void stream.signal(name);
  const state = ch.outgoing?.state;
  if (state === 'open' || state === 'eof') ch._client?._protocol?.signal(ch.outgoing!.id, name);
}

export interface SshTransport extends Transport {
  kind: 'ssh';
  /** The resolved hops (jumps then target), for the UI's "via" line. */
  hops(): HopPlan[];
  /** Config warnings (unsupported ssh_config features met while resolving). */
  warnings(): string[];
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('command cancelled');
  e.name = 'AbortError';
  return e;
}

/** Opens the connection now (so errors surface here) and returns the transport. */
export async function openSsh(
  target: SshTarget,
  env?: PlanEnv & Pick<HandshakeOptions, 'onHostKeyAccepted'>,
): Promise<SshTransport> {
  let plan: HopPlan[];
  try {
    plan = planSsh(target, env);
  } catch (e) {
    throw new TransportError(
      {
        code: 'SSH_CONFIG_INVALID',
        message: (e as Error).message,
        hint: 'Fix the --jump value or ~/.ssh/config.',
      },
      'ssh',
    );
  }
  const targetHop = plan[plan.length - 1];
  const endpoint = describeHop(targetHop);
  const hsOpts: HandshakeOptions = {
    password: target.password,
    askPassphrase: target.askPassphrase,
    acceptNewHostKey: target.acceptNewHostKey,
    hostKeyPin: target.hostKeyPin,
    onHostKeyAccepted: env?.onHostKeyAccepted,
  };
  const stats: TransportStats = { connections: 0, commands: 0, jumpConnections: 0, channelsPeak: 0 };
  const gate = new ChannelGate(target.maxChannels ?? DEFAULT_MAX_CHANNELS);
  let client: Client | undefined;
  let jumps: Client[] = [];
  let connecting: Promise<Client> | undefined;
  let closed = false;
  const live = new Set<(e: Error) => void>();

  const connect = async (): Promise<Client> => {
    const chain = await connectChain(plan, hsOpts);
    stats.connections++;
    stats.jumpConnections = (stats.jumpConnections ?? 0) + chain.jumps.length;
    const c = chain.client;
    const lost = () => {
      if (client !== c) return;
      client = undefined;
      for (const j of jumps) j.end();
      jumps = [];
      const err = new TransportError(
        mapConnectError({ code: 'ECONNRESET' }, { endpoint, phase: 'session' }),
        'ssh',
      );
      for (const fail of live) fail(err);
      gate.flush();
    };
    c.on('close', lost);
    c.on('error', () => lost());
    client = c;
    jumps = chain.jumps;
    return c;
  };

  const ensure = (): Promise<Client> => {
    if (closed)
      return Promise.reject(
        new TransportError({ code: 'TRANSPORT_CLOSED', message: `SSH to ${endpoint} was closed.` }, 'ssh'),
      );
    if (client) return Promise.resolve(client);
    connecting ??= connect().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  await ensure();

  const openChannel = (c: Client, command: string): Promise<ClientChannel> =>
    new Promise((resolve, reject) => {
      try {
        c.exec(command, (err, stream) => (err ? reject(err) : resolve(stream)));
      } catch (e) {
        reject(e);
      }
    });

  const run = async (command: string, opts: RunOptions = {}): Promise<RunResult> => {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    let reconnects = 0;
    const token = randomBytes(8).toString('hex');
    const wire = wrapRemote(command, token);
    for (;;) {
      const c = await ensure();
      await gate.acquire();
      if (opts.signal?.aborted) {
        gate.release();
        throw abortError(opts.signal);
      }
      let stream: ClientChannel;
      try {
        if (client !== c) throw new Error('connection lost');
        stream = await openChannel(c, wire);
      } catch (e) {
        const others = gate.inFlight - 1;
        gate.release();
        const msg = (e as Error).message ?? '';
        if (/Channel open failure/i.test(msg) && others > 0) {
          gate.lower(others);
          continue; // wait for a slot the server will honour
        }
        if (client !== c || /Not connected|connection lost/i.test(msg)) {
          if (closed || ++reconnects > 2)
            throw new TransportError(
              mapConnectError({ code: 'ECONNRESET' }, { endpoint, phase: 'session' }),
              'ssh',
            );
          continue; // the connection dropped before the command started: reconnect and retry
        }
        throw new TransportError(
          {
            code: 'CHANNEL_OPEN_FAILED',
            message: `SSH to ${endpoint}: the server refused to run a command (${msg}).`,
            hint: 'sshd may limit sessions (MaxSessions) or forbid exec for this user (ForceCommand, restricted shell).',
          },
          'ssh',
        );
      }
      stats.commands++;
      stats.channelsPeak = Math.max(stats.channelsPeak ?? 0, gate.inFlight);
      try {
        return await drive(stream, () => endRemote(c, token), opts, timeoutMs, started);
      } finally {
        gate.release();
      }
    }
  };

  /** Ends a timed-out or cancelled command on the guest (see remote-command.ts for why a signal is not enough). */
  const endRemote = async (c: Client, token: string): Promise<void> => {
    if (client !== c) return;
    await gate.acquire();
    try {
      const ch = await openChannel(c, killCommand(token));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5_000);
        ch.on('close', () => {
          clearTimeout(t);
          resolve();
        });
        ch.on('data', () => {});
        ch.stderr.on('data', () => {});
        ch.end();
      });
    } catch {
      // Best effort: the connection may be gone, which ends the session's processes anyway.
    } finally {
      gate.release();
    }
  };

  const drive = (
    stream: ClientChannel,
    endOnGuest: () => Promise<void>,
    opts: RunOptions,
    timeoutMs: number,
    started: number,
  ): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const out = new StringDecoder('utf8');
      const errd = new StringDecoder('utf8');
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      let timedOut = false;
      let finished = false;
      const finish = (e?: Error) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        live.delete(onLost);
        opts.signal?.removeEventListener('abort', onAbort);
        if (e) return reject(e);
        stdout += out.end();
        stderr += errd.end();
        const r: RunResult = { stdout, stderr, code: timedOut ? null : code, ms: Date.now() - started };
        if (signal) r.signal = signal;
        if (timedOut) r.timedOut = true;
        resolve(r);
      };
      const stop = () => {
        // Ask the process to end, then drop the channel. sshd confirms the close only once the command has
        // exited, so the run returns now rather than waiting on a process that may ignore the signal.
        try {
          sendSignal(stream, 'TERM');
        } catch {}
        try {
          stream.close();
        } catch {}
        void endOnGuest();
      };
      const onLost = (e: Error) => finish(e);
      const onAbort = () => {
        stop();
        finish(abortError(opts.signal!));
      };
      live.add(onLost);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
        finish();
      }, timeoutMs);
      stream.on('data', (b: Buffer) => {
        const s = out.write(b);
        stdout += s;
        if (s) opts.onData?.(s, 'stdout');
      });
      stream.stderr.on('data', (b: Buffer) => {
        const s = errd.write(b);
        stderr += s;
        if (s) opts.onData?.(s, 'stderr');
      });
      stream.on('exit', (c: number | null, sig?: string) => {
        if (typeof c === 'number') code = c;
        if (sig) signal = sig;
      });
      stream.on('close', () => finish());
      stream.on('error', () => {});
      if (opts.stdin !== undefined) stream.end(opts.stdin);
      else stream.end();
    });

  return {
    kind: 'ssh',
    describe: () =>
      plan.length > 1 ? `${endpoint} via ${plan.slice(0, -1).map(describeHop).join(', ')}` : endpoint,
    run,
    stats: () => ({ ...stats }),
    hops: () => plan,
    warnings: () => plan.flatMap((h) => h.warnings),
    async close() {
      closed = true;
      const c = client;
      client = undefined;
      if (c) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          c.once('close', () => {
            clearTimeout(t);
            resolve();
          });
          c.end();
        });
      }
      for (const j of jumps.reverse()) j.end();
      jumps = [];
    },
  };
}
