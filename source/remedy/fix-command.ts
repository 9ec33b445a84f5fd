/**
 * `netdoctor fix TARGET --remedy ID [--yes]`: collect, diagnose, build the plan for ID from that verdict, preview,
 * confirm (typed name for lock-out-capable steps; scripts pass --yes), apply, verify by checking again, offer the
 * rollback, audit every write. Exit 0 FIXED (or manual instructions shown), 1 UNFIXED/FAILED/ROLLED_BACK,
 * 2 refused/cancelled or usage.
 */
import type { Options } from '../commands/args.js';
import { diagnose } from '../diagnose/index.js';
import { createCollector } from '../engine/collect.js';
import { collectorRunnerDeps, setupSecrets } from '../engine/fixer.js';
import { ConfigError, setupTarget } from '../engine/setup.js';
import { collectOnce } from '../engine/snapshot.js';
import { openAuditLog, operatorIdentity } from '../remedy/audit.js';
import { cliConfirm } from '../remedy/confirm.js';
import { type RunnerEvent, runPlan } from '../remedy/runner.js';
import { needsRevert } from '../remedy/temp-access.js';
import { PlanError, planFor, withRemedies } from './plans/index.js';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function describeEvent(e: RunnerEvent): string {
  const ev = e as Record<string, unknown> & { type: string; step?: { id?: string; title?: string } };
  const step = ev.step?.title ?? ev.step?.id;
  const head = `· ${ev.type}${step ? ` [${step}]` : ''}`;
  const lines: string[] = [];
  if (Array.isArray(ev.preview)) lines.push(...(ev.preview as string[]));
  if (Array.isArray(ev.instructions)) lines.push(...(ev.instructions as string[]));
  const error = ev.error as { code?: string; message?: string; hint?: string } | undefined;
  if (error) lines.push(`${error.code}: ${error.message}${error.hint ? ` — ${error.hint}` : ''}`);
  if (typeof ev.consolePath === 'string') lines.push(`by hand: ${ev.consolePath}`);
  const text = (ev.detail ?? ev.reason ?? ev.message) as string | undefined;
  return `${head}${text ? `: ${text}` : ''}${lines.length ? `\n    ${lines.join('\n    ')}` : ''}`;
}

export async function runFixCommand(positionals: string[], o: Options): Promise<number> {
  const remedy = o.remedy!;
  const setup = await setupTarget(positionals, o);
  const col = createCollector(setup, o);
  try {
    const first = await collectOnce(col, o);
    const who = operatorIdentity(setup.cloud?.credentialSource);
    const now = Date.now();
    const verdict = withRemedies(diagnose(first.snapshot, first.intents), {
      snapshot: first.snapshot,
      who,
      now,
    });
    let plan: ReturnType<typeof planFor>;
    try {
      plan = planFor({ snapshot: first.snapshot, verdict, who, now }, remedy);
    } catch (e) {
      if (e instanceof PlanError) throw new ConfigError(`remedy ${remedy}: ${e.message}`);
      throw e;
    }
    say(`plan: ${plan.title}\n  ${plan.summary}\n  risk: ${plan.risk}`);
    for (const s of plan.steps) {
      if (s.kind === 'manual' && s.lookup && col.transport()) {
        const r = await col
          .transport()!
          .run(s.lookup, { timeoutMs: 15_000 })
          .catch(() => undefined);
        const out = r?.stdout.trim().split('\n').slice(0, 5).join('\n');
        s.instructions = [
          ...(s.instructions ?? []),
          out
            ? `Found:\n${out.replace(/^/gm, '  ')}`
            : "No matching line found under /etc; look in the application's own config.",
        ];
      }
    }
    const audit = openAuditLog({ file: o.audit, secrets: setupSecrets(setup) });
    const deps = collectorRunnerDeps(col, o, {
      verdict,
      intents: first.intents,
      who,
      confirm: cliConfirm({ yes: o.yes }),
      audit,
      readOnly: !!o['read-only'],
    });
    const target = deps.target;
    const result = await runPlan(plan, deps, {
      yes: o.yes,
      onEvent: (e) => {
        say(describeEvent(e));
      },
    });
    say(`${result.outcome}: ${result.detail}`);
    if (needsRevert(plan, result))
      say(
        `temporary access expires at ${new Date(plan.expiresAt ?? 0).toISOString()}: any netdoctor run against this group after that revokes it (or run 'netdoctor ${target.id}' and leave it open).`,
      );
    say(`audit: ${audit.path}`);
    if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result.outcome === 'FIXED' || result.outcome === 'MANUAL') return 0;
    if (result.outcome === 'REFUSED' || result.outcome === 'CANCELLED') return 2;
    return 1;
  } finally {
    await col.close();
  }
}
