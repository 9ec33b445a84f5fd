/**
 * README screenshots are current: each committed screenshots/NAME.txt (the text twin of NAME.png, written by
 * `npm run screenshots`) must equal what the UI renders now for the same shot. When this fails after a UI
 * change, run `npm run screenshots` and commit the new PNGs and texts together.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { runShot, SHOTS, shotText } from '../../scripts/screenshots.js';
import { buildFixtureApp, KEYS, ROOT } from '../support/terminal.js';

let app: string;
beforeAll(async () => {
  app = await buildFixtureApp();
}, 60_000);

for (const shot of SHOTS) {
  it(`screenshots/${shot.name} matches the UI (${shot.cols}x${shot.rows} ${shot.lang})`, async () => {
    const file = join(ROOT, 'screenshots', `${shot.name}.txt`);
    expect(
      existsSync(join(ROOT, 'screenshots', `${shot.name}.png`)),
      `${shot.name}.png is missing: run npm run screenshots`,
    ).toBe(true);
    const t = await runShot(app, shot);
    try {
      expect(shotText(t)).toBe(readFileSync(file, 'utf8'));
    } finally {
      t.press(KEYS.ctrlC);
      await t.waitExit();
      t.close();
    }
  }, 40_000);
}
