/**
 * The guest collection script: one POSIX sh program (dash, bash, busybox ash) that gathers every guest fact
 * in one round trip. Each section runs as its own child shell under `timeout` (a watchdog when there is
 * none), with its stdout, stderr, exit code and wall time framed by marker lines:
 *
 *   @@ND:COLLECT v=1 id=ID
 *   @@ND:ID:BEGIN ss
 *   @@ND:ID:TOOL ss                   (which tool produced it: fallbacks are named)
 *   …stdout…
 *   @@ND:ID:STDERR ss                 (only when there was stderr)
 *   …stderr…
 *   @@ND:ID:END ss rc=0 ms=12
 *   @@ND:ID:DONE ms=840
 *
 * ID is per run, so a file the script prints cannot forge a marker. A failing, missing, denied or hung
 * tool spoils only its own section. Slow sections (DNS lookups) start first, in the background.
 * The script only reads; it writes nothing but its own temporary directory, which it removes.
 */
import {
  PORT_SERVICES,
  type SectionSpec,
  sectionSpecs,
  shellQuote,
  WELL_KNOWN_SERVICES,
} from './sections.js';

export interface CollectScriptOptions {
  /** Name the guest resolves as a DNS test (default `aliyun.com`, the seed article's check). */
  lookupName?: string;
  /** Ports the operator asked about: their usual services are queried too. */
  extraPorts?: number[];
  /** Only these sections (default: all). */
  sections?: string[];
  /** Connected sockets listed at most (state counts stay exact). Default 2000. */
  connectionCap?: number;
  /** Per-section time budgets in seconds, overriding the defaults (sections.ts). */
  timeouts?: Record<string, number>;
  /**
   * Seconds the whole run may take (default 25, under the transports' 30 s default): each section gets at most
   * what is left, and sections that find nothing left are reported as timed out without running.
   */
  budgetSeconds?: number;
}

export const SCRIPT_VERSION = 1;
/** Marks the script's first output line, and lets the simulator recognise the script. */
export const COLLECT_MARKER = '@@ND:COLLECT';

/** The helpers every section body sees (kept short: the whole script must fit Cloud Assistant's limit). */
const LIB = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  't(){ echo "${M}TOOL $1"; }',
  'h(){ command -v "$1" >/dev/null 2>&1; }',
  'nf(){ for c in "$@"; do echo "$c: command not found" >&2; done; exit 127; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'i(){ echo "${M}ITEM $*"; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'c(){ C=0; read _u _v </proc/uptime 2>/dev/null || return 0; _u="${_u%.*}${_u#*.}"; _u="${_u#"${_u%%[!0]*}"}"; C=${_u:-0}; }',
  'x(){ _k=$1; shift; c; _s=$C; _o=$("$@" 2>&1); _r=$?; c; i "$_k rc=$_r ms=$(( (C-_s)*10 ))"; [ -n "$_o" ] && printf \'%s\\n\' "$_o"; return 0; }',
  'g(){ _q=$1; shift; if [ -n "$ND_TO" ]; then timeout "$_q" "$@"; else "$@"; fi; }',
].join('\n');

