/**
 * Services of a simulated guest as `systemctl show -p … UNIT…` prints them (systemd's property order: the
 * Service interface first — MainPID, Result, ExecMainStatus, ExecStart — then the Unit interface — Id,
 * Description, LoadState, ActiveState, SubState, timestamps; src/core/dbus-service.c, dbus-unit.c), units
 * that do not exist as `LoadState=not-found`, the SysV `service NAME status` fallback, and `ldd | grep libwrap`.
 */
import type { GuestServiceSpec, GuestWorld } from '../../world.js';
import { flavourOf } from '../flavour.js';
import { systemdTime } from './format.js';
import { pidOf, socketsOf } from './sockets.js';

function mainStatus(s: GuestServiceSpec): number {
  if (s.active === 'active') return 0;
  if (s.result === 'signal' || s.result === 'oom-kill' || s.result === 'core-dump') return 9;
  if (s.result === 'exit-code') return 1;
  return 0;
}

function ts(iso: string | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : systemdTime(t);
}

export function showBlock(s: GuestServiceSpec): string {
  const active = s.active === 'active';
  const pid = active ? pidOf(s.name, s.mainPid) : 0;
  const sub = s.sub ?? (active ? 'running' : s.active === 'failed' ? 'failed' : 'dead');
  const since = ts(s.since);
  const lines = [`MainPID=${pid}`, `Result=${s.result ?? 'success'}`, `ExecMainStatus=${mainStatus(s)}`];
  if (s.binary) {
    const start = since && active ? `[${since}]` : '[n/a]';
    lines.push(
      `ExecStart={ path=${s.binary} ; argv[]=${s.binary} ; ignore_errors=no ; start_time=${start} ; stop_time=[n/a] ; pid=${pid} ; code=(null) ; status=0/0 }`,
    );
  }
  lines.push(
    `Id=${s.name}.service`,
    `Description=${s.description ?? `${s.name}.service`}`,
    'LoadState=loaded',
    `ActiveState=${s.active}`,
    `SubState=${sub}`,
    `ActiveEnterTimestamp=${active ? since : ''}`,
    `InactiveEnterTimestamp=${active ? '' : since}`,
  );
  return lines.join('\n');
}

function notFound(name: string): string {
  return [
    'MainPID=0',
    'Result=success',
    'ExecMainStatus=0',
    `Id=${name}.service`,
    `Description=${name}.service`,
    'LoadState=not-found',
    'ActiveState=inactive',
    'SubState=dead',
    'ActiveEnterTimestamp=',
    'InactiveEnterTimestamp=',
  ].join('\n');
}

/** `systemctl show` for the units owning listening sockets, then the named units (deduplicated, like systemctl). */
export function renderSystemctlShow(
  list: GuestServiceSpec[],
  names: string[],
  owners: string[] = [],
): string {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const n of [...owners, ...names]) {
    const name = n.replace(/\.service$/, '');
    if (seen.has(name)) continue;
    seen.add(name);
    const s = list.find((x) => x.name === name);
    blocks.push(s ? showBlock(s) : notFound(name));
  }
  return blocks.join('\n\n');
}

/** Units that own a listening socket (what the script finds through /proc/PID/cgroup). */
export function listeningUnits(g: GuestWorld): string[] {
  const out: string[] = [];
  for (const s of socketsOf(g))
    if (s.unit && (s.state === 'LISTEN' || s.state === 'UNCONN') && !out.includes(s.unit)) out.push(s.unit);
  return out;
}

/** One `service NAME status` answer (SysV initscripts wording) and its LSB exit code. */
export function renderServiceStatus(s: GuestServiceSpec): { text: string; rc: number } {
  if (s.active === 'active')
    return { text: `${s.name} (pid  ${pidOf(s.name, s.mainPid)}) is running...`, rc: 0 };
  if (s.active === 'failed') return { text: `${s.name} dead but pid file exists`, rc: 1 };
  return { text: `${s.name} is stopped`, rc: 3 };
}

/** `ldd BINARY | grep libwrap` per daemon binary, as the libwrap section prints it. */
export function renderLibwrap(g: GuestWorld, item: (key: string) => string): string {
  const f = flavourOf(g);
  const bins: { path: string; libwrap: boolean }[] = [];
  const add = (path: string | undefined, libwrap: boolean | undefined) => {
    if (path && !bins.some((b) => b.path === path)) bins.push({ path, libwrap: !!libwrap });
  };
  for (const s of g.services)
    if (s.binary === '/usr/sbin/sshd' || s.binary === '/usr/sbin/vsftpd' || s.binary === '/usr/sbin/xinetd')
      add(s.binary, s.libwrap);
  for (const s of g.services) if (s.active === 'active' && s.listen?.length) add(s.binary, s.libwrap);
  const out: string[] = [];
  for (const b of bins) {
    out.push(`${item(b.path)} rc=${b.libwrap ? 0 : 1}`);
    if (b.libwrap) out.push(`\tlibwrap.so.0 => ${f.libDir}/libwrap.so.0 (0x00007f3b396d2000)`);
  }
  return out.join('\n');
}
