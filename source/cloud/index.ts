/** The cloud client and cloud facts: the public surface of source/cloud. */
export type { Env } from './aliyun-config.js';
export { CloudCache } from './cache.js';
export {
  type CallOptions,
  type CallRecord,
  type CloudClient,
  type CloudOptions,
  createCloudClient,
  safeMessage,
} from './client.js';
export { type CollectOptions, collectCloudFacts, collectCloudFactsMany } from './collect.js';
export { PRODUCT_INFO, PRODUCTS, type Product, parseEndpointUrl } from './endpoints.js';
export { CloudError, isCloudError, ramActionOf, redact, toSourceError } from './errors.js';
export { type FoundInstances, findInstances, queryKind } from './find.js';
export { ECS_METRICS } from './metrics.js';
export { pagesByNumber, pagesByToken } from './paginate.js';
export { isWriteAction, WRITE_ACTIONS } from './write-actions.js';
export * from './writes.js';
