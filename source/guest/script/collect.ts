/**
 * The guest collection script: one POSIX sh program (dash, bash, busybox ash) that gathers every guest fact
 * in one round trip. Every section's stdout, stderr, exit code and wall time are framed by marker lines:
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
 * ID is per run, so a file the script prints cannot forge a marker. Sections run at the same time in a few
 * lanes (sections.ts: LANES), each lane one child shell under `timeout` (a watchdog when there is none) that
 * writes every section to its own files in a private temporary directory; the DNS lookups start first. When
 * all lanes are done the script prints the sections in order with one `cat`. A failing, missing, denied or
 * hung tool spoils only its own section: a lane stopped by its time limit reports the section it was in as
 * timed out and runs the sections after it again. Speed comes from doing less, not only from overlap (on a
 * busy guest the CPU, not waiting, is what a collection spends): few process starts (a lane per several
 * sections, builtins for small files, two `ss -p` runs where there were four), files in /dev/shm, one cat
 * for all output.
 * The script only reads; it writes nothing but its own temporary directory, which it removes.
 */
import {
  LANES,
  NO_SYSTEMD_FIRST,
  PORT_SERVICES,
  type SectionSpec,
  SYSTEMCTL_PROPS,
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
  /**
   * How sections share child shells (default LANES, sections.ts): each string a lane of steps run in turn,
   * a step's sections joined by `+` run at once. `[names.join(' ')]` runs everything one after another.
   */
  lanes?: string[];
}

export const SCRIPT_VERSION = 1;
/** Marks the script's first output line, and lets the simulator recognise the script. */
export const COLLECT_MARKER = '@@ND:COLLECT';

/**
 * The helpers every section body sees (kept short: the whole script must fit Cloud Assistant's limit). They
 * are defined in the script and again in each lane's child shell (`$L`), so bodies can rely on them.
 */
const LIB = [
  `SP=${SYSTEMCTL_PROPS}`,
  'pl(){ printf \'%s\\n\' "$1"; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  't(){ echo "${M}TOOL $1"; }',
  'h(){ command -v "$1" >/dev/null 2>&1; }',
  'sd(){ [ -d /run/systemd/system ] && h systemctl; }',
  'nf(){ for c in "$@"; do echo "$c: command not found" >&2; done; exit 127; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'i(){ echo "${M}ITEM $*"; }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'c(){ C=0; read _u _v </proc/uptime 2>/dev/null || return 0; _u="${_u%.*}${_u#*.}"; _u="${_u#"${_u%%[!0]*}"}"; C=${_u:-0}; }',
  'x(){ _k=$1; shift; c; _s=$C; _o=$("$@" 2>&1); _r=$?; c; i "$_k rc=$_r ms=$(( (C-_s)*10 ))"; [ -n "$_o" ] && pl "$_o"; return 0; }',
  'g(){ _q=$1; shift; if [ -n "$ND_TO" ]; then timeout "$_q" "$@"; else "$@"; fi; }',
  // `ip -j ARGS` when this iproute2 prints JSON, else the text form (ARGS2, default ARGS): CentOS 7 has no -j.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'j(){ h ip || nf ip; o=$(ip -j $1 2>/dev/null); case $o in \\[*) t ip-json; pl "$o";; *) t ip; ip ${2:-$1};; esac; }',
  // A small file without a process. Not for /proc/sys: dash reads a byte at a time, and an integer sysctl
  // file reads as empty past offset 0 (`read` would get its first digit only).
  // p FILE N: only the first N lines (netconfig caps config files so).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'p(){ _n=${2:--1}; while [ $_n != 0 ] && { IFS= read -r l || [ -n "$l" ]; }; do pl "$l"; _n=$((_n-1)); done <"$1"; }',
  'pa(){ for _f; do [ -e "$_f" ] && p "$_f"; done; true; }',
  // ok NAME: section NAME has already ended well in this run (its END line says rc=0).
  'ok(){ _r=; [ -r "$ND_T/$1.r" ] && read _r <"$ND_T/$1.r"; case "$_r " in *" rc=0 "*) return 0;; esac; return 1; }',
  'ap(){ [ -n "$1" ] || return 0; case " $P " in *" $1 "*) ;; *) P="$P $1";; esac; }',
  // Listening pids (ss: pid=N, or "name",N from old ss; netstat: N/name), from the sockets section's output
  // when it ran, else from one ss or netstat of its own.
  [
    'pp(){ P=; set -f; if ok sockets; then _o=$(cat "$ND_T/sockets.o")',
    'elif h ss; then _o=$(ss -tulnp 2>/dev/null); elif h netstat; then _o=$(netstat -tulnp 2>/dev/null); else _o=; fi',
    'for _w in $_o; do case $_w in',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    '*pid=*) while :; do case $_w in *pid=*) _w=${_w#*pid=}; ap "${_w%%[!0-9]*}";; *) break;; esac; done;;',
    `*\\",[0-9]*) while :; do case $_w in *\\",[0-9]*) _w=\${_w#*\\",}; ap "\${_w%%[!0-9]*}";; *) break;; esac; done;;`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    '[0-9]*/*) ap "${_w%%/*}";;',
    'esac; done; set +f; }',
  ].join('\n'),
  // Service states without systemd: every `service N status` (a slow init script) at once, printed in order.
  [
    'sv(){ _p=$1; shift; _k=10; for n; do _k=$((_k+1))',
    'if [ -x "/etc/init.d/$n" ] && h service; then { o=$(service "$n" status 2>&1); i "$n rc=$? via=service"; pl "$o"; } >"$ND_T/$_p$_k" &',
    'elif [ "$_p" = sv ] && h "$n" && h pidof; then { o=$(pidof "$n"); i "$n rc=$? via=pidof"; pl "$o"; } >"$ND_T/$_p$_k" &',
    'fi; done; wait; pa "$ND_T/$_p"[1-9]*; }',
  ].join('\n'),
  // s NAME: one section, its body sourced in a subshell (lanes run in $ND_T). NAME.t: when it started;
  // NAME.o: BEGIN and stdout; NAME.e: stderr; NAME.r: the END line, written last (so it says it is over).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  's(){ c; _b=$C; echo $_b >$1.t; { pl "${M}BEGIN $1"; ( . ./$1.b ); } >$1.o 2>$1.e </dev/null; _r=$?; c; pl "${M}END $1 rc=$_r ms=$(( (C-_b)*10 ))" >$1.r; }',
  // sl STEP…: a lane's steps in turn; the sections of a step (a+b) at the same time.
  [
    'sl(){ for n; do case $n in *+*) _i=$IFS; IFS=+; _g=; for m in $n; do _g="$_g $m"; done; IFS=$_i',
    'for m in $_g; do s $m & done; wait;; *) s $n;; esac; done; }',
  ].join('\n'),
].join('\n');

