/**
 * diagnose(snapshot, intents) → Verdict. Pure: no I/O, no clock (time comes in the snapshot). One path per intent,
 * the findings its blocked hops support, the findings that hold whatever the intent, the audit-trail changes that
 * explain them, ranked — account and platform causes first, then the first blocking hop, then the rest.
 */
import type { Finding, Intent, PathVerdict, Snapshot, Verdict } from '../model/index.js';
import { ephemeralSettings, ephemeralUsage } from './evaluate/sockets.js';
import { makeFinding, mergeFindings } from './finding.js';
import { outbound } from './intents.js';
import { buildPath, pathEnv } from './path/build.js';
import { rankFindings } from './rank.js';
import { changeFindings } from './rules/changes.js';
import {
  conntrackFindings,
  dnsFindings,
  networkServiceFindings,
  nicFindings,
  routeFindings,
} from './rules/guest-health.js';
import { configuredAddressFindings } from './rules/net-config.js';
import { bandwidthFindings, eipFindings, instanceFindings, resourceFindings } from './rules/platform.js';
import { sourceFindings } from './rules/sources.js';

export { defaultIntents, parseIntentSpec } from './intents.js';

/** Platform findings are about one resource whatever the intent: one finding per (code, resource). */
const PER_RESOURCE = new Set(['EIP_NOT_ASSOCIATED', 'EIP_ASSOCIATED_ELSEWHERE', 'PUBLIC_BANDWIDTH_ZERO']);
/** …and these are about the instance itself, however many hops and intents report them. */
const PER_INSTANCE = new Set([
  'INSTANCE_NOT_RUNNING',
  'INSTANCE_LOCKED',
  'NO_PUBLIC_ADDRESS',
  'NO_INTERNET_EGRESS',
]);

function normaliseIds(list: Finding[], instanceId: string | undefined): Finding[] {
  return list.map((f) => {
    const res = typeof f.evidence.resource === 'string' ? f.evidence.resource : undefined;
    if (PER_INSTANCE.has(f.code)) return { ...f, id: `${f.code}:${instanceId ?? res ?? 'target'}` };
    return PER_RESOURCE.has(f.code) && res ? { ...f, id: `${f.code}:${res}` } : f;
  });
}

/** DNS: the path to the first nameserver on udp/53, then the lookups themselves. */
function dnsPath(
  intent: Intent,
  snapshot: Snapshot,
  env: ReturnType<typeof pathEnv>,
): { verdict: PathVerdict; findings: Finding[] } {
  const ns = snapshot.guest?.resolv.value?.nameservers[0];
  const concrete = ns
    ? {
        ...outbound('udp', 53, ns.includes(':') ? `${ns}/128` : `${ns}/32`),
        id: intent.id,
        label: intent.label,
        toKind: 'dns' as const,
      }
    : intent;
  const { verdict, findings } = buildPath(concrete, env);
  verdict.intent = intent;
  const dns = snapshot.guest ? dnsFindings(snapshot.guest) : [];
  const lookups = snapshot.guest?.dns.value;
  const bad = dns.find((f) => f.severity === 'critical');
  const hop = !snapshot.guest
    ? {
        hop: 'dns' as const,
        leg: 'forward' as const,
        layer: 'guest' as const,
        state: 'NOT_CHECKED' as const,
        confidence: 'certain' as const,
        detail: env.guestWhy,
        evidence: {},
      }
    : bad
      ? {
          hop: 'dns' as const,
          leg: 'forward' as const,
          layer: 'guest' as const,
          state: 'BLOCKED' as const,
          confidence: bad.confidence,
          detail: bad.title,
          evidence: bad.evidence,
        }
      : lookups?.length
        ? {
            hop: 'dns' as const,
            leg: 'forward' as const,
            layer: 'guest' as const,
            state: 'OK' as const,
            confidence: 'certain' as const,
            detail: `${lookups
              .filter((l) => l.ok)
              .map(
                (l) => `${l.name}${l.server ? ` @${l.server}` : ''} → ${l.addresses.slice(0, 2).join(', ')}`,
              )
              .join('; ')}`,
            evidence: { lookups },
          }
        : {
            hop: 'dns' as const,
            leg: 'forward' as const,
            layer: 'guest' as const,
            state: 'UNCERTAIN' as const,
            confidence: 'uncertain' as const,
            detail: 'no lookup result',
            evidence: {},
          };
  const fwd = verdict.path.filter((h) => h.leg === 'forward');
  const ret = verdict.path.filter((h) => h.leg === 'return');
  verdict.path = [...fwd, hop, ...ret];
  if (hop.state === 'BLOCKED' && verdict.result !== 'DROPPED') {
    verdict.result = 'DROPPED';
    verdict.blockedAt = 'dns';
  } else if (hop.state !== 'OK' && verdict.result === 'DELIVERED') verdict.result = 'UNKNOWN';
  const netBlock = verdict.path.find((h) => h.state === 'BLOCKED' && h.hop !== 'dns');
  const symptoms = dns.map((f) =>
    netBlock
      ? {
          ...f,
          intentIds: [intent.id],
          remedies: [],
          detail:
            `${f.detail ?? ''} udp/53 to the resolver is blocked at ${netBlock.hop}: fix that first.`.trim(),
        }
      : { ...f, intentIds: [intent.id] },
  );
  return { verdict, findings: [...findings, ...symptoms] };
}

