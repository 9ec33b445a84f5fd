/**
 * The instance's own side of the internet path ([I1], [I2], see internet.ts): whether it runs unlocked, its
 * public addresses (EIPs bound to it or its ENIs, auto-assigned public IPs) with where each comes from, and what
 * stops an address from carrying traffic (bound elsewhere, unbound, locked, zero bandwidth). Pure.
 */
import type { Eip, Instance, NatGateway, RouteTable, VSwitch } from '../../model/index.js';
import type { HopDecision } from './types.js';

export interface InternetFacts {
  instance: Instance;
  /** DescribeEipAddresses for the region (the bound ones are enough); undefined when that source failed. */
  eips?: Eip[];
  vSwitch?: VSwitch;
  /** Route tables of the instance's VPC. */
  routeTables?: RouteTable[];
  natGateways?: NatGateway[];
}

export interface PublicAddress {
  ip: string;
  kind: 'eip' | 'public-ip' | 'eni-public';
  /** The resource that holds it: `eip-…`, or the instance / ENI for an auto-assigned address. */
  resource: string;
  bandwidthMbps?: number;
  /** The exact field the bandwidth comes from. */
  bandwidthField: string;
  eip?: Eip;
}

/** An OK hop decision. */
export const ok = (
  detail: string,
  evidence: HopDecision['evidence'],
  confidence: HopDecision['confidence'] = 'certain',
): HopDecision => ({
  state: 'OK',
  confidence,
  detail,
  evidence,
});

/** A BLOCKED hop decision with its finding code. */
export const blocked = (
  code: NonNullable<HopDecision['code']>,
  detail: string,
  evidence: HopDecision['evidence'],
  confidence: HopDecision['confidence'] = 'certain',
): HopDecision => ({ state: 'BLOCKED', confidence, detail, evidence, code });

/** [I2] The `instance` hop: Running and not locked. */
export function evaluateInstanceState(inst: Instance): HopDecision {
  if (inst.status !== 'Running')
    return blocked(
      'INSTANCE_NOT_RUNNING',
      `${inst.id} is ${inst.status}, not Running: nothing answers and nothing leaves.`,
      {
        resource: inst.id,
        field: 'Status',
        value: inst.status,
      },
    );
  if (inst.locks.length)
    return blocked(
      'INSTANCE_LOCKED',
      `${inst.id} is locked (OperationLocks.LockReason = ${inst.locks.map((l) => l.reason).join(', ')}): the platform restricts its traffic.`,
      { resource: inst.id, field: 'OperationLocks.LockReason', rule: inst.locks },
      'likely',
    );
  return ok(`${inst.id} is Running with no operation lock.`, {
    resource: inst.id,
    field: 'Status',
    value: inst.status,
  });
}

/** An EIP is ours when bound to the instance or to one of its ENIs (NetworkInterface mode: InstanceId = eni-…). */
function ownedBy(e: Eip, inst: Instance): boolean {
  return !!e.instanceId && (e.instanceId === inst.id || inst.enis.some((n) => n.id === e.instanceId));
}

