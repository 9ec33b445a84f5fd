/**
 * The embedded simulated region: loads a scenario, serves the Alibaba OpenAPI over HTTP (source/sim/api) and,
 * when it can, the guests over SSH (source/sim/ssh). `netdoctor sim`, `netdoctor demo` and `--scenario` all
 * start it through startSim().
 */
import type { SimAdvert } from './advert.js';
import { newState, type SimContext } from './api/context.js';
import { type ApiServer, startApiServer } from './api/server.js';
import { syncEips } from './api/world-ops.js';
import { loadScenario } from './scenario/load.js';
import type { Doc } from './scenario/merge.js';
import { type SimSshServer, startSimSsh } from './ssh/server.js';
import type { Faults, World } from './world.js';

export {
  listScenarios,
  loadScenario,
  resolveScenario,
  ScenarioError,
  type ScenarioSummary,
} from './scenario/load.js';
export type { World } from './world.js';

export interface StartSimOptions {
  /** A built-in scenario name, a scenario file path, or a World built in code. */
  scenario: string | World;
  /** `host:port` for the API server (default `127.0.0.1:0`: any free port on loopback). */
  listen?: string;
  /** Start the SSH server (default true); `{listen}` picks its address. */
  ssh?: boolean | { listen?: string };
  /** Added latency per API call, ms (overrides the scenario's `faults.latencyMs`). */
  latencyMs?: number;
  /** Faults merged over the scenario's own (tests and benchmarks). */
  faults?: Partial<Faults>;
  /**
   * The world's clock (default Date.now). A frozen clock freezes asynchronous changes too: pair it with
   * `faults: {transitionMs: 0, assistantRunMs: 0}`. Signatures are always checked against the real clock.
   */
  now?: () => number;
  /** A patch merged onto a scenario file before it is built (ignored for a World). */
  overrides?: Doc;
}

export interface RunningSim {
  /** `http://127.0.0.1:PORT`: give it to the SDK as `endpoint: '127.0.0.1:PORT', protocol: 'http'`. */
  endpoint: string;
  /** The scenario's test key pair (not a real credential). */
  accessKeyId: string;
  accessKeySecret: string;
  scenario: string;
  /** The live world: API writes change it, and so may guest-side fixes. */
  world: World;
  advert: SimAdvert;
  ssh?: SimSshServer;
  /** Calls answered so far, per action. */
  calls(): Map<string, number>;
  close(): Promise<void>;
}

export function parseListen(listen: string | undefined, what = 'listen'): { host: string; port: number } {
  if (!listen) return { host: '127.0.0.1', port: 0 };
  const m = /^(?:\[([^\]]+)\]|([^:]+))?(?::(\d+))?$/.exec(listen.trim());
  const port = m?.[3] !== undefined ? Number(m[3]) : 0;
  if (!m || port > 65535)
    throw new Error(`--${what} "${listen}" is not HOST:PORT (e.g. 127.0.0.1:0 or 0.0.0.0:8080).`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

export async function startSim(opts: StartSimOptions): Promise<RunningSim> {
  const now = opts.now ?? (() => Date.now());
  const world =
    typeof opts.scenario === 'string'
      ? loadScenario(opts.scenario, { now: now(), overrides: opts.overrides })
      : opts.scenario;
  world.epoch ??= now();
  if (opts.faults) world.faults = { ...world.faults, ...opts.faults };
  if (opts.latencyMs !== undefined) world.faults.latencyMs = opts.latencyMs;
  syncEips(world);

  let ssh: SimSshServer | undefined;
  let sshError: string | undefined;
  const advert = (base: string): SimAdvert => {
    const a: SimAdvert = {
      scenario: world.name,
      probeUrl: `${base}/__netdoctor/probe`,
      echoUrl: `${base}/__netdoctor/echo`,
    };
    if (ssh)
      a.ssh = {
        host: ssh.host,
        port: ssh.port,
        hostKey: ssh.hostKeyPublic,
        hostKeySha256: ssh.hostKeySha256,
        password: ssh.password,
      };
    else if (sshError) a.sshError = sshError;
    return a;
  };
  const ctx: SimContext = { world, now, state: newState(), advert };
  // Parse both addresses before listening on either, so a bad one leaves nothing running.
  const listen = parseListen(opts.listen);
  const sshListen = parseListen(typeof opts.ssh === 'object' ? opts.ssh.listen : undefined, 'ssh-listen');
  const server: ApiServer = await startApiServer(ctx, listen);

  if (opts.ssh !== false) {
    try {
      ssh = await startSimSsh(world, {
        host: sshListen.host,
        port: sshListen.port,
        latencyMs: () => world.faults.sshLatencyMs ?? 0,
        now,
      });
      ctx.onPower = () => ssh?.dropAll();
    } catch (e) {
      sshError = `The simulator's SSH server did not start (${(e as Error).message}); guest facts can come only through Cloud Assistant.`;
    }
  } else
    sshError =
      'The simulator was started without its SSH server; guest facts can come only through Cloud Assistant.';

  return {
    endpoint: server.url,
    accessKeyId: world.account.accessKeyId,
    accessKeySecret: world.account.accessKeySecret,
    scenario: world.name,
    world,
    get advert() {
      return advert(server.url);
    },
    ssh,
    calls: () => ctx.state.calls,
    close: async () => {
      await Promise.all([server.close(), ssh?.close()]);
    },
  };
}
