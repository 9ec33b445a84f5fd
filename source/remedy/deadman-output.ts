/** Reading dead-man scripts and what they print: the marker line, the change an arm script carries, the state. */
import type { DeadmanSave } from '../model/index.js';
import { DEADMAN_MARKER, type DeadmanAction, ID_RE } from './deadman-script.js';

export interface DeadmanHeader {
  id: string;
  action: DeadmanAction;
  seconds?: number;
  saves?: DeadmanSave[];
}

/** The marker line of a dead-man script, or undefined when `script` is not one. */
export function parseDeadmanHeader(script: string): DeadmanHeader | undefined {
  const first = script.replace(/^\s+/, '').split('\n', 1)[0];
  if (!first.startsWith(`${DEADMAN_MARKER} `)) return undefined;
  const kv = Object.fromEntries(
    first
      .slice(DEADMAN_MARKER.length)
      .trim()
      .split(/\s+/)
      .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
  if (!ID_RE.test(kv.id ?? '') || !['arm', 'confirm', 'status', 'restore'].includes(kv.action))
    return undefined;
  const h: DeadmanHeader = { id: kv.id, action: kv.action as DeadmanAction };
  if (kv.seconds) h.seconds = Number(kv.seconds);
  if (kv.saves !== undefined) h.saves = kv.saves ? (kv.saves.split(',') as DeadmanSave[]) : [];
  return h;
}

/** The change an arm script carries (the body of its apply.sh here-document). */
export function extractApplyCommand(script: string, id: string): string | undefined {
  const tag = `ND_APPLY_${id}`;
  const start = script.indexOf(`<<'${tag}'\n`);
  if (start < 0) return undefined;
  const from = start + tag.length + 5;
  const end = script.indexOf(`\n${tag}\n`, from - 1);
  if (end < 0) return undefined;
  return script.slice(from, end);
}

export type DeadmanPhase =
  | 'armed'
  | 'applying'
  | 'applied'
  | 'confirmed'
  | 'restored'
  | 'not-armed'
  | 'unknown';

export interface DeadmanState {
  id?: string;
  state: DeadmanPhase;
  /** Guest time (UTC ISO) of the last state change. */
  at?: string;
  rc?: number;
  reason?: string;
  applyRc?: number;
  what?: string;
  dir?: string;
  /** The change's own output. */
  output: string;
  restoreLog: string;
}

/** Reads what a dead-man script printed (the last state line wins). */
export function parseDeadmanOutput(stdout: string): DeadmanState {
  const st: DeadmanState = { state: 'unknown', output: '', restoreLog: '' };
  let section: 'none' | 'output' | 'restore' = 'none';
  const out: string[] = [];
  const log: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('netdoctor-deadman-output ')) {
      section = 'output';
      continue;
    }
    if (line.startsWith('netdoctor-deadman-restore-log ')) {
      section = 'restore';
      continue;
    }
    if (line.startsWith('netdoctor-deadman ')) {
      section = 'none';
      const kv = new Map<string, string>();
      for (const p of line.slice('netdoctor-deadman '.length).trim().split(/\s+/)) {
        const i = p.indexOf('=');
        if (i > 0) kv.set(p.slice(0, i), p.slice(i + 1));
      }
      const phase = kv.get('state') as DeadmanPhase | undefined;
      if (!phase) continue;
      st.state = phase;
      st.id = kv.get('id') ?? st.id;
      // Fields describe the latest state only; the directory and id persist.
      st.at = kv.get('at');
      st.reason = kv.get('reason');
      st.what = kv.get('what');
      st.rc = kv.has('rc') ? Number(kv.get('rc')) : undefined;
      st.applyRc = kv.has('apply_rc') ? Number(kv.get('apply_rc')) : undefined;
      if (kv.has('dir')) st.dir = kv.get('dir');
      continue;
    }
    if (section === 'output') out.push(line);
    else if (section === 'restore') log.push(line);
  }
  st.output = out.join('\n').trim();
  st.restoreLog = log.join('\n').trim();
  return st;
}
