/** The cloud client's options, its call records and the interface every cloud reader and writer uses. */
import type { SimAdvert } from '../sim/advert.js';
import type { Env } from './aliyun-config.js';
import type { Product } from './endpoints.js';

export interface CloudOptions {
  region?: string;
  /** aliyun CLI profile name (--profile). */
  profile?: string;
  /** `http://127.0.0.1:PORT` or `https://host`: every product goes there. */
  endpoint?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  /** v3 = ACS3-HMAC-SHA256 (default); v2 = the classic HMAC-SHA1 RPC signature. */
  signatureAlgorithm?: 'v3' | 'v2';
  /** Refuse every write action (code READ_ONLY). */
  readOnly?: boolean;
  /** Per-call read timeout, ms (default 10000). */
  timeoutMs?: number;
  /** Per-call connect timeout, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Extra attempts after the first for retryable failures (default 4). */
  retries?: number;
  /** Total time a call may spend across attempts and backoff, ms (default 20000). */
  retryBudgetMs?: number;
  /** In-flight calls per product (default 10). */
  concurrency?: Partial<Record<Product, number>>;
  /** Calls per second per `product:Action`; defaults include `actiontrail:LookupEvents: 2`. */
  rateLimits?: Record<string, number>;
  /** Environment to resolve credentials/profile/region from (default process.env). */
  env?: Env;
  /** Home directory holding .aliyun/ and .alibabacloud/ (default os.homedir()). */
  home?: string;
  /** Called after every attempt. */
  onCall?: (rec: CallRecord) => void;
  /** Appended to the SDK's user agent. */
  userAgent?: string;
}

export interface CallRecord {
  id: number;
  product: Product;
  action: string;
  /** Time on the wire for this attempt. */
  ms: number;
  /** Time spent waiting for a concurrency slot, pacing or backoff before this attempt. */
  waitMs: number;
  ok: boolean;
  code?: string;
  status?: number;
  /** 1 for the first try. */
  attempt: number;
  /** Epoch ms when the attempt went on the wire. */
  at: number;
  end: number;
  /** The call this one needed (its previous attempt, previous page, or the call whose result it used). */
  parent?: number;
  requestId?: string;
}

export type ParentRef = number | object | undefined;

export interface CallOptions {
  timeoutMs?: number;
  retries?: number;
  /** What this call depended on (call ids or bodies returned by earlier calls); default: the ambient parent. */
  parent?: ParentRef | ParentRef[];
}

export interface CloudClient {
  readonly region: string;
  readonly regionVia: string;
  readonly readOnly: boolean;
  /** `explicit`, `env`, `cli_profile:NAME`, `profile:NAME`, `ecs_ram_role`, … (settles after the first call). */
  readonly credentialSource: string;
  readonly signatureAlgorithm: 'v3' | 'v2';
  endpointOf(product: Product): string;
  call(product: Product, action: string, params?: Record<string, unknown>, opts?: CallOptions): Promise<any>;
  /** The record id of the call that returned this body. */
  callIdOf(body: unknown): number | undefined;
  /** Of several call ids or bodies, the id of the one that finished last (what a dependent waited for). */
  latest(refs: ParentRef | ParentRef[]): number | undefined;
  /** Runs fn so that calls it starts record `parent` as what they depended on. */
  withParent<T>(parent: ParentRef | ParentRef[], fn: () => T): T;
  readonly records: readonly CallRecord[];
  /** Resolves credentials now (normally lazy), so configuration errors surface early. */
  resolveCredentials(): Promise<{ source: string }>;
  /** The simulator's advert when the endpoint is the simulated region, else undefined. */
  simAdvert(): Promise<SimAdvert | undefined>;
  /** Values to scrub from any text (secrets and tokens), for callers that format errors themselves. */
  secrets(): string[];
}
