/** The panes that replace a panel: a drill-down, the help screen, a confirmation. */
import { Box } from 'ink';
import { LINE_VERBS } from '../commandline/commands.js';
import type { Translator } from '../i18n/index.js';
import type { Keymap } from '../keymap/keymap.js';
import { displayKey } from '../keymap/keys.js';
import { fitSpans, wrapRows, wrapSpans } from '../render/spans.js';
import { Line } from '../render/theme.js';
import type { ConfirmRequest } from '../state/reducer.js';
import type { Column, DrillView, Row, Span } from '../view/types.js';
import { TableView } from './TableView.js';

const ONE_COLUMN: Column[] = [{ id: 'line', title: '', width: 0, flex: 1 }];

export function DrillPane(p: {
  view: DrillView;
  cursor: number;
  top: number;
  width: number;
  height: number;
  tr: Translator;
}) {
  const title: Span[] = [
    { text: ` ${p.view.title}`, bold: true },
    ...(p.view.gone ? [{ text: `  ${p.tr.t('drill.gone')}`, tone: 'warn' as const }] : []),
  ];
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Line spans={fitSpans(title, p.width)} />
      <TableView
        columns={ONE_COLUMN}
        rows={p.view.rows}
        cursor={p.cursor}
        top={p.top}
        width={p.width}
        height={p.height - 1}
        showHeader={false}
      />
    </Box>
  );
}

export const HELP_COLUMNS = (tr: Translator): Column[] => [
  { id: 'keys', title: tr.t('help.col.keys'), width: 16 },
  { id: 'cmd', title: tr.t('help.col.command'), width: 0, flex: 1, min: 16 },
  { id: 'where', title: tr.t('help.col.where'), width: 0, flex: 1, min: 12, drop: 1 },
];

/** Help rows: every command with its current keys, then the `:` verbs; filtered by what is typed. */
export function helpRows(keymap: Keymap, tr: Translator, filter: string): Row[] {
  const rows: Row[] = [];
  for (const c of keymap.commands) {
    if (!c.keys.length) continue;
    const keys = c.keys.map(displayKey).join(' ');
    const desc = tr.t(c.description);
    const where = c.modes.map((m) => tr.t(`mode.${m}`)).join(', ');
    rows.push({
      key: `cmd:${c.id}`,
      cells: [{ text: keys, tone: 'accent', bold: true }, desc, { text: where, tone: 'dim' }],
      search: `${keys} ${desc} ${c.id} ${where}`.toLowerCase(),
    });
  }
  rows.push({ key: 's:line', kind: 'section', cells: [':'] });
  for (const v of LINE_VERBS) {
    const names = [v.name, ...v.aliases].map((n) => `:${n}`).join(' ');
    const desc = tr.t(v.description);
    rows.push({
      key: `verb:${v.name}`,
      cells: [{ text: `:${v.name}`, tone: 'accent', bold: true }, desc, { text: names, tone: 'dim' }],
      search: `${names} ${desc}`.toLowerCase(),
    });
  }
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return rows;
  return rows.filter((r) => r.kind === 'section' || words.every((w) => (r.search ?? '').includes(w)));
}

export function HelpPane(p: {
  rows: Row[];
  filter: string;
  cursor: number;
  top: number;
  width: number;
  height: number;
  tr: Translator;
}) {
  const t = p.tr.t;
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Line spans={fitSpans([{ text: ` ${t('help.title')}`, bold: true }], p.width)} />
      <Line
        spans={[
          { text: ` ${t('help.filter')}`, tone: 'dim' },
          { text: p.filter, tone: 'accent', bold: true },
          { text: '█', tone: 'accent' },
        ]}
      />
      <TableView
        columns={HELP_COLUMNS(p.tr)}
        rows={p.rows}
        cursor={p.cursor}
        top={p.top}
        width={p.width}
        height={p.height - 2}
      />
    </Box>
  );
}

/**
 * A confirmation's layout: the question on top (never cut: it wraps onto a second line when it must), the
 * preview rows under it (`page` of them at once, the rest scroll), then a blank line, the prompt and a status line.
 */
export function confirmGeometry(
  title: string,
  width: number,
  height: number,
): { titleLines: Span[][]; page: number } {
  const titleLines = wrapSpans([{ text: title, bold: true, tone: 'warn' }], width - 2)
    .slice(0, 2)
    .map((l) => [{ text: ' ' }, ...l]);
  return { titleLines, page: Math.max(1, height - 3 - titleLines.length) };
}

/**
 * A confirmation: what will be done (scrollable preview), then the question — the target's name typed back for
 * changes that can cut access (Shopify's DangerousConfirmationPrompt), `y`/`n` otherwise. Esc always declines.
 */
export function ConfirmPane(p: {
  request: ConfirmRequest & { typed: string; error?: string; top: number };
  width: number;
  height: number;
  tr: Translator;
}) {
  const t = p.tr.t;
  const rows: Row[] =
    p.request.rows ??
    p.request.lines.map((l, i) => ({ key: `l${i}`, cells: [{ text: l, tone: 'info' as const }] }));
  const wrapped = wrapRows(rows, Math.max(10, p.width - 4));
  const { titleLines, page } = confirmGeometry(p.request.title, p.width, p.height);
  const top = Math.max(0, Math.min(p.request.top, Math.max(0, wrapped.length - page)));
  const more = wrapped.length - top - page;
  const prompt: Span[] = p.request.typeBack
    ? [
        { text: ` ${t('confirm.typeBack', { name: p.request.typeBack })}` },
        { text: p.request.typed, bold: true, tone: 'accent' },
        { text: '█', tone: 'accent' },
      ]
    : [{ text: ` ${t('confirm.yesNo')}`, bold: true }];
  const status: Span[] = p.request.error
    ? [{ text: ` ✘ ${p.request.error}`, tone: 'bad' }]
    : more > 0 || top > 0
      ? [{ text: ` ${t('confirm.scroll')}${more > 0 ? ` (+${more})` : ''}`, tone: 'dim' }]
      : [{ text: '' }];
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      {titleLines.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the title's wrapped lines
        <Line key={i} spans={fitSpans(l, p.width)} />
      ))}
      <TableView
        columns={ONE_COLUMN}
        rows={wrapped}
        cursor={-1}
        top={top}
        width={p.width}
        height={page}
        showHeader={false}
      />
      <Line spans={[{ text: '' }]} />
      <Line spans={fitSpans(prompt, p.width)} />
      <Line spans={fitSpans(status, p.width)} />
    </Box>
  );
}
