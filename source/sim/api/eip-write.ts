/**
 * AssociateEipAddress / UnassociateEipAddress. Both are asynchronous in the real API: the EIP shows
 * `Associating` / `Unassociating` for a moment (`faults.transitionMs`), then `InUse` / `Available`.
 */
import type { Eip } from '../../model/index.js';
import type { ApiCall, Handler } from './context.js';
import { ApiError } from './errors.js';
import { inWorldRegion } from './regions.js';
import { boundEip, mustInstance, recordEvent, syncEips, transitionMs } from './world-ops.js';

function eip(call: ApiCall): Eip {
  const { world } = call.ctx;
  const here = inWorldRegion(call.params, world.region, false);
  const id = call.params.req('AllocationId');
  const e = here ? world.eips.find((x) => x.allocationId === id) : undefined;
  if (!e)
    throw new ApiError('InvalidAllocationId.NotFound', 404, `The specified EIP (${id}) does not exist.`);
  if (e.locks.length)
    throw new ApiError(
      'IncorrectEipStatus',
      400,
      `The EIP is locked (${e.locks.map((l) => l.reason).join(', ')}); its status does not support this operation.`,
    );
  return e;
}

const AssociateEipAddress: Handler = (call) => {
  const { world, state } = call.ctx;
  const p = call.params;
  const e = eip(call);
  const type = p.oneOf('InstanceType', ['EcsInstance', 'NetworkInterface'] as const, 'EcsInstance')!;
  const targetId = p.req('InstanceId');
  let instanceId = targetId;
  if (type === 'NetworkInterface') {
    const owner = world.instances.find((i) => i.enis.some((n) => n.id === targetId));
    if (!owner)
      throw new ApiError('InvalidNetworkInterfaceId.NotFound', 404, `The ENI ${targetId} does not exist.`);
    instanceId = owner.id;
  }
  const inst = mustInstance(world, instanceId);
  if (e.status !== 'Available') {
    if (e.instanceId === targetId)
      throw new ApiError(
        'InvalidAssociation.Duplicated',
        400,
        'The EIP is already associated with this instance.',
      );
    throw new ApiError(
      'IncorrectEipStatus',
      400,
      `The EIP is ${e.status}${e.instanceId ? ` (bound to ${e.instanceId})` : ''}; unassociate it first.`,
    );
  }
  if (inst.status !== 'Running' && inst.status !== 'Stopped')
    throw new ApiError(
      'IncorrectInstanceStatus',
      400,
      'The current status of the instance does not support this operation.',
    );
  if (type === 'EcsInstance' && boundEip(world, inst.id))
    throw new ApiError('InvalidAssociation.Duplicated', 400, 'The instance already has an EIP associated.');
  e.status = 'Associating';
  e.instanceId = targetId;
  e.instanceType = type;
  const eni = inst.enis.find((n) => (type === 'NetworkInterface' ? n.id === targetId : n.type === 'Primary'));
  e.privateIp = p.str('PrivateIpAddress') ?? eni?.primaryIp ?? inst.privateIps[0];
  state.eipTransitions.set(e.allocationId, { to: 'InUse', at: call.ctx.now() + transitionMs(world) });
  syncEips(world);
  recordEvent(call, [e.allocationId, inst.id]);
  return {};
};

const UnassociateEipAddress: Handler = (call) => {
  const { world, state } = call.ctx;
  const e = eip(call);
  const want = call.params.str('InstanceId');
  if (e.status !== 'InUse' || !e.instanceId)
    throw new ApiError(
      'IncorrectEipStatus',
      400,
      `The EIP is ${e.status}; only an EIP in use can be unassociated.`,
    );
  if (want && want !== e.instanceId)
    throw new ApiError('IncorrectEipStatus', 400, `The EIP is bound to ${e.instanceId}, not to ${want}.`);
  const was = e.instanceId;
  e.status = 'Unassociating';
  state.eipTransitions.set(e.allocationId, {
    to: 'Available',
    at: call.ctx.now() + transitionMs(world),
    done: () => {
      delete e.instanceId;
      delete e.instanceType;
      delete e.privateIp;
    },
  });
  syncEips(world);
  recordEvent(call, [e.allocationId, was]);
  return {};
};

export const VPC_WRITES: Record<string, Handler> = { AssociateEipAddress, UnassociateEipAddress };
