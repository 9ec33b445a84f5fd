/**
 * The cloud client: generic RPC calls through `@alicloud/openapi-client` (signed V3 by default, HMAC-SHA1 RPC
 * with `signatureAlgorithm: 'v2'`), with what the SDK lacks — retries with jittered backoff, per-call timeouts,
 * bounded concurrency per product, pacing per action, validation of 200 bodies, read-only enforcement, a
 * record of every attempt (with the call it depended on, for the dependency-chain benchmark) and detection of
 * the simulated region. Its options and interface: client-types.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { homedir } from 'node:os';
import { SIM_ADVERT_ACTION, SIM_HEADER, type SimAdvert } from '../sim/advert.js';
import type { Env } from './aliyun-config.js';
import { chooseRegion } from './aliyun-config.js';
import type { CallOptions, CallRecord, CloudClient, CloudOptions, ParentRef } from './client-types.js';
import { CredentialChain } from './credentials.js';
import {
  type Endpoint,
  PRODUCT_INFO,
  PRODUCTS,
  type Product,
  parseEndpointUrl,
  productEndpoint,
} from './endpoints.js';
import {
  CloudError,
  type ErrorContext,
  fromSdkError,
  isThrottleCode,
  ramActionOf,
  redact,
} from './errors.js';
import { ActionPacer, Semaphore, sleep } from './limits.js';
import {
  Credential,
  OpenApiClient,
  type OpenApiClientType,
  OpenApiConfig,
  OpenApiParams,
  OpenApiRequest,
  OpenApiUtil,
  RuntimeOptions,
} from './sdk.js';
import { parseSimAdvert } from './sim-advert.js';
import { backoff, stripUndefined, validateBody } from './validate.js';
import { isWriteAction } from './write-actions.js';

export type { CallOptions, CallRecord, CloudClient, CloudOptions, ParentRef } from './client-types.js';

const DEFAULT_RATE_LIMITS: Record<string, number> = { 'actiontrail:LookupEvents': 2 };
const MAX_RECORDS = 50_000;

export async function createCloudClient(opts: CloudOptions = {}): Promise<CloudClient> {
  const env: Env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const explicit =
    opts.accessKeyId && opts.accessKeySecret
      ? {
          accessKeyId: opts.accessKeyId,
          accessKeySecret: opts.accessKeySecret,
          securityToken: opts.securityToken,
        }
      : undefined;
  const chain = new CredentialChain({ explicit, profile: opts.profile, env, home });
  const { region, via } = chooseRegion(opts.region, env, chain.profile);
  let override: Endpoint | undefined;
  if (opts.endpoint) {
    try {
      override = parseEndpointUrl(opts.endpoint);
    } catch (e) {
      throw new CloudError({ code: 'BAD_ENDPOINT', message: (e as Error).message, hint: 'Fix --endpoint.' });
    }
  }
  return new Client(opts, chain, region, via, override);
}

class Client implements CloudClient {
  readonly readOnly: boolean;
  readonly signatureAlgorithm: 'v3' | 'v2';
  readonly records: CallRecord[] = [];
  private readonly sdk = new Map<Product, OpenApiClientType>();
  private readonly endpoints = new Map<Product, Endpoint>();
  private readonly sems = new Map<Product, Semaphore>();
  private readonly pacer: ActionPacer;
  private readonly ids = new WeakMap<object, number>();
  private readonly ends = new Map<number, number>();
  private readonly ambient = new AsyncLocalStorage<number | undefined>();
  private nextId = 1;
  private inFlight = 0;
  private firstResponse?: Promise<void>;
  private markFirst?: () => void;
  private advert?: Promise<SimAdvert | undefined>;
  private simSeen = false;
  private advertSecrets: string[] = [];

  constructor(
    private readonly opts: CloudOptions,
    private readonly chain: CredentialChain,
    readonly region: string,
    readonly regionVia: string,
    override: Endpoint | undefined,
  ) {
    this.readOnly = !!opts.readOnly;
    this.signatureAlgorithm = opts.signatureAlgorithm ?? 'v3';
    this.pacer = new ActionPacer({ ...DEFAULT_RATE_LIMITS, ...opts.rateLimits });
    const credential = new Credential(null, chain);
    for (const p of PRODUCTS) {
      const ep = productEndpoint(p, region, override);
      this.endpoints.set(p, ep);
      this.sems.set(p, new Semaphore(opts.concurrency?.[p] ?? 10));
      const config = new OpenApiConfig({
        credential,
        endpoint: ep.host,
        protocol: ep.protocol,
        regionId: region,
        readTimeout: opts.timeoutMs ?? 10_000,
        connectTimeout: opts.connectTimeoutMs ?? 5_000,
        userAgent: opts.userAgent ?? 'netdoctor',
        ...(this.signatureAlgorithm === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
      });
      this.sdk.set(p, new OpenApiClient(config));
    }
    this.firstResponse = new Promise((r) => {
      this.markFirst = r;
    });
  }

  get credentialSource(): string {
    return this.chain.source;
  }

  endpointOf(product: Product): string {
    const ep = this.endpoints.get(product)!;
    return `${ep.protocol}://${ep.host}`;
  }

  secrets(): string[] {
    return [...this.chain.secrets, ...this.advertSecrets];
  }

  async resolveCredentials(): Promise<{ source: string }> {
    await this.chain.getCredentials();
    return { source: this.chain.source };
  }

  callIdOf(body: unknown): number | undefined {
    return body && typeof body === 'object' ? this.ids.get(body) : undefined;
  }

  withParent<T>(parent: ParentRef | ParentRef[], fn: () => T): T {
    return this.ambient.run(this.resolveParent(parent), fn);
  }

  latest(refs: ParentRef | ParentRef[]): number | undefined {
    return this.resolveParent(refs);
  }

  /** Of several prerequisites, the chain runs through the one that finished last. */
  private resolveParent(parent: ParentRef | ParentRef[]): number | undefined {
    const list = Array.isArray(parent) ? parent : [parent];
    let best: number | undefined;
    let bestEnd = -1;
    for (const p of list) {
      const id = typeof p === 'number' ? p : this.callIdOf(p);
      if (id === undefined) continue;
      const end = this.ends.get(id) ?? 0;
      if (end > bestEnd) {
        best = id;
        bestEnd = end;
      }
    }
    return best;
  }

  private context(product: Product, action: string): ErrorContext {
    return {
      product,
      action,
      region: this.region,
      credentialSource: this.chain.source,
      accessKeyHint: this.chain.keyHint,
      endpoint: this.endpoints.get(product)!.host,
      secrets: this.secrets(),
      write: isWriteAction(product, action),
    };
  }

  async call(
    product: Product,
    action: string,
    params: Record<string, unknown> = {},
    opts: CallOptions = {},
  ): Promise<any> {
    if (!PRODUCT_INFO[product])
      throw new CloudError({ code: 'BAD_PRODUCT', message: `Unknown product "${product}".` });
    const write = isWriteAction(product, action);
    if (this.readOnly && write && action !== SIM_ADVERT_ACTION)
      throw new CloudError({
        code: 'READ_ONLY',
        message: `Refused ${ramActionOf(product, action)}: netdoctor is in read-only mode, so no change is sent to the cloud.`,
        hint: 'Restart without --read-only (and outside the war-room mode) to apply fixes.',
        product,
        action,
        ramAction: ramActionOf(product, action),
      });
    const retries = opts.retries ?? this.opts.retries ?? 4;
    const budget = this.opts.retryBudgetMs ?? 20_000;
    const key = `${product}:${action}`;
    const query = OpenApiUtil.query(stripUndefined(params)) as Record<string, string>;
    const started = Date.now();
    let parent = opts.parent !== undefined ? this.resolveParent(opts.parent) : this.ambient.getStore();
    for (let attempt = 1; ; attempt++) {
      const queued = Date.now();
      // Pace first, then take a concurrency slot, then record the start right before sending: a paced call
      // never holds a slot while it waits, and the recorded start is when the request really leaves.
      let release: () => void;
      let paced: (() => void) | undefined;
      for (;;) {
        await this.pacer.wait(key);
        release = await this.sems.get(product)!.acquire();
        paced = this.pacer.tryStart(key);
        if (paced) break;
        release();
      }
      const at = Date.now();
      const id = this.nextId++;
      const base = { id, product, action, at, waitMs: at - queued, attempt, parent };
      let err: CloudError;
      this.inFlight++;
      try {
        const res = await this.send(product, action, query, opts.timeoutMs);
        const body = validateBody(res, this.context(product, action));
        const requestId = typeof body.RequestId === 'string' ? body.RequestId : undefined;
        this.record({ ...base, ok: true, requestId });
        this.ids.set(body, id);
        this.noticeSim(res.headers, id);
        return body;
      } catch (raw) {
        err = fromSdkError(raw, this.context(product, action));
        this.record({ ...base, ok: false, code: err.code, status: err.status, requestId: err.requestId });
      } finally {
        paced();
        this.inFlight--;
        release();
        this.markFirst?.();
      }
      // Backoff happens outside the concurrency slot, so other calls proceed meanwhile.
      const throttled = isThrottleCode(err.code);
      const delay = backoff(attempt, throttled);
      if (!err.retryable || attempt > retries || Date.now() - started + delay > budget) throw err;
      if (throttled) this.pacer.throttled(key, delay);
      parent = id;
      await sleep(delay);
    }
  }

  private async send(
    product: Product,
    action: string,
    query: Record<string, string>,
    timeoutMs: number | undefined,
  ): Promise<{ body: unknown; headers: Record<string, string>; statusCode: number }> {
    const params = new OpenApiParams({
      action,
      version: PRODUCT_INFO[product].version,
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      // Raw text, so an HTML page or a non-JSON 200 becomes a clear BAD_RESPONSE instead of a SyntaxError.
      bodyType: 'string',
    });
    const runtime = new RuntimeOptions({});
    if (timeoutMs !== undefined) (runtime as any).readTimeout = timeoutMs;
    const res = await this.sdk.get(product)!.callApi(params, new OpenApiRequest({ query }), runtime);
    return res as { body: unknown; headers: Record<string, string>; statusCode: number };
  }

  private record(r: Omit<CallRecord, 'ms' | 'end'>): CallRecord {
    const end = Date.now();
    const rec: CallRecord = { ...r, ms: end - r.at, end };
    for (const k of ['parent', 'code', 'status', 'requestId'] as const)
      if (rec[k] === undefined) delete rec[k];
    this.ends.set(rec.id, end);
    this.records.push(rec);
    if (this.records.length > MAX_RECORDS) {
      const drop = this.records.splice(0, this.records.length - MAX_RECORDS);
      for (const d of drop) this.ends.delete(d.id);
    }
    this.opts.onCall?.(rec);
    return rec;
  }

  private noticeSim(headers: Record<string, string> | undefined, id: number): void {
    if (this.simSeen || !headers) return;
    const h = Object.keys(headers).find((k) => k.toLowerCase() === SIM_HEADER);
    if (!h) return;
    this.simSeen = true;
    this.advert = this.withParent(id, () => this.call('ecs', SIM_ADVERT_ACTION, { RegionId: this.region }))
      .then((body) => {
        const a = parseSimAdvert(body);
        if (a?.ssh?.password) this.advertSecrets.push(a.ssh.password);
        return a;
      })
      .catch(() => undefined);
  }

  async simAdvert(): Promise<SimAdvert | undefined> {
    if (this.advert) return this.advert;
    if (this.inFlight > 0 || this.records.length > 0) {
      if (this.inFlight > 0) await this.firstResponse;
      // the advert call starts synchronously on the response that carried the header
      if (this.advert) return this.advert;
      if (this.records.some((r) => r.ok)) return undefined;
    }
    // Nothing answered yet: ask something cheap and read-only to learn who is on the other end.
    try {
      await this.call('ecs', 'DescribeRegions', { RegionId: this.region }, { retries: 1 });
    } catch {
      return undefined;
    }
    return this.advert;
  }
}

/** For callers that format an arbitrary error themselves. */
export function safeMessage(client: CloudClient, e: unknown): string {
  return redact(String((e as Error)?.message ?? e), client.secrets());
}
