/**
 * Pagination as the APIs do it: `PageNumber` (1-based) / `PageSize` with `TotalCount`, or the newer
 * `NextToken` / `MaxResults` where the token is opaque and `""` marks the last page.
 */
import { invalidParameter } from './errors.js';
import type { Params } from './params.js';

export function encodeToken(offset: number): string {
  // Opaque to clients, like the real hex-looking tokens; carries only the next offset.
  return Buffer.from(`nd:${offset}`).toString('hex');
}

export function decodeToken(name: string, token: string): number {
  const s = /^[0-9a-f]+$/i.test(token) ? Buffer.from(token, 'hex').toString() : '';
  const m = /^nd:(\d+)$/.exec(s);
  if (!m) throw invalidParameter(name, 'The token is not one this service issued; start again without it.');
  return Number(m[1]);
}

export interface Page<T> {
  items: T[];
  /** Fields to spread into the response body. */
  fields: Record<string, unknown>;
}

/**
 * PageNumber/PageSize paging, switching to NextToken/MaxResults when the caller uses those (and the API offers
 * them). `NextToken` is returned in both modes: non-empty while more remain.
 */
export function paginate<T>(
  items: T[],
  p: Params,
  opts: { defaultSize: number; maxSize: number; tokens?: boolean; maxResultsMax?: number },
): Page<T> {
  const tokenMode = opts.tokens && (p.has('NextToken') || p.has('MaxResults'));
  if (tokenMode) {
    const size = p.int('MaxResults', {
      def: opts.defaultSize,
      min: 1,
      max: opts.maxResultsMax ?? opts.maxSize,
    })!;
    const offset = p.has('NextToken') ? decodeToken('NextToken', p.req('NextToken')) : 0;
    const slice = items.slice(offset, offset + size);
    const next = offset + size < items.length ? encodeToken(offset + size) : '';
    return { items: slice, fields: { NextToken: next, MaxResults: size, TotalCount: items.length } };
  }
  const size = p.int('PageSize', { def: opts.defaultSize, min: 1, max: opts.maxSize })!;
  const number = p.int('PageNumber', { def: 1, min: 1 })!;
  const offset = (number - 1) * size;
  const slice = items.slice(offset, offset + size);
  const fields: Record<string, unknown> = { TotalCount: items.length, PageNumber: number, PageSize: size };
  if (opts.tokens) fields.NextToken = offset + size < items.length ? encodeToken(offset + size) : '';
  return { items: slice, fields };
}

/** Token-only paging (DescribeSecurityGroupAttribute `MaxResults`, DescribeRouteEntryList `MaxResult`). */
export function tokenPage<T>(
  items: T[],
  p: Params,
  sizeParam: string,
  opts: { defaultSize: number; min: number; max: number },
): { items: T[]; next: string } {
  const size = p.int(sizeParam, { def: opts.defaultSize, min: opts.min, max: opts.max })!;
  const offset = p.has('NextToken') ? decodeToken('NextToken', p.req('NextToken')) : 0;
  return {
    items: items.slice(offset, offset + size),
    next: offset + size < items.length ? encodeToken(offset + size) : '',
  };
}
