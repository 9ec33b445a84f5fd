/** Building findings: one constructor so every finding has its layer, id and defaults right. */
import {
  type Confidence,
  type Evidence,
  FINDING_LAYER,
  type Finding,
  type FindingCode,
  type HopId,
  type Severity,
} from '../model/index.js';

export interface FindingInput {
  code: FindingCode;
  severity: Severity;
  title: string;
  detail?: string;
  confidence?: Confidence;
  evidence?: Evidence;
  /** What makes this finding unique within a verdict (a rule id, an interface name…). */
  key?: string;
  remedies?: string[];
  advice?: string[];
  hop?: HopId;
  intentIds?: string[];
}

export function makeFinding(f: FindingInput): Finding {
  const out: Finding = {
    id: f.key ? `${f.code}:${f.key}` : f.code,
    code: f.code,
    severity: f.severity,
    layer: FINDING_LAYER[f.code],
    confidence: f.confidence ?? 'certain',
    title: f.title,
    evidence: f.evidence ?? {},
    remedies: f.remedies ?? [],
    rank: 0,
  };
  if (f.detail !== undefined) out.detail = f.detail;
  if (f.advice?.length) out.advice = f.advice;
  if (f.hop) out.hop = f.hop;
  if (f.intentIds?.length) out.intentIds = f.intentIds;
  return out;
}

/** Merges findings with the same id: union of intents, strongest severity and confidence kept. */
export function mergeFindings(list: Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  const sev: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
  const conf: Record<Confidence, number> = { certain: 0, likely: 1, uncertain: 2 };
  for (const f of list) {
    const prev = byId.get(f.id);
    if (!prev) {
      byId.set(f.id, { ...f, intentIds: f.intentIds ? [...f.intentIds] : undefined });
      continue;
    }
    if (sev[f.severity] < sev[prev.severity]) prev.severity = f.severity;
    if (conf[f.confidence] < conf[prev.confidence]) prev.confidence = f.confidence;
    if (f.intentIds) prev.intentIds = [...new Set([...(prev.intentIds ?? []), ...f.intentIds])];
    if (!prev.hop && f.hop) prev.hop = f.hop;
    for (const r of f.remedies) if (!prev.remedies.includes(r)) prev.remedies.push(r);
  }
  for (const f of byId.values()) if (!f.intentIds) delete f.intentIds;
  return [...byId.values()];
}
