/**
 * The simulated guest's side of Cloud Assistant: what the agent would print for a RunCommand script. The
 * netdoctor wrapper and slice scripts (source/guest/transport/assistant-wrap.ts) are recognised by their
 * markers and answered exactly as the real shell script would — gzip + base64 envelope, paging through a
 * per-world scratch store standing in for the guest's /tmp — and any other content runs as a plain command
 * whose stdout and stderr are merged, as the agent does. The sim's RunCommand calls this, then applies the
 * 24 KB cap (`capOutput`) when DescribeInvocationResults reports the output.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ENVELOPE_PREFIX,
  INLINE_MAX,
  SLICE_BYTES,
  SLICE_MARKER,
  WRAP_MARKER,
} from '../../guest/transport/assistant-wrap.js';
import { execGuestCommand, type GuestExecResult } from '../guest/exec.js';
import type { World } from '../world.js';

/** Cloud Assistant keeps this much of a command's output (DescribeInvocationResults `Dropped` counts the rest). */
export const ASSISTANT_OUTPUT_CAP = 24 * 1024;

export interface AssistantRun {
  /** Everything the script printed (before the cap). */
  output: string;
  exitCode: number;
}

/** execGuestCommand's shape; a Promise is accepted too, should the guest side become asynchronous. */
type Exec = (
  world: World,
  instanceId: string,
  command: string,
  now: number,
) => GuestExecResult | Promise<GuestExecResult>;

const scratch = new WeakMap<World, Map<string, string>>();
function store(world: World): Map<string, string> {
  let m = scratch.get(world);
  if (!m) scratch.set(world, (m = new Map()));
  return m;
}

/** Reads `nd_NAME=VALUE` (VALUE single-quoted or bare) from a wrapper script. */
function assignment(content: string, name: string): string | undefined {
  const m = new RegExp(`^nd_${name}=(?:'([^']*)'|(\\S+))$`, 'm').exec(content);
  return m ? (m[1] ?? m[2]) : undefined;
}

function pack(r: GuestExecResult): string {
  const b64 = (s: string) => gzipSync(Buffer.from(s, 'utf8')).toString('base64');
  return `${b64(r.stdout)}\n${b64(r.stderr)}\n`;
}

function tempDir(): string {
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(6);
  return `/tmp/netdoctor.${[...bytes].map((b) => alnum[b % alnum.length]).join('')}`;
}

/** Runs RunShellScript content on a simulated instance and returns what the agent would report. */
export async function runAssistantScript(
  world: World,
  instanceId: string,
  content: string,
  now: number,
  exec: Exec = execGuestCommand,
): Promise<AssistantRun> {
  if (content.includes(WRAP_MARKER)) {
    const cmdB64 = assignment(content, 'cmd');
    if (cmdB64 === undefined) return { output: `${ENVELOPE_PREFIX}err=decode\n`, exitCode: 0 };
    let raw = Buffer.from(cmdB64, 'base64');
    if (assignment(content, 'cz') === '1') {
      try {
        raw = gunzipSync(raw);
      } catch {
        return { output: `${ENVELOPE_PREFIX}err=decode\n`, exitCode: 0 };
      }
    }
    const command = raw.toString('utf8');
    const inline = Number(assignment(content, 'inline') ?? INLINE_MAX);
    const slice = Number(assignment(content, 'slice') ?? SLICE_BYTES);
    const r = await exec(world, instanceId, command, now);
    const payload = pack(r);
    if (payload.length <= inline)
      return {
        output: `${ENVELOPE_PREFIX}rc=${r.code} enc=gz mode=inline size=${payload.length}\n${payload}`,
        exitCode: 0,
      };
    const dir = tempDir();
    store(world).set(`${instanceId}:${dir}`, payload);
    return {
      output: `${ENVELOPE_PREFIX}rc=${r.code} enc=gz mode=paged size=${payload.length} dir=${dir}\n${payload.slice(0, slice)}`,
      exitCode: 0,
    };
  }
  if (content.includes(SLICE_MARKER)) {
    const dir = assignment(content, 'dir') ?? '';
    const off = Number(assignment(content, 'off') ?? 0);
    const len = Number(assignment(content, 'len') ?? 0);
    const last = assignment(content, 'last') === '1';
    const key = `${instanceId}:${dir}`;
    const payload = store(world).get(key);
    if (payload === undefined)
      return { output: len === 0 ? '' : `${ENVELOPE_PREFIX}err=gone\n`, exitCode: 0 };
    if (last) store(world).delete(key);
    return { output: payload.slice(off, off + len), exitCode: 0 };
  }
  const r = await exec(world, instanceId, content, now);
  return { output: r.stdout + r.stderr, exitCode: r.code };
}

/** The part of `output` DescribeInvocationResults shows, and how many bytes it dropped. */
export function capOutput(output: string, cap = ASSISTANT_OUTPUT_CAP): { output: string; dropped: number } {
  const buf = Buffer.from(output, 'utf8');
  if (buf.length <= cap) return { output, dropped: 0 };
  return { output: buf.subarray(0, cap).toString('utf8'), dropped: buf.length - cap };
}
