/**
 * One full collection for `check` and the first frame of the UI: everything in parallel, the longest chain
 * being the cloud's dependent calls (instance → vSwitch → route entries) next to the guest's single round trip.
 */

import { findInstances, toSourceError } from '../cloud/index.js';
import type { Options } from '../commands/args.js';
import { defaultIntents, intentsFromArgs, parseIntentSpec } from '../diagnose/intents.js';
import type { Instance, Intent, Snapshot, SourceStatus } from '../model/index.js';
import { type Collector, targetSummary } from './collect.js';

const BASE_PROBE_PORTS = [22, 80, 443];

export interface Collected {
  snapshot: Snapshot;
  intents: Intent[];
}

/** Intents from the command line; undefined when none were given (defaults need the snapshot). */
export function cliIntents(o: Options, me: string | undefined): Intent[] | undefined {
  const ctx = { me };
  const list = [
    ...intentsFromArgs({ ports: o.port, from: o.from, outbound: o.outbound, to: o.to }, ctx),
    ...(o.intent ?? []).map((s) => parseIntentSpec(s, ctx)),
  ];
  return list.length ? list : undefined;
}

async function addPeers(col: Collector, snapshot: Snapshot, intents: Intent[]): Promise<void> {
  const ids = [
    ...new Set(intents.flatMap((i) => [i.fromInstanceId, i.toInstanceId]).filter((x): x is string => !!x)),
  ];
  const client = col.setup.cloud;
  if (!ids.length || !client || !snapshot.cloud) return;
  const at = snapshot.at;
  try {
    const found = await Promise.all(ids.map((id) => findInstances(client, id)));
    snapshot.cloud.peers = { source: 'ecs:DescribeInstances', at, value: found.flatMap((f) => f.instances) };
  } catch (e) {
    snapshot.cloud.peers = { source: 'ecs:DescribeInstances', at, error: toSourceError(e, client.secrets()) };
  }
}

export async function collectOnce(col: Collector, o: Options, now = Date.now()): Promise<Collected> {
  const setup = col.setup;
  // The instance fact comes one round trip in, long before the rest of the cloud facts (vSwitch → route
  // entries, NAT → SNAT, events …): the SSH target (when it is the instance's address) and the probes (its
  // public address) start from it, not from the whole collection. Without a cloud side the collection's own
  // (empty) answer stands in.
  let gotInstance: (inst: Instance | undefined) => void = () => undefined;
  const instanceP = new Promise<Instance | undefined>((resolve) => {
    gotInstance = resolve;
  });
  const cloudP = col.cloud(now, (f) => gotInstance(f.value));
  cloudP.then(
    (c) => gotInstance(c.cloud?.instance.value),
    () => gotInstance(undefined),
  );
  const needsInstanceAddress = setup.kind === 'instance' && !setup.advert?.ssh && !setup.ssh;
  const guestP = needsInstanceAddress ? instanceP.then((inst) => col.guest(now, inst)) : col.guest(now);
  // The operator's address is asked last, a turn of the event loop later: its first fetch() loads the HTTP
  // client (tens of ms of CPU on a cold start), which would otherwise hold back the first API calls — the head
  // of the longest chain — and the SSH handshake.
  const meP = new Promise<void>((resolve) => setImmediate(resolve)).then(() => col.me());

  const me = await meP;
  const explicit = cliIntents(o, me.egressIp);
  const scenario = setup.scenarioIntents.map((s) => parseIntentSpec(s, { me: me.egressIp }));
  const earlyPorts = new Set<number>(BASE_PROBE_PORTS);
  for (const i of [...(explicit ?? []), ...scenario])
    if (i.direction === 'inbound' && i.port) earlyPorts.add(i.port);
  const earlyIntents = [...earlyPorts].map(
    (p) => ({ id: `probe-${p}`, direction: 'inbound', protocol: 'tcp', port: p, label: '' }) as Intent,
  );

  const early = targetSummary(setup, await instanceP);
  const probesP = col.probe(now, early.addresses, earlyIntents);
  const [cloud, guest, probed] = await Promise.all([cloudP, guestP, probesP]);
  const target = targetSummary(setup, cloud.cloud?.instance.value);

  const sources: SourceStatus[] = [...cloud.sources, ...guest.sources, ...probed.sources];
  const snapshot: Snapshot = { at: now, target, operator: me, sources };
  if (cloud.cloud) snapshot.cloud = cloud.cloud;
  if (guest.guest) snapshot.guest = guest.guest;
  if (guest.guestError) snapshot.guestError = guest.guestError;
  snapshot.probes = probed.probes;
  if (setup.scenarioName) snapshot.simulated = { scenario: setup.scenarioName };
  if (cloud.notes?.length) snapshot.notes = cloud.notes;

  const intents =
    explicit ??
    defaultIntents(snapshot, { me: me.egressIp, sshPort: setup.ssh?.port }, setup.scenarioIntents);
  // Instance-to-instance intents need the peer's private address and security groups.
  await addPeers(col, snapshot, intents);
  // Listening services found in the guest that the early probes did not cover get their own probe.
  const late = intents.filter(
    (i) => i.direction === 'inbound' && i.protocol === 'tcp' && i.port && !earlyPorts.has(i.port),
  );
  if (late.length && target.addresses.length) {
    const more = await col.probe(now, target.addresses, late);
    const tcp = [...(snapshot.probes.tcp.value ?? []), ...(more.probes.tcp.value ?? [])];
    snapshot.probes = { ...snapshot.probes, tcp: { ...snapshot.probes.tcp, value: tcp } };
  }
  return { snapshot, intents };
}
