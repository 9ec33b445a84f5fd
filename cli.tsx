#!/usr/bin/env node
/** netdoctor's entry: parse, dispatch, map errors to exit codes. Commands load lazily so start-up stays small. */
import { parse, USAGE, UsageError } from './source/commands/args.js';

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  const { command, positionals, options } = parse(argv);
  switch (command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`netdoctor ${VERSION}\n`);
      return 0;
    case 'scenarios':
      return (await import('./source/commands/scenarios.js')).runScenarios({ json: options.json });
    case 'sim':
      return (await import('./source/commands/sim.js')).runSim({
        scenario: options.scenario ?? positionals[0],
        listen: options.listen,
        sshListen: options['ssh-listen'],
      });
    case 'check':
      return (await import('./source/commands/check.js')).runCheck(positionals, options);
    case 'fix':
      return (await import('./source/commands/fix.js')).runFix(positionals, options);
    case 'demo':
      return (await import('./source/commands/ui.js')).runUi([], {
        ...options,
        scenario: positionals[0] ?? options.scenario ?? 'storefront',
      });
    default:
      return (await import('./source/commands/ui.js')).runUi(positionals, options);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`netdoctor: ${err.message}\nTry 'netdoctor --help'.\n`);
      process.exitCode = 2;
      return;
    }
    const e = err as { message?: string; exitCode?: number };
    process.stderr.write(`netdoctor: ${e?.message ?? String(err)}\n`);
    process.exitCode = typeof e?.exitCode === 'number' ? e.exitCode : 2;
  },
);
