/** `netdoctor check TARGET [intents] [--json]`: one verdict for scripts and tickets (DESIGN.md §3). */
import { diagnose } from '../diagnose/index.js';
import { createCollector } from '../engine/collect.js';
import { ConfigError, setupTarget } from '../engine/setup.js';
import { collectOnce } from '../engine/snapshot.js';
import { exitCode, verdictJson } from '../report/json.js';
import { textReport } from '../report/text.js';
import type { Options } from './args.js';

/** SSH refusals that are configuration problems (exit 2), not findings: the operator must act first. */
const HOST_KEY = new Set(['HOST_KEY_UNKNOWN', 'HOST_KEY_CHANGED', 'HOST_KEY_REVOKED']);

export async function runCheck(positionals: string[], o: Options): Promise<number> {
  const setup = await setupTarget(positionals, o);
  const col = createCollector(setup, o);
  try {
    const { snapshot, intents } = await collectOnce(col, o);
    const attempts = col.guestAttempts();
    const keyErr = attempts.find((a) => a.error && HOST_KEY.has(a.error.code));
    if (keyErr?.error && (o.ssh || o.via === 'ssh')) {
      const e = keyErr.error;
      throw new ConfigError(`${e.message}`, e.hint);
    }
    const verdict = diagnose(snapshot, intents);
    if (o.json) process.stdout.write(`${JSON.stringify(verdictJson(verdict), null, 2)}\n`);
    else process.stdout.write(textReport(verdict, { color: process.stdout.isTTY && !process.env.NO_COLOR }));
    return exitCode(verdict);
  } finally {
    await col.close();
  }
}
