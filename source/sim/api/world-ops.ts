/**
 * Operations on the world shared by the product modules: finding resources, settling asynchronous state
 * changes, keeping the EIP ↔ instance views consistent, and recording write calls in the audit trail.
 */
import type { AuditEvent, Eip } from '../../model/index.js';
import type { World, WorldInstance } from '../world.js';
import type { ApiCall, SimContext, Transition } from './context.js';
import { instanceNotFound } from './errors.js';

export const DEFAULT_TRANSITION_MS = 1000;

export function transitionMs(world: World): number {
  return world.faults.transitionMs ?? DEFAULT_TRANSITION_MS;
}

export function findInstance(world: World, id: string): WorldInstance | undefined {
  return world.instances.find((i) => i.id === id);
}

export function mustInstance(world: World, id: string): WorldInstance {
  const inst = findInstance(world, id);
  if (!inst) throw instanceNotFound(id);
  return inst;
}

/** The EIP bound to an instance (NAT mode, on its primary ENI), whatever its in-between status. */
export function boundEip(world: World, instanceId: string): Eip | undefined {
  return world.eips.find(
    (e) =>
      e.instanceId === instanceId &&
      (e.instanceType ?? 'EcsInstance') === 'EcsInstance' &&
      e.status !== 'Available',
  );
}

/** Public address of an instance: its bound EIP, else its auto-assigned public IP. */
export function publicIpOf(world: World, inst: WorldInstance): string | undefined {
  const e = boundEip(world, inst.id);
  if (e && e.status === 'InUse') return e.ip;
  return inst.publicIps[0];
}

/**
 * Instances carry their EIP (`Instance.eip`, `Eni.publicIp`) as the ECS API shows it; the VPC side (`world.eips`)
 * is the source of truth. Re-derive the instance view after loading and after every EIP change.
 */
export function syncEips(world: World): void {
  for (const inst of world.instances) {
    const e = boundEip(world, inst.id);
    const primary = inst.enis.find((n) => n.type === 'Primary') ?? inst.enis[0];
    if (e && e.status === 'InUse') {
      inst.eip = {
        allocationId: e.allocationId,
        ip: e.ip,
        bandwidth: e.bandwidth,
        chargeType: e.chargeType ?? 'PayByTraffic',
      };
      if (primary) primary.publicIp = e.ip;
    } else {
      delete inst.eip;
      if (primary) {
        if (inst.publicIps[0]) primary.publicIp = inst.publicIps[0];
        else delete primary.publicIp;
      }
    }
  }
  // An EIP in NetworkInterface mode lands on that ENI.
  for (const e of world.eips) {
    if (e.instanceType !== 'NetworkInterface' || e.status !== 'InUse') continue;
    for (const inst of world.instances)
      for (const n of inst.enis) if (n.id === e.instanceId) n.publicIp = e.ip;
  }
}

/** Applies every pending state change whose time has come. Called before answering anything. */
export function settle(ctx: SimContext): void {
  const now = ctx.now();
  const { world, state } = ctx;
  const due = (m: Map<string, Transition>, apply: (id: string, t: Transition) => void) => {
    for (const [id, t] of [...m.entries()]) {
      if (t.at > now) continue;
      m.delete(id);
      apply(id, t);
      t.done?.();
    }
  };
  due(state.instanceTransitions, (id, t) => {
    const inst = findInstance(world, id);
    if (inst) inst.status = t.to;
  });
  due(state.eipTransitions, (id, t) => {
    const e = world.eips.find((x) => x.allocationId === id);
    if (e) e.status = t.to;
  });
  syncEips(world);
}

const RESOURCE_SERVICE: Record<ApiCall['product'], { source: string; service: string }> = {
  Ecs: { source: 'ecs.aliyuncs.com', service: 'Ecs' },
  Vpc: { source: 'vpc.aliyuncs.com', service: 'Vpc' },
  Cms: { source: 'metrics.aliyuncs.com', service: 'Cms' },
  Actiontrail: { source: 'actiontrail.aliyuncs.com', service: 'Actiontrail' },
};

/** Appends a write call to the audit trail so that a fix shows up in the Events panel like any change. */
export function recordEvent(call: ApiCall, resources: string[], extra: Partial<AuditEvent> = {}): AuditEvent {
  const { world } = call.ctx;
  const ev: AuditEvent = {
    // ActionTrail's requestId is the API call's RequestId: what links an event to the call that made it.
    id: call.requestId,
    time: call.ctx.now(),
    name: call.action,
    service: RESOURCE_SERVICE[call.product].service,
    rw: 'Write',
    user: world.account.userName ?? 'root',
    userType: world.account.userName ? 'ram-user' : 'root-account',
    sourceIp: world.operator.ip,
    userAgent: call.userAgent,
    resources,
    params: call.params.actionParams(),
    ...extra,
  };
  world.events.push(ev);
  return ev;
}

export function eventSource(service: string): string {
  const hit = Object.values(RESOURCE_SERVICE).find((s) => s.service.toLowerCase() === service.toLowerCase());
  return hit?.source ?? `${service.toLowerCase()}.aliyuncs.com`;
}