/*
 * The prelude, then (in the script) one line per section and one per lane:
 *   nd NAME T 'body'      writes the body to $ND_T/NAME.b and lists NAME for printing
 *   run NAME T 'body'     the same, and starts its lane at once in the background (the DNS lookups)
 *   lane T NAME… &        one child shell (under `timeout T`, or a watchdog) runs the sections in turn
 *   fin                   frames every section's files and prints them all with ONE cat, DONE last
 * Bodies are sourced from $ND_T, so it must be ours alone: mktemp -d, or a mkdir that fails if it exists.
 * The whole run has a budget below the transport's own timeout: a lane gets what is left of it. A lane that
 * ends inside a section (a hung tool stopped by the time limit) reports that section so and runs the rest again
 * in a new lane; without timeout(1) a watchdog SIGKILLs the lane (a trapped TERM would wait for its sleep).
 */
function prelude(cap: number, budget: number): string {
  return `# netdoctor guest collection v${SCRIPT_VERSION}: read-only, POSIX sh. Output: framed sections.
export LC_ALL=C LANG=C LANGUAGE=C
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin";; esac
export PATH
umask 077
L=${shellQuote(LIB)}
eval "$L"
c; ND_ID="$$x$C"; M="@@ND:$ND_ID:"; S0=$C; ND_END=$(( C + ${budget} * 100 ))
ND_T=$(mktemp -d /dev/shm/nd.XXXXXX 2>/dev/null) || ND_T=$(mktemp -d 2>/dev/null) || { ND_T=/tmp/.nd.$ND_ID; mkdir -m 700 $ND_T; } || { ND_T=/dev/shm/.nd.$ND_ID; mkdir -m 700 $ND_T; } || { echo "netdoctor: no private temporary directory (mktemp -d, /tmp, /dev/shm): the collection needs one" >&2; exit 1; }
cd "$ND_T" || exit 1
trap 'rm -rf "$ND_T"' EXIT
trap 'exit 143' INT TERM HUP
ND_TO=; t=$(command -v timeout) && { [ ! -L "$t" ] || timeout -k 1 5 true >/dev/null 2>&1; } && ND_TO=1
export M ND_T ND_TO
ND_N=; ND_B=
nd(){ pl "$3" >$1.b; ND_N="$ND_N $1"; }
run(){ pl "$3" >$1.b; ND_B="$ND_B $1"; lane $2 $1 & }
lane(){
_t=$1; shift
while [ $# -gt 0 ]; do
c; t=$_t; _s=$*; _i=$IFS; IFS=' +'; set -- $*; IFS=$_i
if [ $C -gt 0 ]; then
rem=$(( (ND_END - C) / 100 ))
if [ $rem -lt 1 ]; then for n; do echo "the collection's time budget was used up" >$n.e; en $n 124 0; done; return 0; fi
[ $rem -lt $t ] && t=$rem
fi
if [ -n "$ND_TO" ]; then timeout -k 1 $t sh -c "$L
sl $_s" </dev/null >/dev/null 2>&1; r=$?
else sh -c "$L
sl $_s" </dev/null >/dev/null 2>&1 & p=$!
( sleep $t; kill -9 $p ) </dev/null >/dev/null 2>&1 & w=$!
wait $p; r=$?; kill -9 $w 2>/dev/null; [ $r -eq 137 ] && r=124
fi
_a=; _n=
for n; do
[ -e $n.r ] && { _n=1; continue; }
if [ -r $n.t ]; then read b <$n.t; c; en $n $r $(( (C-b)*10 )); _n=1
else _a="$_a $n"; fi
done
[ -n "$_n" ] || { for n in $_a; do echo "the section did not run: its shell ended with exit $r" >$n.e; en $n $r 0; done; return 0; }
set -- $_a
done
}
en(){ [ -e $1.o ] || pl "\${M}BEGIN $1" >$1.o; pl "\${M}END $1 rc=$2 ms=$3" >$1.r; }
fin(){
printf '\\n' >nl; set --
for n in $ND_N $ND_B; do
[ -e $n.r ] || en $n 125 0
set -- "$@" $n.o nl
if [ -s $n.e ]; then pl "\${M}STDERR $n" >$n.5; set -- "$@" $n.5 $n.e nl; fi
set -- "$@" $n.r
done
c; pl "\${M}DONE ms=$(( (C-S0)*10 ))" >zz; cat "$@" zz
}
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
  const own = new Set<string>();
  const specs = selectSections(opts).map((s) => {
    const t = opts.timeouts?.[s.name];
    if (t === undefined || !Number.isInteger(t) || t <= 0) return s;
    // A section given its own time budget runs in a lane of its own, so that budget is exactly its.
    own.add(s.name);
    return { ...s, timeout: t };
  });
  const budget = opts.budgetSeconds ?? 25;
  if (!Number.isInteger(budget) || budget < 1)
    throw new Error(`budgetSeconds must be a whole number of seconds ≥ 1, not ${budget}`);
  const bg = specs.filter((x) => x.background);
  const fg = specs.filter((x) => !x.background);
  // `run NAME T 'body'` and `nd NAME T 'body'` lines name every section in order (the simulator reads them).
  const parts = [prelude(opts.connectionCap ?? 2000, budget)];
  for (const s of bg) parts.push(`run ${s.name} ${s.timeout} ${shellQuote(s.body)}`);
  for (const s of fg) parts.push(`nd ${s.name} ${s.timeout} ${shellQuote(s.body)}`);
  const plan = opts.lanes ?? LANES;
  const without = lanesOf(plan, fg, own, true).map((l) => `lane ${l.timeout} ${l.steps} &`);
  lanesOf(plan, fg, own, false).forEach((l, i) => {
    const line = `lane ${l.timeout} ${l.steps} &`;
    parts.push(line === without[i] ? line : `if sd; then ${line} else ${without[i]} fi`);
  });
  parts.push('wait', 'fin');
  return `${parts.join('\n')}\n`;
}

/** A lane plan cut down to these sections; sections outside it (or with their own budget) run alone. */
function lanesOf(
  plan: string[],
  specs: SectionSpec[],
  own: Set<string>,
  noSystemd: boolean,
): { timeout: number; steps: string }[] {
  const byName = new Map(specs.filter((s) => !own.has(s.name)).map((s) => [s.name, s]));
  const out: { timeout: number; steps: string }[] = [];
  const placed = new Set<string>();
  for (const lane of plan) {
    let steps = lane.split(' ').map((step) => step.split('+').filter((n) => byName.has(n) && !placed.has(n)));
    if (noSystemd) {
      const first = steps.flat().filter((n) => NO_SYSTEMD_FIRST.includes(n));
      steps = steps.map((step) => step.filter((n) => !first.includes(n)));
      steps[0] = [...steps[0], ...first];
    }
    steps = steps.filter((step) => step.length > 0);
    if (!steps.length) continue;
    const names = steps.flat();
    for (const n of names) placed.add(n);
    out.push({
      timeout: Math.max(...names.map((n) => byName.get(n)!.timeout)),
      steps: steps.map((step) => step.join('+')).join(' '),
    });
  }
  for (const s of specs) if (!placed.has(s.name)) out.push({ timeout: s.timeout, steps: s.name });
  return out;
}

/** The full collection script with default options. */
export const COLLECT_SCRIPT: string = buildCollectScript();
