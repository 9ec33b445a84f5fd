/** What an action handler sees: the world, the clock, the simulator's own state and the call being answered. */
import type { SimAdvert } from '../advert.js';
import type { World } from '../world.js';
import type { Params } from './params.js';

/** One instance's part of a Cloud Assistant invocation. */
export interface InvocationResult {
  instanceId: string;
  /** Epoch ms the command started on the instance, and when its result becomes visible. */
  start: number;
  finish: number;
  output: string;
  exitCode: number;
  /** Set when the command never ran (ClientNotRunning, InstanceNotRunning, …). */
  errorCode?: string;
  errorInfo?: string;
}

export interface Invocation {
  invokeId: string;
  commandId: string;
  name: string;
  type: string;
  commandContent: string;
  username: string;
  timeout: number;
  created: number;
  results: InvocationResult[];
}

/** A pending asynchronous state change: the resource shows its in-between status until `at`, then `to`. */
export interface Transition {
  to: string;
  at: number;
  /** Runs once the transition completes (e.g. a reboot restarting failed services). */
  done?: () => void;
}

export interface SimState {
  invocations: Invocation[];
  /** Instance id → pending state change. */
  instanceTransitions: Map<string, Transition>;
  /** EIP allocation id → pending state change. */
  eipTransitions: Map<string, Transition>;
  /** Signature nonces seen recently (V3 `x-acs-signature-nonce`, V2 `SignatureNonce`) → epoch ms. */
  nonces: Map<string, number>;
  /** Calls answered, per action (for tests and benchmarks). */
  calls: Map<string, number>;
}

export function newState(): SimState {
  return {
    invocations: [],
    instanceTransitions: new Map(),
    eipTransitions: new Map(),
    nonces: new Map(),
    calls: new Map(),
  };
}

export interface SimContext {
  world: World;
  /** The world's clock (a scenario can be replayed at a fixed time). */
  now(): number;
  state: SimState;
  /** The advertisement, with URLs built on the base the client reached us at. */
  advert(baseUrl: string): SimAdvert;
  /** Called when an instance starts or reboots (the SSH server drops its sessions, as a real reboot would). */
  onPower?: (instanceId: string) => void;
}

export type ProductName = 'Ecs' | 'Vpc' | 'Cms' | 'Actiontrail';

export interface ApiCall {
  ctx: SimContext;
  product: ProductName;
  action: string;
  version: string;
  params: Params;
  requestId: string;
  /** `http://host:port` as the client addressed us. */
  baseUrl: string;
  userAgent: string;
  accessKeyId: string;
}

export type Handler = (call: ApiCall) => Record<string, unknown> | Promise<Record<string, unknown>>;
