/** Reads a captured guest fixture; every fixture must have its provenance beside it. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/guest');

export function fixture(tool: string, name: string): string {
  const base = join(FIXTURES, tool, name);
  if (!existsSync(`${base}.source.txt`)) throw new Error(`fixture ${tool}/${name} has no ${name}.source.txt`);
  return readFileSync(`${base}.txt`, 'utf8');
}

/** A fixture with every line ending turned into CRLF (what some transports deliver). */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
