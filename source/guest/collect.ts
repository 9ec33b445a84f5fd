/**
 * Guest facts in ONE round trip: the whole collection script runs as a single command on whichever transport
 * is open (one SSH channel, one Cloud Assistant invocation, one local shell) and its sectioned output is
 * parsed. A transport failure yields facts that each carry the error — never an exception.
 */
import type { Fact, GuestFacts, GuestVia, SourceError } from '../model/index.js';
import { parseCollection } from './collection.js';
import { COLLECT_SCRIPT } from './script/collect.js';
import { type Transport, TransportError } from './transport/types.js';

export interface CollectOptions {
  /** The snapshot's clock (epoch ms), or a function giving it. */
  now: number | (() => number);
  /** The script to run (default COLLECT_SCRIPT). */
  script?: string;
  /** Budget for the whole collection on the guest (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Every fact key of GuestFacts, so a failure can mark each one. */
const FACT_KEYS = [
  'interfaces',
  'routes',
  'policyRules',
  'firewall',
  'sockets',
  'socketStates',
  'services',
  'networkServices',
  'resolv',
  'dns',
  'tcpWrappers',
  'conntrack',
  'kernelLog',
  'netdev',
  'links',
  'sysctls',
] as const satisfies readonly (keyof GuestFacts)[];

/** GuestFacts where every fact failed with `error` (the transport could not deliver the collection). */
export function failedGuestFacts(via: GuestVia, at: number, error: SourceError, ms?: number): GuestFacts {
  const facts: Record<string, Fact<never>> = {};
  for (const k of FACT_KEYS) {
    const f: Fact<never> = { source: `guest:${k}`, at, error };
    if (ms !== undefined) f.ms = ms;
    facts[k] = f;
  }
  return { via, ...(facts as unknown as Omit<GuestFacts, 'via'>) };
}

function toSourceError(e: unknown, transport: Transport): SourceError {
  if (e instanceof TransportError) return e.error;
  const err = e as Error;
  if (err?.name === 'AbortError')
    return { code: 'CANCELLED', message: `Collection from ${transport.describe()} was cancelled.` };
  return {
    code: 'GUEST_COLLECT_FAILED',
    message: `Collecting from ${transport.describe()} failed: ${err?.message ?? String(e)}`,
    hint: 'Try again; if it persists, run the collection by hand to see the error.',
  };
}

export async function collectGuestFacts(transport: Transport, opts: CollectOptions): Promise<GuestFacts> {
  const at = typeof opts.now === 'function' ? opts.now() : opts.now;
  const via = transport.kind;
  const started = Date.now();
  let r: Awaited<ReturnType<Transport['run']>>;
  try {
    r = await transport.run(opts.script ?? COLLECT_SCRIPT, {
      timeoutMs: opts.timeoutMs ?? 30_000,
      signal: opts.signal,
    });
  } catch (e) {
    return failedGuestFacts(via, at, toSourceError(e, transport), Date.now() - started);
  }
  const ms = Date.now() - started;
  if (!r.stdout.trim()) {
    const why = r.timedOut
      ? `did not finish within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`
      : `printed nothing (exit ${r.code ?? r.signal ?? '?'}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0].slice(0, 200)}` : ''})`;
    return failedGuestFacts(
      via,
      at,
      {
        code: r.timedOut ? 'GUEST_COLLECT_TIMEOUT' : 'GUEST_COLLECT_FAILED',
        message: `The collection on ${transport.describe()} ${why}.`,
        hint: r.timedOut
          ? 'The guest is slow or a tool hung (often DNS with an unreachable resolver). Try again; the partial output was not usable.'
          : 'The guest shell could not run the collection script (no /bin/sh, a restricted shell, or ForceCommand).',
      },
      ms,
    );
  }
  // A timed-out or truncated run still carries complete sections; the parser marks the missing ones.
  const facts = parseCollection(r.stdout, { at, via });
  for (const k of FACT_KEYS) {
    const f = facts[k] as Fact<unknown> | undefined;
    if (f && f.ms === undefined) f.ms = ms;
  }
  return facts;
}
