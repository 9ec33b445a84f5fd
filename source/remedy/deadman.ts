/**
 * The dead-man switch for guest changes that can cut the operator's own access (firewall, interface, route).
 *
 * One POSIX sh script, sent over the current session, (1) saves the state the change can break, (2) writes a
 * restore script, (3) arms a detached timer on the guest (`setsid nohup sh fire.sh &`, so it outlives the SSH
 * session and the session's process group) that restores the saved state after N seconds unless a decision
 * was taken, and (4) starts the change itself, detached too, so a connection that dies mid-change cannot
 * leave it half done. netdoctor then proves access survived by opening a NEW connection and confirming;
 * if it cannot, the guest restores by itself and netdoctor, once it gets back in, reads the guest's record.
 *
 * Who decides is settled by `mkdir DIR/decided` (atomic): the timer, a failed change, a confirmation and an
 * explicit undo race for it and exactly one wins. State lives in /run/netdoctor/deadman/ID (tmpfs: gone at
 * reboot, like the change it guards), or /tmp/netdoctor-deadman/ID when /run is not writable.
 *
 * Scripts start with a marker line (`# netdoctor-deadman v1 id=… action=…`) so the simulated guest can
 * recognise them and implement the same semantics natively (source/sim/guest/deadman.ts).
 *
 * The scripts are built in deadman-script.ts (what they save and restore: deadman-saves.ts) and read back in
 * deadman-output.ts; this module runs the switch from netdoctor's side.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '../guest/transport/types.js';
import type { DeadmanSave } from '../model/index.js';
import { type DeadmanState, parseDeadmanOutput } from './deadman-output.js';
import {
  armWaitSeconds,
  buildArmScript,
  buildConfirmScript,
  buildStatusScript,
  DEADMAN_DIRS,
  type DeadmanSpec,
} from './deadman-script.js';

export {
  type DeadmanHeader,
  type DeadmanPhase,
  type DeadmanState,
  extractApplyCommand,
  parseDeadmanHeader,
  parseDeadmanOutput,
} from './deadman-output.js';
export { inferSaves } from './deadman-saves.js';
export {
  buildArmScript,
  buildConfirmScript,
  buildRestoreScript,
  buildStatusScript,
  DEADMAN_DIRS,
  DEADMAN_MARKER,
  type DeadmanAction,
  type DeadmanSpec,
  validateSpec,
} from './deadman-script.js';

/** Window used when a lock-out-capable guest step does not say one. */
export const DEFAULT_DEADMAN_SECONDS = 60;

export function newDeadmanId(): string {
  return randomBytes(6).toString('hex');
}

export type DeadmanEvent =
  | { type: 'deadman-armed'; id: string; seconds: number; deadline: number; saves: DeadmanSave[] }
  | { type: 'deadman-reconnecting'; id: string; attempt: number; error?: string }
  | { type: 'deadman-confirmed'; id: string; at?: string }
  | { type: 'deadman-waiting'; id: string; until: number }
  | { type: 'deadman-expired'; id: string; restoredAt?: string; rc?: number };

export type DeadmanOutcome =
  | { kind: 'confirmed'; id: string; state: DeadmanState }
  /** The guest put the saved state back: reason `timeout` (no confirmation) or `apply-failed`. */
  | { kind: 'rolled-back'; id: string; state: DeadmanState }
  /** Nothing was changed: the state could not be saved, or the script never ran. */
  | { kind: 'not-armed'; id: string; reason: string; detail: string }
  /** netdoctor could not get back in, even after the window: the guest should have restored by itself. */
  | { kind: 'unreachable'; id: string; deadline: number; detail: string };