/** What stops an EIP from carrying this instance's traffic, if anything. */
export function eipProblem(e: Eip, inst: Instance): HopDecision | undefined {
  const ev = { resource: e.allocationId, rule: e };
  if (e.status === 'InUse' && e.instanceId && !ownedBy(e, inst))
    return blocked(
      'EIP_ASSOCIATED_ELSEWHERE',
      `EIP ${e.ip} (${e.allocationId}) is bound to ${e.instanceType ?? 'resource'} ${e.instanceId}, not to ${inst.id} (InstanceId).`,
      { ...ev, field: 'InstanceId', value: e.instanceId },
    );
  if (e.status === 'Available')
    return blocked(
      'EIP_NOT_ASSOCIATED',
      `EIP ${e.ip} (${e.allocationId}) is Available: bound to nothing (Status).`,
      {
        ...ev,
        field: 'Status',
        value: e.status,
      },
    );
  if (e.status !== 'InUse')
    return {
      state: 'UNCERTAIN',
      confidence: 'likely',
      detail: `EIP ${e.ip} (${e.allocationId}) is ${e.status}: its binding is changing; check again in a minute.`,
      evidence: { ...ev, field: 'Status', value: e.status },
    };
  if (e.locks.length || (e.businessStatus && e.businessStatus !== 'Normal'))
    return blocked(
      'INSTANCE_LOCKED',
      `EIP ${e.ip} (${e.allocationId}) is locked (${[...e.locks.map((l) => l.reason), e.businessStatus && e.businessStatus !== 'Normal' ? `BusinessStatus ${e.businessStatus}` : ''].filter(Boolean).join(', ')}): the address carries no traffic.`,
      { ...ev, field: e.locks.length ? 'OperationLocks.LockReason' : 'BusinessStatus' },
    );
  if (!(e.bandwidth > 0))
    return blocked(
      'PUBLIC_BANDWIDTH_ZERO',
      `EIP ${e.ip} (${e.allocationId}) has Bandwidth ${e.bandwidth} Mbit/s.`,
      {
        ...ev,
        field: 'Bandwidth',
        value: e.bandwidth,
      },
    );
  return undefined;
}

/** [I1] Every public address of the instance, with where it comes from. */
export function publicAddresses(facts: InternetFacts): PublicAddress[] {
  const inst = facts.instance;
  const out: PublicAddress[] = [];
  const seen = new Set<string>();
  const add = (a: PublicAddress) => {
    if (a.ip && !seen.has(a.ip)) {
      seen.add(a.ip);
      out.push(a);
    }
  };
  for (const e of facts.eips ?? [])
    if (ownedBy(e, inst))
      add({
        ip: e.ip,
        kind: 'eip',
        resource: e.allocationId,
        bandwidthMbps: e.bandwidth,
        bandwidthField: 'Bandwidth',
        eip: e,
      });
  if (inst.eip?.ip) {
    const listed = facts.eips?.find((e) => e.allocationId === inst.eip?.allocationId);
    add({
      ip: inst.eip.ip,
      kind: 'eip',
      resource: inst.eip.allocationId,
      bandwidthMbps: listed?.bandwidth ?? inst.eip.bandwidth,
      bandwidthField: listed ? 'Bandwidth' : 'EipAddress.Bandwidth',
      ...(listed ? { eip: listed } : {}),
    });
  }
  for (const ip of inst.publicIps)
    add({
      ip,
      kind: 'public-ip',
      resource: inst.id,
      bandwidthMbps: inst.internetMaxBandwidthOut,
      bandwidthField: 'InternetMaxBandwidthOut',
    });
  for (const eni of inst.enis)
    if (eni.publicIp) {
      const e = facts.eips?.find((x) => x.ip === eni.publicIp);
      add({
        ip: eni.publicIp,
        kind: e ? 'eip' : 'eni-public',
        resource: e?.allocationId ?? eni.id,
        ...(e ? { bandwidthMbps: e.bandwidth, eip: e } : {}),
        bandwidthField: e ? 'Bandwidth' : 'AssociatedPublicIp',
      });
    }
  return out;
}

/** What stops a public address from carrying this instance's traffic, if anything. */
export function addressProblem(a: PublicAddress, inst: Instance): HopDecision | undefined {
  if (a.eip) return eipProblem(a.eip, inst);
  if (a.bandwidthMbps !== undefined && !(a.bandwidthMbps > 0))
    return blocked(
      'PUBLIC_BANDWIDTH_ZERO',
      `Public IP ${a.ip} of ${inst.id} has ${a.bandwidthField} = ${a.bandwidthMbps} Mbit/s: no public traffic passes.`,
      { resource: a.resource, field: a.bandwidthField, value: a.bandwidthMbps },
    );
  return undefined;
}

export function describeAddress(a: PublicAddress): string {
  const bw = a.bandwidthMbps !== undefined ? `, ${a.bandwidthMbps} Mbit/s` : '';
  return a.kind === 'eip' ? `EIP ${a.ip} (${a.resource}${bw})` : `public IP ${a.ip} (${a.resource}${bw})`;
}
