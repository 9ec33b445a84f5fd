/**
 * A windowed table: only the rows that fit are rendered, one <Text> per row, memoised per row. Split panels
 * (Routes) draw their two halves side by side when the terminal is wide enough, stacked otherwise.
 */
import { Box, Text } from 'ink';
import { memo, useMemo } from 'react';
import { headerSpans, rowSpans } from '../render/spans.js';
import { Line } from '../render/theme.js';
import { layoutColumns, windowTop } from '../view/table.js';
import type { Column, Row } from '../view/types.js';

export const SPLIT_MIN_WIDTH = 110;

const RowLine = memo(function RowLine(p: {
  row: Row;
  columns: Column[];
  widths: number[];
  width: number;
  selected: boolean;
}) {
  const spans = rowSpans(p.row, p.columns, p.widths, { selected: p.selected, width: p.width });
  return <Line spans={spans} inverse={p.selected} />;
});

export interface TableViewProps {
  columns: Column[];
  rows: Row[];
  cursor: number;
  top: number;
  width: number;
  height: number;
  showHeader?: boolean;
  empty?: string;
}

export function TableView({
  columns,
  rows,
  cursor,
  top,
  width,
  height,
  showHeader = true,
  empty,
}: TableViewProps) {
  const widths = useMemo(() => layoutColumns(columns, Math.max(0, width - 2)), [columns, width]);
  const header = useMemo(() => headerSpans(columns, widths, width), [columns, widths, width]);
  const bodyH = Math.max(0, height - (showHeader ? 1 : 0));
  const start = Math.max(0, Math.min(top, Math.max(0, rows.length - bodyH)));
  const visible = rows.slice(start, start + bodyH);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {showHeader && height > 0 ? <Line spans={header} /> : null}
      {visible.map((r, i) => (
        <RowLine
          key={r.key}
          row={r}
          columns={columns}
          widths={widths}
          width={width}
          selected={start + i === cursor}
        />
      ))}
      {!rows.length && empty && bodyH > 0 ? (
        <Text dimColor wrap="truncate-end">
          {`  ${empty}`}
        </Text>
      ) : null}
    </Box>
  );
}

export interface SplitViewProps extends Omit<TableViewProps, 'top'> {
  top: number;
}

/** Rows with side 0 on the left and side 1 on the right; the cursor indexes the concatenated list. */
export function SplitView({ columns, rows, cursor, top, width, height, empty }: SplitViewProps) {
  const left = rows.filter((r) => r.side !== 1);
  const right = rows.filter((r) => r.side === 1);
  if (width < SPLIT_MIN_WIDTH) {
    return (
      <TableView
        columns={columns}
        rows={rows}
        cursor={cursor}
        top={top}
        width={width}
        height={height}
        empty={empty}
      />
    );
  }
  const half = Math.floor((width - 1) / 2);
  const bodyH = height - 1;
  const inLeft = cursor >= 0 && cursor < left.length;
  const lc = inLeft ? cursor : -1;
  const rc = !inLeft && cursor >= left.length ? cursor - left.length : -1;
  return (
    <Box width={width} height={height}>
      <TableView
        columns={columns}
        rows={left}
        cursor={lc}
        top={lc >= 0 ? windowTop(top, lc, bodyH, left.length) : 0}
        width={half}
        height={height}
      />
      <Box width={1} height={height} flexDirection="column">
        {Array.from({ length: height }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a static divider
          <Text key={i} dimColor>
            │
          </Text>
        ))}
      </Box>
      <TableView
        columns={columns}
        rows={right}
        cursor={rc}
        top={rc >= 0 ? windowTop(0, rc, bodyH, right.length) : 0}
        width={width - half - 1}
        height={height}
      />
    </Box>
  );
}
