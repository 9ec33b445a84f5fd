/**
 * Ranking: account and platform causes first (nothing else matters while the instance is stopped or locked),
 * then the first blocking hop of each intent, then contributing causes, then warnings and information.
 * A RECENT_CHANGE sits right after the finding it explains ("this rule was added at 12:02 by deploy-bot").
 */
import { type Finding, HOPS, type HopId, type PathVerdict, SEVERITY_ORDER } from '../model/index.js';

const PLATFORM_FIRST = new Set([
  'INSTANCE_LOCKED',
  'INSTANCE_NOT_RUNNING',
  'EIP_NOT_ASSOCIATED',
  'EIP_ASSOCIATED_ELSEWHERE',
  'NO_PUBLIC_ADDRESS',
  'PUBLIC_BANDWIDTH_ZERO',
]);

const CONFIDENCE_ORDER = { certain: 0, likely: 1, uncertain: 2 } as const;

function hopIndex(h?: HopId): number {
  return h ? HOPS.indexOf(h) : HOPS.length;
}

export function rankFindings(findings: Finding[], paths: PathVerdict[]): Finding[] {
  // First blocking hop per intent, and the order of intents.
  const firstBlock = new Map<string, HopId>();
  const intentOrder = new Map<string, number>();
  paths.forEach((p, i) => {
    intentOrder.set(p.intent.id, i);
    if (p.blockedAt) firstBlock.set(p.intent.id, p.blockedAt);
  });
  const isFirstBlock = (f: Finding) =>
    !!f.hop && (f.intentIds ?? []).some((id) => firstBlock.get(id) === f.hop);
  const minIntent = (f: Finding) =>
    Math.min(...(f.intentIds ?? []).map((id) => intentOrder.get(id) ?? 99), 99);

  const key = (f: Finding): number[] => {
    let tier: number;
    if (f.severity === 'critical' && PLATFORM_FIRST.has(f.code)) tier = 0;
    else if (f.severity === 'critical' && isFirstBlock(f)) tier = 1;
    else if (f.severity === 'critical' && f.code !== 'SOURCE_UNAVAILABLE') tier = 2;
    else if (f.severity === 'critical') tier = 3;
    else tier = 3 + SEVERITY_ORDER[f.severity];
    return [tier, minIntent(f), hopIndex(f.hop), CONFIDENCE_ORDER[f.confidence]];
  };

  // A finding that explains another (a change that made a rule, a failed service behind a lost address) sits after it.
  const linked = (f: Finding) =>
    typeof f.evidence.explains === 'string' && findings.some((x) => x.id === f.evidence.explains);
  const causes = findings.filter((f) => !linked(f));
  const changes = findings.filter(linked);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const sorted = causes
    .map((f, i) => ({ f, k: [...key(f), i] }))
    .sort((a, b) => cmp(a.k, b.k))
    .map((x) => x.f);

  // Place each change after the finding it explains (evidence.explains = finding id), else by its own key.
  const out: Finding[] = [];
  const placed = new Set<Finding>();
  for (const f of sorted) {
    out.push(f);
    for (const c of changes) {
      if (!placed.has(c) && c.evidence.explains === f.id) {
        out.push(c);
        placed.add(c);
      }
    }
  }
  const rest = changes.filter((c) => !placed.has(c)).sort((a, b) => cmp(key(a), key(b)));
  const all = [...out, ...rest];
  return all.map((f, i) => ({ ...f, rank: i + 1 }));
}
