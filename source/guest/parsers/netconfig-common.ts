/** What the netconfig parsers share (netconfig.ts, netconfig-netplan.ts): file type, address helpers, names. */
import type { ConfiguredAddress } from '../../model/index.js';
import { warn } from './common.js';

export interface NetconfigFile {
  path: string;
  body: string;
}

/** What the parser needs to know of the guest's interfaces to resolve a MAC or an ifindex to a name. */
export interface IfaceRef {
  name: string;
  index?: number;
  mac?: string;
}

export interface Ctx {
  ifaces: IfaceRef[];
  warnings: string[];
}

export function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

/** `255.255.255.0` → 24, or a bare prefix length `24` → 24; undefined when it is neither. */
export function maskToPrefix(mask: string): number | undefined {
  if (/^\d{1,2}$/.test(mask)) return Number(mask) <= 32 ? Number(mask) : undefined;
  if (!isIPv4(mask)) return undefined;
  const n = mask.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const bits = n.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}

/** `A/N` or `A` (prefix from `mask`) → the address and its prefix; undefined for IPv6 or garbage. */
export function splitCidr(s: string, mask?: string): { address: string; prefixLen?: number } | undefined {
  const [address, len] = s.trim().split('/');
  if (!isIPv4(address)) return undefined;
  if (len !== undefined) {
    const p = maskToPrefix(len);
    return p === undefined ? undefined : { address, prefixLen: p };
  }
  return { address, prefixLen: mask ? maskToPrefix(mask) : undefined };
}

export const normMac = (m: string) => m.trim().toLowerCase().replace(/-/g, ':');

/** The interface a file means: its name, else the interface with its MAC or ifindex; '' when none has it. */
export function resolveIface(ctx: Ctx, by: { name?: string; mac?: string; index?: number }): string {
  if (by.name) return by.name;
  if (by.mac) return ctx.ifaces.find((i) => i.mac && normMac(i.mac) === normMac(by.mac!))?.name ?? '';
  if (by.index !== undefined) return ctx.ifaces.find((i) => i.index === by.index)?.name ?? '';
  return '';
}

export function entry(
  base: Omit<ConfiguredAddress, 'address' | 'prefixLen'>,
  cidr: { address: string; prefixLen?: number },
  ctx: Ctx,
): ConfiguredAddress {
  const e: ConfiguredAddress = { ...base, address: cidr.address, prefixLen: cidr.prefixLen ?? 32 };
  if (cidr.prefixLen === undefined)
    warn(ctx.warnings, `${base.file}: ${cidr.address} has no netmask or prefix length; /32 assumed`);
  for (const k of ['line', 'gateway', 'mac'] as const) if (e[k] === undefined) delete e[k];
  return e;
}

export const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, '$2');

export function globMatch(glob: string, name: string): boolean {
  const re = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}
