/**
 * The dead-man switch's guest-side scripts (see deadman.ts for the protocol): the arm script that saves state,
 * writes the restore, timer and apply scripts, arms the timer and starts the change; and the confirm, status
 * and restore scripts a later connection sends. Each starts with the marker line the simulated guest reads.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are sh, where ${…} is parameter expansion.
import type { DeadmanSave } from '../model/index.js';
import { saveSnippets } from './deadman-saves.js';

export const DEADMAN_MARKER = '# netdoctor-deadman v1';
export const DEADMAN_DIRS = ['/run/netdoctor/deadman', '/tmp/netdoctor-deadman'] as const;

export type DeadmanAction = 'arm' | 'confirm' | 'status' | 'restore';

export interface DeadmanSpec {
  /** 8–32 hex characters (newDeadmanId). */
  id: string;
  seconds: number;
  saves: DeadmanSave[];
  /** The change itself: a shell script run with sh on the guest. */
  command: string;
  /** How long the arm script waits for the change to finish before it answers (default ~30 % of the window). */
  waitSeconds?: number;
}

export const ID_RE = /^[0-9a-f]{8,32}$/;
const PATH_RE = /^\/[A-Za-z0-9._/@+-]+$/;

/** Throws unless `id` is a dead-man id (8–32 hex characters). */
function checkId(id: string): void {
  if (!ID_RE.test(id)) throw new Error(`dead-man id "${id}" must be 8–32 hex characters`);
}

/** How long the arm script waits for the change to finish before it answers: ~30 % of the window, 1–10 s. */
export function armWaitSeconds(spec: DeadmanSpec): number {
  return spec.waitSeconds ?? Math.min(10, Math.max(1, Math.round(spec.seconds * 0.3)));
}

export function validateSpec(spec: DeadmanSpec): void {
  checkId(spec.id);
  if (!Number.isInteger(spec.seconds) || spec.seconds < 2 || spec.seconds > 3600)
    throw new Error(`dead-man window ${spec.seconds} s must be a whole number of seconds from 2 to 3600`);
  for (const s of spec.saves) {
    if (s === 'iptables' || s === 'nft' || s === 'routes' || s === 'links') continue;
    if (s.startsWith('file:') && PATH_RE.test(s.slice(5)) && !s.includes('/../')) continue;
    throw new Error(
      `dead-man save "${s}" is not iptables, nft, routes, links or file:/absolute/path (plain characters only)`,
    );
  }
}

function header(id: string, action: DeadmanAction, extra = ''): string {
  return `${DEADMAN_MARKER} id=${id} action=${action}${extra}`;
}

const LIB = [
  'nd_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }',
  // The state file is replaced atomically (rename), and every state is kept in `history`.
  'nd_state() { printf \'state=%s at=%s%s\\n\' "$1" "$(nd_now)" "${2:+ $2}" > "$D/state.tmp" && mv -f "$D/state.tmp" "$D/state"; cat "$D/state" >> "$D/history"; }',
].join('\n');

function heredoc(file: string, body: string, tag: string): string {
  if (body.split('\n').includes(tag))
    throw new Error(`the command contains the line ${tag}; it cannot be sent safely`);
  return `cat > "$D/${file}" <<'${tag}'\n${body}\n${tag}`;
}

// What the scripts print, in the sections parseDeadmanOutput (deadman-output.ts) reads back.
const sayFunction = (id: string) => `nd_say() { echo "netdoctor-deadman id=${id} $*"; }`;
const PRINT_STATE = 'nd_say "$(cat "$D/state")"';
const printOutput = (id: string) => [
  `echo "netdoctor-deadman-output id=${id}"`,
  'cat "$D/apply.out" 2>/dev/null',
];
const printRestoreLog = (id: string) =>
  `if [ -s "$D/restore.log" ]; then echo "netdoctor-deadman-restore-log id=${id}"; cat "$D/restore.log"; fi`;

