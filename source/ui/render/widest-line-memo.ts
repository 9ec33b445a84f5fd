/**
 * A memoising stand-in for `widest-line`, swapped in for Ink's renderer when the app is bundled (see
 * bundle-plugins.mjs). Ink measures every text node of every frame again (string-width over ANSI-styled text:
 * strip, then segment every character); on an idle screen that was about a quarter of a frame's output work,
 * for lines that had not changed. Two small generations keep the lines of the current screen.
 */
import widestLine from 'widest-line';

const GEN = 120;
let current = new Map<string, number>();
let previous = new Map<string, number>();

export default function memoWidestLine(text: string): number {
  let w = current.get(text);
  if (w !== undefined) return w;
  w = previous.get(text) ?? widestLine(text);
  if (current.size >= GEN) {
    previous = current;
    current = new Map();
  }
  current.set(text, w);
  return w;
}