export function diagnose(snapshot: Snapshot, intents: Intent[]): Verdict {
  const env = pathEnv(snapshot);
  const verdicts: PathVerdict[] = [];
  let findings: Finding[] = [];
  const pathFindings: Finding[] = [];
  for (const intent of intents) {
    const r = intent.toKind === 'dns' ? dnsPath(intent, snapshot, env) : buildPath(intent, env);
    verdicts.push(r.verdict);
    pathFindings.push(...r.findings);
  }

  const inst = snapshot.cloud?.instance.value;
  const at = snapshot.at;
  if (inst && snapshot.cloud) {
    findings.push(...instanceFindings(inst));
    const metrics = snapshot.cloud.metrics.value ?? [];
    const eips = snapshot.cloud.eips.value ?? [];
    findings.push(
      ...resourceFindings(inst, metrics, at),
      ...bandwidthFindings(inst, eips, metrics, at),
      ...eipFindings(snapshot, inst, eips),
    );
    const assist = snapshot.cloud.assistant.value;
    const guestDown = !snapshot.guest;
    if (assist && !assist.online && inst.status === 'Running') {
      findings.push(
        makeFinding({
          code: 'ASSISTANT_UNAVAILABLE',
          severity: guestDown ? 'critical' : 'warning',
          key: inst.id,
          title: `Cloud Assistant is offline on ${inst.id}`,
          detail: guestDown
            ? 'SSH failed and Cloud Assistant is offline: the guest cannot be checked. Use VNC (ECS console › Connect › VNC) to reach it.'
            : 'If SSH breaks, there is no second way in. Restart the agent: systemctl restart aliyun.service (Linux).',
          evidence: { resource: inst.id, rule: assist },
        }),
      );
    }
  }
  if (
    snapshot.guestError?.code === 'ASSISTANT_UNAVAILABLE' &&
    !findings.some((f) => f.code === 'ASSISTANT_UNAVAILABLE')
  ) {
    findings.push(
      makeFinding({
        code: 'ASSISTANT_UNAVAILABLE',
        severity: 'warning',
        key: snapshot.target.instanceId ?? 'guest',
        title: 'Cloud Assistant could not run the collection',
        detail: snapshot.guestError.message,
        evidence: { error: snapshot.guestError },
        advice: snapshot.guestError.hint ? [snapshot.guestError.hint] : undefined,
      }),
    );
  }
  const g = snapshot.guest;
  if (g) {
    // Configured addresses first: for an address both checks miss, the kept evidence names the file and line.
    findings.push(...configuredAddressFindings(g, inst));
    findings.push(...nicFindings(g, inst), ...routeFindings(g), ...conntrackFindings(g, at));
    if (!intents.some((i) => i.toKind === 'dns')) findings.push(...dnsFindings(g));
    const severe = findings.some(
      (f) => f.severity === 'critical' && (f.code === 'GUEST_NIC_DOWN' || f.code === 'GUEST_ADDRESS_MISSING'),
    );
    findings.push(...networkServiceFindings(g, severe));
    if (g.sockets.value && env.guest) {
      const u = ephemeralUsage(env.guest.sockets, ephemeralSettings(g.sysctls.value));
      if (u.code)
        findings.push(
          makeFinding({
            code: u.code,
            severity: u.level === 'exhausted' ? 'critical' : 'warning',
            key: u.worst?.peer,
            title: `Local ports ${u.level === 'exhausted' ? 'exhausted' : 'nearly exhausted'} towards ${u.worst?.peer ?? 'one destination'}`,
            detail: u.detail,
            evidence: { usage: u },
            hop: 'guest-route',
            remedies: ['guest-port-range'],
          }),
        );
    }
  }
  findings.push(...sourceFindings(snapshot));
  // Findings about a resource come first so their titles win the merge; the paths add the intents they block.
  findings = mergeFindings(normaliseIds([...findings, ...pathFindings], snapshot.target.instanceId));
  const lost = findings.find((f) => f.code === 'GUEST_ADDRESS_MISSING' || f.code === 'GUEST_NIC_DOWN');
  for (const f of findings)
    if (f.code === 'NETWORK_SERVICE_DOWN' && lost) f.evidence = { ...f.evidence, explains: lost.id };

  const involved = new Set<string>();
  for (const f of findings) if (typeof f.evidence.resource === 'string') involved.add(f.evidence.resource);
  if (inst)
    for (const id of [inst.id, ...inst.securityGroupIds, inst.eip?.allocationId, inst.vSwitchId])
      if (id) involved.add(id);
  findings.push(...changeFindings(snapshot.cloud?.events.value ?? [], findings, involved, at));

  const verdict: Verdict = {
    at,
    target: snapshot.target,
    verdicts,
    findings: rankFindings(findings, verdicts),
    sources: snapshot.sources,
    operator: {
      ...(snapshot.operator.egressIp ? { egressIp: snapshot.operator.egressIp } : {}),
      source: snapshot.operator.source,
    },
  };
  return verdict;
}
