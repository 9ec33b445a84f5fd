/**
 * The simulated region's self-description (source/sim/advert.ts), read from the body of the signed
 * pseudo-action DescribeNetdoctorSimulator. Accepts the advert at the top level or under one wrapper key, with
 * camelCase or PascalCase keys, so the client does not depend on how the simulator frames it.
 */
import type { SimAdvert } from '../sim/advert.js';

function lowerFirst(k: string): string {
  return k.charAt(0).toLowerCase() + k.slice(1);
}

function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[lowerFirst(k)] = camel(x);
    return out;
  }
  return v;
}

export function parseSimAdvert(body: unknown): SimAdvert | undefined {
  const b = camel(body) as Record<string, any> | undefined;
  if (!b || typeof b !== 'object') return undefined;
  const candidates = [b, ...Object.values(b).filter((x) => x && typeof x === 'object')];
  for (const c of candidates as Record<string, any>[]) {
    if (typeof c.scenario !== 'string' || typeof c.probeUrl !== 'string') continue;
    const a: SimAdvert = { scenario: c.scenario, probeUrl: c.probeUrl, echoUrl: String(c.echoUrl ?? '') };
    const s = c.ssh;
    if (s && typeof s === 'object' && s.host && s.port)
      a.ssh = {
        host: String(s.host),
        port: Number(s.port),
        hostKey: String(s.hostKey ?? ''),
        hostKeySha256: String(s.hostKeySha256 ?? ''),
        password: String(s.password ?? ''),
      };
    if (typeof c.sshError === 'string' && c.sshError) a.sshError = c.sshError;
    return a;
  }
  return undefined;
}
