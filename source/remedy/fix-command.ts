/** `netdoctor fix` wiring (remediation issue): plans from remedy ids, run through the runner. */
import type { Options } from '../commands/args.js';

export async function runFixCommand(_positionals: string[], _o: Options): Promise<number> {
  throw Object.assign(new Error('remediation is being built (issue 6)'), { exitCode: 2 });
}
