/**
 * From command-line options to the sources of one target: the cloud client (real, `--endpoint`, or the
 * embedded simulator for `--scenario`), the instance, the way into the guest, and the probe runner.
 * Configuration problems raise ConfigError (exit 2) with what to do; nothing here decides anything.
 */
import { type CloudClient, createCloudClient, findInstances } from '../cloud/index.js';
import type { Options } from '../commands/args.js';
import type { SimAdvert } from '../sim/advert.js';
import type { RunningSim } from '../sim/index.js';

export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  ${hint}` : message);
    this.name = 'ConfigError';
  }
}

export interface SshSpec {
  user?: string;
  host: string;
  port?: number;
}

/** `[user@]host[:port]`, `[user@][v6::addr]:port`. */
export function parseSshSpec(spec: string): SshSpec {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!m) throw new ConfigError(`--ssh "${spec}" is not [user@]host[:port]`);
  const out: SshSpec = { host: m[2].replace(/^\[|\]$/g, '') };
  if (m[1]) out.user = m[1];
  if (m[3]) out.port = Number(m[3]);
  return out;
}

export interface Setup {
  kind: 'instance' | 'ssh' | 'local';
  cloud?: CloudClient;
  sim?: RunningSim;
  advert?: SimAdvert;
  /** The target instance id when there is a cloud side. */
  instanceId?: string;
  /** What the operator typed as TARGET (an address or a name). */
  query?: string;
  ssh?: SshSpec;
  /** Intents the scenario is about (defaults when none is given). */
  scenarioIntents: string[];
  scenarioName?: string;
  close(): Promise<void>;
}

const ID = /^i-[0-9a-z]+$/i;

export async function setupTarget(positionals: string[], o: Options): Promise<Setup> {
  const targetArg = positionals[0];
  const closers: (() => Promise<void>)[] = [];
  const setup: Setup = {
    kind: 'instance',
    scenarioIntents: [],
    close: async () => {
      for (const c of closers.reverse()) await c().catch(() => undefined);
    },
  };
  try {
    if (o.ssh) setup.ssh = parseSshSpec(o.ssh);
    if (o.scenario) {
      const { startSim } = await import('../sim/index.js');
      const latency = simLatencyFromEnv(process.env);
      let sim: RunningSim;
      try {
        sim = await startSim({ scenario: o.scenario, ssh: true, ...latency });
      } catch (e) {
        throw new ConfigError(
          `cannot load scenario "${o.scenario}": ${(e as Error).message}`,
          "Run 'netdoctor scenarios' to list them.",
        );
      }
      closers.push(() => sim.close());
      setup.sim = sim;
      setup.advert = sim.advert;
      setup.scenarioName = sim.scenario;
      setup.scenarioIntents = sim.world.intents ?? [];
      setup.cloud = await createCloudClient({
        endpoint: sim.endpoint,
        accessKeyId: sim.accessKeyId,
        accessKeySecret: sim.accessKeySecret,
        region: o.region ?? sim.world.region,
        readOnly: o['read-only'],
        signatureAlgorithm: o.signature === 'v2' ? 'v2' : 'v3',
        env: {},
      });
      setup.instanceId = targetArg && ID.test(targetArg) ? targetArg : sim.world.target;
      if (targetArg && !ID.test(targetArg)) setup.query = targetArg;
    } else if (o.ssh && !targetArg && !o.region && !o.profile && !o.endpoint) {
      setup.kind = 'ssh';
      return setup;
    } else if (o.local) {
      setup.kind = 'local';
      const { discoverInstance } = await import('../guest/metadata.js');
      const md = await discoverInstance({ baseUrl: o['metadata-url'] });
      if (md.value) {
        setup.instanceId = md.value.instanceId;
        setup.cloud = await tryCloud(o, md.value.regionId);
      }
      return setup;
    } else {
      if (!targetArg)
        throw new ConfigError(
          'no target given',
          "Give an instance id, name or IP — or try the demo: 'netdoctor demo'.",
        );
      setup.cloud = await createCloudClient({
        region: o.region,
        profile: o.profile,
        endpoint: o.endpoint,
        readOnly: o['read-only'],
        signatureAlgorithm: o.signature === 'v2' ? 'v2' : 'v3',
      }).catch((e: Error) => {
        throw new ConfigError(e.message);
      });
      if (ID.test(targetArg)) setup.instanceId = targetArg;
      else setup.query = targetArg;
    }
    const cloud = setup.cloud!;
    // Only an --endpoint can be a simulated region: without one the calls go to Alibaba's own endpoints, and
    // asking would cost a whole round trip before the collection starts.
    if (!setup.advert && o.endpoint) setup.advert = await cloud.simAdvert().catch(() => undefined);
    if (!setup.instanceId && setup.query) {
      const found = await findInstances(cloud, setup.query).catch((e: Error) => {
        throw new ConfigError(`cannot look up "${setup.query}": ${e.message}`);
      });
      if (found.instances.length === 0)
        throw new ConfigError(
          `no instance matches "${setup.query}" in ${cloud.region}`,
          'Check --region, or give the instance id (i-…).',
        );
      if (found.instances.length > 1)
        throw new ConfigError(
          `"${setup.query}" matches ${found.instances.length} instances`,
          `Pick one: ${found.instances.map((i) => `${i.id} (${i.name})`).join(', ')}`,
        );
      setup.instanceId = found.instances[0].id;
    }
    return setup;
  } catch (e) {
    await setup.close();
    throw e;
  }
}

/**
 * Injected simulator latency for benchmarks and demos of a slow region: `NETDOCTOR_SIM_LATENCY_MS` per API call,
 * `NETDOCTOR_SIM_SSH_LATENCY_MS` per SSH round trip (see `Faults`). Unset: the scenario's own faults.
 */
export function simLatencyFromEnv(env: Record<string, string | undefined>): {
  latencyMs?: number;
  faults?: { sshLatencyMs: number };
} {
  const ms = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d{1,6}$/.test(v.trim()))
      throw new ConfigError(
        `${name}="${v}" is not a whole number of milliseconds`,
        `Set it to e.g. 100, or unset it to keep the scenario's own latency.`,
      );
    return Number(v.trim());
  };
  const api = ms('NETDOCTOR_SIM_LATENCY_MS');
  const ssh = ms('NETDOCTOR_SIM_SSH_LATENCY_MS');
  return {
    ...(api !== undefined ? { latencyMs: api } : {}),
    ...(ssh !== undefined ? { faults: { sshLatencyMs: ssh } } : {}),
  };
}

async function tryCloud(o: Options, region: string): Promise<CloudClient | undefined> {
  try {
    const c = await createCloudClient({
      region: o.region ?? region,
      profile: o.profile,
      endpoint: o.endpoint,
      readOnly: o['read-only'],
    });
    await c.resolveCredentials();
    return c;
  } catch {
    return undefined;
  }
}
