/**
 * UI benchmarks, measured in a real terminal (node-pty + @xterm/headless):
 *  - keypress to frame with 20,000 sockets and 2,000 rules loaded: from writing the key to the frame that shows
 *    the moved cursor (median ≤ 30 ms, p95 ≤ 60 ms);
 *  - idle CPU with live refresh at the default intervals (≤ 2% of a core);
 *  - RSS over a live run with intervals scaled down ×10 (flat: the last third's peak within 10% of the second's);
 *    NETDOCTOR_BENCH_LIVE_MS sets its length (default 60 s; 600000 for the 10-minute run);
 *  - cold start to first frame of `dist/cli.js demo` (the fixture app when the CLI is not built yet) against a
 *    bundled Ink hello-world measured in the same run (≤ 1.5×).
 * Run alone: `node --import tsx bench/ui.ts`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { inkNoDevtools } from '../source/ui/render/bundle-plugins.mjs';
import { buildFixtureApp, cliPath, KEYS, ROOT, spawnTerm, type Term } from '../test/support/terminal.js';
import type { BenchFn, BenchRow } from './types.js';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Index of the screen row holding the cursor mark (›) of the current table, or -1. */
function cursorRow(t: Term): number {
  return t.lines().findIndex((l, i) => i > 5 && l.startsWith('›'));
}

async function keypressToFrame(
  app: string,
  presses: number,
): Promise<{ median: number; p95: number; samples: number }> {
  const t = spawnTerm(process.execPath, [app, '--sockets', '20000', '--rules', '2000'], {
    cols: 120,
    rows: 40,
  });
  try {
    await t.waitForText(' Findings ·', 30_000);
    await t.waitRaw();
    const samples: number[] = [];
    for (const panel of ['3', '2']) {
      t.press(panel);
      await t.waitForText(panel === '3' ? ' Sockets ·' : ' Security ·');
      await t.settle(200);
      for (let i = 0; i < presses / 2; i++) {
        const before = cursorRow(t);
        const key = i % 8 < 4 ? 'j' : 'k';
        const t0 = performance.now();
        t.press(key);
        await t.waitFor(() => cursorRow(t) !== before, `cursor to move on ${key}`, 5000);
        samples.push(performance.now() - t0);
        // A person presses keys about every 100 ms; Ink renders at most every 33 ms.
        await new Promise((r) => setTimeout(r, 60));
      }
    }
    return { median: quantile(samples, 0.5), p95: quantile(samples, 0.95), samples: samples.length };
  } finally {
    t.press(KEYS.ctrlC);
    await t.waitExit().catch(() => undefined);
    t.close();
  }
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz on Linux)
}
function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

async function liveRun(app: string, args: string[], ms: number): Promise<{ cpuPct: number; rss: number[] }> {
  const t = spawnTerm(process.execPath, [app, ...args], { cols: 120, rows: 40 });
  try {
    await t.waitForText(' Findings ·', 30_000);
    // Warm up: first collections of every source (guest 5 s), JIT, caches.
    await new Promise((r) => setTimeout(r, 10_000));
    const c0 = cpuTicks(t.pid);
    const w0 = Date.now();
    const rss: number[] = [];
    while (Date.now() - w0 < ms) {
      rss.push(rssKiB(t.pid));
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(100, ms / 60))));
    }
    const cpuPct = (((cpuTicks(t.pid) - c0) / 100) * 1000 * 100) / (Date.now() - w0);
    return { cpuPct, rss };
  } finally {
    t.press(KEYS.ctrlC);
    await t.waitExit().catch(() => undefined);
    t.close();
  }
}

async function helloBundle(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-hello-'));
  const src = join(dir, 'hello.tsx');
  writeFileSync(
    src,
    "import { render, Text } from 'ink';\nrender(<Text>hello from ink</Text>);\nsetTimeout(() => process.exit(0), 60_000);\n",
  );
  const outfile = join(dir, 'hello.js');
  await build({
    entryPoints: [src],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    jsx: 'automatic',
    minifySyntax: true,
    logLevel: 'warning',
    nodePaths: [join(ROOT, 'node_modules')],
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: {
      js: "import { createRequire as __ndRequire } from 'node:module';\nconst require = __ndRequire(import.meta.url);",
    },
    // Plain Ink (no tokenize memo): the baseline is what any Ink app costs.
    plugins: [inkNoDevtools],
  });
  return outfile;
}

