/**
 * Reading `check --json` in host-tier tests: the parts of the DESIGN.md §3 contract the tests assert, and what
 * "no cloud account" must look like in it.
 */
import { expect } from 'vitest';
import type { CliResult } from '../../support/cli.js';

/** Hops only a cloud account can see: with --ssh alone they must all be NOT_CHECKED. */
const CLOUD_LAYERS = new Set(['platform', 'cloud-network']);

interface HopJson {
  hop: string;
  layer: string;
  state: string;
  detail: string;
  evidence: Record<string, unknown>;
}
interface PathJson {
  intent: { id: string };
  result: string;
  blockedAt?: string;
  path: HopJson[];
}
export interface CheckJson {
  target: Record<string, unknown>;
  verdicts: PathJson[];
  findings: { code: string; severity: string; layer: string; evidence: Record<string, unknown> }[];
  sources: { name: string }[];
}

export function parsed(r: CliResult): CheckJson {
  try {
    return JSON.parse(r.stdout) as CheckJson;
  } catch {
    throw new Error(`check printed no JSON (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
  }
}

/** `--ssh` alone: a target without instance or region, no cloud source, every cloud hop NOT_CHECKED and why. */
export function expectCloudNotChecked(j: CheckJson): void {
  expect(j.target.kind).toBe('ssh');
  expect(j.target.instanceId).toBeUndefined();
  expect(j.target.region).toBeUndefined();
  expect(j.sources.map((s) => s.name)).not.toContain('cloud');
  expect(j.verdicts.length).toBeGreaterThan(0);
  for (const v of j.verdicts) {
    const cloud = v.path.filter((h) => CLOUD_LAYERS.has(h.layer));
    expect(cloud.length, `${v.intent.id} has no cloud hops`).toBeGreaterThan(0);
    for (const h of cloud) {
      expect(h.state, `${v.intent.id} ${h.hop}`).toBe('NOT_CHECKED');
      expect(h.detail).toMatch(/no cloud account/);
    }
  }
  expect(j.findings.filter((f) => CLOUD_LAYERS.has(f.layer))).toEqual([]);
}
