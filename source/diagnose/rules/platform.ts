/**
 * Platform findings that do not depend on an intent: the instance's state and locks, CPU/memory exhaustion and
 * bandwidth saturation from CloudMonitor, and the EIP the operator expects being unbound or bound elsewhere.
 * Account and platform causes are ranked first (an overdue account makes every other check moot).
 */
import type { Eip, Finding, Instance, MetricSeries, Snapshot } from '../../model/index.js';
import { makeFinding } from '../finding.js';

/** What an operator must do for each lock reason: only a human can lift these. */
const LOCK_ADVICE: Record<string, string[]> = {
  financial: [
    'The account is overdue: top up in the Billing Management console (Expenses › Account Overview › Recharge);',
    'pay-as-you-go resources resume automatically once the balance is positive.',
  ],
  security: [
    'The instance is locked for a security violation: open Security Center › Alerts (or the notice in the ECS',
    'console) to see the reason, fix it, then submit an unlock request / appeal from the same page.',
  ],
  recycling: [
    'The instance is in the recycle bin (expired subscription): renew it in ECS console › Instances › Renew.',
  ],
  dedicatedhostfinancial: [
    'The dedicated host is overdue: renew or top up in the Billing Management console.',
  ],
  refunded: [
    'The instance was refunded and is being released: it cannot be recovered; restore from a snapshot.',
  ],
};

export function lockAdvice(reason: string): string[] {
  return (
    LOCK_ADVICE[reason.toLowerCase()] ?? [
      `Lock reason "${reason}": see the ECS console notice for the instance.`,
    ]
  );
}

export function instanceFindings(inst: Instance): Finding[] {
  const out: Finding[] = [];
  if (inst.locks.length) {
    const reasons = inst.locks.map((l) => l.reason).join(', ');
    out.push(
      makeFinding({
        code: 'INSTANCE_LOCKED',
        severity: 'critical',
        key: inst.id,
        title: `Instance ${inst.id} is locked (${reasons})`,
        detail:
          inst.locks
            .map((l) => l.message)
            .filter(Boolean)
            .join(' ') ||
          `OperationLocks.LockReason = ${reasons}: the platform blocks its traffic and operations.`,
        evidence: { resource: inst.id, rule: inst.locks, field: 'OperationLocks.LockReason' },
        hop: 'instance',
        advice: inst.locks.flatMap((l) => lockAdvice(l.reason)),
      }),
    );
  }
  if (inst.status !== 'Running') {
    out.push(
      makeFinding({
        code: 'INSTANCE_NOT_RUNNING',
        severity: 'critical',
        key: inst.id,
        title: `Instance ${inst.id} is ${inst.status}, not Running`,
        detail:
          inst.status === 'Stopped'
            ? 'A stopped instance answers nothing; start it (StartInstance).'
            : `The instance is ${inst.status}; traffic resumes once it is Running.`,
        evidence: { resource: inst.id, field: 'Status', value: inst.status },
        hop: 'instance',
        remedies: inst.status === 'Stopped' && inst.locks.length === 0 ? [`start-instance:${inst.id}`] : [],
      }),
    );
  }
  return out;
}

function series(metrics: MetricSeries[], name: string): MetricSeries | undefined {
  return metrics.find((m) => m.name === name && m.points.length > 0);
}

/** Average of the points in the last `windowMs` before `at` (or of the last points when the clock is off). */
function recentAvg(s: MetricSeries, at: number, windowMs: number): { avg: number; max: number; n: number } {
  let pts = s.points.filter((p) => p.t > at - windowMs && p.t <= at + 60_000);
  if (pts.length === 0) pts = s.points.slice(-5);
  const avg = pts.reduce((a, p) => a + p.avg, 0) / pts.length;
  const max = Math.max(...pts.map((p) => p.max ?? p.avg));
  return { avg, max, n: pts.length };
}

const FIVE_MIN = 5 * 60_000;

