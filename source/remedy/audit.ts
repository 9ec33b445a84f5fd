/**
 * The audit log: one JSON line per event of a change (who, when, target, call or command, before, after,
 * outcome, rollback), appended and fsync'ed before the runner goes on, so a crash right after a change still
 * leaves its record. The file is opened O_APPEND only — never truncated or rewritten — created 0600 in a 0700
 * directory, and every value passes through redact.ts first, so no secret can reach it.
 *
 * Location: `--audit FILE`, else NETDOCTOR_AUDIT_FILE, else $XDG_STATE_HOME/netdoctor/audit.jsonl, else
 * ~/.local/state/netdoctor/audit.jsonl.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { AuditRecord } from '../model/index.js';
import { redactText, redactValue } from './redact.js';

export interface AuditLog {
  /** Absolute path of the file lines go to. */
  readonly path: string;
  /** Appends one record (redacted) and fsyncs it; rejects with AuditError when it could not be written. */
  append(record: AuditRecord): Promise<void>;
}

export interface AuditOptions {
  /** `--audit FILE`: wins over everything else. */
  file?: string;
  /** Environment to read NETDOCTOR_AUDIT_FILE / XDG_STATE_HOME from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Home directory (default os.homedir()). */
  home?: string;
  /** Secret values to scrub, asked at each write (credentials may resolve after the log is opened). */
  secrets?: () => readonly string[];
}

export class AuditError extends Error {
  readonly code = 'AUDIT_WRITE_FAILED';
  constructor(
    message: string,
    readonly path: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'AuditError';
  }
}

export function resolveAuditPath(opts: AuditOptions = {}): string {
  const env = opts.env ?? process.env;
  const chosen = opts.file || env.NETDOCTOR_AUDIT_FILE;
  if (chosen) return isAbsolute(chosen) ? chosen : resolve(chosen);
  const state = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : undefined;
  const base = state ?? join(opts.home ?? homedir(), '.local', 'state');
  return join(base, 'netdoctor', 'audit.jsonl');
}

/**
 * Who made a change, for the `who` field: the OS user at this host, plus the name of the cloud credential's
 * source (`cli_profile:default`, `env`, `ecs_ram_role`) when there is one — never a key.
 */
export function operatorIdentity(credentialSource?: string): string {
  let user = process.env.USER || process.env.LOGNAME || '';
  try {
    user = userInfo().username || user;
  } catch {}
  return `${user || 'unknown'}@${hostname()}${credentialSource ? ` (${credentialSource})` : ''}`;
}

/** One line of the file: the record, redacted, as JSON without a newline inside. */
export function auditLine(record: AuditRecord, secrets: readonly string[] = []): string {
  return `${JSON.stringify(redactValue(record, secrets))}\n`;
}

export function openAuditLog(opts: AuditOptions = {}): AuditLog {
  const path = resolveAuditPath(opts);
  let chain: Promise<void> = Promise.resolve();
  let dirReady = false;

  const write = async (line: string): Promise<void> => {
    if (!dirReady) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      dirReady = true;
    }
    // O_APPEND: every write lands at the end whatever else has the file open; nothing is ever overwritten.
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      // A file created by something else with a looser mode is tightened (only the owner can do that).
      if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) await fh.chmod(0o600);
      await fh.write(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
  };

  return {
    path,
    append(record) {
      const secrets = opts.secrets?.() ?? [];
      const line = auditLine(record, secrets);
      const next = chain.then(() =>
        write(line).catch((e: NodeJS.ErrnoException) => {
          throw new AuditError(
            `Could not write the audit log ${path}: ${redactText(String(e.message ?? e), secrets)}.`,
            path,
            'netdoctor records every change before making the next one, so it stopped here. Free space or fix the permissions of that file, or choose another file with --audit FILE (or NETDOCTOR_AUDIT_FILE).',
          );
        }),
      );
      // The chain continues after a failure, so one bad write does not block later ones.
      chain = next.catch(() => undefined);
      return next;
    },
  };
}

/** Reads an audit file back (for `netdoctor audit`-style views and tests). Unparseable lines are skipped. */
export async function readAuditLog(path: string): Promise<AuditRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {}
  }
  return out;
}
