/**
 * Two header lines: who (region, instance id and name, state, addresses) and how things stand (critical
 * findings, last refresh and its age, live or frozen, read-only, failing sources). Items drop by priority
 * when the terminal is narrow, never by position.
 */
import { Box } from 'ink';
import { memo } from 'react';
import type { SessionState, SourceName } from '../../engine/session.js';
import type { Translator } from '../i18n/index.js';
import { Line } from '../render/theme.js';
import { width } from '../text/width.js';
import { age, clock } from '../view/format.js';
import type { Span } from '../view/types.js';

/** Keeps the highest-priority groups that fit (lower number = more important), in their original order. */
export function fitGroups(groups: { spans: Span[]; prio: number }[], w: number, sep = '  '): Span[] {
  const keep = groups.map(() => true);
  const total = () =>
    groups.reduce((n, g, i) => (keep[i] ? n + g.spans.reduce((m, s) => m + width(s.text), 0) : n), 0) +
    Math.max(0, keep.filter(Boolean).length - 1) * width(sep);
  const order = groups.map((g, i) => ({ p: g.prio, i })).sort((a, b) => b.p - a.p);
  for (const { i } of order) {
    if (total() <= w) break;
    keep[i] = false;
  }
  const out: Span[] = [];
  groups.forEach((g, i) => {
    if (!keep[i]) return;
    if (out.length) out.push({ text: sep });
    out.push(...g.spans);
  });
  return out;
}

export function lastRefresh(session: SessionState): number | undefined {
  let t: number | undefined;
  for (const s of Object.values(session.sources))
    if (s.enabled && s.lastOkAt && (!t || s.lastOkAt > t)) t = s.lastOkAt;
  return t;
}

export interface HeaderProps {
  session: SessionState;
  tr: Translator;
  now: number;
  width: number;
  readOnly: boolean;
}

export const Header = memo(function Header({ session, tr, now, width: w, readOnly }: HeaderProps) {
  const t = tr.t;
  const snap = session.snapshot;
  const target = snap?.target;
  const inst = snap?.cloud?.instance.value;
  const running = inst ? inst.status === 'Running' : undefined;
  const groups1: { spans: Span[]; prio: number }[] = [
    { spans: [{ text: ` ${t('app.name')} `, tone: 'accent', bold: true }], prio: 0 },
    ...(snap?.simulated
      ? [
          {
            spans: [{ text: t('header.sim', { scenario: snap.simulated.scenario }), tone: 'warn' as const }],
            prio: 5,
          },
        ]
      : []),
    { spans: [{ text: target?.region ?? inst?.regionId ?? '', tone: 'dim' }], prio: 4 },
    {
      // Before the first collection there is nothing to name yet (the status line says it is collecting).
      spans: [{ text: target?.instanceId ?? target?.ssh ?? (snap ? t('header.noTarget') : ''), bold: true }],
      prio: 1,
    },
    { spans: [{ text: target?.name ?? inst?.name ?? '' }], prio: 3 },
    ...(inst
      ? [
          {
            spans: [
              {
                text: `${running ? '✔' : '✘'} ${inst.status}`,
                tone: running ? ('ok' as const) : ('bad' as const),
              },
            ],
            prio: 1,
          },
        ]
      : []),
    { spans: [{ text: target?.addresses[0] ?? '', tone: 'strong' }], prio: 2 },
    { spans: [{ text: target?.addresses.slice(1).join(' ') ?? '', tone: 'dim' }], prio: 6 },
  ];
  const line1 = fitGroups(
    groups1.filter((g) => g.spans.some((s) => s.text)),
    w,
  );
  const critical = session.verdict?.findings.filter((f) => f.severity === 'critical').length ?? 0;
  const last = lastRefresh(session);
  const failing = (Object.values(session.sources) as SessionState['sources'][SourceName][]).filter(
    (s) => s.enabled && s.failing > 0,
  );
  const busy = Object.values(session.sources).some((s) => s.inFlight);
  const line2 = fitGroups(
    [
      {
        spans: [
          critical
            ? { text: t('header.critical', { n: critical }), tone: 'bad', bold: true }
            : session.verdict
              ? { text: t('header.noCritical'), tone: 'ok' }
              : { text: t('header.collecting'), tone: 'dim' },
        ],
        prio: 0,
      },
      {
        spans: last
          ? [
              { text: t('header.refreshed', { time: clock(last), age: age(now - last) }) },
              ...(busy ? [{ text: ` ${t('age.loading')}`, tone: 'accent' as const }] : []),
            ]
          : [{ text: t('header.collecting'), tone: 'dim' }],
        prio: 1,
      },
      {
        spans: [
          session.frozen
            ? { text: t('header.frozen'), tone: 'warn', bold: true }
            : { text: t('header.live'), tone: 'ok' },
        ],
        prio: 0,
      },
      ...(readOnly
        ? [{ spans: [{ text: t('header.readOnly'), tone: 'warn' as const, bold: true }], prio: 0 }]
        : []),
      ...failing.map((s) => ({
        spans: [{ text: t('age.failed', { source: t(`source.${s.name}`) }), tone: 'bad' as const }],
        prio: 2,
      })),
      ...(session.diagnoseError
        ? [{ spans: [{ text: `✘ ${t('header.diagnoseFailed')}`, tone: 'bad' as const }], prio: 2 }]
        : []),
    ],
    w - 1,
  );
  return (
    <Box flexDirection="column" width={w}>
      <Line spans={line1} />
      <Line spans={[{ text: ' ' }, ...line2]} />
    </Box>
  );
});