export function resourceFindings(inst: Instance, metrics: MetricSeries[], at: number): Finding[] {
  const out: Finding[] = [];
  const checks: [string, string][] = [
    ['CPUUtilization', 'CPU'],
    ['memory_usedutilization', 'memory'],
  ];
  for (const [name, what] of checks) {
    const s = series(metrics, name);
    if (!s) continue;
    const r = recentAvg(s, at, FIVE_MIN);
    if (r.avg < 90) continue;
    out.push(
      makeFinding({
        code: 'RESOURCE_EXHAUSTED',
        severity: r.avg >= 95 ? 'critical' : 'warning',
        confidence: r.n >= 3 ? 'certain' : 'likely',
        key: `${inst.id}:${what}`,
        title: `${what === 'CPU' ? 'CPU' : 'Memory'} of ${inst.id} at ${r.avg.toFixed(0)}% over the last 5 minutes`,
        detail: `A saturated ${what} makes services time out or die (the OOM killer) even when the network is fine.`,
        evidence: { resource: inst.id, metric: name, avg5m: round(r.avg), max5m: round(r.max), points: r.n },
        hop: 'service',
      }),
    );
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Public bandwidth cap in Mbit/s: the EIP's when bound, else the public IP's InternetMaxBandwidthOut. */
export function publicCapMbps(inst: Instance, eips: Eip[]): number | undefined {
  const eip = eips.find((e) => e.instanceId === inst.id && e.status === 'InUse') ?? undefined;
  if (eip) return eip.bandwidth;
  if (inst.eip?.ip) return inst.eip.bandwidth;
  if (inst.publicIps.length) return inst.internetMaxBandwidthOut;
  return undefined;
}

export function bandwidthFindings(
  inst: Instance,
  eips: Eip[],
  metrics: MetricSeries[],
  at: number,
): Finding[] {
  const cap = publicCapMbps(inst, eips);
  if (!cap || cap <= 0) return [];
  const out: Finding[] = [];
  for (const [name, dir] of [
    ['VPC_PublicIP_InternetOutRate', 'outbound'],
    ['VPC_PublicIP_InternetInRate', 'inbound'],
    ['InternetOutRate', 'outbound'],
  ] as const) {
    const s = series(metrics, name);
    if (!s) continue;
    const r = recentAvg(s, at, FIVE_MIN);
    const pct = (r.avg / (cap * 1e6)) * 100;
    if (pct < 85) continue;
    const drops = series(metrics, dir === 'outbound' ? 'packetOutDropRates' : 'packetInDropRates');
    const dropAvg = drops ? recentAvg(drops, at, FIVE_MIN).avg : undefined;
    out.push(
      makeFinding({
        code: 'BANDWIDTH_SATURATED',
        severity: pct >= 95 ? 'critical' : 'warning',
        confidence: r.n >= 3 ? 'certain' : 'likely',
        key: `${inst.id}:${dir}`,
        title: `Public ${dir} bandwidth at ${pct.toFixed(0)}% of its ${cap} Mbit/s cap`,
        detail:
          'At the cap the platform drops packets: connections time out or crawl although every rule allows them. ' +
          'Raise the bandwidth (ModifyInstanceNetworkSpec / EIP ModifyEipAddressAttribute) or find the traffic.',
        evidence: {
          resource: inst.id,
          metric: s.name,
          avgBps5m: Math.round(r.avg),
          capMbps: cap,
          percent: round(pct),
          ...(dropAvg !== undefined ? { dropRate5m: round(dropAvg) } : {}),
        },
        hop: 'public-ip',
      }),
    );
    break;
  }
  return out;
}

/** The EIP the operator expects on this instance: typed as TARGET, named after the instance, or unbound from it recently. */
export function expectedEips(snapshot: Snapshot, inst: Instance, eips: Eip[]): Eip[] {
  const out = new Set<Eip>();
  const q = snapshot.target.query;
  for (const e of eips) {
    if (q && e.ip === q) out.add(e);
    if (e.name && (e.name.includes(inst.id) || (inst.name && e.name === inst.name))) out.add(e);
  }
  for (const ev of snapshot.cloud?.events.value ?? []) {
    if (ev.name !== 'UnassociateEipAddress') continue;
    const p = ev.params as Record<string, unknown>;
    if (p.InstanceId !== inst.id && !ev.resources.includes(inst.id)) continue;
    const e = eips.find((x) => x.allocationId === p.AllocationId || ev.resources.includes(x.allocationId));
    if (e) out.add(e);
  }
  return [...out];
}

export function eipFindings(snapshot: Snapshot, inst: Instance, eips: Eip[]): Finding[] {
  const out: Finding[] = [];
  for (const e of expectedEips(snapshot, inst, eips)) {
    if (e.instanceId === inst.id && e.status === 'InUse') continue;
    if (e.instanceId && e.instanceId !== inst.id) {
      out.push(
        makeFinding({
          code: 'EIP_ASSOCIATED_ELSEWHERE',
          severity: 'critical',
          key: e.allocationId,
          title: `EIP ${e.ip} is bound to ${e.instanceType ?? 'resource'} ${e.instanceId}, not to ${inst.id}`,
          detail:
            'Traffic to this address reaches the other resource. Re-associate it only if that one should not have it.',
          evidence: { resource: e.allocationId, rule: e, boundTo: e.instanceId },
          hop: 'public-ip',
          remedies: [`associate-eip:${e.allocationId}:${inst.id}`],
        }),
      );
    } else {
      out.push(
        makeFinding({
          code: 'EIP_NOT_ASSOCIATED',
          severity: 'critical',
          key: e.allocationId,
          title: `EIP ${e.ip} is ${e.status}: not bound to ${inst.id}`,
          detail: 'Nothing answers on this address until the EIP is associated with the instance again.',
          evidence: { resource: e.allocationId, rule: e },
          hop: 'public-ip',
          remedies: [`associate-eip:${e.allocationId}:${inst.id}`],
        }),
      );
    }
  }
  return out;
}
