/** `netdoctor [TARGET]` and `netdoctor demo [SCENARIO]`: the full-screen live UI over one target. */
import { diagnose } from '../diagnose/index.js';
import { createCollector } from '../engine/collect.js';
import { liveCollectors } from '../engine/live.js';
import { createSession } from '../engine/session.js';
import { ConfigError, setupTarget } from '../engine/setup.js';
import { collectOnce } from '../engine/snapshot.js';
import type { Options } from './args.js';

export async function runUi(positionals: string[], o: Options): Promise<number> {
  if (!positionals[0] && !o.scenario && !o.ssh && !o.local) {
    process.stdout.write(
      'netdoctor needs a target: an instance id, name or IP (netdoctor i-bp1…), --ssh host, or --local.\n' +
        "No Alibaba Cloud account at hand? Try the demo: 'netdoctor demo' (or 'npm start').\n",
    );
    return 2;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY)
    throw new ConfigError('the UI needs a terminal', "Run 'netdoctor check … --json' for scripts and pipes.");
  const setup = await setupTarget(positionals, o);
  const col = createCollector(setup, o);
  try {
    const first = await collectOnce(col, o);
    let intents = first.intents;
    const session = createSession({
      collectors: liveCollectors(col, () => intents),
      diagnose: (s, i) => {
        intents = i;
        return diagnose(s, i);
      },
      intents,
      initial: first.snapshot,
    });
    const { runApp } = await import('../ui/run.js');
    const { detectLang } = await import('../ui/i18n/index.js');
    const code = await runApp({
      session,
      lang: detectLang(process.env, o.lang),
      readOnly: o['read-only'] || o['war-room'],
      keymapFile: o.keymap,
      title: setup.scenarioName ? `demo: ${setup.scenarioName}` : undefined,
    });
    session.dispose();
    return code;
  } finally {
    await col.close();
  }
}
