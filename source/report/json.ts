/** `check --json`: the stable contract of DESIGN.md §3, and the exit code that goes with it. */
import { intentJson, type PathVerdict, type Verdict } from '../model/index.js';

export interface RemedySummary {
  id: string;
  title: string;
  risk: string;
  findingIds: string[];
}

export function verdictJson(v: Verdict, remedies: RemedySummary[] = []): Record<string, unknown> {
  const target: Record<string, unknown> = { ...v.target };
  return {
    target,
    verdicts: v.verdicts.map((p) => pathJson(p)),
    findings: v.findings.map((f) => ({
      id: f.id,
      code: f.code,
      severity: f.severity,
      layer: f.layer,
      confidence: f.confidence,
      rank: f.rank,
      title: f.title,
      ...(f.detail ? { detail: f.detail } : {}),
      ...(f.hop ? { hop: f.hop } : {}),
      ...(f.intentIds ? { intents: f.intentIds } : {}),
      evidence: f.evidence,
      remedies: f.remedies,
      ...(f.advice ? { advice: f.advice } : {}),
    })),
    remedies,
    sources: v.sources,
    ...(v.operator ? { operator: v.operator } : {}),
    ...(v.scope ? { scope: v.scope } : {}),
    at: new Date(v.at).toISOString(),
  };
}

function pathJson(p: PathVerdict): Record<string, unknown> {
  return {
    intent: intentJson(p.intent),
    result: p.result,
    confidence: p.confidence,
    ...(p.blockedAt ? { blockedAt: p.blockedAt } : {}),
    ...(p.probe ? { probe: p.probe } : {}),
    path: p.path.map((h) => ({
      hop: h.hop,
      leg: h.leg,
      layer: h.layer,
      state: h.state,
      confidence: h.confidence,
      detail: h.detail,
      evidence: h.evidence,
    })),
  };
}

/**
 * 0: every intent delivered and no critical finding; 1: a path is blocked or a critical finding stands;
 * 3: not enough could be collected to decide. (2 is for usage and configuration errors, raised before this.)
 */
export function exitCode(v: Verdict): 0 | 1 | 3 {
  const blocked = v.verdicts.some((p) => p.result === 'DROPPED');
  const critical = v.findings.some((f) => f.severity === 'critical' && f.code !== 'SOURCE_UNAVAILABLE');
  if (blocked || critical) return 1;
  if (v.verdicts.length > 0 && v.verdicts.every((p) => p.result === 'DELIVERED')) return 0;
  return 3;
}
