/**
 * `npm run bench`: runs every area's benchmark, prints a table and writes bench-results.json
 * (DESIGN.md §3: an array of {name, value, unit, budget, baseline, ratio, pass}). A benchmark, not a timed test:
 * figures go in the issue notes. `npm run bench -- ui` (or `BENCH=cloud,ui npm run bench`) runs a subset.
 */
import { writeFileSync } from 'node:fs';
import type { BenchFn, BenchRow } from './types.js';

process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';

const AREAS: [string, string, string][] = [
  ['cloud', './cloud.js', 'benchCloud'],
  ['evaluators', './evaluators.js', 'benchEvaluators'],
  ['diagnose', './diagnose.js', 'benchDiagnose'],
  ['check', './check.js', 'benchCheck'],
  ['ssh', './ssh.js', 'benchSsh'],
  ['ui', './ui.js', 'benchUi'],
];

function fmt(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

async function main(): Promise<number> {
  // Areas named on the command line (`npm run bench -- ui ssh`) or in BENCH; none: every area.
  const named = [...process.argv.slice(2), ...(process.env.BENCH?.split(',') ?? [])]
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = named.filter((n) => !AREAS.some(([a]) => a === n));
  if (unknown.length) {
    console.error(`bench: unknown area ${unknown.join(', ')} (areas: ${AREAS.map(([a]) => a).join(', ')})`);
    return 2;
  }
  const only = named.length ? named : undefined;
  const rows: BenchRow[] = [];
  for (const [area, path, fn] of AREAS) {
    if (only && !only.includes(area)) continue;
    let mod: Record<string, BenchFn>;
    try {
      mod = await import(path);
    } catch (e) {
      rows.push({
        name: `${area}: not available`,
        value: Number.NaN,
        unit: '',
        pass: false,
        note: (e as Error).message.split('\n')[0],
      });
      continue;
    }
    process.stderr.write(`bench: ${area}…\n`);
    try {
      rows.push(...(await mod[fn]()));
    } catch (e) {
      rows.push({
        name: `${area}: failed`,
        value: Number.NaN,
        unit: '',
        pass: false,
        note: (e as Error).message.split('\n')[0],
      });
    }
  }
  const header = ['name', 'value', 'unit', 'budget', 'baseline', 'ratio', 'pass'];
  const table = rows.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    fmt(r.budget ?? null),
    fmt(r.baseline ?? null),
    fmt(r.ratio ?? null, 2),
    r.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const t of table) console.log(line(t));
  for (const r of rows) if (r.note) console.log(`  · ${r.name}: ${r.note}`);
  writeFileSync(
    'bench-results.json',
    `${JSON.stringify(
      rows.map((r) => ({
        name: r.name,
        value: r.value,
        unit: r.unit,
        budget: r.budget ?? null,
        baseline: r.baseline ?? null,
        ratio: r.ratio ?? null,
        pass: r.pass,
        ...(r.note ? { note: r.note } : {}),
      })),
      null,
      2,
    )}\n`,
  );
  console.log(
    `\nwrote bench-results.json (${rows.length} figures, ${rows.filter((r) => !r.pass).length} over budget)`,
  );
  return 0;
}

main().then((c) => process.exit(c));
