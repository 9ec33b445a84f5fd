/** The panes that replace a panel: a drill-down, the help screen, a confirmation. */
import { Box } from 'ink';
import { LINE_VERBS } from '../commandline/commands.js';
import type { Translator } from '../i18n/index.js';
import type { Keymap } from '../keymap/keymap.js';
import { displayKey } from '../keymap/keys.js';
import { fitSpans } from '../render/spans.js';
import { Line } from '../render/theme.js';
import type { ConfirmRequest } from '../state/reducer.js';
import { wrap } from '../text/width.js';
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

export function ConfirmPane(p: {
  request: ConfirmRequest & { typed: string; error?: string };
  width: number;
  height: number;
  tr: Translator;
}) {
  const t = p.tr.t;
  const lines: Span[][] = [[{ text: ` ${p.request.title}`, bold: true, tone: 'warn' }], [{ text: '' }]];
  for (const l of p.request.lines)
    for (const w of wrap(l, p.width - 4)) lines.push([{ text: `   ${w}`, tone: 'info' }]);
  lines.push([{ text: '' }]);
  if (p.request.typeBack) {
    lines.push([
      { text: ` ${t('confirm.typeBack', { name: p.request.typeBack })}` },
      { text: p.request.typed, bold: true, tone: 'accent' },
      { text: '█', tone: 'accent' },
    ]);
  } else lines.push([{ text: ` ${t('confirm.enter')}`, bold: true }]);
  if (p.request.error) lines.push([{ text: ` ✘ ${p.request.error}`, tone: 'bad' }]);
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      {lines.slice(0, p.height).map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static lines of one dialog
        <Line key={i} spans={fitSpans(l, p.width)} />
      ))}
    </Box>
  );
}