/** The arm script: save, write restore/timer/apply scripts, arm the timer, start the change, report. */
export function buildArmScript(spec: DeadmanSpec): string {
  validateSpec(spec);
  const { id, seconds } = spec;
  const wait = armWaitSeconds(spec);
  const { save, restore } = saveSnippets(spec.saves);
  const what = spec.saves.join(',');
  const fire = [
    'D=${0%/*}',
    '. "$D/lib.sh"',
    `sleep ${seconds}`,
    'if mkdir "$D/decided" 2>/dev/null; then',
    '  sh "$D/restore.sh" > "$D/restore.log" 2>&1; rc=$?',
    '  nd_state restored "rc=$rc reason=timeout"',
    `  command -v logger >/dev/null 2>&1 && logger -t netdoctor "dead-man switch ${id}: no confirmation within ${seconds} s; restored ${what} (rc=$rc)" 2>/dev/null`,
    'fi',
    'exit 0',
  ].join('\n');
  const run = [
    'D=${0%/*}',
    '. "$D/lib.sh"',
    'nd_state applying ""',
    'sh "$D/apply.sh" > "$D/apply.out" 2>&1; rc=$?',
    'if [ "$rc" -eq 0 ]; then',
    '  [ -d "$D/decided" ] || nd_state applied "rc=0"',
    'elif mkdir "$D/decided" 2>/dev/null; then',
    // A failed change may be half done: put everything back at once rather than waiting for the timer.
    '  sh "$D/restore.sh" > "$D/restore.log" 2>&1; r=$?',
    '  nd_state restored "rc=$r reason=apply-failed apply_rc=$rc"',
    'fi',
    'echo "$rc" > "$D/apply.rc"',
  ].join('\n');
  const tag = (k: string) => `ND_${k}_${id}`;
  return [
    header(id, 'arm', ` seconds=${seconds} saves=${what}`),
    `# netdoctor: saves ${what || 'nothing'}, arms a timer that restores it after ${seconds} s unless netdoctor reconnects`,
    '# and confirms, then applies the change in the background. Record: /run/netdoctor/deadman/ID or /tmp/netdoctor-deadman/ID.',
    'umask 077',
    sayFunction(id),
    `B=${DEADMAN_DIRS[0]}`,
    '{ mkdir -p "$B" && [ -O "$B" ] && [ -w "$B" ]; } 2>/dev/null || {',
    `  B=${DEADMAN_DIRS[1]}`,
    '  { mkdir -p "$B" && [ -O "$B" ] && [ -w "$B" ]; } 2>/dev/null || { nd_say "state=not-armed reason=no-state-dir"; exit 90; }',
    '}',
    `D="$B/${id}"`,
    'mkdir "$D" 2>/dev/null || { nd_say "state=not-armed reason=id-in-use"; exit 90; }',
    heredoc('lib.sh', LIB, tag('LIB')),
    heredoc('restore.sh', restore.join('\n'), tag('RESTORE')),
    heredoc('fire.sh', fire, tag('FIRE')),
    heredoc('run.sh', run, tag('RUN')),
    heredoc('apply.sh', spec.command, tag('APPLY')),
    '. "$D/lib.sh"',
    'nd_nosave() { nd_say "state=not-armed reason=save-failed what=$1"; sed \'s/^/save: /\' "$D/save.err" 2>/dev/null; rm -rf "$D"; exit 91; }',
    ...save,
    `nd_state armed "seconds=${seconds}"`,
    'S=; command -v setsid >/dev/null 2>&1 && S=setsid',
    'H=; command -v nohup >/dev/null 2>&1 && H=nohup',
    '$S $H sh "$D/fire.sh" </dev/null >/dev/null 2>&1 &',
    `nd_say "state=armed seconds=${seconds} dir=$D"`,
    '$S $H sh "$D/run.sh" </dev/null >/dev/null 2>&1 &',
    'i=0',
    `while [ ! -f "$D/apply.rc" ] && [ "$i" -lt ${wait * 10} ]; do if sleep 0.1 2>/dev/null; then i=$((i+1)); else sleep 1; i=$((i+10)); fi; done`,
    PRINT_STATE,
    ...printOutput(id),
    'exit 0',
  ].join('\n');
}

function locate(id: string, action: DeadmanAction): string[] {
  checkId(id);
  return [
    header(id, action),
    sayFunction(id),
    `D=; for d in ${DEADMAN_DIRS.map((b) => `${b}/${id}`).join(' ')}; do [ -f "$d/lib.sh" ] && { D=$d; break; }; done`,
    '[ -n "$D" ] || { nd_say "state=unknown reason=no-record"; exit 3; }',
    '. "$D/lib.sh"',
  ];
}

/** Confirms (only once the change finished with exit 0, and only if nothing was decided yet); prints the state. */
export function buildConfirmScript(id: string): string {
  return [
    ...locate(id, 'confirm'),
    'if [ "$(cat "$D/apply.rc" 2>/dev/null)" = 0 ] && mkdir "$D/decided" 2>/dev/null; then : > "$D/OK"; nd_state confirmed ""; fi',
    PRINT_STATE,
  ].join('\n');
}

/** Prints the state, the change's output and the restore log. Changes nothing. */
export function buildStatusScript(id: string): string {
  return [...locate(id, 'status'), PRINT_STATE, ...printOutput(id), printRestoreLog(id), 'exit 0'].join('\n');
}

/** Puts the saved state back now (the rollback of a confirmed change), unless the guest already did. */
export function buildRestoreScript(id: string): string {
  return [
    ...locate(id, 'restore'),
    'if mkdir "$D/decided" 2>/dev/null || [ -e "$D/OK" ]; then',
    '  sh "$D/restore.sh" > "$D/restore.log" 2>&1; rc=$?',
    '  rm -f "$D/OK"',
    '  nd_state restored "rc=$rc reason=undo"',
    'fi',
    PRINT_STATE,
    printRestoreLog(id),
  ].join('\n');
}
