/** One interface for every way into the guest: SSH, Cloud Assistant, or this machine. */
import type { SourceError } from '../../model/index.js';

export interface RunOptions {
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to the command's stdin, then closed. */
  stdin?: string;
  /** Streamed output, as it arrives (not every transport streams: Cloud Assistant delivers at the end). */
  onData?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal or timed out. */
  code: number | null;
  signal?: string;
  timedOut?: boolean;
  ms: number;
  /** Output was cut (Cloud Assistant 24 KB cap) and could not be fully recovered. */
  truncated?: boolean;
}

export interface TransportStats {
  /** Connections opened since the transport was created (SSH: must stay 1 per target per refresh). */
  connections: number;
  /** Commands run (channels opened / invocations made). */
  commands: number;
  /** SSH: sessions opened to ProxyJump hosts (not counted in `connections`). */
  jumpConnections?: number;
  /** SSH: most exec channels open at once on the connection. */
  channelsPeak?: number;
  /** Cloud Assistant: API calls made (RunCommand, DescribeInvocationResults, …). */
  apiCalls?: number;
}

export interface Transport {
  kind: 'ssh' | 'assistant' | 'local';
  /** `root@47.96.1.180:22`, `Cloud Assistant i-bp1…`, `local`. */
  describe(): string;
  run(command: string, opts?: RunOptions): Promise<RunResult>;
  stats(): TransportStats;
  close(): Promise<void>;
}

/** A transport could not be opened; `error.code` is stable (HOST_KEY_UNKNOWN, HOST_KEY_CHANGED, AUTH_FAILED, …). */
export class TransportError extends Error {
  constructor(
    readonly error: SourceError,
    readonly transport: Transport['kind'],
    /** The underlying cause when it is another system's code (Cloud Assistant `ClientNotRunning`, …). */
    readonly reason?: string,
  ) {
    super(error.message);
    this.name = 'TransportError';
  }
}
