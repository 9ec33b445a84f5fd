/**
 * The dead-man switch for guest changes that can cut the operator's own access (firewall, interface, route).
 *
 * One POSIX sh script, sent over the current session, (1) saves the state the change can break, (2) writes a
 * restore script, (3) arms a detached timer on the guest (`setsid nohup sh fire.sh &`, so it outlives the SSH
 * session and the session's process group) that restores the saved state after N seconds unless a decision
 * was taken, and (4) starts the change itself, detached too, so a connection that dies mid-change cannot
 * leave it half done. netdoctor then proves access survived by opening a NEW connection and confirming;
 * if it cannot, the guest restores by itself and netdoctor, once it gets back in, reads the guest's record.
 *
 * Who decides is settled by `mkdir DIR/decided` (atomic): the timer, a failed change, a confirmation and an
 * explicit undo race for it and exactly one wins. State lives in /run/netdoctor/deadman/ID (tmpfs: gone at
 * reboot, like the change it guards), or /tmp/netdoctor-deadman/ID when /run is not writable.
 *
 * Scripts start with a marker line (`# netdoctor-deadman v1 id=… action=…`) so the simulated guest can
 * recognise them and implement the same semantics natively (source/sim/guest/deadman.ts).
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are sh, where ${…} is parameter expansion.
import { randomBytes } from 'node:crypto';
import { shQuote } from '../guest/transport/remote-command.js';
import type { Transport } from '../guest/transport/types.js';
import type { DeadmanSave } from '../model/index.js';

export const DEADMAN_MARKER = '# netdoctor-deadman v1';
export const DEADMAN_DIRS = ['/run/netdoctor/deadman', '/tmp/netdoctor-deadman'] as const;
/** Window used when a lock-out-capable guest step does not say one. */
export const DEFAULT_DEADMAN_SECONDS = 60;

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

export function newDeadmanId(): string {
  return randomBytes(6).toString('hex');
}

const ID_RE = /^[0-9a-f]{8,32}$/;
const PATH_RE = /^\/[A-Za-z0-9._/@+-]+$/;

