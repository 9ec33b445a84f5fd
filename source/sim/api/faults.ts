/**
 * Injected trouble: latency, per-action QPS limits (a token bucket per action, like the gateway's flow
 * control) and scripted failures that can stop after N calls. Runs on the real clock: a scenario replayed at a
 * fixed world time still throttles in real seconds, which is what a client's backoff experiences.
 */
import type { ErrorSpec, Faults } from '../world.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class FaultInjector {
  private readonly buckets = new Map<string, Bucket>();
  private readonly failures = new Map<ErrorSpec, number>();

  constructor(
    private readonly faults: () => Faults,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Milliseconds to wait before answering `action`. */
  latency(action: string): number {
    const f = this.faults();
    return f.actionLatencyMs?.[action] ?? f.latencyMs ?? 0;
  }

  /**
   * Takes a token for `action`; false means the call is over its limit (Throttling.User). A bucket holds at most
   * one second's worth of calls, so a burst gets `qps` through and then exactly `qps` per second.
   */
  admit(action: string): boolean {
    const spec = this.faults().throttle?.[action] ?? this.faults().throttle?.['*'];
    if (!spec || !(spec.qps > 0)) return true;
    const now = this.clock();
    const b = this.buckets.get(action) ?? { tokens: spec.qps, at: now };
    b.tokens = Math.min(spec.qps, b.tokens + ((now - b.at) / 1000) * spec.qps);
    b.at = now;
    this.buckets.set(action, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** The scripted failure this call should get, if any (counting it against its `times`). */
  failure(action: string): ErrorSpec | undefined {
    for (const spec of this.faults().errors ?? []) {
      if (spec.action !== action && spec.action !== '*') continue;
      const used = this.failures.get(spec) ?? 0;
      if (spec.times !== undefined && used >= spec.times) continue;
      this.failures.set(spec, used + 1);
      return spec;
    }
    return undefined;
  }
}

export const PROXY_502_PAGE = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>Tengine</center>
</body>
</html>
`;

/** Default body for an injected error when the spec names only a status. */
export function defaultErrorFor(status: number): { code: string; message: string } {
  if (status === 503)
    return {
      code: 'ServiceUnavailable',
      message: 'The request has failed due to a temporary failure of the server.',
    };
  if (status >= 500)
    return {
      code: 'InternalError',
      message: 'The request processing has failed due to some unknown error, exception or failure.',
    };
  if (status === 409)
    return {
      code: 'OperationConflict',
      message: 'Request was denied due to conflict with a previous request.',
    };
  return { code: 'Throttling', message: 'Request was denied due to request throttling.' };
}
