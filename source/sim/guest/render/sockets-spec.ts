/** A simulated socket, and the world's socket texts (`0.0.0.0:22`, `[::]:22/tcp`, `udp *:53`) read into one. */
import { splitSpec, stableHash } from './format.js';

export interface SimSocket {
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  state: string;
  local: { address: string; port: number };
  peer: { address: string; port: number };
  /** For IPv6 wildcard sockets: true prints `[::]`, false prints `*` (dual stack). */
  v6only?: boolean;
  process?: { name: string; pid: number; fd: number };
  /** The systemd unit the process belongs to (for `ss -e`'s cgroup). */
  unit?: string;
  inode: number;
}

export const basename = (p: string) => p.replace(/^.*\//, '');

export function parseListen(s: string): { proto: 'tcp' | 'udp'; spec: string } {
  const t = s.trim();
  const pre = /^(tcp|udp)\s+(.*)$/.exec(t);
  if (pre) return { proto: pre[1] as 'tcp' | 'udp', spec: pre[2] };
  const suf = /^(.*)\/(tcp|udp)$/.exec(t);
  if (suf) return { proto: suf[2] as 'tcp' | 'udp', spec: suf[1] };
  return { proto: 'tcp', spec: t };
}

export function addressOf(spec: string): { address: string; port: number; family: 4 | 6; v6only?: boolean } {
  const raw = spec.trim();
  const { address, port } = splitSpec(raw);
  if (address === '*') return { address: '::', port, family: 6, v6only: false };
  const family: 4 | 6 = address.includes(':') ? 6 : 4;
  const r: { address: string; port: number; family: 4 | 6; v6only?: boolean } = { address, port, family };
  if (address === '::') r.v6only = true;
  return r;
}

export function wildcardPeer(family: 4 | 6): { address: string; port: number } {
  return { address: family === 4 ? '0.0.0.0' : '::', port: 0 };
}

export function pidOf(name: string, mainPid?: number): number {
  return mainPid ?? 1000 + (stableHash(name) % 30000);
}

export const isListening = (s: SimSocket) =>
  s.state === 'LISTEN' || (s.proto === 'udp' && s.state === 'UNCONN');