/** What a command can break, when the step does not say: iptables/nft/ip route/ip link/files it writes. */
export function inferSaves(command: string): DeadmanSave[] {
  const out = new Set<DeadmanSave>();
  if (/\b(ip6?tables(-restore|-legacy|-nft)?|firewall-cmd|ufw)\b/.test(command)) out.add('iptables');
  if (/\bnft\b|\bfirewall-cmd\b/.test(command)) out.add('nft');
  if (/\bip\s+(-[46]\s+)?(route|r|ro)\b|\broute\s+(add|del)\b/.test(command)) out.add('routes');
  if (
    /\bip\s+(link|l)\s+set\b|\bif(up|down)\b|\bnmcli\b|\bsystemctl\s+\S+\s+(network|NetworkManager|systemd-networkd)/.test(
      command,
    )
  ) {
    out.add('links');
    out.add('routes');
  }
  for (const m of command.matchAll(
    /(?:>>?|\btee\s+(?:-a\s+)?|\bsed\s+-i\S*\s+(?:'[^']*'|"[^"]*"|\S+)\s+)\s*(\/[A-Za-z0-9._/@+-]+)/g,
  ))
    if (!m[1].startsWith('/dev/') && !m[1].startsWith('/tmp/')) out.add(`file:${m[1]}` as DeadmanSave);
  return [...out];
}

export function validateSpec(spec: DeadmanSpec): void {
  if (!ID_RE.test(spec.id)) throw new Error(`dead-man id "${spec.id}" must be 8–32 hex characters`);
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

/** sh that puts routes back: drop routes the change added, then replace saved ones (direct routes first). */
const ROUTES_FN = [
  "nd_clean() { sed 's/ linkdown//; s/ dead//; s/ offload//; s/ trap//; s/ rt_offload//'; }",
  'nd_routes() {',
  '  ip $1 route show table main 2>/dev/null | nd_clean > "$D/routes.now"',
  '  nd_clean < "$2" > "$D/routes.want"',
  '  while IFS= read -r r; do [ -n "$r" ] || continue; grep -qxF -- "$r" "$D/routes.want" || ip $1 route del $r 2>/dev/null; done < "$D/routes.now"',
  '  { grep -v \' via \' "$D/routes.want"; grep \' via \' "$D/routes.want"; } > "$D/routes.order"',
  '  while IFS= read -r r; do [ -n "$r" ] || continue; ip $1 route replace $r || rc=1; done < "$D/routes.order"',
  '}',
].join('\n');

function saveSnippets(saves: DeadmanSave[]): { save: string[]; restore: string[] } {
  const save: string[] = [];
  const restore: string[] = ['D=${0%/*}', 'rc=0', 'set -f'];
  const has = (k: DeadmanSave) => saves.includes(k);
  // Restore order matters: links up first (the kernel re-adds their direct routes), then routes, then filters.
  if (has('links')) {
    save.push(
      'for p in /sys/class/net/*; do n=${p##*/}; f=$(cat "$p/flags" 2>/dev/null) || continue; if [ $(( f & 1 )) -ne 0 ]; then echo "$n up"; else echo "$n down"; fi; done > "$D/links" || nd_nosave links',
      '[ -s "$D/links" ] || nd_nosave links',
    );
    restore.push(
      'while read -r n s; do [ -e "/sys/class/net/$n" ] || continue; ip link set dev "$n" "$s" || rc=1; done < "$D/links"',
    );
  }
  if (has('routes')) {
    save.push(
      'ip -4 route show table main > "$D/routes.v4" 2>>"$D/save.err" || nd_nosave routes',
      'ip -6 route show table main > "$D/routes.v6" 2>/dev/null || rm -f "$D/routes.v6"',
    );
    restore.push(
      ROUTES_FN,
      'nd_routes -4 "$D/routes.v4"',
      '[ -f "$D/routes.v6" ] && nd_routes -6 "$D/routes.v6"',
    );
  }
  if (has('nft')) {
    save.push('nft list ruleset > "$D/nft.rules" 2>>"$D/save.err" || nd_nosave nft');
    // One transaction: flush and reload together, so there is no moment without the old rules.
    restore.push(
      '{ echo "flush ruleset"; cat "$D/nft.rules"; } > "$D/nft.restore" && nft -f "$D/nft.restore" || rc=1',
    );
  }
  if (has('iptables')) {
    save.push(
      'iptables-save > "$D/iptables.v4" 2>>"$D/save.err" || nd_nosave iptables',
      'if command -v ip6tables-save >/dev/null 2>&1; then ip6tables-save > "$D/iptables.v6" 2>/dev/null || rm -f "$D/iptables.v6"; fi',
    );
    restore.push(
      // Tables the change loaded that were not there before are emptied (restore only rewrites saved tables).
      'for t in $(iptables-save 2>/dev/null | sed -n \'s/^\\*//p\'); do grep -qx "\\*$t" "$D/iptables.v4" || { iptables -t "$t" -F; iptables -t "$t" -X; }; done',
      'iptables-restore < "$D/iptables.v4" || rc=1',
      '[ -f "$D/iptables.v6" ] && { ip6tables-restore < "$D/iptables.v6" || rc=1; }',
    );
  }
  saves
    .filter((s): s is `file:${string}` => s.startsWith('file:'))
    .forEach((s, k) => {
      const p = shQuote(s.slice(5));
      save.push(
        `if [ -e ${p} ]; then cp -p ${p} "$D/file.${k}" 2>>"$D/save.err" || nd_nosave ${p}; else : > "$D/file.${k}.absent"; fi`,
      );
      restore.push(
        `if [ -f "$D/file.${k}.absent" ]; then rm -f ${p} || rc=1; else cp -p "$D/file.${k}" ${p} || rc=1; fi`,
      );
    });
  restore.push('exit $rc');
  return { save, restore };
}

function heredoc(file: string, body: string, tag: string): string {
  if (body.split('\n').includes(tag))
    throw new Error(`the command contains the line ${tag}; it cannot be sent safely`);
  return `cat > "$D/${file}" <<'${tag}'\n${body}\n${tag}`;
}

/** The arm script: save, write restore/timer/apply scripts, arm the timer, start the change, report. */
export function buildArmScript(spec: DeadmanSpec): string {
  validateSpec(spec);
  const { id, seconds } = spec;
  const wait = spec.waitSeconds ?? Math.min(10, Math.max(1, Math.round(seconds * 0.3)));
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
    `nd_say() { echo "netdoctor-deadman id=${id} $*"; }`,
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
    'nd_say "$(cat "$D/state")"',
    `echo "netdoctor-deadman-output id=${id}"`,
    'cat "$D/apply.out" 2>/dev/null',
    'exit 0',
  ].join('\n');
}

function locate(id: string, action: DeadmanAction): string[] {
  if (!ID_RE.test(id)) throw new Error(`dead-man id "${id}" must be 8–32 hex characters`);
  return [
    header(id, action),
    `nd_say() { echo "netdoctor-deadman id=${id} $*"; }`,
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
    'nd_say "$(cat "$D/state")"',
  ].join('\n');
}

/** Prints the state, the change's output and the restore log. Changes nothing. */
export function buildStatusScript(id: string): string {
  return [
    ...locate(id, 'status'),
    'nd_say "$(cat "$D/state")"',
    `echo "netdoctor-deadman-output id=${id}"`,
    'cat "$D/apply.out" 2>/dev/null',
    `if [ -s "$D/restore.log" ]; then echo "netdoctor-deadman-restore-log id=${id}"; cat "$D/restore.log"; fi`,
    'exit 0',
  ].join('\n');
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
    'nd_say "$(cat "$D/state")"',
    `if [ -s "$D/restore.log" ]; then echo "netdoctor-deadman-restore-log id=${id}"; cat "$D/restore.log"; fi`,
  ].join('\n');
}

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

