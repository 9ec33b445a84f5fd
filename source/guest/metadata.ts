/**
 * Where am I? When netdoctor runs on the instance itself (`--local`), the ECS metadata service says which
 * instance and region this is, so the cloud side can be collected too. IMDSv2 (a session token) is tried
 * first, then plain v1 (Alibaba: PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds, then
 * GETs with X-aliyun-ecs-metadata-token). Timeouts are short: off ECS there is simply no answer.
 */
import { type Fact, fact, failed } from '../model/index.js';

export const DEFAULT_METADATA_URL = 'http://100.100.100.200/latest/meta-data/';
export const METADATA_URL_ENV = 'NETDOCTOR_METADATA_URL';
const TOKEN_TTL_HEADER = 'X-aliyun-ecs-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'X-aliyun-ecs-metadata-token';

export interface InstanceMetadata {
  instanceId: string;
  regionId: string;
  zoneId?: string;
  privateIp?: string;
  /** The EIP as the metadata service reports it (`eipv4`), when one is associated. */
  eip?: string;
  hostname?: string;
  vpcId?: string;
  /** Which access mode answered. */
  imds: 'v2' | 'v1';
}

export interface MetadataOptions {
  /** Base of the meta-data tree, ending in `/meta-data/`; default NETDOCTOR_METADATA_URL or 100.100.100.200. */
  baseUrl?: string;
  /** Per request, ms (default 1000). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

const SOURCE = 'guest:metadata';

class MetadataHttpError extends Error {
  constructor(
    readonly status: number,
    path: string,
  ) {
    super(`HTTP ${status} for ${path}`);
  }
}

async function request(url: string, init: RequestInit, timeoutMs: number): Promise<string> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  const text = await res.text();
  if (!res.ok) throw new MetadataHttpError(res.status, new URL(url).pathname);
  return text.trim();
}

function baseFrom(opts: MetadataOptions): string {
  const env = opts.env ?? process.env;
  let base = opts.baseUrl ?? env[METADATA_URL_ENV] ?? DEFAULT_METADATA_URL;
  if (!base.endsWith('/')) base += '/';
  return base;
}

/** Reads instance id, region and, when offered, zone, private IP, EIP, hostname and VPC. Never throws. */
export async function discoverInstance(opts: MetadataOptions = {}): Promise<Fact<InstanceMetadata>> {
  const now = opts.now ?? Date.now;
  const at = now();
  const started = Date.now();
  const env = opts.env ?? process.env;
  const base = baseFrom(opts);
  const timeoutMs = opts.timeoutMs ?? 1000;
  if (base === DEFAULT_METADATA_URL && /^(1|true|yes)$/i.test(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED ?? ''))
    return failed(SOURCE, at, {
      code: 'METADATA_DISABLED',
      message: 'The ECS metadata service was not asked: ALIBABA_CLOUD_ECS_METADATA_DISABLED is set.',
      hint: `Unset it, or give the instance explicitly (TARGET and --region), or point ${METADATA_URL_ENV} at a metadata server.`,
    });
  let tokenUrl: string;
  try {
    tokenUrl = new URL('../api/token', base).toString();
  } catch {
    return failed(SOURCE, at, {
      code: 'METADATA_URL_INVALID',
      message: `The metadata URL "${base}" is not a URL.`,
      hint: `Set ${METADATA_URL_ENV} to e.g. ${DEFAULT_METADATA_URL}`,
    });
  }

  let token: string | undefined;
  try {
    token = await request(tokenUrl, { method: 'PUT', headers: { [TOKEN_TTL_HEADER]: '300' } }, timeoutMs);
  } catch {
    token = undefined; // v1 only, or not on ECS at all: the GETs below tell which
  }
  const headers: Record<string, string> = token ? { [TOKEN_HEADER]: token } : {};
  const get = (path: string) => request(new URL(path, base).toString(), { headers }, timeoutMs);
  const optional = (path: string) => get(path).catch(() => undefined);

  try {
    const [instanceId, regionId, zoneId, privateIp, eip, hostname, vpcId] = await Promise.all([
      get('instance-id'),
      get('region-id'),
      optional('zone-id'),
      optional('private-ipv4'),
      optional('eipv4'),
      optional('hostname'),
      optional('vpc-id'),
    ]);
    if (!/^i-[A-Za-z0-9]+$/.test(instanceId) || !regionId)
      throw new Error(`unexpected answer (instance-id "${instanceId.slice(0, 40)}")`);
    const md: InstanceMetadata = { instanceId, regionId, imds: token ? 'v2' : 'v1' };
    if (zoneId) md.zoneId = zoneId;
    if (privateIp) md.privateIp = privateIp;
    if (eip) md.eip = eip;
    if (hostname) md.hostname = hostname;
    if (vpcId) md.vpcId = vpcId;
    return fact(SOURCE, at, md, Date.now() - started);
  } catch (e) {
    const status = e instanceof MetadataHttpError ? e.status : undefined;
    const timedOut = (e as Error)?.name === 'TimeoutError' || (e as Error)?.name === 'AbortError';
    return failed(
      SOURCE,
      at,
      status === 403 || status === 401
        ? {
            code: 'METADATA_FORBIDDEN',
            message: `The ECS metadata service refused the request (HTTP ${status}).`,
            hint: 'The instance requires IMDSv2 tokens and the token request failed, or metadata access is restricted. Give TARGET and --region explicitly.',
          }
        : {
            code: 'METADATA_UNAVAILABLE',
            message: timedOut
              ? `The ECS metadata service (${base}) did not answer within ${timeoutMs} ms.`
              : `The ECS metadata service (${base}) could not be read: ${(e as Error).message}.`,
            hint: 'netdoctor --local discovers the instance only on an Alibaba Cloud ECS instance with metadata access enabled. Elsewhere, give TARGET and --region.',
          },
      Date.now() - started,
    );
  }
}
