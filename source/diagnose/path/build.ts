/** One PathVerdict per intent: cloud and guest segments in the order a packet meets them, both legs. */
import type {
  Confidence,
  Finding,
  Hop,
  Intent,
  PathResult,
  PathVerdict,
  Snapshot,
  TcpProbe,
} from '../../model/index.js';
import { isPrivateIp } from '../../net/ip.js';
import { compileSgPool } from '../evaluate/security-group.js';
import { indexSockets } from '../evaluate/sockets.js';
import { weakest } from '../evaluate/types.js';
import { guessGateway } from '../rules/guest-health.js';
import { expectedEips } from '../rules/platform.js';
import { type CloudCtx, cloudInbound, cloudInternal, cloudOutbound, cloudUnseen } from './cloud.js';
import { type GuestCtx, guestInbound, guestOutbound, guestUnseen, type Segment } from './guest.js';
import { notChecked, ok } from './hop.js';
import { reconcile } from './probe.js';

export interface PathEnv {
  snapshot: Snapshot;
  cloud?: CloudCtx;
  guest?: GuestCtx;
  /** Why the guest could not be seen (when `guest` is absent). */
  guestWhy: string;
  cloudWhy: string;
}

/** Builds the shared evaluation context once per snapshot (compiled SG pool, socket index). */
export function pathEnv(s: Snapshot): PathEnv {
  const inst = s.cloud?.instance.value;
  const env: PathEnv = {
    snapshot: s,
    guestWhy: s.guestError ? `guest not reachable: ${s.guestError.message}` : 'the guest was not checked',
    cloudWhy: !s.cloud
      ? 'no cloud account: cloud layers not checked'
      : `the instance could not be read${s.cloud.instance.error ? `: ${s.cloud.instance.error.message}` : ''}`,
  };
  const eph = ephemeralRange(s.guest?.sysctls.value);
  if (s.cloud && inst) {
    const groups = s.cloud.securityGroups.value;
    // The platform's TCP 25 block is its own hop (internet-egress), not a security-group decision.
    const pool = groups ? compileSgPool(groups, { port25Unblocked: true }) : undefined;
    env.cloud = { cloud: s.cloud, inst, ...(pool ? { pool } : {}), ...(eph ? { ephemeral: eph } : {}) };
    const expected = new Set<string>();
    if (s.target.query && /^[\d.:]+$/.test(s.target.query) && !isPrivateIp(s.target.query))
      expected.add(s.target.query);
    for (const e of expectedEips(s, inst, s.cloud.eips.value ?? [])) expected.add(e.ip);
    if (expected.size) env.cloud.expected = [...expected];
  }
  if (s.guest?.interfaces.value || s.guest?.sockets.value) {
    const g = s.guest;
    const address = inst?.privateIps[0] ?? primaryAddress(s);
    if (address) {
      const gw = guessGateway(g);
      const ifaceName =
        g.interfaces.value?.find((i) => i.addresses.some((a) => a.address === address))?.name ??
        gw?.dev ??
        'eth0';
      env.guest = {
        guest: g,
        address,
        iface: ifaceName,
        sockets: indexSockets(g.sockets.value ?? []),
        ...(eph ? { ephemeral: eph } : {}),
        ...(gw ? { gateway: gw.gateway } : {}),
      };
    } else env.guestWhy = 'no address known for the guest';
  }
  return env;
}

function primaryAddress(s: Snapshot): string | undefined {
  for (const i of s.guest?.interfaces.value ?? []) {
    if (i.name === 'lo') continue;
    const a = i.addresses.find((x) => x.family === 4);
    if (a) return a.address;
  }
  return undefined;
}

