/** `netdoctor sim` and `netdoctor scenarios`: the JSON line, serving until SIGTERM, and the listing. */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { runScenarios } from '../../source/commands/scenarios.js';
import { sdk } from './sim-sdk.js';

const ROOT = join(import.meta.dirname, '../..');
const GUARD = join(ROOT, 'test/support/net-guard.mjs');

function startCommand(args: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { runSim } from './source/commands/sim.ts'; process.exitCode = await runSim(${args});`,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: `--import=${GUARD}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const first = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`netdoctor sim exited (${code}) before printing: ${stderr}`)),
    );
  });
  first.catch(() => {}); // a test that expects an early exit never awaits the line
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, first, exit, stderr: () => stderr };
}

describe('netdoctor sim', () => {
  it('prints one JSON line when ready, serves the scenario, and exits 0 on SIGTERM', async () => {
    const run = startCommand(`{ scenario: 'security-lock', listen: '127.0.0.1:0' }`);
    const line = JSON.parse(await run.first);
    expect(Object.keys(line).slice(0, 5)).toEqual([
      'endpoint',
      'ssh',
      'accessKeyId',
      'accessKeySecret',
      'scenario',
    ]);
    expect(line).toMatchObject({ scenario: 'security-lock', accessKeyId: 'LTAI5tNdSimDemo7kQ2xW9pZ' });
    expect(line.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    if (line.ssh !== null) expect(line.ssh).toMatch(/^127\.0\.0\.1:\d+$/);
    else expect(line.sshError).toMatch(/SSH server/);
    const call = sdk({
      endpoint: line.endpoint,
      accessKeyId: line.accessKeyId,
      accessKeySecret: line.accessKeySecret,
    });
    const r = await call('ecs', 'DescribeInstanceAttribute', { InstanceId: 'i-bp1k6jsb2wslxp48772b' });
    expect(r.body.OperationLocks.LockReason[0].LockReason).toBe('security');
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('exits 2 with a clear message for an unknown scenario', async () => {
    const run = startCommand(`{ scenario: 'no-such-world' }`);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(
      /netdoctor sim: scenario no-such-world: no built-in scenario has this name \(known: .*storefront/,
    );
  });
});

describe('netdoctor scenarios', () => {
  const out: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });
  const capture = () =>
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });

  it('lists one line per scenario, the default demo first', () => {
    capture();
    expect(runScenarios({})).toBe(0);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(lines[0]).toMatch(
      /^storefront\s+Storefront silent at noon.*\[SG_INGRESS_DENIED RECENT_CHANGE SERVICE_DOWN\]$/,
    );
    expect(
      lines.some((l) => /^nacl-ephemeral-return\s+.*\[NACL_EGRESS_DENIED RECENT_CHANGE\]$/.test(l)),
    ).toBe(true);
  });

  it('--json gives name, title, codes and description', () => {
    capture();
    expect(runScenarios({ json: true })).toBe(0);
    const list = JSON.parse(out.join(''));
    expect(list[0]).toMatchObject({
      name: 'storefront',
      codes: ['SG_INGRESS_DENIED', 'RECENT_CHANGE', 'SERVICE_DOWN'],
    });
    expect(list[0].description).toMatch(/priority 1/);
  });
});

describe('bundled layout', () => {
  it('finds the scenarios next to the bundle (dist/cli.js + dist/scenarios/)', async () => {
    // Inside the checkout (under node_modules/.cache) so the bundle's externals (ssh2) resolve as in dist/.
    mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
    const dist = mkdtempSync(join(ROOT, 'node_modules/.cache/nd-sim-dist-'));
    onTestFinished(() => rmSync(dist, { recursive: true, force: true }));
    const entry = join(dist, 'entry.ts');
    writeFileSync(
      entry,
      `import { runScenarios } from ${JSON.stringify(join(ROOT, 'source/commands/scenarios.ts'))};\nprocess.exitCode = runScenarios({});\n`,
    );
    // The same bundling options as scripts/build.mjs.
    await build({
      entryPoints: [entry],
      outfile: join(dist, 'cli.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      external: ['ssh2', 'cpu-features', 'node-pty', '@xterm/headless'],
      banner: {
        js: "import { createRequire as __ndRequire } from 'node:module';\nconst require = __ndRequire(import.meta.url);",
      },
    });
    cpSync(join(ROOT, 'source/sim/scenarios'), join(dist, 'scenarios'), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `--import=${GUARD}` };
    delete env.NETDOCTOR_SCENARIOS;
    const r = spawnSync(process.execPath, [join(dist, 'cli.js')], { cwd: dist, env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^storefront\s/);
  });
});
