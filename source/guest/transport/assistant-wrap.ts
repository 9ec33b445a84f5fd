/**
 * Getting a command's full output through Cloud Assistant, whose `Output` is cut at 24 KB and merges stdout
 * with stderr. The command is wrapped in a small POSIX sh script that keeps the two streams apart, gzips and
 * base64-encodes them, and prints them behind a one-line header. When even that is too big, the packed output
 * stays in a private temp directory on the guest and is fetched in slices by further invocations; the last
 * slice removes it.
 *
 * Envelope (first line, then payload):
 *   ND1 rc=<exit> enc=gz|b64 mode=inline size=<n>\n<payload>
 *   ND1 rc=<exit> enc=gz|b64 mode=paged size=<n> dir=/tmp/netdoctor.XXXXXX\n<first slice of the payload>
 *   ND1 err=<what>\n   (the wrapper itself could not run: no writable /tmp, …)
 * Payload: base64(gzip(stdout)) "\n" base64(gzip(stderr)) "\n" (enc=b64: no gzip, when the guest lacks it).
 *
 * The sim's Cloud Assistant answers these scripts too (source/sim/ssh/assistant-exec.ts), from the markers
 * and the `nd_*` assignments below — keep both sides in step when changing the format.
 */
import { gunzipSync, gzipSync, constants as zc } from 'node:zlib';

