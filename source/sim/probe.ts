/**
 * Operator-side probe answers for scenario addresses, computed from the world's current state: the world is
 * collected as netdoctor would see it (source/sim/truth.ts) and the path from the operator's address is
 * evaluated; the first blocked hop decides what a real connect would have seen. A fix applied to the world
 * changes the answer. Addresses that belong to no instance answer as the world's internet says.
 */
import { diagnose } from '../diagnose/index.js';
import { inbound } from '../diagnose/intents.js';
import { expectedOutcome } from '../diagnose/path/probe.js';
import type { PingProbe, TcpOutcome, TcpProbe } from '../model/index.js';
import { publicIpOf } from './api/world-ops.js';
import { worldSnapshot } from './truth.js';
import type { World, WorldInstance } from './world.js';

export type ProbeQuery = { kind: 'tcp'; host: string; port: number } | { kind: 'ping'; host: string };

/** Simulated round-trip and timeout figures (the sim answers at once; these are what a real probe would take). */
const RTT_MS = 28;
const TIMEOUT_MS = 3000;

function owner(world: World, host: string): { inst: WorldInstance; public: boolean } | undefined {
  for (const inst of world.instances) {
    if (
      publicIpOf(world, inst) === host ||
      inst.publicIps.includes(host) ||
      inst.enis.some((e) => e.publicIp === host)
    )
      return { inst, public: true };
    if (inst.privateIps.includes(host)) return { inst, public: false };
  }
  return undefined;
}

/**
 * The world as seen from one instance, cached while nothing it depends on changes: one check asks several probes
 * within milliseconds, and rendering and parsing the guest for each would cost ~40 ms apiece.
 */
const cache = new WeakMap<World, Map<string, { key: string; snap: ReturnType<typeof worldSnapshot> }>>();

function fingerprint(world: World, inst: WorldInstance): string {
  return JSON.stringify([
    inst,
    world.securityGroups,
    world.networkAcls,
    world.routeTables,
    world.eips,
    world.natGateways,
    world.vswitches,
  ]);
}

function snapshotFor(world: World, inst: WorldInstance, now: number): ReturnType<typeof worldSnapshot> {
  let byInst = cache.get(world);
  if (!byInst) cache.set(world, (byInst = new Map()));
  const key = fingerprint(world, inst);
  const hit = byInst.get(inst.id);
  if (hit && hit.key === key) return hit.snap;
  const snap = worldSnapshot(world, inst.id, now);
  byInst.set(inst.id, { key, snap });
  return snap;
}

function outcomeFor(
  world: World,
  inst: WorldInstance,
  protocol: 'tcp' | 'icmp',
  port: number | undefined,
  now: number,
): TcpOutcome {
  const snap = snapshotFor(world, inst, now);
  const intent = inbound(protocol, port, `${world.operator.ip}/32`, {});
  const v = diagnose(snap, [intent]);
  const p = v.verdicts[0];
  const blocked =
    p.path.find((h) => h.state === 'BLOCKED' && h.leg === 'forward') ??
    p.path.find((h) => h.state === 'BLOCKED');
  // UNKNOWN in the world itself means the scenario leaves it open: answer as delivered only when nothing blocks.
  const expected = expectedOutcome(p.result === 'UNKNOWN' ? 'DELIVERED' : p.result, blocked);
  return expected[0] as TcpOutcome;
}

export function answerProbe(world: World, q: ProbeQuery, now: number): TcpProbe | PingProbe {
  const o = owner(world, q.host);
  if (q.kind === 'tcp') {
    let outcome: TcpOutcome;
    if (!o) outcome = world.internet.reachable.includes(`${q.host}:${q.port}`) ? 'delivered' : 'timeout';
    else if (!o.public)
      outcome = 'timeout'; // private addresses are not routed from the operator's side
    else outcome = outcomeFor(world, o.inst, 'tcp', q.port, now);
    const ms = outcome === 'timeout' ? TIMEOUT_MS : RTT_MS;
    const p: TcpProbe = { host: q.host, port: q.port, outcome, ms, via: 'sim' };
    if (outcome === 'timeout') p.error = `no answer within ${TIMEOUT_MS} ms`;
    return p;
  }
  const answered = !!o && o.public && outcomeFor(world, o.inst, 'icmp', undefined, now) === 'delivered';
  const sent = 3;
  const p: PingProbe = {
    host: q.host,
    sent,
    received: answered ? sent : 0,
    lossPct: answered ? 0 : 100,
    via: 'sim',
  };
  if (answered) p.rttMs = { min: RTT_MS - 2, avg: RTT_MS, max: RTT_MS + 3 };
  return p;
}
