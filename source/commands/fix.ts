/** `netdoctor fix TARGET --remedy ID [--yes]`: one remedy from `check --json`, previewed, confirmed, verified. */
import type { Options } from './args.js';
import { UsageError } from './args.js';

export async function runFix(_positionals: string[], o: Options): Promise<number> {
  if (!o.remedy)
    throw new UsageError('fix needs --remedy ID (the ids are in check --json, under findings[].remedies)');
  const { runFixCommand } = await import('../remedy/fix-command.js');
  return runFixCommand(_positionals, o);
}
