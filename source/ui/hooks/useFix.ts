/**
 * Running a fix from the screen: the plan goes through the one runner (engine/fixer.ts → remedy/runner.ts) with
 * the screen's own confirmation (the preview in confirm mode: `y`, or the target's name typed back), every runner
 * event lands in the session timeline (the run's page and the Events panel read it from there), and when the
 * run ends every source is refreshed so the path bar and the panels show the new state.
 */
import { useRef } from 'react';
import type { Fixer } from '../../engine/fixer.js';
import type { Session, TimelineEntry } from '../../engine/session.js';
import type { Plan } from '../../model/index.js';
import type { ConfirmRequest as RunnerConfirm } from '../../remedy/confirm.js';
import type { PlanResult, RunnerEvent } from '../../remedy/runner.js';
import { type Lang, translator } from '../i18n/index.js';
import type { ConfirmRequest } from '../state/reducer.js';
import { confirmRows, confirmTitle, outcomeText } from '../view/fix.js';
import type { DrillTarget, DrillView, Tone } from '../view/types.js';

export interface FixRunner {
  /** This screen can fix (a fixer that is not read-only). */
  enabled: boolean;
  busy(): boolean;
  start(planId: string): void;
}

export interface UseFixOptions {
  fixer?: Fixer;
  readOnly?: boolean;
  session: Session;
  /** Opens the confirmation pane; resolves with the answer and what was typed. */
  ask: (request: Omit<ConfirmRequest, 'id'>) => Promise<{ ok: boolean; typed: string }>;
  lang: () => Lang;
  /** Shows the run's page (a drill frame over the timeline). */
  open: (target: DrillTarget, view: DrillView) => void;
  flash: (text: string, tone: Tone) => void;
  /** The operator is waiting on the screen: draw data updates at once rather than on the next tick. */
  touch: () => void;
}

type Data = NonNullable<TimelineEntry['data']>;

/** One runner event as timeline data: which run, what happened, to which step, and the detail. */
export function eventData(e: RunnerEvent): Omit<Data, 'run' | 'plan'> {
  const step = 'step' in e ? e.step.title : undefined;
  switch (e.type) {
    case 'confirmed':
      return { ev: e.type, step, detail: e.by };
    case 'cancelled':
    case 'refused':
      return { ev: e.type, step, detail: e.reason };
    case 'manual':
      return { ev: e.type, step, detail: e.instructions.join(' ') };
    case 'applied':
    case 'rolled-back':
    case 'rollback-declined':
    case 'rollback-failed':
      return { ev: e.type, step, detail: e.detail };
    case 'failed':
      return {
        ev: e.type,
        step,
        detail: `${e.error.message}${e.consolePath ? ` (${e.consolePath})` : ''}`,
      };
    case 'deadman-armed':
      return { ev: e.type, step, detail: e.seconds };
    case 'deadman-reconnecting':
      return { ev: e.type, step, detail: e.attempt };
    case 'FIXED':
    case 'UNFIXED':
      return { ev: e.type, detail: e.detail };
    case 'rollback-offered':
      return { ev: e.type, step, detail: e.undo.title };
    case 'done': {
      const o = e.result.outcome;
      // FIXED, UNFIXED and CANCELLED have said why in their own line already.
      return {
        ev: e.type,
        outcome: o,
        detail: o === 'FIXED' || o === 'UNFIXED' || o === 'CANCELLED' ? '' : e.result.detail,
      };
    }
    default:
      return { ev: e.type, step };
  }
}

export function useFix(o: UseFixOptions): FixRunner {
  const opts = useRef(o);
  opts.current = o;
  const running = useRef(false);
  /** The refresh after the last fix: the next fix starts from what it shows, not from what was there before. */
  const refreshed = useRef<Promise<void>>(Promise.resolve());
  const seq = useRef(0);
  const enabled = !!o.fixer && !o.fixer.readOnly && !o.readOnly;

  const runner = useRef<FixRunner>({
    enabled,
    busy: () => running.current,
    start(planId) {
      const { fixer, flash } = opts.current;
      const tr = translator(opts.current.lang());
      if (!fixer || !runner.current.enabled) return flash(tr.t('fix.unavailable'), 'warn');
      if (running.current) return flash(tr.t('fix.busy'), 'warn');
      running.current = true;
      void refreshed.current.then(() => execute(planId));
    },
  });
  runner.current.enabled = enabled;

  function execute(planId: string): void {
    const { fixer, session } = opts.current;
    const tr = translator(opts.current.lang());
    const st = session.getState();
    if (!fixer || !st.verdict || !st.snapshot) {
      running.current = false;
      return;
    }
    const { plans } = fixer.plans(st.verdict, st.snapshot);
    const plan: Plan | undefined = plans.find((p) => p.id === planId);
    const run = ++seq.current;
    const title = plan?.title ?? planId;
    const record = (d: Omit<Data, 'run' | 'plan'>, message: string) => {
      opts.current.touch();
      session.record('fix', `fix ${planId}: ${message}`, { run, plan: title, ...d });
    };
    record({ ev: 'start' }, 'started');
    opts.current.open(
      { kind: 'fix-run', run },
      { title: tr.t('fix.run.title', { plan: title }), crumb: tr.t('fix.run.crumb'), rows: [] },
    );
    const confirm = async (req: RunnerConfirm): Promise<string | boolean> => {
      const now = translator(opts.current.lang());
      const answer = await opts.current.ask({
        title: confirmTitle(req, now),
        lines: req.preview,
        rows: confirmRows(req, plan, now, (id) => st.intents.find((i) => i.id === id)?.label ?? id),
        typeBack: req.kind === 'type-name' ? req.expect : undefined,
      });
      opts.current.touch();
      if (!answer.ok) return false;
      return req.kind === 'type-name' ? answer.typed : true;
    };
    const onEvent = (e: RunnerEvent) => {
      // The preview of every step is shown in the confirmation itself; the run's page lists the steps.
      const d = eventData(e);
      record(
        d,
        `${String(d.ev)}${d.step ? ` ${d.step}` : ''}${d.detail !== undefined && d.detail !== '' ? `: ${d.detail}` : ''}`,
      );
    };
    void (async () => {
      let result: PlanResult | undefined;
      let failure = '';
      try {
        result = await fixer.run(planId, st.verdict!, st.snapshot!, st.intents, { confirm, onEvent });
      } catch (e) {
        // The plan could not be built or run at all (the finding is gone, no way into the guest, …).
        failure = e instanceof Error ? e.message : String(e);
        record({ ev: 'error', detail: failure }, `error: ${failure}`);
      }
      const t = translator(opts.current.lang()).t;
      if (result)
        opts.current.flash(
          t('status.fixDone', {
            outcome: outcomeText(result.outcome, translator(opts.current.lang())),
            plan: title,
          }),
          result.outcome === 'FIXED' ? 'ok' : result.outcome === 'UNFIXED' ? 'bad' : 'warn',
        );
      else opts.current.flash(t('fix.ev.error', { detail: failure }), 'bad');
      running.current = false;
      // Whatever happened, show the world as it is now: the fix's own verification collected outside the session.
      if (result && result.outcome !== 'CANCELLED' && result.outcome !== 'REFUSED') {
        record({ ev: 'refresh' }, 'refreshing every source');
        refreshed.current = session.refresh().catch(() => undefined);
        await refreshed.current;
      }
      opts.current.touch();
    })();
  }
  return runner.current;
}