export type DeadmanEvent =
  | { type: 'deadman-armed'; id: string; seconds: number; deadline: number; saves: DeadmanSave[] }
  | { type: 'deadman-reconnecting'; id: string; attempt: number; error?: string }
  | { type: 'deadman-confirmed'; id: string; at?: string }
  | { type: 'deadman-waiting'; id: string; until: number }
  | { type: 'deadman-expired'; id: string; restoredAt?: string; rc?: number };

export type DeadmanOutcome =
  | { kind: 'confirmed'; id: string; state: DeadmanState }
  /** The guest put the saved state back: reason `timeout` (no confirmation) or `apply-failed`. */
  | { kind: 'rolled-back'; id: string; state: DeadmanState }
  /** Nothing was changed: the state could not be saved, or the script never ran. */
  | { kind: 'not-armed'; id: string; reason: string; detail: string }
  /** netdoctor could not get back in, even after the window: the guest should have restored by itself. */
  | { kind: 'unreachable'; id: string; deadline: number; detail: string };

export interface DeadmanRunOptions {
  guest: Transport;
  reconnect: () => Promise<Transport>;
  spec: DeadmanSpec;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (e: DeadmanEvent) => void;
  signal?: AbortSignal;
  /** How long to keep trying to get back in after the window, to read the guest's record (default max(30 s, window)). */
  recoverMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function errText(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

/** A transport from `reconnect`, or an error when none arrives before `ms` (a late one is closed). */
async function reconnectWithin(reconnect: () => Promise<Transport>, ms: number): Promise<Transport> {
  const p = reconnect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${Math.round(ms)} ms`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (e) {
    p.then((t) => t.close()).catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the arm script over `guest`, then proves access with fresh connections and confirms (see file header). */
export async function runUnderDeadman(o: DeadmanRunOptions): Promise<DeadmanOutcome> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  const { id, seconds } = o.spec;
  const script = buildArmScript(o.spec);
  const windowMs = seconds * 1000;
  const t0 = now();
  const deadline = t0 + windowMs;
  const margin = Math.min(1500, windowMs * 0.2);
  const wait = o.spec.waitSeconds ?? Math.min(10, Math.max(1, Math.round(seconds * 0.3)));
  o.onEvent?.({ type: 'deadman-armed', id, seconds, deadline, saves: o.spec.saves });

  let arm: DeadmanState | undefined;
  try {
    const r = await o.guest.run(script, {
      timeoutMs: Math.min(wait * 1000 + 3000, windowMs * 0.5),
      signal: o.signal,
    });
    arm = parseDeadmanOutput(r.stdout);
  } catch {
    // The session may have died with the change (that is what the switch is for): go on to reconnect.
  }
  if (arm?.state === 'not-armed')
    return {
      kind: 'not-armed',
      id,
      reason: arm.reason ?? 'unknown',
      detail:
        arm.reason === 'save-failed'
          ? `The guest could not save ${arm.what ?? 'the current state'} before the change, so nothing was changed.`
          : arm.reason === 'no-state-dir'
            ? 'The guest has no writable /run or /tmp for the dead-man record, so nothing was changed.'
            : `The dead-man switch was not armed (${arm.reason ?? 'unknown reason'}), so nothing was changed.`,
    };
  if (arm?.state === 'restored') return { kind: 'rolled-back', id, state: arm };
  let appliedSeen = arm?.state === 'applied';

  // Inside the window: a new connection must get in and confirm. A connection opened before the change had
  // finished proves nothing (an established session can survive a rule that blocks new ones), so confirmation
  // is sent only on a connection opened after the change was seen finished.
  let attempt = 0;
  while (now() < deadline - margin && !o.signal?.aborted) {
    attempt++;
    let t: Transport;
    try {
      t = await reconnectWithin(o.reconnect, deadline - margin - now());
    } catch (e) {
      o.onEvent?.({ type: 'deadman-reconnecting', id, attempt, error: errText(e) });
      await sleep(Math.min(300, Math.max(0, deadline - margin - now())));
      continue;
    }
    o.onEvent?.({ type: 'deadman-reconnecting', id, attempt });
    try {
      const left = deadline - margin - now();
      const r = await t.run(appliedSeen ? buildConfirmScript(id) : buildStatusScript(id), {
        timeoutMs: Math.max(500, left),
        signal: o.signal,
      });
      const st = parseDeadmanOutput(r.stdout);
      if (st.state === 'confirmed') {
        o.onEvent?.({ type: 'deadman-confirmed', id, at: st.at });
        return { kind: 'confirmed', id, state: st };
      }
      if (st.state === 'restored') return { kind: 'rolled-back', id, state: st };
      if (st.state === 'unknown' && st.reason === 'no-record' && !arm)
        return {
          kind: 'not-armed',
          id,
          reason: 'no-record',
          detail:
            'The dead-man script never ran on the guest (the session failed before it started), so nothing was changed.',
        };
      if (st.state === 'applied') appliedSeen = true;
      else await sleep(Math.min(300, Math.max(0, deadline - margin - now())));
    } catch {
      // This connection failed too: try another.
    } finally {
      await t.close().catch(() => undefined);
    }
  }

  // The window is closing without a confirmation: the guest restores by itself. Wait for it, then read its record.
  // A little past the guest's own deadline (its timer started after ours); late restores are polled for below.
  const until = deadline + 1000 + windowMs * 0.05;
  o.onEvent?.({ type: 'deadman-waiting', id, until });
  await sleep(Math.max(0, until - now()));
  const giveUp = now() + (o.recoverMs ?? Math.max(30_000, windowMs));
  let lastErr = '';
  for (let n = 1; now() <= giveUp; n++) {
    let t: Transport | undefined;
    try {
      t = await reconnectWithin(o.reconnect, Math.max(1000, giveUp - now()));
      const st = parseDeadmanOutput((await t.run(buildStatusScript(id), { timeoutMs: 15_000 })).stdout);
      if (st.state === 'restored') {
        o.onEvent?.({ type: 'deadman-expired', id, restoredAt: st.at, rc: st.rc });
        return { kind: 'rolled-back', id, state: st };
      }
      // Our confirmation got through even though its answer was lost.
      if (st.state === 'confirmed') {
        o.onEvent?.({ type: 'deadman-confirmed', id, at: st.at });
        return { kind: 'confirmed', id, state: st };
      }
      if (st.state === 'unknown' && !arm)
        return {
          kind: 'not-armed',
          id,
          reason: 'no-record',
          detail: 'The dead-man script never ran on the guest, so nothing was changed.',
        };
      lastErr = `the guest reports state ${st.state}`;
    } catch (e) {
      lastErr = errText(e);
      o.onEvent?.({ type: 'deadman-reconnecting', id, attempt: attempt + n, error: lastErr });
    } finally {
      await t?.close().catch(() => undefined);
    }
    await sleep(1000);
  }
  return {
    kind: 'unreachable',
    id,
    deadline,
    detail: `netdoctor could not get back into the guest (${lastErr || 'no connection'}). Its dead-man switch ${id} restores the saved state by itself ${seconds} s after the change; check from the console (VNC or Cloud Assistant): \`cat ${DEADMAN_DIRS[0]}/${id}/state\`.`,
  };
}