function ephemeralRange(sysctls?: Record<string, string>): [number, number] | undefined {
  const v = sysctls?.['net.ipv4.ip_local_port_range'];
  const m = v ? /(\d+)\s+(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function operatorHop(intent: Intent, s: Snapshot): Hop {
  if (intent.fromKind === 'me')
    return s.operator.egressIp
      ? ok('operator', 'forward', 'operator', `you, at ${s.operator.egressIp} (${s.operator.source})`, {
          address: s.operator.egressIp,
        })
      : {
          hop: 'operator',
          leg: 'forward',
          layer: 'operator',
          state: 'UNCERTAIN',
          confidence: 'uncertain',
          detail: `your egress address is unknown (${s.operator.error?.message ?? s.operator.source}); checked as "any internet client"`,
          evidence: {},
        };
  if (intent.fromKind === 'cidr') return ok('operator', 'forward', 'operator', `clients in ${intent.from}`);
  return ok('operator', 'forward', 'operator', 'any client on the internet');
}

function internetHop(probe: TcpProbe | undefined): Hop {
  if (probe && (probe.outcome === 'delivered' || probe.outcome === 'refused' || probe.outcome === 'reset'))
    return ok(
      'internet',
      'forward',
      'operator',
      `the probe reached the instance's address (${probe.outcome})`,
      { probe },
    );
  return notChecked(
    'internet',
    'forward',
    'operator',
    probe ? `not observable (the probe saw ${probe.outcome})` : 'not observable from here',
    probe ? { probe } : {},
  );
}

function join(...segs: Segment[]): Segment {
  return { hops: segs.flatMap((s) => s.hops), findings: segs.flatMap((s) => s.findings) };
}

/** Hops whose NOT_CHECKED state does not make the verdict unknown (nobody sees the internet itself). */
const INFORMATIONAL = new Set(['internet', 'operator', 'tcp-wrappers']);

export function resultOf(path: Hop[]): { result: PathResult; blockedAt?: Hop; confidence: Confidence } {
  const blocked = path.find((h) => h.state === 'BLOCKED');
  const seen = path.filter((h) => h.state === 'OK' || h.state === 'BLOCKED');
  const confidence = seen.length ? weakest(...seen.map((h) => h.confidence)) : 'uncertain';
  if (blocked) return { result: 'DROPPED', blockedAt: blocked, confidence: blocked.confidence };
  const open = path.some(
    (h) => (h.state === 'UNCERTAIN' || h.state === 'NOT_CHECKED') && !INFORMATIONAL.has(h.hop),
  );
  return { result: open ? 'UNKNOWN' : 'DELIVERED', confidence: open ? 'uncertain' : confidence };
}

function probeFor(intent: Intent, s: Snapshot): TcpProbe | undefined {
  if (intent.direction !== 'inbound' || intent.protocol !== 'tcp' || !intent.port) return undefined;
  // A probe from the operator speaks for "me" and for "the internet" (the operator is an internet client).
  if (intent.fromKind !== 'me' && intent.fromKind !== 'internet') return undefined;
  const pub = s.target.addresses[0];
  return s.probes?.tcp.value?.find((p) => p.port === intent.port && (!pub || p.host === pub));
}

export function buildPath(intent: Intent, env: PathEnv): { verdict: PathVerdict; findings: Finding[] } {
  const s = env.snapshot;
  let segs: Segment[];
  const peerInst = intent.fromInstanceId ?? intent.toInstanceId;
  const peer = peerInst ? env.cloud?.cloud.peers?.value?.find((p) => p.id === peerInst) : undefined;
  const probe = probeFor(intent, s);
  // The guest evaluates packets between real addresses: the peer instance's private address stands in for it.
  const peerCidr = peer?.privateIps[0] ? `${peer.privateIps[0]}/32` : undefined;
  const concrete: Intent = peerCidr
    ? intent.fromInstanceId
      ? { ...intent, from: peerCidr }
      : { ...intent, to: peerCidr }
    : intent;
  if (intent.direction === 'inbound' || (intent.direction === 'internal' && intent.fromInstanceId)) {
    const internet = intent.direction === 'inbound';
    const from = intent.from ?? '0.0.0.0/0';
    const c = env.cloud
      ? internet
        ? cloudInbound(intent, env.cloud, from)
        : peer
          ? cloudInternal(intent, env.cloud, peer.privateIps[0], peer.securityGroupIds)
          : cloudUnseen(true, `instance ${peerInst} is not in this region's facts`, false)
      : cloudUnseen(true, env.cloudWhy, internet);
    const running = !env.cloud || env.cloud.inst.status === 'Running';
    const g =
      env.guest && running
        ? guestInbound(concrete, env.guest)
        : guestUnseen(true, running ? env.guestWhy : 'the instance is not running');
    const head: Segment = {
      hops: internet ? [operatorHop(intent, s), internetHop(probe)] : [],
      findings: [],
    };
    segs = [head, c.forward, g.forward, g.ret, c.ret];
  } else {
    const internal = intent.toInstanceId !== undefined;
    const dest = intent.to ?? '0.0.0.0/0';
    const c = env.cloud
      ? internal
        ? peer
          ? cloudOutbound(intent, env.cloud, dest, {
              peerIp: peer.privateIps[0],
              peerGroupIds: peer.securityGroupIds,
            })
          : cloudUnseen(false, `instance ${peerInst} is not in this region's facts`, false)
        : cloudOutbound(intent, env.cloud, dest)
      : cloudUnseen(false, env.cloudWhy, !internal);
    const gdst = internal ? (peer?.privateIps[0] ?? dest) : dest === '0.0.0.0/0' ? 'internet' : dest;
    const running = !env.cloud || env.cloud.inst.status === 'Running';
    const g =
      env.guest && running
        ? guestOutbound(concrete, env.guest, gdst)
        : guestUnseen(false, running ? env.guestWhy : 'the instance is not running');
    const tail: Segment = {
      hops: internal
        ? [
            notChecked(
              'peer',
              'forward',
              'cloud-network',
              `${peerInst}'s own security groups and guest are checked from its side (netdoctor ${peerInst} --port …)`,
            ),
          ]
        : [],
      findings: [],
    };
    segs = [g.forward, c.forward, tail, c.ret, g.ret];
  }
  const all = join(...segs);
  // Forward hops first, then the return leg, each in the order a packet meets them.
  const path = [
    ...all.hops.filter((h) => h.leg === 'forward'),
    ...all.hops.filter((h) => h.leg === 'return'),
  ];
  const r = resultOf(path);
  const verdict: PathVerdict = { intent, result: r.result, path, confidence: r.confidence };
  if (r.blockedAt) verdict.blockedAt = r.blockedAt.hop;
  const agreement = reconcile(intent, r.result, path, probe);
  if (agreement) {
    verdict.probe = agreement;
    if (!agreement.agrees && verdict.confidence === 'certain') verdict.confidence = 'likely';
  }
  return { verdict, findings: all.findings };
}
