/**
 * The real, unmodified Alibaba SDK as the simulator tests use it: `@alicloud/openapi-client` `callApi` with the
 * RPC params every product SDK sends, and `OpenApiUtil.query` flattening (reference §1.5).
 * The packages are CommonJS with the class on `exports.default`; from ESM it may sit one level deeper.
 */
import * as OpenApiNs from '@alicloud/openapi-client';
import * as OpenApiUtilNs from '@alicloud/openapi-util';
import * as TeaUtilNs from '@alicloud/tea-util';

function unwrap<T>(ns: unknown, name: string): T {
  const n = ns as Record<string, any>;
  if (name !== 'default' && n[name] !== undefined) return n[name] as T;
  const d = n.default;
  if (name === 'default') return (d && typeof d === 'object' && 'default' in d ? d.default : d) as T;
  return (d?.[name] ?? d?.default?.[name]) as T;
}

// Typed loosely on purpose: the CommonJS/ESM double default confuses the packages' own declarations.
const Client = unwrap<any>(OpenApiNs, 'default');
const Config = unwrap<any>(OpenApiNs, 'Config');
const Params = unwrap<any>(OpenApiNs, 'Params');
const OpenApiRequest = unwrap<any>(OpenApiNs, 'OpenApiRequest');
const OpenApiUtil = unwrap<any>(OpenApiUtilNs, 'default');
const RuntimeOptions = unwrap<any>(TeaUtilNs, 'RuntimeOptions');

export const VERSIONS = {
  ecs: '2014-05-26',
  vpc: '2016-04-28',
  cms: '2019-01-01',
  actiontrail: '2020-07-06',
} as const;
export type Product = keyof typeof VERSIONS;

export interface SdkOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** 'v2' = classic RPC HMAC-SHA1 (`config.signatureAlgorithm = 'v2'`); default V3 ACS3-HMAC-SHA256. */
  signature?: 'v2' | 'v3';
  readTimeout?: number;
}

export interface CallResult {
  body: any;
  headers: Record<string, string>;
  statusCode: number;
}

/** A client for one simulator; `call(product, action, params)` goes through `callApi` exactly as the SDKs do. */
export function sdk(o: SdkOptions) {
  const host = o.endpoint.replace(/^https?:\/\//, '');
  const client = new Client(
    new Config({
      accessKeyId: o.accessKeyId,
      accessKeySecret: o.accessKeySecret,
      endpoint: host,
      protocol: 'http',
      readTimeout: o.readTimeout ?? 10_000,
      connectTimeout: 5_000,
      ...(o.signature === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
  return async function call(
    product: Product,
    action: string,
    query: Record<string, unknown> = {},
    opts: { method?: 'POST' | 'GET'; body?: Record<string, unknown> } = {},
  ): Promise<CallResult> {
    const params = new Params({
      action,
      version: VERSIONS[product],
      protocol: 'HTTPS',
      pathname: '/',
      method: opts.method ?? 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const req = new OpenApiRequest({
      query: OpenApiUtil.query(query),
      ...(opts.body ? { body: opts.body } : {}),
    });
    return (await client.callApi(params, req, new RuntimeOptions({}))) as CallResult;
  };
}

/** Runs `fn`, expecting the SDK to throw; returns the error (fails the test when it does not throw). */
export async function failure(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
