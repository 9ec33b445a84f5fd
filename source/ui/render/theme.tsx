/**
 * Tones to terminal styles. Colour carries meaning (✘ red, ✔ green, ? yellow, – dim) but never alone: every
 * state also has its symbol, so NO_COLOR and colourless terminals read the same. Without colour, "bad" keeps
 * bold so the important line still stands out.
 */
import { Text } from 'ink';
import { createContext, memo, useContext } from 'react';
import type { Span, Tone } from '../view/types.js';

export interface Style {
  color?: string;
  dimColor?: boolean;
  bold?: boolean;
}

const COLOR: Record<Tone, Style> = {
  ok: { color: 'green' },
  bad: { color: 'red' },
  warn: { color: 'yellow' },
  dim: { dimColor: true },
  accent: { color: 'cyan' },
  info: { color: 'blueBright' },
  strong: { bold: true },
};

const MONO: Record<Tone, Style> = {
  ok: {},
  bad: { bold: true },
  warn: {},
  dim: { dimColor: true },
  accent: {},
  info: {},
  strong: { bold: true },
};

export interface Theme {
  color: boolean;
  style(tone: Tone | undefined, bold?: boolean): Style;
}

export function makeTheme(color: boolean): Theme {
  const table = color ? COLOR : MONO;
  return {
    color,
    style(tone, bold) {
      const s = tone ? table[tone] : {};
      return bold ? { ...s, bold: true } : s;
    },
  };
}

export const ThemeContext = createContext<Theme>(makeTheme(true));
export const useTheme = () => useContext(ThemeContext);

/**
 * Trailing blanks cost Ink time (it segments every character of every line on every frame) and show nothing
 * without a background, so they are dropped unless the line is inverted (the selection bar spans the width).
 */
export function trimEndSpans(spans: Span[]): Span[] {
  let end = spans.length;
  while (end > 0 && !spans[end - 1].text.trim()) end--;
  if (end === 0) return [];
  const last = spans[end - 1];
  const cut = last.text.trimEnd();
  return cut === last.text && end === spans.length
    ? spans
    : [...spans.slice(0, end - 1), { ...last, text: cut }];
}

/** One terminal line: a single <Text> holding styled spans (one Text per row keeps Ink fast). */
export const Line = memo(function Line({ spans, inverse }: { spans: Span[]; inverse?: boolean }) {
  const theme = useTheme();
  const shown = inverse ? spans : trimEndSpans(spans);
  return (
    <Text wrap="truncate-end" inverse={inverse}>
      {shown.map((s, i) => {
        const st = theme.style(s.tone, s.bold);
        if (!st.color && !st.bold && !st.dimColor) return s.text;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: spans are positional and rebuilt together
          <Text key={i} {...st}>
            {s.text}
          </Text>
        );
      })}
    </Text>
  );
});