async function firstFrame(args: string[], text: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const t = spawnTerm(process.execPath, args, { cols: 100, rows: 30 });
    try {
      await t.waitForText(text, 30_000);
      times.push(performance.now() - t0);
    } finally {
      t.close();
    }
  }
  return quantile(times, 0.5);
}

export const benchUi: BenchFn = async () => {
  const rows: BenchRow[] = [];
  const app = await buildFixtureApp();

  const k = await keypressToFrame(app, 200);
  rows.push(
    {
      name: 'ui keypress→frame median (20k sockets, 2k rules)',
      value: round(k.median),
      unit: 'ms',
      budget: 30,
      pass: k.median <= 30,
      note: `${k.samples} j/k presses on Sockets and Security, 120x40 pty, key write to the frame with the moved cursor`,
    },
    {
      name: 'ui keypress→frame p95 (20k sockets, 2k rules)',
      value: round(k.p95),
      unit: 'ms',
      budget: 60,
      pass: k.p95 <= 60,
      note: 'same presses',
    },
  );

  const idleMs = Number(process.env.NETDOCTOR_BENCH_IDLE_MS ?? 30_000);
  const idle = await liveRun(app, [], idleMs);
  rows.push({
    name: 'ui idle CPU (live refresh, default intervals)',
    value: round(idle.cpuPct, 2),
    unit: '% of a core',
    budget: 2,
    pass: idle.cpuPct <= 2,
    note: `utime+stime over ${idleMs / 1000} s after a 10 s warm-up; cloud 30 s, guest 5 s, probes and counters 2 s; the screen redraws every 2 s`,
  });

  const liveMs = Number(process.env.NETDOCTOR_BENCH_LIVE_MS ?? 60_000);
  const live = await liveRun(app, ['--fast'], liveMs);
  // The first third settles (heap growth, history and caches filling up to their bounds). V8 hands memory back
  // to the system now and then and grows again, so RSS saws up and down; a leak shows as a rising ceiling. Flat:
  // the highest RSS of the last third is within 10% of the highest of the second third.
  const third = Math.max(1, Math.floor(live.rss.length / 3));
  const mid = live.rss.slice(third, 2 * third);
  const end = live.rss.slice(2 * third);
  const first = Math.max(...mid);
  const last = Math.max(...end);
  const drift = ((last - first) / first) * 100;
  const median = (xs: number[]) => quantile(xs.length ? xs : [0], 0.5);
  rows.push({
    name: 'ui RSS drift over a live run (intervals ÷10)',
    value: round(drift, 1),
    unit: '%',
    budget: 10,
    baseline: round(first / 1024, 1),
    pass: drift <= 10,
    note: `peak RSS ${round(first / 1024, 1)} MiB in the second third → ${round(last / 1024, 1)} MiB in the last (medians ${round(median(mid) / 1024, 1)} → ${round(median(end) / 1024, 1)}) over ${liveMs / 1000} s, probes and counters every 200 ms; CPU ${round(live.cpuPct, 1)}%`,
  });

  const hello = await helloBundle();
  const base = await firstFrame([hello], 'hello from ink', 5);
  const cli = cliPath();
  const target = cli ? [cli, 'demo'] : [app];
  const appMs = await firstFrame(target, ' Findings ·', 5);
  const ratio = appMs / base;
  rows.push({
    name: `ui cold start to first frame (${cli ? 'dist/cli.js demo' : 'fixture app: dist/cli.js not built'})`,
    value: round(appMs),
    unit: 'ms',
    budget: 1.5,
    baseline: round(base),
    ratio: round(ratio, 2),
    pass: ratio <= 1.5,
    note: 'median of 5 spawns to the first frame with the findings panel, against a bundled Ink hello-world (median of 5)',
  });
  return rows;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchUi();
  for (const r of rows) {
    const extra = r.ratio !== undefined && r.ratio !== null ? ` (×${r.ratio} of ${r.baseline} ms)` : '';
    process.stdout.write(
      `${r.pass ? '✔' : '✘'} ${r.name}: ${r.value} ${r.unit}${extra} — budget ${r.budget}\n   ${r.note}\n`,
    );
  }
  process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
}
