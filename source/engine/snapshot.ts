/**
 * One full collection for `check` and the first frame of the UI: everything in parallel, the longest chain
 * being the cloud's dependent calls (instance → vSwitch → route entries) next to the guest's single round trip.
 */

import type { Options } from '../commands/args.js';
import { defaultIntents, intentsFromArgs, parseIntentSpec } from '../diagnose/intents.js';
import type { Intent, Snapshot, SourceStatus } from '../model/index.js';
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

export async function collectOnce(col: Collector, o: Options, now = Date.now()): Promise<Collected> {
  const setup = col.setup;
  const meP = col.me();
  const cloudP = col.cloud(now);
  const needsInstanceAddress = setup.kind === 'instance' && !setup.advert?.ssh && !setup.ssh;
  const guestP = needsInstanceAddress
    ? cloudP.then((c) => col.guest(now, c.cloud?.instance.value))
    : col.guest(now);

  const me = await meP;
  const explicit = cliIntents(o, me.egressIp);
  const scenario = setup.scenarioIntents.map((s) => parseIntentSpec(s, { me: me.egressIp }));
  const earlyPorts = new Set<number>(BASE_PROBE_PORTS);
  for (const i of [...(explicit ?? []), ...scenario])
    if (i.direction === 'inbound' && i.port) earlyPorts.add(i.port);
  const earlyIntents = [...earlyPorts].map(
    (p) => ({ id: `probe-${p}`, direction: 'inbound', protocol: 'tcp', port: p, label: '' }) as Intent,
  );

  const cloud = await cloudP;
  const target = targetSummary(setup, cloud.cloud?.instance.value);
  const probesP = col.probe(now, target.addresses, earlyIntents);
  const [guest, probed] = await Promise.all([guestP, probesP]);

  const sources: SourceStatus[] = [...cloud.sources, ...guest.sources, ...probed.sources];
  const snapshot: Snapshot = { at: now, target, operator: me, sources };
  if (cloud.cloud) snapshot.cloud = cloud.cloud;
  if (guest.guest) snapshot.guest = guest.guest;
  if (guest.guestError) snapshot.guestError = guest.guestError;
  snapshot.probes = probed.probes;
  if (setup.scenarioName) snapshot.simulated = { scenario: setup.scenarioName };
  if (cloud.notes?.length) snapshot.notes = cloud.notes;

  const intents = explicit ?? defaultIntents(snapshot, { me: me.egressIp }, setup.scenarioIntents);
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
