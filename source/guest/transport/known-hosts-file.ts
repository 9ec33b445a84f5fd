/** Reading the known_hosts files a connection consults, and appending an accepted key (`--accept-new-host-key`). */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type HostKey, type KnownHostsParse, knownHostsLine, parseKnownHosts } from './known-hosts.js';

/** Reads every existing file (missing ones are skipped silently, as OpenSSH does). */
export function loadKnownHosts(files: string[]): KnownHostsParse {
  const all: KnownHostsParse = { entries: [], invalid: [] };
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const p = parseKnownHosts(text, f);
    all.entries.push(...p.entries);
    all.invalid.push(...p.invalid);
  }
  return all;
}

/**
 * Appends `name keytype key` to the file, creating it (0600) and its directory (0700) when missing,
 * and starting on a fresh line when the file does not end with one. Returns the line written.
 */
export function appendKnownHost(
  file: string,
  name: string,
  key: HostKey,
  opts: { hash?: boolean } = {},
): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  if (existsSync(file)) {
    const cur = readFileSync(file, 'utf8');
    if (cur.length && !cur.endsWith('\n')) prefix = '\n';
  }
  const line = knownHostsLine(name, key, opts);
  appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
  return line;
}
