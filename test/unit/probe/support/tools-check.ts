/** A tier check (test/support/tier.ts) for the network tools a probe test drives: skipped loudly, failing under CI. */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { toolDirs } from '../../../../source/probe/tools.js';
import type { TierCheck } from '../../../support/tier.js';

export function toolsCheck(tools: string[]): TierCheck {
  const dirs = toolDirs();
  const missing = tools.filter(
    (t) =>
      !dirs.some((d) => {
        try {
          accessSync(join(d, t), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
  return missing.length
    ? { ok: false, why: `probe tests need ${missing.join(', ')} installed` }
    : { ok: true };
}
