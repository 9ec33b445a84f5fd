/** Running the built program (dist/cli.js) as a child process, the way users and scripts run it. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
const GUARD = join(ROOT, 'test', 'support', 'net-guard.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Child env: no CI (Ink prints only the last frame under CI), no metadata probing, the network guard loaded. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    NODE_OPTIONS: `--import=${GUARD}`,
    ...extra,
  };
  delete env.CI;
  return env;
}

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run 'node scripts/build.mjs' (npm test builds it first)`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: childEnv(opts.env), timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 99
          : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - t0 });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
