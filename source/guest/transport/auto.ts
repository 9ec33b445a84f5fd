/**
 * Choosing the way into the guest: `--via ssh|assistant|local`, or auto — SSH first, Cloud Assistant when
 * SSH fails — keeping every attempt and why it failed, so the UI can say "SSH refused (host key changed),
 * using Cloud Assistant".
 */
import type { SourceError } from '../../model/index.js';
import { type AssistantApi, type AssistantOptions, openAssistant } from './assistant.js';
import { type LocalOptions, openLocal } from './local.js';
import { openSsh } from './ssh.js';
import type { HandshakeOptions } from './ssh-connect.js';
import type { PlanEnv, SshTarget } from './ssh-plan.js';
import { type Transport, TransportError } from './types.js';

/**
 * The SSH target for a simulated instance, from the simulator's advert: log in as the instance id with the
 * advertised password, trust exactly the advertised host key, and touch none of the operator's own SSH setup.
 */
export function simSshTarget(
  ssh: { host: string; port: number; hostKey: string; password: string },
  instanceId: string,
): SshTarget {
  return {
    host: ssh.host,
    port: ssh.port,
    user: instanceId,
    password: ssh.password,
    hostKeyPin: ssh.hostKey,
    agent: false,
    identity: [],
    configFile: 'none',
    systemConfig: false,
  };
}

export type GuestViaChoice = 'ssh' | 'assistant' | 'local' | 'auto';

export interface GuestOpenOptions {
  via: GuestViaChoice;
  /** SSH target; without it auto goes straight to Cloud Assistant. */
  ssh?: SshTarget;
  sshEnv?: PlanEnv & Pick<HandshakeOptions, 'onHostKeyAccepted'>;
  assistant?: { api: AssistantApi; instanceId: string; region: string; opts?: AssistantOptions };
  local?: LocalOptions;
}

export interface GuestAttempt {
  via: Transport['kind'];
  ok: boolean;
  ms: number;
  /** What was tried (`root@47.96.1.180`, `Cloud Assistant i-…`). */
  target?: string;
  error?: SourceError;
  /** The underlying system's code (Cloud Assistant ErrorCode …) when there is one. */
  reason?: string;
}

export interface GuestSession {
  transport?: Transport;
  attempts: GuestAttempt[];
  /** Why no transport could be had (all attempts failed, or nothing to try). */
  error?: SourceError;
}

function asSourceError(e: unknown, via: Transport['kind']): { error: SourceError; reason?: string } {
  if (e instanceof TransportError) return { error: e.error, reason: e.reason };
  return {
    error: {
      code: via === 'assistant' ? 'ASSISTANT_UNAVAILABLE' : 'GUEST_UNREACHABLE',
      message: `${via}: ${(e as Error)?.message ?? String(e)}`,
    },
  };
}

async function attempt(
  via: Transport['kind'],
  target: string,
  open: () => Promise<Transport>,
  attempts: GuestAttempt[],
): Promise<Transport | undefined> {
  const started = Date.now();
  try {
    const t = await open();
    attempts.push({ via, ok: true, ms: Date.now() - started, target: t.describe() });
    return t;
  } catch (e) {
    const { error, reason } = asSourceError(e, via);
    const a: GuestAttempt = { via, ok: false, ms: Date.now() - started, target, error };
    if (reason) a.reason = reason;
    attempts.push(a);
    return undefined;
  }
}

function sshLabel(t: SshTarget): string {
  return `${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}`;
}

/** Opens the guest the way asked. Never throws: a failure is in `error` and `attempts`. */
export async function openGuest(opts: GuestOpenOptions): Promise<GuestSession> {
  const attempts: GuestAttempt[] = [];
  const tryLocal = () => attempt('local', 'local', async () => openLocal(opts.local), attempts);
  const trySsh = () =>
    opts.ssh
      ? attempt('ssh', sshLabel(opts.ssh), () => openSsh(opts.ssh!, opts.sshEnv), attempts)
      : undefined;
  const tryAssistant = () => {
    const a = opts.assistant;
    return a
      ? attempt(
          'assistant',
          `Cloud Assistant ${a.instanceId}`,
          () => openAssistant(a.api, a.instanceId, a.region, a.opts),
          attempts,
        )
      : undefined;
  };

  let transport: Transport | undefined;
  if (opts.via === 'local') transport = await tryLocal();
  else if (opts.via === 'ssh') {
    if (!opts.ssh)
      return {
        attempts,
        error: {
          code: 'GUEST_NOT_CONFIGURED',
          message: 'SSH was asked for but no SSH target is known.',
          hint: 'Give --ssh [user@]host[:port].',
        },
      };
    transport = await trySsh();
  } else if (opts.via === 'assistant') {
    if (!opts.assistant)
      return {
        attempts,
        error: {
          code: 'GUEST_NOT_CONFIGURED',
          message: 'Cloud Assistant was asked for but there is no cloud account or instance id.',
          hint: 'Give an instance id (i-…) with credentials, or use --ssh.',
        },
      };
    transport = await tryAssistant();
  } else {
    transport = (await trySsh()) ?? (await tryAssistant());
    if (!opts.ssh && !opts.assistant)
      return {
        attempts,
        error: {
          code: 'GUEST_NOT_CONFIGURED',
          message:
            'No way into the guest: no SSH target and no cloud instance to reach through Cloud Assistant.',
          hint: 'Give --ssh [user@]host, an instance id with credentials, or run netdoctor --local on the instance.',
        },
      };
  }
  if (transport) return { transport, attempts };
  return { attempts, error: combinedError(attempts) };
}

/** One error for "nothing worked": the only attempt's, or a summary naming each. */
export function combinedError(attempts: GuestAttempt[]): SourceError {
  const failedOnes = attempts.filter((a) => !a.ok && a.error);
  if (failedOnes.length === 1) return failedOnes[0].error!;
  const label = (v: Transport['kind']) =>
    v === 'ssh' ? 'SSH' : v === 'assistant' ? 'Cloud Assistant' : 'local';
  return {
    code: 'GUEST_UNREACHABLE',
    message: `No way into the guest: ${failedOnes.map((a) => `${label(a.via)}: ${a.error!.message}`).join(' — ')}`,
    hint: failedOnes
      .map((a) => a.error!.hint)
      .filter(Boolean)
      .join(' '),
  };
}
