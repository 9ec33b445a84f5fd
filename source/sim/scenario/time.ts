/**
 * Times in scenario files: offsets from the moment the scenario is loaded (`-25m`, `-2h`, `-3d`, `-90s`,
 * `+5m`, `now`) or absolute ISO times; and `{{…}}` templates that put such a moment into text the way a tool
 * prints it (kernel log lines, systemd timestamps).
 */

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `-25m` → -1_500_000; `now` → 0; undefined when `s` is not an offset. */
export function parseOffset(s: string): number | undefined {
  const t = s.trim();
  if (t === 'now') return 0;
  const m = /^([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(t);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNITS[m[3]];
}

/** An offset (`-25m`) or an ISO time → epoch ms; undefined when it is neither. */
export function parseTime(v: unknown, epoch: number): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string') return undefined;
  const off = parseOffset(v);
  if (off !== undefined) return epoch + off;
  if (!/^\d{4}-\d{2}-\d{2}/.test(v.trim())) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `Nov 26 11:40:02` (syslog / `journalctl -k` short format, UTC). */
function syslog(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `Wed 2025-11-26 11:40:02 UTC` (systemctl's timestamp format). */
function systemd(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** `[ 86123.456789]`-style seconds since boot (dmesg), without the brackets. */
function dmesg(ms: number, boot: number): string {
  const s = Math.max(0, ms - boot) / 1000;
  return `${Math.floor(s).toString().padStart(5, ' ')}.${pad(Math.round((s % 1) * 1e6), 6)}`;
}

/**
 * Replaces `{{FORMAT:OFFSET}}` in text: FORMAT is `iso` (ISO 8601), `syslog` (`Nov 26 11:40:02`),
 * `systemd` (`Wed 2025-11-26 11:40:02 UTC`), `dmesg` (seconds since `boot`) or `epoch` (ms).
 * Returns the problem as a string when a template is malformed (the loader names file and path).
 */
export function expandTemplates(text: string, epoch: number, boot: number): string | { error: string } {
  let error: string | undefined;
  const out = text.replace(/\{\{\s*([a-z]+)\s*:\s*([^}]+?)\s*\}\}/g, (whole, fmt: string, when: string) => {
    const t = parseTime(when, epoch);
    if (t === undefined) {
      error ??= `template ${whole}: "${when}" is not a time (use -25m, -2h, -3d or an ISO time)`;
      return whole;
    }
    switch (fmt) {
      case 'iso':
        return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
      case 'syslog':
        return syslog(t);
      case 'systemd':
        return systemd(t);
      case 'dmesg':
        return dmesg(t, boot);
      case 'epoch':
        return String(t);
      default:
        error ??= `template ${whole}: unknown format "${fmt}" (iso, syslog, systemd, dmesg, epoch)`;
        return whole;
    }
  });
  return error ? { error } : out;
}
