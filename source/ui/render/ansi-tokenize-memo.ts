/**
 * A memoising stand-in for `@alcalzone/ansi-tokenize`, swapped in for Ink's own import when the app is bundled
 * (see bundle-plugins.mjs). Ink rebuilds every frame from scratch: each line of every frame goes through
 * tokenize() — an Intl.Segmenter walk over every character — and styledCharsFromTokens(), and its caches live
 * for one frame only. In a full-screen table almost every line is the same as in the previous frame, so caching
 * both by line across frames removes about half of a frame's CPU (measured on the Security panel at 120x40).
 * The cached objects are never mutated by Ink (it copies them into its grid), so sharing them is safe.
 */
import {
  styledCharsFromTokens as rawStyledChars,
  tokenize as rawTokenize,
  type StyledChar,
  type Token,
} from '@alcalzone/ansi-tokenize';

export * from '@alcalzone/ansi-tokenize';

// Two generations of at most GEN lines each: a line found in the older one moves to the newer, so the lines
// of the screen as it is stay while lines that left it go. A 120-column line costs about 15 KB here (a token
// and a styled-char object per character): 2 × 80 lines (a 48-row screen and then some) is about 2.4 MB.
const GEN = 80;
let current = new Map<string, Token[]>();
let previous = new Map<string, Token[]>();
const styled = new WeakMap<Token[], StyledChar[]>();

export function tokenize(str: string, endChar?: number): Token[] {
  if (endChar !== undefined) return rawTokenize(str, endChar);
  let t = current.get(str);
  if (t) return t;
  t = previous.get(str) ?? rawTokenize(str);
  if (current.size >= GEN) {
    previous = current;
    current = new Map();
  }
  current.set(str, t);
  return t;
}

export function styledCharsFromTokens(t: Token[]): StyledChar[] {
  let s = styled.get(t);
  if (!s) {
    s = rawStyledChars(t);
    styled.set(t, s);
  }
  return s;
}