function prelude(cap: number, budget: number): string {
  return `# netdoctor guest collection v${SCRIPT_VERSION}: read-only, POSIX sh. Output: framed sections.
export LC_ALL=C LANG=C LANGUAGE=C
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin";; esac
export PATH
umask 077
L=${shellQuote(LIB)}
eval "$L"
c; ND_ID="$$x$C"; M="@@ND:$ND_ID:"; S0=$C; ND_END=$(( C + ${budget} * 100 ))
ND_T=$(mktemp -d 2>/dev/null) || { ND_T="/tmp/.nd.$ND_ID"; mkdir -p "$ND_T" || ND_T=/dev/shm/.nd.$ND_ID; mkdir -p "$ND_T"; }
trap 'rm -rf "$ND_T"' EXIT
trap 'exit 143' INT TERM HUP
ND_TO=; timeout -k 1 5 true >/dev/null 2>&1 && ND_TO=1
export M ND_T ND_TO
run(){
  c; s=$C; t=$2
  # The whole run has a budget (below the transport's own timeout): a section gets what is left of it.
  if [ "$C" -gt 0 ]; then
    rem=$(( (ND_END - C) / 100 ))
    if [ $rem -lt 1 ]; then : >"$ND_T/$1.o"; echo "the collection's time budget was used up" >"$ND_T/$1.e"; echo "124 0" >"$ND_T/$1.r"; return 0; fi
    [ $rem -lt "$t" ] && t=$rem
  fi
  if [ -n "$ND_TO" ]; then timeout -k 1 "$t" sh -c "$L
$3" >"$ND_T/$1.o" 2>"$ND_T/$1.e" </dev/null; r=$?
  else
    # No timeout(1): a watchdog kills the section (SIGKILL: a trapped TERM would wait for its sleep).
    sh -c "$L
$3" >"$ND_T/$1.o" 2>"$ND_T/$1.e" </dev/null & p=$!
    ( sleep "$t"; kill -9 $p ) </dev/null >/dev/null 2>&1 & w=$!
    wait $p; r=$?; kill -9 $w 2>/dev/null; [ $r -eq 137 ] && r=124
  fi
  c; echo "$r $(( (C-s)*10 ))" >"$ND_T/$1.r"
}
out(){
  r=125; ms=0; [ -r "$ND_T/$1.r" ] && read r ms <"$ND_T/$1.r"
  printf '%sBEGIN %s\\n' "$M" "$1"; cat "$ND_T/$1.o" 2>/dev/null; printf '\\n'
  if [ -s "$ND_T/$1.e" ]; then printf '%sSTDERR %s\\n' "$M" "$1"; cat "$ND_T/$1.e"; printf '\\n'; fi
  printf '%sEND %s rc=%s ms=%s\\n' "$M" "$1" "$r" "$ms"
}
nd(){ run "$@"; out "$1"; }
echo "${COLLECT_MARKER} v=${SCRIPT_VERSION} id=$ND_ID cap=${cap}"
`;
}

function servicesFor(ports: number[] | undefined): string[] {
  const names = [...WELL_KNOWN_SERVICES];
  for (const p of ports ?? []) for (const s of PORT_SERVICES[p] ?? []) if (!names.includes(s)) names.push(s);
  return names;
}

/** Names of all sections, in the order they are printed. */
export function collectSectionNames(opts: CollectScriptOptions = {}): string[] {
  return selectSections(opts).map((s) => s.name);
}

function selectSections(opts: CollectScriptOptions): SectionSpec[] {
  const all = sectionSpecs({
    services: servicesFor(opts.extraPorts),
    lookupName: opts.lookupName ?? 'aliyun.com',
    connectionCap: opts.connectionCap ?? 2000,
  });
  return opts.sections ? all.filter((s) => opts.sections!.includes(s.name)) : all;
}

export function buildCollectScript(opts: CollectScriptOptions = {}): string {
  const lookup = opts.lookupName ?? 'aliyun.com';
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(lookup))
    throw new Error(`lookup name ${JSON.stringify(lookup)} is not a host name`);
  const specs = selectSections(opts).map((s) => {
    const t = opts.timeouts?.[s.name];
    return t !== undefined && Number.isInteger(t) && t > 0 ? { ...s, timeout: t } : s;
  });
  const budget = opts.budgetSeconds ?? 25;
  if (!Number.isInteger(budget) || budget < 1)
    throw new Error(`budgetSeconds must be a whole number of seconds ≥ 1, not ${budget}`);
  const parts = [prelude(opts.connectionCap ?? 2000, budget)];
  for (const s of specs.filter((x) => x.background))
    parts.push(`run ${s.name} ${s.timeout} ${shellQuote(s.body)} &`);
  for (const s of specs.filter((x) => !x.background))
    parts.push(`nd ${s.name} ${s.timeout} ${shellQuote(s.body)}`);
  parts.push('wait');
  for (const s of specs.filter((x) => x.background)) parts.push(`out ${s.name}`);
  parts.push(`c; echo "\${M}DONE ms=$(( (C-S0)*10 ))"`);
  return `${parts.join('\n')}\n`;
}

/** The full collection script with default options. */
export const COLLECT_SCRIPT: string = buildCollectScript();
