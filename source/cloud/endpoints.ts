/** Products netdoctor calls, their API versions, RAM prefixes and public endpoints (reference §2). */

export type Product = 'ecs' | 'vpc' | 'cms' | 'actiontrail';
export const PRODUCTS: readonly Product[] = ['ecs', 'vpc', 'cms', 'actiontrail'];

export interface ProductInfo {
  version: string;
  /** RAM action prefix (`ecs:DescribeInstances`). */
  ramPrefix: string;
  /** Host for a region when no --endpoint is given. */
  host(region: string): string;
}

/** Where the product SDKs' endpoint maps depart from the regional rule (reference §2). */
const ENDPOINT_OVERRIDES: Record<string, string> = {
  'ecs:cn-hangzhou': 'ecs-cn-hangzhou.aliyuncs.com',
  'vpc:cn-hangzhou': 'vpc.aliyuncs.com',
};

export const PRODUCT_INFO: Record<Product, ProductInfo> = {
  // Otherwise the regional rule `<product>.<region>.aliyuncs.com` holds.
  ecs: {
    version: '2014-05-26',
    ramPrefix: 'ecs',
    host: (r) => ENDPOINT_OVERRIDES[`ecs:${r}`] ?? `ecs.${r}.aliyuncs.com`,
  },
  vpc: {
    version: '2016-04-28',
    ramPrefix: 'vpc',
    host: (r) => ENDPOINT_OVERRIDES[`vpc:${r}`] ?? `vpc.${r}.aliyuncs.com`,
  },
  cms: { version: '2019-01-01', ramPrefix: 'cms', host: (r) => `metrics.${r}.aliyuncs.com` },
  actiontrail: {
    version: '2020-07-06',
    ramPrefix: 'actiontrail',
    host: (r) => `actiontrail.${r}.aliyuncs.com`,
  },
};

export interface Endpoint {
  /** host[:port], what the SDK's `config.endpoint` takes. */
  host: string;
  protocol: 'http' | 'https';
}

/**
 * `--endpoint URL` sends every product to one place (a simulator, a private gateway). The scheme decides the
 * protocol; a bare host means HTTPS. Throws a guidance error on anything that is not a plain origin.
 */
export function parseEndpointUrl(url: string): Endpoint {
  const raw = url.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Error(
      `--endpoint "${url}" is not a URL. Give an origin such as http://127.0.0.1:8080 or https://ecs.cn-hangzhou.aliyuncs.com.`,
    );
  }
  const protocol = u.protocol.replace(/:$/, '').toLowerCase();
  if (protocol !== 'http' && protocol !== 'https')
    throw new Error(`--endpoint "${url}" uses ${protocol}:; only http:// and https:// are supported.`);
  if (u.pathname !== '/' && u.pathname !== '')
    throw new Error(
      `--endpoint "${url}" has a path (${u.pathname}); Alibaba RPC APIs are served at "/". Give only scheme, host and port.`,
    );
  return { host: u.host, protocol };
}

export function productEndpoint(product: Product, region: string, override?: Endpoint): Endpoint {
  if (override) return override;
  return { host: PRODUCT_INFO[product].host(region), protocol: 'https' };
}
