/** Small formatters shared by panels: time of day, ages, rates, ports. Local time zone (TZ) throughout. */
import type { PortRange } from '../../model/index.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `12:25:03` in the process's time zone. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `11-20 12:25` for older events, `12:25:03` for today's (relative to `now`). */
export function stamp(ms: number, now: number): string {
  const d = new Date(ms);
  const n = new Date(now);
  if (d.toDateString() === n.toDateString()) return clock(ms);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** ISO time → local `2026-11-20 12:00:12`. */
export function isoLocal(iso: string | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(t)}`;
}

/** `3s`, `4m`, `2h`, `3d`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** bits/s → `3.9 Mbit/s`, `42 kbit/s`. */
export function bps(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '?';
  if (v >= 1e9) return `${trim(v / 1e9)} Gbit/s`;
  if (v >= 1e6) return `${trim(v / 1e6)} Mbit/s`;
  if (v >= 1e3) return `${trim(v / 1e3)} kbit/s`;
  return `${Math.round(v)} bit/s`;
}

function trim(n: number): string {
  if (n >= 100) return String(Math.round(n));
  return n.toFixed(n >= 10 ? 1 : 2).replace(/\.?0+$/, '');
}

export function count(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '?';
  return v >= 10_000 ? `${trim(v / 1000)}k` : String(Math.round(v * 10) / 10);
}

/** `443`, `8000-8080`, `all`. */
export function ports(p: PortRange | undefined): string {
  if (!p || p.from === -1 || (p.from <= 1 && p.to >= 65535)) return 'all';
  return p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
}

/** `0.0.0.0:22`, `[::]:22`, `*:*`. */
export function hostPort(address: string, port: number): string {
  const a = address.includes(':') ? `[${address}]` : address;
  return `${a}:${port === 0 ? '*' : port}`;
}

/** ISO time → `stamp()` relative to `now` (`12:00:12` today, `03-02 06:11` before). */
export function isoStamp(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : stamp(t, now);
}
