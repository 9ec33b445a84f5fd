/**
 * Test tiers that need more than Node (root, network namespaces, sshd, a terminal). Outside CI a missing
 * prerequisite skips the tier with a loud reason; under CI it fails, so nothing is skipped silently.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface TierCheck {
  ok: boolean;
  why?: string;
}

function has(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let hostCache: TierCheck | undefined;
/** Root, `ip netns`, sshd, iptables and nft available. */
export function hostTier(): TierCheck {
  if (hostCache) return hostCache;
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const b of ['ip', 'iptables', 'iptables-save', 'nft', 'ssh', 'ssh-keygen'])
    if (!has(b)) missing.push(b);
  if (!existsSync('/usr/sbin/sshd')) missing.push('/usr/sbin/sshd (openssh-server)');
  hostCache = missing.length ? { ok: false, why: `host tier needs ${missing.join(', ')}` } : { ok: true };
  return hostCache;
}

export const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * Returns true when the tier can run. Under CI a missing prerequisite throws (a red run, with the reason).
 * Use as: `describe.runIf(tierReady(hostTier()))(…)`.
 */
export function tierReady(check: TierCheck): boolean {
  if (check.ok) return true;
  if (inCI) throw new Error(`CI must run this tier, but: ${check.why}. .ci/run installs what it needs.`);
  console.warn(`\n⚠ SKIPPING a test tier: ${check.why}\n`);
  return false;
}
