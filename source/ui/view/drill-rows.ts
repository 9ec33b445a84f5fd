/** Building blocks of drill-down views: headings, `field: value` lines, raw evidence lines, links, objects. */
import type { Cell, DrillTarget, Row, Span, Tone } from './types.js';

export class Lines {
  readonly rows: Row[] = [];
  private n = 0;

  heading(title: string): this {
    this.rows.push({ key: `h${this.n++}`, kind: 'section', cells: [title] });
    return this;
  }

  kv(label: string, value: Cell | undefined, tone?: Tone, target?: DrillTarget): this {
    if (value === undefined || value === '') return this;
    const v: Span[] =
      typeof value === 'string' ? [{ text: value, tone }] : Array.isArray(value) ? value : [value];
    this.rows.push({
      key: `k${this.n++}`,
      cells: [
        [
          { text: `${label}: `, tone: 'dim' },
          ...v,
          ...(target ? [{ text: '  ⏎', tone: 'accent' as Tone }] : []),
        ],
      ],
      target,
    });
    return this;
  }

  text(text: string, tone?: Tone, target?: DrillTarget): this {
    this.rows.push({
      key: `t${this.n++}`,
      cells: [[{ text, tone }, ...(target ? [{ text: '  ⏎', tone: 'accent' as Tone }] : [])]],
      target,
    });
    return this;
  }

  /** Raw tool output, kept verbatim (indented so it reads as quoted evidence). */
  raw(lines: string[]): this {
    for (const l of lines) this.rows.push({ key: `r${this.n++}`, cells: [{ text: `  ${l}`, tone: 'info' }] });
    return this;
  }

  /** An arbitrary model object (a rule, an entry): one line per field, nested objects inline as JSON. */
  object(o: unknown, skip: string[] = []): this {
    if (o === null || typeof o !== 'object') return this.text(String(o));
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      if (skip.includes(k) || v === undefined) continue;
      this.kv(k, scalar(v));
    }
    return this;
  }

  blank(): this {
    // A spacer, not a line to select: the cursor steps over it.
    this.rows.push({ key: `b${this.n++}`, kind: 'note', cells: [''] });
    return this;
  }
}

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return v.join(', ');
  const ports = v as { from?: unknown; to?: unknown };
  if (typeof ports.from === 'number' && typeof ports.to === 'number' && Object.keys(v).length === 2)
    return ports.from === -1
      ? 'all'
      : ports.from === ports.to
        ? String(ports.from)
        : `${ports.from}-${ports.to}`;
  return JSON.stringify(v);
}
