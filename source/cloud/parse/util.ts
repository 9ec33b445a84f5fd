/**
 * Tolerant readers for Alibaba RPC JSON: lists wrapped as `{"Plural":{"Singular":[…]}}` (sometimes absent, null,
 * or a lone object), numbers that arrive as strings (`Bandwidth: "5"`) or strings that arrive as numbers
 * (`Priority: 1`), and empty strings standing for "none".
 */
import type { OperationLock, PortRange, Protocol } from '../../model/index.js';

export type Raw = Record<string, any>;

export function obj(v: unknown): Raw {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

/** `body[outer][inner]` as an array; tolerates a missing wrapper, a bare array, or one object. */
export function list(parent: unknown, outer: string, inner?: string): Raw[] {
  let v: unknown = obj(parent)[outer];
  if (inner !== undefined && v && typeof v === 'object' && !Array.isArray(v)) v = (v as Raw)[inner];
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined) as Raw[];
  return [v as Raw];
}

/** Like list() for wrappers holding strings (`SecurityGroupIds.SecurityGroupId[]`). */
export function strings(parent: unknown, outer: string, inner?: string): string[] {
  return (list(parent, outer, inner) as unknown[])
    .map((x) => (typeof x === 'string' || typeof x === 'number' ? String(x) : ''))
    .filter((x) => x !== '');
}

/** A non-empty string, or undefined (`""` and `null` mean absent in these APIs). */
export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return undefined;
  const s = String(v);
  return s === '' ? undefined : s;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (/^(true|1|yes|on)$/i.test(v)) return true;
    if (/^(false|0|no|off)$/i.test(v)) return false;
  }
  return undefined;
}

/** `"80/80"`, `"1/65535"`, `"-1/-1"`, `"22"` → a range; all / unparsable → {-1,-1}. */
export function portRange(v: unknown): PortRange {
  const s = str(v);
  if (!s) return { from: -1, to: -1 };
  const m = /^\s*(-?\d+)\s*(?:[/-]\s*(-?\d+))?\s*$/.exec(s);
  if (!m) return { from: -1, to: -1 };
  const from = Number(m[1]);
  const to = m[2] !== undefined ? Number(m[2]) : from;
  return { from, to };
}

export function protocol(v: unknown): Protocol {
  const s = (str(v) ?? 'all').toLowerCase();
  if (s === '-1' || s === 'any' || s === '*') return 'all';
  return s as Protocol;
}

/** `OperationLocks.LockReason[]` → locks (`{LockReason, LockMsg}`). */
export function locks(parent: unknown): OperationLock[] {
  return list(parent, 'OperationLocks', 'LockReason')
    .map((l) => {
      const reason = str(l.LockReason) ?? (typeof l === 'string' ? (l as string) : undefined);
      if (!reason) return undefined;
      const lock: OperationLock = { reason };
      const message = str(l.LockMsg);
      if (message) lock.message = message;
      return lock;
    })
    .filter((x): x is OperationLock => !!x);
}

/** ECS tags use TagKey/TagValue, VPC tags Key/Value. */
export function tags(parent: unknown): Record<string, string> | undefined {
  const t = list(parent, 'Tags', 'Tag');
  if (!t.length) return undefined;
  const out: Record<string, string> = {};
  for (const x of t) {
    const k = str(x.TagKey ?? x.Key);
    if (k !== undefined) out[k] = String(x.TagValue ?? x.Value ?? '');
  }
  return out;
}

/** Sets only defined values, keeping optional fields absent rather than `undefined`. */
export function assignDefined<T extends object>(target: T, values: Partial<T>): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Raw)[k] = v;
  return target;
}

export interface Page<T> {
  items: T[];
  totalCount?: number;
  pageNumber?: number;
  pageSize?: number;
  nextToken?: string;
}

/** A list body's items plus its paging fields (PageNumber/PageSize/TotalCount, NextToken). */
export function page<T>(body: Raw, items: T[]): Page<T> {
  return assignDefined<Page<T>>(
    { items },
    {
      totalCount: num(body.TotalCount),
      pageNumber: num(body.PageNumber),
      pageSize: num(body.PageSize),
      nextToken: str(body.NextToken),
    },
  );
}