export interface DeadmanRunOptions {
  guest: Transport;
  reconnect: () => Promise<Transport>;
  spec: DeadmanSpec;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (e: DeadmanEvent) => void;
  signal?: AbortSignal;
  /** How long to keep trying to get back in after the window, to read the guest's record (default max(30 s, window)). */
  recoverMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function errText(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

/** A transport from `reconnect`, or an error when none arrives before `ms` (a late one is closed). */
async function reconnectWithin(reconnect: () => Promise<Transport>, ms: number): Promise<Transport> {
  const p = reconnect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${Math.round(ms)} ms`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (e) {
    p.then((t) => t.close()).catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the arm script over `guest`, then proves access with fresh connections and confirms (see file header). */
export async function runUnderDeadman(o: DeadmanRunOptions): Promise<DeadmanOutcome> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  const { id, seconds } = o.spec;
  const script = buildArmScript(o.spec);
  const windowMs = seconds * 1000;
  const t0 = now();
  const deadline = t0 + windowMs;
  const margin = Math.min(1500, windowMs * 0.2);
  const wait = armWaitSeconds(o.spec);
  o.onEvent?.({ type: 'deadman-armed', id, seconds, deadline, saves: o.spec.saves });

  let arm: DeadmanState | undefined;
  try {
    const r = await o.guest.run(script, {
      timeoutMs: Math.min(wait * 1000 + 3000, windowMs * 0.5),
      signal: o.signal,
    });
    arm = parseDeadmanOutput(r.stdout);
  } catch {
    // The session may have died with the change (that is what the switch is for): go on to reconnect.
  }
  if (arm?.state === 'not-armed')
    return {
      kind: 'not-armed',
      id,
      reason: arm.reason ?? 'unknown',
      detail:
        arm.reason === 'save-failed'
          ? `The guest could not save ${arm.what ?? 'the current state'} before the change, so nothing was changed.`
          : arm.reason === 'no-state-dir'
            ? 'The guest has no writable /run or /tmp for the dead-man record, so nothing was changed.'
            : `The dead-man switch was not armed (${arm.reason ?? 'unknown reason'}), so nothing was changed.`,
    };
  if (arm?.state === 'restored') return { kind: 'rolled-back', id, state: arm };
  let appliedSeen = arm?.state === 'applied';

  // Inside the window: a new connection must get in and confirm. A connection opened before the change had
  // finished proves nothing (an established session can survive a rule that blocks new ones), so confirmation
  // is sent only on a connection opened after the change was seen finished.
  let attempt = 0;
  while (now() < deadline - margin && !o.signal?.aborted) {
    attempt++;
    let t: Transport;
    try {
      t = await reconnectWithin(o.reconnect, deadline - margin - now());
    } catch (e) {
      o.onEvent?.({ type: 'deadman-reconnecting', id, attempt, error: errText(e) });
      await sleep(Math.min(300, Math.max(0, deadline - margin - now())));
      continue;
    }
    o.onEvent?.({ type: 'deadman-reconnecting', id, attempt });
    try {
      const left = deadline - margin - now();
      const r = await t.run(appliedSeen ? buildConfirmScript(id) : buildStatusScript(id), {
        timeoutMs: Math.max(500, left),
        signal: o.signal,
      });
      const st = parseDeadmanOutput(r.stdout);
      if (st.state === 'confirmed') {
        o.onEvent?.({ type: 'deadman-confirmed', id, at: st.at });
        return { kind: 'confirmed', id, state: st };
      }
      if (st.state === 'restored') return { kind: 'rolled-back', id, state: st };
      if (st.state === 'unknown' && st.reason === 'no-record' && !arm)
        return {
          kind: 'not-armed',
          id,
          reason: 'no-record',
          detail:
            'The dead-man script never ran on the guest (the session failed before it started), so nothing was changed.',
        };
      if (st.state === 'applied') appliedSeen = true;
      else await sleep(Math.min(300, Math.max(0, deadline - margin - now())));
    } catch {
      // This connection failed too: try another.
    } finally {
      await t.close().catch(() => undefined);
    }
  }

  // The window is closing without a confirmation: the guest restores by itself. Wait for it, then read its record.
  // A little past the guest's own deadline (its timer started after ours); late restores are polled for below.
  const until = deadline + 1000 + windowMs * 0.05;
  o.onEvent?.({ type: 'deadman-waiting', id, until });
  await sleep(Math.max(0, until - now()));
  const giveUp = now() + (o.recoverMs ?? Math.max(30_000, windowMs));
  let lastErr = '';
  for (let n = 1; now() <= giveUp; n++) {
    let t: Transport | undefined;
    try {
      t = await reconnectWithin(o.reconnect, Math.max(1000, giveUp - now()));
      const st = parseDeadmanOutput((await t.run(buildStatusScript(id), { timeoutMs: 15_000 })).stdout);
      if (st.state === 'restored') {
        o.onEvent?.({ type: 'deadman-expired', id, restoredAt: st.at, rc: st.rc });
        return { kind: 'rolled-back', id, state: st };
      }
      // Our confirmation got through even though its answer was lost.
      if (st.state === 'confirmed') {
        o.onEvent?.({ type: 'deadman-confirmed', id, at: st.at });
        return { kind: 'confirmed', id, state: st };
      }
      if (st.state === 'unknown' && !arm)
        return {
          kind: 'not-armed',
          id,
          reason: 'no-record',
          detail: 'The dead-man script never ran on the guest, so nothing was changed.',
        };
      lastErr = `the guest reports state ${st.state}`;
    } catch (e) {
      lastErr = errText(e);
      o.onEvent?.({ type: 'deadman-reconnecting', id, attempt: attempt + n, error: lastErr });
    } finally {
      await t?.close().catch(() => undefined);
    }
    await sleep(1000);
  }
  return {
    kind: 'unreachable',
    id,
    deadline,
    detail: `netdoctor could not get back into the guest (${lastErr || 'no connection'}). Its dead-man switch ${id} restores the saved state by itself ${seconds} s after the change; check from the console (VNC or Cloud Assistant): \`cat ${DEADMAN_DIRS[0]}/${id}/state\`.`,
  };
}
