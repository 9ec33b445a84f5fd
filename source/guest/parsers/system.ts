/**
 * The collection's `system` section (`hostname=`, `kernel=`, `uid=`, `uptime=` lines, then /etc/os-release
 * or /etc/redhat-release) and `ldd BINARY | grep libwrap` answers.
 */
import { lines } from './common.js';

export interface SystemInfo {
  hostname?: string;
  kernel?: string;
  os?: string;
  uid?: number;
  /** Seconds since boot, as /proc/uptime gave it (kernel log times are relative to boot). */
  uptime?: number;
}

const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, '$2');

export function parseSystem(text: string): SystemInfo {
  const out: SystemInfo = {};
  const os: Record<string, string> = {};
  for (const line of lines(text)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) {
      const [, k, v] = m;
      if (k === 'hostname' && v.trim()) out.hostname = v.trim();
      else if (k === 'kernel' && v.trim()) out.kernel = v.trim();
      else if (k === 'uid' && /^\d+$/.test(v.trim())) out.uid = Number(v.trim());
      else if (k === 'uptime' && /^\d+(\.\d+)?/.test(v.trim())) out.uptime = Number.parseFloat(v);
      else os[k] = unquote(v);
      continue;
    }
    if (/release/i.test(line) && !out.os) out.os = line.trim();
  }
  const pretty = os.PRETTY_NAME ?? (os.NAME ? `${os.NAME}${os.VERSION ? ` ${os.VERSION}` : ''}` : undefined);
  if (pretty) out.os = pretty;
  return out;
}

/** True when `ldd` output (or a grep of it) names libwrap.so. */
export function linksLibwrap(text: string): boolean {
  return /\blibwrap\.so/.test(text);
}