export const WRAP_MARKER = '# netdoctor-wrap v1';
export const SLICE_MARKER = '# netdoctor-slice v1';
export const ENVELOPE_PREFIX = 'ND1 ';
/** Cloud Assistant keeps 24 KB of output; stay clear of it (header and newline included). */
export const INLINE_MAX = 22_000;
export const SLICE_BYTES = 20_000;
/** RunCommand takes at most 16 KB of Base64 CommandContent (18 KB in newer documentation): stay under 16. */
export const MAX_CONTENT_B64 = 16 * 1024;
/** Above this much Base64, the embedded command is gzipped too (the collection script is ~9 KB of sh). */
const COMPRESS_ABOVE_B64 = 8 * 1024;
const DIR_RE = /^\/tmp\/netdoctor\.[A-Za-z0-9]{6,}$/;

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The RunShellScript content that runs `command` and prints the envelope. */
export function wrapCommand(command: string, opts: { inlineMax?: number; sliceBytes?: number } = {}): string {
  const inlineMax = opts.inlineMax ?? INLINE_MAX;
  const slice = opts.sliceBytes ?? SLICE_BYTES;
  let b64 = Buffer.from(command, 'utf8').toString('base64');
  let cz = 0;
  if (b64.length > COMPRESS_ABOVE_B64) {
    b64 = gzipSync(Buffer.from(command, 'utf8'), { level: 9 }).toString('base64');
    cz = 1;
  }
  return [
    '#!/bin/sh',
    WRAP_MARKER,
    `nd_cmd=${shQuote(b64)}`,
    `nd_cz=${cz}`,
    `nd_inline=${inlineMax}`,
    `nd_slice=${slice}`,
    // Leftovers of an interrupted paged transfer are removed after an hour.
    "find /tmp -maxdepth 1 -name 'netdoctor.*' -type d -mmin +60 -exec rm -rf {} + 2>/dev/null",
    "nd_dir=$(mktemp -d /tmp/netdoctor.XXXXXX) || { echo 'ND1 err=mktemp'; exit 0; }",
    'chmod 700 "$nd_dir"',
    'if [ "$nd_cz" = 1 ]; then nd_unz() { gzip -dc; }; else nd_unz() { cat; }; fi',
    'printf %s "$nd_cmd" | base64 -d | nd_unz > "$nd_dir/cmd" || { echo \'ND1 err=decode\'; rm -rf "$nd_dir"; exit 0; }',
    'sh "$nd_dir/cmd" > "$nd_dir/out" 2> "$nd_dir/err" < /dev/null',
    'nd_rc=$?',
    'if command -v gzip >/dev/null 2>&1; then nd_enc=gz; nd_z() { gzip -c "$1"; }; else nd_enc=b64; nd_z() { cat "$1"; }; fi',
    '{ nd_z "$nd_dir/out" | base64 | tr -d \'\\n\'; echo; nd_z "$nd_dir/err" | base64 | tr -d \'\\n\'; echo; } > "$nd_dir/pkg"',
    'nd_size=$(wc -c < "$nd_dir/pkg" | tr -d \' \')',
    'if [ "$nd_size" -le "$nd_inline" ]; then',
    '  echo "ND1 rc=$nd_rc enc=$nd_enc mode=inline size=$nd_size"; cat "$nd_dir/pkg"; rm -rf "$nd_dir"',
    'else',
    '  echo "ND1 rc=$nd_rc enc=$nd_enc mode=paged size=$nd_size dir=$nd_dir"; head -c "$nd_slice" "$nd_dir/pkg"; rm -f "$nd_dir/cmd" "$nd_dir/out" "$nd_dir/err"',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

/** The Base64 CommandContent size RunCommand will see for this script content. */
export function contentB64Length(content: string): number {
  return Math.ceil(Buffer.byteLength(content, 'utf8') / 3) * 4;
}

/** The content that prints `length` bytes of the packed output from `offset` (0-based); `last` removes it. */
export function sliceCommand(dir: string, offset: number, length: number, last: boolean): string {
  if (!DIR_RE.test(dir)) throw new Error(`refusing to read from unexpected directory ${dir}`);
  return [
    '#!/bin/sh',
    SLICE_MARKER,
    `nd_dir=${shQuote(dir)}`,
    `nd_off=${offset}`,
    `nd_len=${length}`,
    `nd_last=${last ? 1 : 0}`,
    '[ -f "$nd_dir/pkg" ] || { echo "ND1 err=gone"; exit 0; }',
    'tail -c +$((nd_off + 1)) "$nd_dir/pkg" | head -c "$nd_len"',
    '[ "$nd_last" = 1 ] && rm -rf "$nd_dir"',
    'exit 0',
    '',
  ].join('\n');
}

/** Content that just removes a paged transfer's directory (after a cancel or a failure). */
export function cleanupCommand(dir: string): string {
  if (!DIR_RE.test(dir)) throw new Error(`refusing to remove unexpected directory ${dir}`);
  return [
    '#!/bin/sh',
    SLICE_MARKER,
    `nd_dir=${shQuote(dir)}`,
    'nd_off=0',
    'nd_len=0',
    'nd_last=1',
    'rm -rf "$nd_dir"',
    'exit 0',
    '',
  ].join('\n');
}

export type Envelope =
  | { mode: 'inline'; rc: number; enc: 'gz' | 'b64'; size: number; payload: string }
  | { mode: 'paged'; rc: number; enc: 'gz' | 'b64'; size: number; dir: string; payload: string }
  | { mode: 'error'; reason: string }
  /** No envelope: the output is the command's own (an agent that ran something else, or a foreign wrapper). */
  | { mode: 'raw'; text: string };

export function parseEnvelope(output: string): Envelope {
  const nl = output.indexOf('\n');
  const first = nl < 0 ? output : output.slice(0, nl);
  if (!first.startsWith(ENVELOPE_PREFIX)) return { mode: 'raw', text: output };
  const kv: Record<string, string> = {};
  for (const part of first.slice(ENVELOPE_PREFIX.length).trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) kv[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (kv.err) return { mode: 'error', reason: kv.err };
  const rc = Number(kv.rc);
  const size = Number(kv.size);
  const enc = kv.enc === 'b64' ? 'b64' : 'gz';
  const payload = nl < 0 ? '' : output.slice(nl + 1);
  if (!Number.isInteger(rc) || !Number.isInteger(size))
    return { mode: 'error', reason: `bad header "${first}"` };
  if (kv.mode === 'paged' && kv.dir && DIR_RE.test(kv.dir))
    return { mode: 'paged', rc, enc, size, dir: kv.dir, payload };
  return { mode: 'inline', rc, enc, size, payload };
}

function decodeOne(b64: string, enc: 'gz' | 'b64'): { text: string; truncated: boolean } {
  const raw = Buffer.from(b64.trim(), 'base64');
  if (enc === 'b64') return { text: raw.toString('utf8'), truncated: false };
  if (raw.length === 0) return { text: '', truncated: true };
  try {
    return { text: gunzipSync(raw).toString('utf8'), truncated: false };
  } catch {
    // A cut stream still yields its beginning with a sync flush.
    try {
      return { text: gunzipSync(raw, { finishFlush: zc.Z_SYNC_FLUSH }).toString('utf8'), truncated: true };
    } catch {
      return { text: '', truncated: true };
    }
  }
}

/** The packed payload back to stdout/stderr; `truncated` when part of it is missing or undecodable. */
export function decodePayload(
  payload: string,
  enc: 'gz' | 'b64',
  size?: number,
): { stdout: string; stderr: string; truncated: boolean } {
  // Complete: "<stdout>\n<stderr>\n", so three fields after the split.
  const lines = payload.split('\n');
  const out = decodeOne(lines[0] ?? '', enc);
  const err = lines.length >= 2 ? decodeOne(lines[1], enc) : { text: '', truncated: true };
  const short = size !== undefined && payload.length < size;
  return {
    stdout: out.text,
    stderr: err.text,
    truncated: lines.length < 3 || out.truncated || err.truncated || short,
  };
}
