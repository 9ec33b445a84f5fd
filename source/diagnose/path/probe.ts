/**
 * Reconciling the model with what the network really did. A probe classifies the symptom first (timeout,
 * refused, reset, delivered); the verdict must agree with it or say why it does not (DESIGN.md §4).
 */
import type { Hop, Intent, PathResult, ProbeAgreement, TcpProbe } from '../../model/index.js';

/** What a TCP connect from outside should see given the first blocked hop. */
export function expectedOutcome(result: PathResult, blocked?: Hop): string[] {
  if (result === 'DELIVERED') return ['delivered'];
  if (result === 'UNKNOWN' || !blocked) return ['delivered', 'refused', 'reset', 'timeout', 'unreachable'];
  switch (blocked.hop) {
    case 'listener':
    case 'service':
      return ['refused'];
    case 'tcp-wrappers':
    // tcpd accepts the connection, then closes it without a banner.      return ['delivered', 'reset'];
    case 'guest-firewall-in': {
      const v = (blocked.evidence.rule as { target?: string } | undefined)?.target;
      const lines = (blocked.evidence.lines as string[] | undefined) ?? [];
      const reject = v === 'REJECT' || lines.some((l) => /REJECT|reject/.test(l));
      // The kernel rate-limits ICMP errors: a REJECT can look like a timeout when probed repeatedly.
      return reject ? ['refused', 'unreachable', 'timeout'] : ['timeout'];
    }
    default:
      return ['timeout'];
  }
}

export function reconcile(
  intent: Intent,
  result: PathResult,
  path: Hop[],
  probe: TcpProbe | undefined,
): ProbeAgreement | undefined {
  if (!probe || probe.outcome === 'error') return undefined;
  const blocked =
    path.find((h) => h.state === 'BLOCKED' && h.leg === 'forward') ?? path.find((h) => h.state === 'BLOCKED');
  const expected = expectedOutcome(result, blocked);
  const agrees = expected.includes(probe.outcome);
  const where = blocked ? `${blocked.hop}` : 'nowhere';
  let note: string;
  if (result === 'UNKNOWN')
    note = `the model could not decide; the probe saw ${probe.outcome} in ${Math.round(probe.ms)} ms`;
  else if (agrees)
    note =
      result === 'DELIVERED'
        ? `connected to ${probe.host}:${probe.port} in ${Math.round(probe.ms)} ms, as the model says`
        : `${probe.outcome}, as expected of a block at ${where}`;
  else if (probe.outcome === 'delivered')
    note =
      intent.fromKind === 'internet'
        ? `your probe connected although the model blocks ${where} for the internet as a whole: your address may be among those allowed, or a rule netdoctor cannot see lets it through`
        : `the probe connected although the model blocks it at ${where}: something netdoctor cannot see (a stale fact, an unmodelled rule) differs — refresh, and trust the probe`;
  else if (result === 'DELIVERED')
    note = `the model finds the path open, but the probe saw ${probe.outcome}: something outside netdoctor's view drops or refuses it (Cloud Firewall, a DDoS blackhole, an ISP or your own network's egress filter)`;
  else
    note = `expected ${expected.join(' or ')} from a block at ${where}, but the probe saw ${probe.outcome}: another layer acts first`;
  return { kind: 'tcp', outcome: probe.outcome, agrees, note };
}
