/** `netdoctor check TARGET [intents] [--json]`: one verdict for scripts and tickets (DESIGN.md §3). */
import { diagnose } from '../diagnose/index.js';
import { createCollector } from '../engine/collect.js';
import { assertScopeSupported, checkScope, parseScopeSpec } from '../engine/scope.js';
import { ConfigError, setupTarget } from '../engine/setup.js';
import { collectOnce } from '../engine/snapshot.js';
import { operatorIdentity } from '../remedy/audit.js';
import { plansOf, withRemedies } from '../remedy/plans/index.js';
import { exitCode, verdictJson } from '../report/json.js';
import { textReport } from '../report/text.js';
import type { Options } from './args.js';

/** SSH refusals that are configuration problems (exit 2), not findings: the operator must act first. */
const HOST_KEY = new Set(['HOST_KEY_UNKNOWN', 'HOST_KEY_CHANGED', 'HOST_KEY_REVOKED']);

export async function runCheck(positionals: string[], o: Options): Promise<number> {
  // A bad --scope is a usage error: say so before anything is collected.
  const scopeSpec = o.scope ? parseScopeSpec(o.scope) : undefined;
  const setup = await setupTarget(positionals, o);
  const col = createCollector(setup, o);
  try {
    if (scopeSpec) assertScopeSupported(setup);
    const { snapshot, intents } = await collectOnce(col, o);
    // --accept-new-host-key trusts a key on first use: say which one, so it can be checked out of band.
    for (const k of col.acceptedHostKeys())
      process.stderr.write(
        `netdoctor: accepted the host key of ${k.name} (${k.fingerprint}) and added it to ${k.file}\n`,
      );
    const attempts = col.guestAttempts();
    const keyErr = attempts.find((a) => a.error && HOST_KEY.has(a.error.code));
    if (keyErr?.error && (o.ssh || o.via === 'ssh')) {
      const e = keyErr.error;
      throw new ConfigError(`${e.message}`, e.hint);
    }
    const who = operatorIdentity(setup.cloud?.credentialSource);
    const verdict = withRemedies(diagnose(snapshot, intents), { snapshot, who, now: snapshot.at });
    const { plans } = plansOf({ snapshot, verdict, who, now: snapshot.at });
    const remedies = plans.map((p) => ({ id: p.id, title: p.title, risk: p.risk, findingIds: p.findingIds }));
    for (const n of snapshot.notes ?? []) process.stderr.write(`netdoctor: ${n}\n`);
    if (scopeSpec) {
      const scoped = await checkScope(setup, scopeSpec, snapshot, intents, { now: snapshot.at });
      verdict.sources = [...verdict.sources, scoped.source];
      if (scoped.scope) verdict.scope = scoped.scope;
      else
        process.stderr.write(
          `netdoctor: --scope ${o.scope}: ${scoped.source.error?.message ?? 'not checked'}\n`,
        );
    }
    if (o.json) process.stdout.write(`${JSON.stringify(verdictJson(verdict, remedies), null, 2)}\n`);
    else process.stdout.write(textReport(verdict, { color: process.stdout.isTTY && !process.env.NO_COLOR }));
    return exitCode(verdict);
  } finally {
    await col.close();
  }
}
