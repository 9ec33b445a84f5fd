/**
 * How a command travels over SSH. sshd hands the command string to the user's login shell; we make it
 * `exec sh -c '<command>' nd-run-<token>` so that every transport runs commands with /bin/sh, and so that a
 * timed-out command can be found and ended: OpenSSH refuses "signal" requests on root sessions ("session
 * signalling requires privilege separation"), and closing the channel does not end a command without a pty.
 * sshd makes each session its own process group (setsid), whose leader carries the token in its argv, so
 * `killCommand(token)` ends the whole tree. The simulator's SSH server unwraps with `unwrapRemote`.
 */

const PREFIX = 'exec sh -c ';
const TOKEN_RE = /^[0-9a-f]{8,32}$/;

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The wire form of `command`, tagged with `token` (hex). */
export function wrapRemote(command: string, token: string): string {
  if (!TOKEN_RE.test(token)) throw new Error('run token must be 8–32 hex characters');
  return `${PREFIX}${shQuote(command)} nd-run-${token}`;
}

/** Inverse of wrapRemote; undefined when `wire` is not in that form (then it is a plain command). */
export function unwrapRemote(wire: string): { command: string; token: string } | undefined {
  if (!wire.startsWith(PREFIX)) return undefined;
  const m = / nd-run-([0-9a-f]{8,32})$/.exec(wire);
  if (!m) return undefined;
  const quoted = wire.slice(PREFIX.length, wire.length - m[0].length);
  // Only a sequence of '…' pieces joined by \' is what shQuote produces.
  if (!/^'(?:[^']*)'(?:\\''(?:[^']*)')*$/.test(quoted)) return undefined;
  const command = quoted.slice(1, -1).split(`'\\''`).join("'");
  return { command, token: m[1] };
}

/**
 * Ends the process group of the command tagged `token`: TERM now, KILL a second later if still there. The
 * pattern `nd-ru[n]-…` matches the tagged command but not this killer's own command line.
 */
export function killCommand(token: string): string {
  if (!TOKEN_RE.test(token)) throw new Error('run token must be 8–32 hex characters');
  const pat = `nd-ru[n]-${token}`;
  return [
    `p=$(pgrep -of '${pat}' 2>/dev/null)`,
    `if [ -z "$p" ]; then for d in /proc/[0-9]*; do tr '\\000' ' ' < "$d/cmdline" 2>/dev/null | grep -q '${pat}' && { p=\${d#/proc/}; break; }; done; fi`,
    '[ -n "$p" ] || exit 0',
    'kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null',
    '( sleep 1; kill -KILL -- "-$p" 2>/dev/null ) </dev/null >/dev/null 2>&1 &',
    'exit 0',
  ].join('\n');
}

export function isKillCommand(wire: string): boolean {
  return wire.startsWith("p=$(pgrep -of 'nd-ru[n]-");
}
