/**
 * Splits the collection script's output back into sections (see collect.ts for the framing). Pure and
 * forgiving: CRLF, output cut short (a section without END), junk before the header (a login banner)
 * and missing sections are all reported, never thrown.
 */
import { lines } from '../parsers/common.js';
import { COLLECT_MARKER } from './collect.js';

export interface SectionItem {
  /** First word of the item header: an interface, a binary, `system`, `server=…`. */
  key: string;
  /** `key=value` words of the header (`rc`, `ms`, `via`, `name`, `server`, `tool`). */
  attrs: Record<string, string>;
  body: string;
}

export interface RawSection {
  name: string;
  /** Last `TOOL` line: which tool produced the output (`ss`, `netstat`, `ip-json`, …). */
  tool?: string;
  stdout: string;
  stderr: string;
  /** Exit code; undefined when the section never ended (output cut short). */
  rc?: number;
  ms?: number;
  complete: boolean;
}

export interface SplitResult {
  id?: string;
  version?: number;
  sections: Map<string, RawSection>;
  /** Total wall time from the DONE line; undefined when the script did not finish. */
  totalMs?: number;
  done: boolean;
  warnings: string[];
}

export function splitCollection(output: string): SplitResult {
  const all = lines(output);
  const result: SplitResult = { sections: new Map(), done: false, warnings: [] };
  let prefix: string | undefined;
  const headerIndex = all.findIndex((l) => l.startsWith(`${COLLECT_MARKER} `));
  if (headerIndex >= 0) {
    const h = all[headerIndex];
    const id = /\bid=(\S+)/.exec(h)?.[1];
    const v = /\bv=(\d+)/.exec(h)?.[1];
    if (id) {
      result.id = id;
      prefix = `@@ND:${id}:`;
    }
    if (v) result.version = Number(v);
    if (headerIndex > 0)
      result.warnings.push(`${headerIndex} line(s) before the collection header were ignored`);
  } else {
    // No header (cut at the start, or a transport that dropped the first line): take the first marker's id.
    const m = all.map((l) => /^@@ND:([^:\s]+):BEGIN /.exec(l)).find(Boolean);
    if (m) {
      result.id = m[1];
      prefix = `@@ND:${m[1]}:`;
      result.warnings.push('the collection header is missing; sections were read by their markers');
    } else {
      result.warnings.push('no collection output: no section markers found');
      return result;
    }
  }
  const p = prefix!;
  let cur: RawSection | undefined;
  let mode: 'out' | 'err' = 'out';
  let out: string[] = [];
  let err: string[] = [];
  const finish = (complete: boolean) => {
    if (!cur) return;
    // The script prints one newline after each stream so a last line without one still ends; drop it.
    if (out.length && out[out.length - 1] === '') out.pop();
    if (err.length && err[err.length - 1] === '') err.pop();
    cur.stdout = out.join('\n');
    cur.stderr = err.join('\n');
    cur.complete = complete;
    if (!complete) result.warnings.push(`section ${cur.name} has no end marker: the output was cut short`);
    result.sections.set(cur.name, cur);
    cur = undefined;
    out = [];
    err = [];
  };
  for (const line of all) {
    if (!line.startsWith(p)) {
      if (cur) (mode === 'out' ? out : err).push(line);
      continue;
    }
    const rest = line.slice(p.length);
    const [word, name, ...attrs] = rest.split(' ');
    if (word === 'BEGIN' && name) {
      finish(false);
      cur = { name, stdout: '', stderr: '', complete: false };
      mode = 'out';
    } else if (word === 'TOOL' && cur && mode === 'out') {
      cur.tool = name;
    } else if (word === 'ITEM' && cur) {
      (mode === 'out' ? out : err).push(line);
    } else if (word === 'STDERR' && cur && name === cur.name) {
      mode = 'err';
    } else if (word === 'END' && cur && name === cur.name) {
      const kv = Object.fromEntries(attrs.map((a) => a.split('=') as [string, string]));
      const rc = Number(kv.rc);
      const ms = Number(kv.ms);
      if (Number.isInteger(rc)) cur.rc = rc;
      if (Number.isFinite(ms)) cur.ms = ms;
      finish(true);
    } else if (word === 'DONE') {
      finish(false);
      result.done = true;
      const ms = Number(/ms=(\d+)/.exec(rest)?.[1]);
      if (Number.isFinite(ms)) result.totalMs = ms;
    } else if (cur) {
      (mode === 'out' ? out : err).push(line);
    }
  }
  finish(false);
  return result;
}

/** Splits a section's stdout into its items (`@@ND:ID:ITEM key a=b …` headers); text before the first item is dropped. */
export function splitItems(section: RawSection, id: string | undefined): SectionItem[] {
  const items: SectionItem[] = [];
  const re = id
    ? new RegExp(`^@@ND:${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:ITEM (.*)$`)
    : /^@@ND:[^:\s]+:ITEM (.*)$/;
  let cur: SectionItem | undefined;
  let body: string[] = [];
  const finish = () => {
    if (!cur) return;
    while (body.length && body[body.length - 1] === '') body.pop();
    cur.body = body.join('\n');
    items.push(cur);
    body = [];
  };
  for (const line of lines(section.stdout)) {
    const m = re.exec(line);
    if (m) {
      finish();
      const words = m[1].split(' ').filter(Boolean);
      const attrs: Record<string, string> = {};
      let key = '';
      for (const w of words) {
        const eq = w.indexOf('=');
        if (eq > 0 && /^[a-z]+$/.test(w.slice(0, eq))) attrs[w.slice(0, eq)] = w.slice(eq + 1);
        else if (!key) key = w;
      }
      cur = { key: key || attrs.server || '', attrs, body: '' };
      continue;
    }
    if (cur) body.push(line);
  }
  finish();
  return items;
}
