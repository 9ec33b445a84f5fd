/** Identifiers and time formats in the shapes Alibaba's APIs use. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** `5356D7BE-416A-1F6E-97B9-D9FA9BF9E24B`. */
export function requestId(): string {
  return randomUUID().toUpperCase();
}

/** The letters Alibaba puts after a resource prefix for each region (`i-bp1…` in Hangzhou). */
const REGION_TAGS: Record<string, string> = {
  'cn-hangzhou': 'bp1',
  'cn-shanghai': 'uf6',
  'cn-beijing': '2ze',
  'cn-shenzhen': 'wz9',
  'cn-qingdao': 'm5e',
  'cn-zhangjiakou': '8vb',
  'cn-hongkong': 'j6c',
  'ap-southeast-1': 't4n',
};

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function fromBytes(bytes: Buffer, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[bytes[i % bytes.length] % ALNUM.length];
  return s;
}

/** A fresh id like `sgr-bp1a2b3c…` (prefix, region tag, 17 random characters). */
export function newId(prefix: string, region: string): string {
  return `${prefix}-${REGION_TAGS[region] ?? 'bp1'}${fromBytes(randomBytes(17), 17)}`;
}

/** A stable id derived from `seed`: the same scenario always gets the same generated ids. */
export function stableId(prefix: string, region: string, seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  return `${prefix}-${REGION_TAGS[region] ?? 'bp1'}${fromBytes(h, 17)}`;
}

/** `2024-01-01T00:00:00Z` (second precision, what most APIs return). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2024-01-01T00:00Z` (minute precision: DescribeInstances' CreationTime, StartTime, ExpiredTime). */
export function isoMinutes(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
}

/** Re-formats an ISO time the world holds in the precision an API uses; empty when absent or unparsable. */
export function reformat(iso: string | undefined, to: (ms: number) => string): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : to(t);
}

/** A 32-hex-character token (CommandId / InvokeId tails, nonces). */
export function hexToken(n = 32): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}
