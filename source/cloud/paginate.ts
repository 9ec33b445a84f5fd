/**
 * The three pagination schemes of these APIs, with safety caps: PageNumber/PageSize (+TotalCount), NextToken
 * with MaxResults, and NextToken with the singular `MaxResult` (DescribeRouteEntryList; CloudMonitor says `Length`). Page-number lists
 * fetch page 1, then every remaining page at once (they depend only on the total); token lists are
 * necessarily sequential, each page recorded as depending on the previous one.
 */
import type { CloudClient } from './client.js';
import type { Product } from './endpoints.js';
import type { Page, Raw } from './parse/util.js';

export interface Paged<T> {
  items: T[];
  /** True when a cap stopped the walk before the API said it was done. */
  truncated: boolean;
  pages: number;
  /** The body of the first page (for fields outside the list). */
  first: Raw;
  /** Every page's body (to name the call a dependent waited for). */
  bodies: Raw[];
}

export interface PageOptions {
  pageSize?: number;
  /** Hard cap on pages fetched (default 50). */
  maxPages?: number;
}

export async function pagesByNumber<T>(
  client: CloudClient,
  product: Product,
  action: string,
  params: Record<string, unknown>,
  parse: (body: Raw) => Page<T>,
  opts: PageOptions = {},
): Promise<Paged<T>> {
  const size = opts.pageSize ?? 50;
  const maxPages = opts.maxPages ?? 50;
  const first = (await client.call(product, action, { ...params, PageNumber: 1, PageSize: size })) as Raw;
  const p1 = parse(first);
  const items = [...p1.items];
  const bodies: Raw[] = [first];
  const total = p1.totalCount;
  if (total === undefined) {
    // No total: walk until a short page.
    let pages = 1;
    let last = p1.items.length;
    let prev: Raw = first;
    while (last >= size && pages < maxPages) {
      pages++;
      const body = (await client.call(
        product,
        action,
        { ...params, PageNumber: pages, PageSize: size },
        { parent: prev },
      )) as Raw;
      const p = parse(body);
      items.push(...p.items);
      last = p.items.length;
      prev = body;
      bodies.push(body);
      if (!last) break;
    }
    return { items, truncated: last >= size && pages >= maxPages, pages, first, bodies };
  }
  const needed = Math.ceil(total / size);
  const pages = Math.min(needed, maxPages);
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) =>
      client
        .call(product, action, { ...params, PageNumber: i + 2, PageSize: size }, { parent: first })
        .then((b) => {
          bodies.push(b as Raw);
          return parse(b as Raw).items;
        }),
    ),
  );
  for (const r of rest) items.push(...r);
  return { items, truncated: needed > maxPages, pages, first, bodies };
}

export async function pagesByToken<T>(
  client: CloudClient,
  product: Product,
  action: string,
  params: Record<string, unknown>,
  parse: (body: Raw) => Page<T>,
  opts: PageOptions & { sizeParam?: 'MaxResults' | 'MaxResult' | 'Length' } = {},
): Promise<Paged<T>> {
  const sizeParam = opts.sizeParam ?? 'MaxResults';
  const maxPages = opts.maxPages ?? 50;
  const items: T[] = [];
  const bodies: Raw[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  let prev: Raw | undefined;
  let first: Raw | undefined;
  let pages = 0;
  for (;;) {
    const q: Record<string, unknown> = { ...params };
    if (opts.pageSize !== undefined) q[sizeParam] = opts.pageSize;
    if (token) q.NextToken = token;
    const body = (await client.call(product, action, q, prev ? { parent: prev } : {})) as Raw;
    first ??= body;
    bodies.push(body);
    pages++;
    const p = parse(body);
    items.push(...p.items);
    token = p.nextToken;
    prev = body;
    // An empty page with a token, or a token seen before, would loop forever.
    if (!token || !p.items.length || seen.has(token))
      return { items, truncated: false, pages, first, bodies };
    seen.add(token);
    if (pages >= maxPages) return { items, truncated: true, pages, first, bodies };
  }
}
