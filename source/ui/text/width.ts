/**
 * Terminal-column arithmetic. CJK characters take two columns, combining marks none; every pad and cut in
 * the UI goes through here so English and Chinese columns line up.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const ASCII = /^[\x20-\x7e]*$/;

/** Symbols the UI draws, all one column wide (string-width agrees; this just skips its slow path). */
const NARROW = new Set([...'✔✘›…▌·●↩➜◀↓▸⏎│─❚⟳▲█▇▆▅▄▃▂▁•←→↑↓–—“”‘’°±×']);

/** CJK ideographs, kana, hangul and full-width forms: two columns, no combining tricks. */
function wide(c: number): boolean {
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0x303e) ||
    (c >= 0x3041 && c <= 0x33ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0xa000 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6)
  );
}

const slowCache = new Map<string, number>();

/** Display width in terminal columns. */
export function width(s: string): number {
  if (ASCII.test(s)) return s.length;
  // Fast path for what the UI is made of (ASCII, its symbols, CJK); anything else goes to string-width.
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f) w += 1;
    else if (NARROW.has(ch)) w += 1;
    else if (wide(c)) w += 2;
    else return slow(s);
  }
  return w;
}

function slow(s: string): number {
  let w = slowCache.get(s);
  if (w === undefined) {
    if (slowCache.size > 2000) slowCache.clear();
    w = stringWidth(s);
    slowCache.set(s, w);
  }
  return w;
}

/** Cuts `s` to at most `w` columns, ending with `…` when something was cut. */
export function truncate(s: string, w: number, ellipsis = '…'): string {
  if (w <= 0) return '';
  if (width(s) <= w) return s;
  if (ASCII.test(s)) return s.slice(0, Math.max(0, w - 1)) + (w >= 1 ? ellipsis : '');
  let out = '';
  let used = 0;
  const room = w - width(ellipsis);
  for (const { segment } of segmenter.segment(s)) {
    const sw = stringWidth(segment);
    if (used + sw > room) break;
    out += segment;
    used += sw;
  }
  // A two-column character that did not fit leaves one column: fill it so columns stay aligned.
  return out + ellipsis + ' '.repeat(Math.max(0, room - used));
}

/** Pads (or cuts) to exactly `w` columns. */
export function fitWidth(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  const t = truncate(s, w);
  const gap = ' '.repeat(Math.max(0, w - width(t)));
  return align === 'right' ? gap + t : t + gap;
}

/** Splits text into lines of at most `w` columns, breaking at spaces when it can. */
export function wrap(s: string, w: number): string[] {
  if (w <= 0) return [];
  const out: string[] = [];
  for (const para of s.split('\n')) {
    if (width(para) <= w) {
      out.push(para);
      continue;
    }
    let line = '';
    let lw = 0;
    for (const word of para.split(/(\s+)/)) {
      const ww = width(word);
      if (lw + ww <= w) {
        line += word;
        lw += ww;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = '';
      lw = 0;
      if (/^\s+$/.test(word)) continue;
      let rest = word;
      while (width(rest) > w) {
        const head = truncate(rest, w + 1, '').slice(0, Math.max(1, cutIndex(rest, w)));
        out.push(head);
        rest = rest.slice(head.length);
      }
      line = rest;
      lw = width(rest);
    }
    if (line.trim() || !out.length) out.push(line.trimEnd());
  }
  return out;
}

function cutIndex(s: string, w: number): number {
  let used = 0;
  let idx = 0;
  for (const { segment } of segmenter.segment(s)) {
    const sw = width(segment);
    if (used + sw > w) break;
    used += sw;
    idx += segment.length;
  }
  return idx;
}

/** The longest prefix of `s` that fits in `w` columns (at least one character, so progress is always made). */
export function cutToWidth(s: string, w: number): string {
  let used = 0;
  let out = '';
  for (const { segment } of segmenter.segment(s)) {
    const sw = width(segment);
    if (used + sw > w && out) break;
    out += segment;
    used += sw;
    if (used >= w) break;
  }
  return out;
}
