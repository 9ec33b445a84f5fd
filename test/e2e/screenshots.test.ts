/**
 * README screenshots are current: each committed screenshots/NAME.txt (the text twin of NAME.png, written by
 * `npm run screenshots` from `netdoctor demo`) must match what the demo renders now for the same shot, once what
 * depends on timing is masked (clock times, ages, durations, request ids: `masked` in scripts/screenshots.ts).
 * One demo run per size and language takes its shots in order, as the script does. When this fails after a UI
 * change, run `npm run screenshots` and commit the new PNGs and texts together.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { masked, RUNS, shotText, startRun, takeShot } from '../../scripts/screenshots.js';
import { KEYS, ROOT } from '../support/terminal.js';

for (const run of RUNS) {
  it(`screenshots/${run.shots.map((s) => s.name).join(', ')} match the demo (${run.cols}x${run.rows} ${run.lang})`, async () => {
    for (const shot of run.shots) {
      expect(
        existsSync(join(ROOT, 'screenshots', `${shot.name}.png`)),
        `${shot.name}.png is missing: run npm run screenshots`,
      ).toBe(true);
    }
    const t = await startRun(run);
    try {
      for (const shot of run.shots) {
        await takeShot(t, shot);
        const want = readFileSync(join(ROOT, 'screenshots', `${shot.name}.txt`), 'utf8');
        expect.soft(masked(shotText(t)), `screenshots/${shot.name}.txt`).toBe(masked(want));
      }
    } finally {
      t.press(KEYS.ctrlC);
      await t.waitExit().catch(() => undefined);
      t.close();
    }
  }, 60_000);
}
