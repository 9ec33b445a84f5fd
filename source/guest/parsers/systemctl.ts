/**
 * `systemctl show -p Id,LoadState,ActiveState,SubState,MainPID,Result,ExecMainStatus,ActiveEnterTimestamp,
 * InactiveEnterTimestamp,Description,ExecStart UNIT…`: one `Key=Value` block per unit, blocks separated by a
 * blank line, properties in systemd's own order (service properties, then unit properties). Units that do
 * not exist come back with `LoadState=not-found`; they are dropped unless `keepNotFound` is set.
 */
import type { GuestService } from '../../model/index.js';
import { lines, type Parsed, toInt, warn } from './common.js';

/**
 * systemd timestamps (`Wed 2019-01-16 10:20:56 CST`, `Mon 2026-08-18 09:12:31 UTC`, `@1791204607`) →
 * ISO 8601. UTC/GMT and numeric offsets become exact; other zone names are ambiguous (CST is China
 * Standard Time on Alibaba images and US Central elsewhere), so the local time is kept without an offset.
 */
export function systemdTimeToIso(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const s = v.trim();
  if (!s || s === 'n/a' || s === '0') return undefined;
  const epoch = /^@(\d+)$/.exec(s);
  if (epoch) return new Date(Number(epoch[1]) * 1000).toISOString().replace('.000Z', 'Z');
  const m = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:\s+(\S+))?/.exec(s);
  if (!m) return undefined;
  const local = `${m[1]}T${m[2]}`;
  const zone = m[3];
  if (!zone) return local;
  if (zone === 'UTC' || zone === 'GMT' || zone === 'Z') return `${local}Z`;
  const off = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (off) return `${local}${off[1]}${off[2]}:${off[3]}`;
  return local;
}

/** `{ path=/usr/sbin/sshd ; argv[]=/usr/sbin/sshd -D ; … }` → `/usr/sbin/sshd`. */
export function execStartPath(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /path=([^\s;}]+)/.exec(v);
  return m ? m[1] : undefined;
}

export function parseSystemctlShow(
  text: string,
  opts: { keepNotFound?: boolean } = {},
): Parsed<GuestService[]> {
  const warnings: string[] = [];
  const out: GuestService[] = [];
  const blocks: Record<string, string>[] = [];
  let cur: Record<string, string> = {};
  const push = () => {
    if (Object.keys(cur).length) blocks.push(cur);
    cur = {};
  };
  for (const line of lines(text)) {
    if (!line.trim()) {
      push();
      continue;
    }
    const i = line.indexOf('=');
    if (i <= 0) {
      warn(warnings, `systemctl show: not a Key=Value line: ${line.slice(0, 80)}`);
      continue;
    }
    const key = line.slice(0, i).trim();
    // A repeated Id= without a blank line in between starts the next unit (some wrappers strip blanks).
    if (key === 'Id' && cur.Id !== undefined) push();
    cur[key] = line.slice(i + 1);
  }
  push();
  for (const b of blocks) {
    const unit = b.Id ?? b.Names?.split(/\s+/)[0];
    if (!unit) {
      warn(warnings, 'systemctl show: a block without Id was skipped');
      continue;
    }
    if (b.LoadState === 'not-found' && !opts.keepNotFound) continue;
    const svc: GuestService = {
      name: unit.replace(/\.service$/, ''),
      unit,
      active: b.ActiveState || 'unknown',
      via: 'systemctl',
    };
    if (b.LoadState) svc.loadState = b.LoadState;
    if (b.SubState) svc.sub = b.SubState;
    const pid = toInt(b.MainPID);
    if (pid) svc.mainPid = pid;
    if (b.Result) svc.result = b.Result;
    const st = toInt(b.ExecMainStatus);
    if (st !== undefined) svc.execMainStatus = st;
    const since = systemdTimeToIso(
      svc.active === 'active' || svc.active === 'reloading'
        ? b.ActiveEnterTimestamp
        : b.InactiveEnterTimestamp,
    );
    if (since) svc.since = since;
    if (b.Description) svc.description = b.Description;
    const bin = execStartPath(b.ExecStart);
    if (bin) svc.binary = bin;
    out.push(svc);
  }
  return { value: out, warnings };
}

/**
 * One `service NAME status` (SysV/LSB) or `pidof NAME` answer, as the collection's fallback records it.
 * LSB status exit codes: 0 running, 1 dead with a pid file, 2 dead with a lock file, 3 not running,
 * 4 unknown (usually: no such service).
 */
export function parseServiceStatus(
  name: string,
  text: string,
  rc: number,
  via: 'service' | 'pidof',
): GuestService | undefined {
  const body = lines(text).join('\n');
  if (via === 'pidof') {
    const pids = body
      .split(/\s+/)
      .map((p) => toInt(p))
      .filter((p): p is number => p !== undefined);
    const svc: GuestService = { name, active: rc === 0 && pids.length ? 'active' : 'inactive', via: 'pidof' };
    if (pids.length) svc.mainPid = Math.min(...pids);
    return svc;
  }
  if (rc === 4 || /unrecognized service|could not be found|not-found/i.test(body)) return undefined;
  let active = rc === 0 ? 'active' : rc === 1 || rc === 2 ? 'failed' : rc === 3 ? 'inactive' : 'unknown';
  if (rc !== 0 && /\bis running\b/.test(body) && !/not running/.test(body)) active = 'active';
  const svc: GuestService = { name, active, via: 'service' };
  const pid = /pid\s+(\d+)/.exec(body) ?? /\(pid\s+(\d+)\)/.exec(body);
  if (pid) svc.mainPid = Number(pid[1]);
  return svc;
}
