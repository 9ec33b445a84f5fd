/**
 * Building a Snapshot: cloud facts, guest facts and probes collected in parallel, each source on its own
 * clock and error. The guest transport is opened once and kept (one SSH connection per target), reopened
 * only when it dies. Probe targets are the instance's public addresses and the intents' ports.
 */
import { collectCloudFacts } from '../cloud/index.js';
import type { Options } from '../commands/args.js';
import { collectGuestFacts, failedGuestFacts } from '../guest/collect.js';
import { type GuestSession, openGuest, simSshTarget } from '../guest/transport/auto.js';
import type { Transport } from '../guest/transport/types.js';
import type {
  CloudFacts,
  Fact,
  Instance,
  Intent,
  OperatorInfo,
  ProbeFacts,
  Snapshot,
  SourceStatus,
  TargetSummary,
} from '../model/index.js';
import { createProbeRunner, findMyAddress, type ProbeRunner, runProbes } from '../probe/index.js';
import { TEMP_ACCESS_PREFIX } from '../remedy/temp-access.js';
import type { Setup } from './setup.js';

export interface AcceptedHostKey {
  file: string;
  /** The known_hosts name (`198.18.0.2`, `[host]:2222`). */
  name: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

export interface Collector {
  setup: Setup;
  probes: ProbeRunner;
  /** The operator's egress address (asked once, then cached). */
  me(): Promise<OperatorInfo>;
  /** `onInstance` gets the instance fact as soon as it is read, before the rest of the cloud collection. */
  cloud(
    now: number,
    onInstance?: (instance: Fact<Instance>) => void,
  ): Promise<{ cloud?: CloudFacts; sources: SourceStatus[]; notes?: string[] }>;
  guest(now: number, inst?: Instance): Promise<Pick<Snapshot, 'guest' | 'guestError' | 'sources'>>;
  probe(
    now: number,
    addresses: string[],
    intents: Intent[],
  ): Promise<{ probes: ProbeFacts; sources: SourceStatus[] }>;
  /** How the guest was reached, and why other ways failed. */
  guestAttempts(): GuestSession['attempts'];
  /** Host keys appended to known_hosts under --accept-new-host-key (the operator must be told). */
  acceptedHostKeys(): AcceptedHostKey[];
  transport(): Transport | undefined;
  /** A brand-new guest connection (proof that access survived a change); it replaces the current one. */
  freshTransport(): Promise<Transport>;
  close(): Promise<void>;
}

function sourceOf(
  name: string,
  t0: number,
  ok: boolean,
  at: number,
  error?: SourceStatus['error'],
  calls?: number,
): SourceStatus {
  const s: SourceStatus = { name, ok, ms: Date.now() - t0, at };
  if (error) s.error = error;
  if (calls !== undefined) s.calls = calls;
  return s;
}

/**
 * One status per cloud product behind the facts (ecs, vpc, cms, actiontrail): `cloud` says whether the instance
 * could be read at all; these say which product failed when only part of the picture is missing (a RAM policy
 * without CloudMonitor, a throttled VPC API), so `sources` never reports a partial collection as whole.
 */
export function productSources(cloud: CloudFacts, at: number): SourceStatus[] {
  const byProduct = new Map<string, SourceStatus>();
  for (const f of Object.values(cloud) as unknown[]) {
    if (!f || typeof f !== 'object' || !('source' in f)) continue;
    const { source, ms, error } = f as Fact<unknown>;
    const name = source.split(':')[0];
    const s = byProduct.get(name) ?? { name, ok: true, ms: 0, at };
    s.ms = Math.max(s.ms, ms ?? 0);
    if (error && s.ok) {
      s.ok = false;
      s.error = error;
    }
    byProduct.set(name, s);
  }
  return [...byProduct.values()];
}

/** Public addresses first (what the internet and the operator reach), then private ones. */
export function instanceAddresses(inst: Instance | undefined): string[] {
  if (!inst) return [];
  const pub = [inst.eip?.ip, ...inst.publicIps, ...inst.enis.map((e) => e.publicIp)].filter(
    (x): x is string => !!x,
  );
  return [...new Set([...pub, ...inst.privateIps])];
}

export function targetSummary(setup: Setup, inst?: Instance): TargetSummary {
  const t: TargetSummary = { kind: setup.kind, addresses: instanceAddresses(inst) };
  if (setup.instanceId) t.instanceId = setup.instanceId;
  if (inst?.name) t.name = inst.name;
  if (setup.cloud) t.region = setup.cloud.region;
  if (setup.ssh)
    t.ssh = `${setup.ssh.user ? `${setup.ssh.user}@` : ''}${setup.ssh.host}${setup.ssh.port ? `:${setup.ssh.port}` : ''}`;
  if (setup.query) t.query = setup.query;
  if (setup.kind === 'ssh' && setup.ssh) t.addresses = [setup.ssh.host];
  return t;
}

/**
 * Temporary access rules carry their expiry in their description; every run revokes the expired ones it sees (or,
 * read-only, says they are expired) and drops them from the facts it just read.
 */
async function sweepTemporaryRules(
  setup: Setup,
  cloud: CloudFacts,
  now: number,
  o: Options,
): Promise<string[]> {
  const groups = cloud.securityGroups.value;
  if (!setup.cloud || !groups?.some((g) => g.rules.some((r) => r.description.startsWith(TEMP_ACCESS_PREFIX))))
    return [];
  const { sweepExpired } = await import('../remedy/temp-access.js');
  const { openAuditLog, operatorIdentity } = await import('../remedy/audit.js');
  const client = setup.cloud;
  const actions = await sweepExpired(client, groups, now, {
    audit: openAuditLog({ file: o.audit, secrets: () => client.secrets() }),
    who: operatorIdentity(client.credentialSource),
    readOnly: client.readOnly,
    target: setup.instanceId,
  });
  const revoked = new Set(actions.filter((a) => a.action === 'revoked').map((a) => a.ruleId));
  if (revoked.size) for (const g of groups) g.rules = g.rules.filter((r) => !revoked.has(r.id));
  return actions.map((a) => a.message);
}

export function createCollector(setup: Setup, o: Options): Collector {
  // With a simulator every address belongs to the world: probes go to the simulator, never to the address.
  const probes = createProbeRunner({ sim: setup.advert, noProbes: o['no-probes'] });
  let meP: Promise<OperatorInfo> | undefined;
  let session: GuestSession | undefined;
  let opening: Promise<GuestSession> | undefined;
  // A failed open is forgotten so the next refresh tries again, but its attempts stay readable: `check` turns a
  // refused host key into exit 2 from them.
  let lastAttempts: GuestSession['attempts'] = [];
  const acceptedKeys: AcceptedHostKey[] = [];

  const openSession = async (inst?: Instance): Promise<GuestSession> => {
    const via = (o.via ?? 'auto') as 'ssh' | 'assistant' | 'local' | 'auto' | 'none';
    if (via === 'none')
      return {
        attempts: [],
        error: { code: 'GUEST_DISABLED', message: 'Guest checks are off (--via none).' },
      };
    const cloud = setup.cloud;
    const assistant =
      cloud && setup.instanceId
        ? { api: cloud, instanceId: setup.instanceId, region: cloud.region }
        : undefined;
    if (setup.kind === 'local' || o.local) return openGuest({ via: 'local' });
    let ssh: Parameters<typeof openGuest>[0]['ssh'];
    if (setup.advert?.ssh && setup.instanceId) ssh = simSshTarget(setup.advert.ssh, setup.instanceId);
    else if (setup.ssh) ssh = { host: setup.ssh.host, port: setup.ssh.port, user: setup.ssh.user };
    else {
      const addr = instanceAddresses(inst)[0];
      if (addr) ssh = { host: addr, user: 'root' };
    }
    if (ssh && !setup.advert?.ssh) {
      if (o.identity) ssh.identity = o.identity;
      if (o['known-hosts']) ssh.knownHosts = o['known-hosts'];
      if (o.jump) ssh.jump = o.jump;
      if (o['accept-new-host-key']) ssh.acceptNewHostKey = true;
    }
    return openGuest({
      via: via === 'auto' ? 'auto' : via,
      ssh,
      assistant,
      sshEnv: { onHostKeyAccepted: (k) => acceptedKeys.push(k) },
    });
  };

  const collector: Collector = {
    setup,
    probes,
    me() {
      meP ??= findMyAddress({ given: o.me, echoUrl: o['echo-url'], sim: setup.advert });
      return meP;
    },
    async cloud(now, onInstance) {
      if (!setup.cloud || !setup.instanceId) return { sources: [] };
      const t0 = Date.now();
      const before = setup.cloud.records.length;
      const cloud = await collectCloudFacts(setup.cloud, setup.instanceId, { now, onInstance });
      const notes = await sweepTemporaryRules(setup, cloud, now, o);
      const calls = setup.cloud.records.length - before;
      const err = cloud.instance.error;
      return {
        cloud,
        sources: [sourceOf('cloud', t0, !err, now, err, calls), ...productSources(cloud, now)],
        ...(notes.length ? { notes } : {}),
      };
    },
    async guest(now, inst) {
      const t0 = Date.now();
      if (!session?.transport) {
        opening ??= openSession(inst);
        session = await opening;
        opening = undefined;
        lastAttempts = session.attempts;
      }
      const transport = session.transport;
      if (!transport) {
        const error = session.error ?? { code: 'GUEST_UNREACHABLE', message: 'no way into the guest' };
        const s: Pick<Snapshot, 'guest' | 'guestError' | 'sources'> = {
          guestError: error,
          sources: [sourceOf('guest', t0, false, now, error)],
        };
        session = undefined; // try again next refresh
        return s;
      }
      const guest = await collectGuestFacts(transport, { now });
      const broken = guest.interfaces.error?.code;
      if (broken && /^(CONNECTION|TRANSPORT|SSH_CLOSED|CHANNEL)/.test(broken)) {
        await transport.close().catch(() => undefined);
        session = undefined;
      }
      const err = guest.interfaces.error;
      return { guest, sources: [sourceOf(`guest:${transport.kind}`, t0, !err, now, err)] };
    },
    async probe(now, addresses, intents) {
      const t0 = Date.now();
      const pub = addresses[0];
      const tcp: { host: string; port: number }[] = [];
      if (pub) {
        const ports = new Set<number>();
        for (const i of intents)
          if (i.direction === 'inbound' && i.protocol === 'tcp' && i.port) ports.add(i.port);
        for (const p of ports) tcp.push({ host: pub, port: p });
      }
      const probesFacts = await runProbes({ tcp, ping: pub ? [pub] : [], dns: [] }, probes, { now });
      const err = probesFacts.tcp.error;
      return { probes: probesFacts, sources: [sourceOf('probes', t0, !err, now, err)] };
    },
    guestAttempts: () => session?.attempts ?? lastAttempts,
    acceptedHostKeys: () => [...acceptedKeys],
    transport: () => session?.transport,
    async freshTransport() {
      const fresh = await openSession();
      if (!fresh.transport) throw new Error(fresh.error?.message ?? 'could not reconnect to the guest');
      const old = session?.transport;
      session = fresh;
      await old?.close().catch(() => undefined);
      return fresh.transport;
    },
    async close() {
      await session?.transport?.close().catch(() => undefined);
      await setup.close();
    },
  };
  return collector;
}

/** `failedGuestFacts` re-exported for callers that build snapshots by hand. */
export { failedGuestFacts };
