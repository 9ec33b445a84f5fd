// `npm test`: every check the project has, in order, failing fast. Under CI nothing is skipped silently:
// tiers that need root or tools fail with the reason instead of skipping (see test/support/tier.ts).
import { spawnSync } from 'node:child_process';

const steps = [
  ['lint (biome)', 'npx', ['biome', 'check', '.']],
  ['typecheck (tsc)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['build (esbuild)', 'node', ['scripts/build.mjs']],
  [
    'tests (vitest: unit, component, integration, host, e2e)',
    'npx',
    ['vitest', 'run', ...process.argv.slice(2)],
  ],
];
const started = Date.now();
for (const [name, cmd, args] of steps) {
  const t = Date.now();
  process.stdout.write(`\n▶ ${name}\n`);
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
  });
  const s = ((Date.now() - t) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stdout.write(`\n✘ ${name} failed after ${s}s\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`✔ ${name} (${s}s)\n`);
}
process.stdout.write(`\nall checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
