// `npm test`: every check the project has, in order, failing fast. Under CI nothing is skipped silently:
// tiers that need root or tools fail with the reason instead of skipping (see test/support/tier.ts).
import { spawnSync } from 'node:child_process';

// Tests may reach only loopback and the 198.18.0.0/15 hosts they build. In-process a guard enforces it
// (test/support/net-guard.mjs); for child processes (ping, traceroute, ssh, the built CLI) an nftables table on the
// root namespace's output hook rejects everything else while the tests run — when we are root and nft exists.
const GUARD_TABLE = 'nd_test_guard';
const GUARD = `
table inet ${GUARD_TABLE} {
  chain output {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    oifname "ndh*" accept
    ip daddr 198.18.0.0/15 accept
    ip6 daddr ::1 accept
    ip6 daddr fe80::/10 accept
    ct state established,related accept
    counter reject
  }
}`;

function sh(cmd, args, input) {
  return spawnSync(cmd, args, { input, encoding: 'utf8' });
}

let guarded = false;
function guardOn() {
  if (
    process.env.NETDOCTOR_NO_NET_GUARD ||
    process.getuid?.() !== 0 ||
    sh('sh', ['-c', 'command -v nft']).status !== 0
  )
    return;
  sh('nft', ['delete', 'table', 'inet', GUARD_TABLE]);
  const r = sh('nft', ['-f', '-'], GUARD);
  if (r.status === 0) {
    guarded = true;
    process.stdout.write(
      'network guard: outbound traffic limited to loopback and 198.18.0.0/15 while the tests run\n',
    );
  } else process.stdout.write(`network guard not installed: ${r.stderr.trim()}\n`);
}
function guardOff() {
  if (guarded) sh('nft', ['delete', 'table', 'inet', GUARD_TABLE]);
  guarded = false;
}
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    guardOff();
    process.exit(130);
  });
process.on('exit', guardOff);

const steps = [
  ['lint (biome)', 'npx', ['biome', 'check', '.']],
  ['typecheck (tsc)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['build (esbuild)', 'node', ['scripts/build.mjs']],
  [
    'tests (vitest: unit, component, integration, host, e2e)',
    'npx',
    ['vitest', 'run', ...process.argv.slice(2)],
    true,
  ],
];
const started = Date.now();
for (const [name, cmd, args, needsGuard] of steps) {
  const t = Date.now();
  process.stdout.write(`\n▶ ${name}\n`);
  if (needsGuard) guardOn();
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
  });
  if (needsGuard) guardOff();
  const s = ((Date.now() - t) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stdout.write(`\n✘ ${name} failed after ${s}s\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`✔ ${name} (${s}s)\n`);
}
process.stdout.write(`\nall checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
