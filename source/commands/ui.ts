/**
 * `netdoctor [TARGET]` and `netdoctor demo [SCENARIO]`: the full-screen live UI over one target. The screen comes
 * up first (a first frame in about the time any Ink program needs) and fills in as the target is set up — the
 * simulated region started, for the demo — and the first collection lands; then every source refreshes on its
 * own interval. Outside --read-only/--war-room the fixer lets the operator fix findings from the screen.
 */
import type { Collector } from '../engine/collect.js';
import type { Fixer } from '../engine/fixer.js';
import { createSession } from '../engine/session.js';
import type { Intent, Snapshot, Verdict } from '../model/index.js';
import type { AppController } from '../ui/App.js';
import type { Options } from './args.js';

export async function runUi(positionals: string[], o: Options): Promise<number> {
  if (!positionals[0] && !o.scenario && !o.ssh && !o.local) {
    process.stdout.write(
      'netdoctor needs a target: an instance id, name or IP (netdoctor i-bp1…), --ssh host, or --local.\n' +
        "No Alibaba Cloud account at hand? Try the demo: 'netdoctor demo' (or 'npm start').\n",
    );
    return 2;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    const { ConfigError } = await import('../engine/setup.js');
    throw new ConfigError('the UI needs a terminal', "Run 'netdoctor check … --json' for scripts and pipes.");
  }
  const { pinClock, liveIntervals, throwHook } = await import('../ui/test-hooks.js');
  pinClock();
  const readOnly = !!(o['read-only'] || o['war-room']);

  let intents: Intent[] = [];
  let fixer: Fixer | undefined;
  let diagnoseFn: ((s: Snapshot, i: Intent[]) => Verdict) | undefined;
  const session = createSession({
    collectors: {},
    intervals: liveIntervals(),
    // Verdicts carry every remedy the fixer knows (temporary access, manual plans), read-only or not.
    diagnose: (s, i) => {
      intents = i;
      if (!diagnoseFn) throw new Error('diagnose() is not loaded yet');
      const v = diagnoseFn(s, i);
      return fixer ? fixer.complete(v, s) : v;
    },
    intents: [],
  });
  const hook = throwHook(session);

  const { runApp } = await import('../ui/run.js');
  const { detectLang } = await import('../ui/i18n/index.js');
  let ctl: AppController | undefined;
  let failure: unknown;
  let col: Collector | undefined;
  let quitting = false;
  let quitAsked = false;
  const quit = () => {
    if (ctl) ctl.quit();
    else quitAsked = true;
  };
  const app = runApp({
    session: hook.session,
    lang: detectLang(process.env, o.lang),
    readOnly,
    // The screen asks the fixer lazily: it exists once the target is set up (before the first verdict shows).
    fixer: readOnly ? undefined : lateFixer(() => fixer),
    keymapFile: o.keymap,
    title: o.scenario ? `netdoctor demo: ${o.scenario}` : undefined,
    onReady: (c) => {
      ctl = c;
      if (quitAsked) c.quit();
    },
  });
  app.then(() => {
    quitting = true;
  });

  // Everything slow happens after the first frame: loading the engine, starting the simulator, collecting.
  const setupP = (async () => {
    const [{ diagnose }, { createCollector }, { setupTarget }, { collectOnce }, { liveCollectors }, fx] =
      await Promise.all([
        import('../diagnose/index.js'),
        import('../engine/collect.js'),
        import('../engine/setup.js'),
        import('../engine/snapshot.js'),
        import('../engine/live.js'),
        import('../engine/fixer.js'),
      ]);
    diagnoseFn = diagnose;
    const setup = await setupTarget(positionals, o);
    col = createCollector(setup, o);
    fixer = fx.createFixer(col, o);
    return { col, collectOnce, liveCollectors };
  })();
  const ready = setupP.then(async ({ col, collectOnce, liveCollectors }) => {
    if (quitting) return;
    const t0 = Date.now();
    const first = await collectOnce(col, o);
    if (quitting) return;
    intents = first.intents;
    session.attach({
      collectors: liveCollectors(col, () => intents),
      initial: first.snapshot,
      intents: first.intents,
      ms: Date.now() - t0,
    });
    hook.arm();
  });
  ready.catch((e: unknown) => {
    // The target could not be set up (no such instance, a bad scenario …): leave the screen, then say why.
    if (quitting) return;
    failure = e;
    quit();
  });

  const code = await app;
  session.dispose();
  fixer?.dispose();
  // A collection still running when the operator quits is abandoned: closing the collector ends it.
  await setupP.catch(() => undefined);
  await col?.close();
  if (failure) throw failure;
  return code;
}

/** A Fixer whose work is done by one created later (the screen starts before the target is set up). */
function lateFixer(get: () => Fixer | undefined): Fixer {
  const need = (): Fixer => {
    const f = get();
    if (!f) throw new Error('the target is still being set up: try again in a moment');
    return f;
  };
  return {
    readOnly: false,
    complete: (v, s) => get()?.complete(v, s) ?? v,
    plans: (v, s) => get()?.plans(v, s) ?? { plans: [], errors: [] },
    run: (...a) => need().run(...a),
    dispose: () => get()?.dispose(),
  };
}
