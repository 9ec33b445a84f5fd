/**
 * The path bar: the selected intent, its result and probe agreement, and its hops marked ✔ ✘ ? –, with the
 * hop cursor (← →) highlighted. Long paths fall back to short names, then to a window around the cursor.
 */
import { Box } from 'ink';
import { memo } from 'react';
import type { Hop, HopState, Intent, PathVerdict } from '../../model/index.js';
import type { Translator } from '../i18n/index.js';
import { Line } from '../render/theme.js';
import { width } from '../text/width.js';
import type { Span, Tone } from '../view/types.js';

export const HOP_GLYPH: Record<HopState, { glyph: string; tone: Tone }> = {
  OK: { glyph: '✔', tone: 'ok' },
  BLOCKED: { glyph: '✘', tone: 'bad' },
  UNCERTAIN: { glyph: '?', tone: 'warn' },
  NOT_CHECKED: { glyph: '–', tone: 'dim' },
};

const RESULT_TONE: Record<string, Tone> = { DELIVERED: 'ok', DROPPED: 'bad', UNKNOWN: 'warn' };

/** Forward hops first, then the reply leg (stateless layers need their own allowance). */
export function orderedHops(path: PathVerdict | undefined): Hop[] {
  if (!path) return [];
  return [...path.path.filter((h) => h.leg === 'forward'), ...path.path.filter((h) => h.leg === 'return')];
}

function hopSpans(hops: Hop[], cursor: number, tr: Translator, mode: 'long' | 'short' | 'tight'): Span[][] {
  return hops.map((h, i) => {
    const g = HOP_GLYPH[h.state];
    const name = mode === 'long' ? tr.hop(h.hop) : tr.hopShort(h.hop);
    const selected = i === cursor;
    const first = h.leg === 'return' && hops[i - 1]?.leg !== 'return';
    const pre: Span[] = first
      ? [{ text: mode === 'long' ? `↩ ${tr.t('path.return')} ` : '↩', tone: 'dim' }]
      : [];
    return [
      ...pre,
      { text: selected ? `[${g.glyph}` : g.glyph, tone: g.tone, bold: true },
      {
        text: selected ? `${name}]` : name,
        tone: selected ? 'strong' : h.state === 'BLOCKED' ? 'bad' : undefined,
        bold: selected || h.state === 'BLOCKED',
      },
    ];
  });
}

function join(groups: Span[][], sep: string): Span[] {
  const out: Span[] = [];
  groups.forEach((g, i) => {
    if (i) out.push({ text: sep, tone: 'dim' });
    out.push(...g);
  });
  return out;
}

const spansWidth = (s: Span[]) => s.reduce((n, x) => n + width(x.text), 0);

export function hopLine(hops: Hop[], cursor: number, tr: Translator, w: number): Span[] {
  for (const [mode, sep] of [
    ['long', ' › '],
    ['short', ' › '],
    ['short', ' '],
  ] as const) {
    const line = join(hopSpans(hops, cursor, tr, mode), sep);
    if (spansWidth(line) <= w) return line;
  }
  // Still too long: a window around the cursor (or the first blocked hop), with … at the cut ends.
  const groups = hopSpans(hops, cursor, tr, 'short');
  const focus =
    cursor >= 0
      ? cursor
      : Math.max(
          0,
          hops.findIndex((h) => h.state === 'BLOCKED'),
        );
  let lo = focus;
  let hi = focus;
  const fits = (a: number, b: number) => spansWidth(join(groups.slice(a, b + 1), ' ')) + 4 <= w;
  while (true) {
    const canHi = hi + 1 < groups.length && fits(lo, hi + 1);
    const canLo = lo > 0 && fits(lo - 1, hi);
    if (!canHi && !canLo) break;
    if (canHi) hi++;
    if (canLo && fits(lo - 1, hi)) lo--;
  }
  return [
    ...(lo > 0 ? [{ text: '… ', tone: 'dim' as Tone }] : []),
    ...join(groups.slice(lo, hi + 1), ' '),
    ...(hi < groups.length - 1 ? [{ text: ' …', tone: 'dim' as Tone }] : []),
  ];
}

export interface PathBarProps {
  tr: Translator;
  intents: Intent[];
  index: number;
  path?: PathVerdict;
  hop: number;
  width: number;
}

export const PathBar = memo(function PathBar({ tr, intents, index, path, hop, width: w }: PathBarProps) {
  const t = tr.t;
  const intent = intents[index];
  if (!intent) {
    return (
      <Box flexDirection="column" width={w}>
        <Line spans={[{ text: ` ${t('path.none')}`, tone: 'dim' }]} />
        <Line spans={[{ text: ' ' }]} />
      </Box>
    );
  }
  const head: Span[] = [
    { text: ' ▸ ', tone: 'accent' },
    { text: `${index + 1}/${intents.length} `, tone: 'dim' },
    { text: intent.label, bold: true },
    { text: '  ' },
  ];
  if (path) {
    head.push({
      text: `${path.result === 'DELIVERED' ? '✔' : path.result === 'DROPPED' ? '✘' : '?'} ${t(`result.${path.result}`)}`,
      tone: RESULT_TONE[path.result],
      bold: true,
    });
    if (path.blockedAt)
      head.push({ text: ` ${t('path.blockedAt', { hop: tr.hopShort(path.blockedAt) })}`, tone: 'bad' });
    if (path.probe) {
      head.push(
        { text: ` · ${t('path.probe', { outcome: path.probe.outcome })} `, tone: 'dim' },
        path.probe.agrees
          ? { text: `(${t('path.agrees')})`, tone: 'dim' }
          : { text: `(${t('path.disagrees')})`, tone: 'warn', bold: true },
      );
    }
  } else head.push({ text: t('path.waiting'), tone: 'dim' });
  const hops = orderedHops(path);
  return (
    <Box flexDirection="column" width={w}>
      <Line spans={head} />
      <Line spans={[{ text: '   ' }, ...hopLine(hops, hop, tr, w - 4)]} />
    </Box>
  );
});
