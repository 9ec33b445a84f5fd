/** `netdoctor scenarios [--json]`: the built-in scenarios, one line each (the default demo first). */
import { listScenarios } from '../sim/index.js';

export function runScenarios(opts: { json?: boolean }): number {
  const list = listScenarios();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return list.some((s) => s.error) ? 2 : 0;
  }
  const width = Math.max(...list.map((s) => s.name.length), 8);
  for (const s of list) {
    const what = s.error ? `(does not load: ${s.error})` : s.title;
    const codes = s.codes.length ? `  [${s.codes.join(' ')}]` : '';
    process.stdout.write(`${s.name.padEnd(width)}  ${what}${codes}\n`);
  }
  if (!list.length)
    process.stdout.write('no scenarios found (is the scenarios/ folder next to netdoctor?)\n');
  return list.some((s) => s.error) ? 2 : 0;
}
