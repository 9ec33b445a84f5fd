/**
 * The guest's own routing: policy rules (`ip rule`) in priority order, longest-prefix match in the table they
 * select (lowest metric on a tie), route types that end the packet (blackhole: silent drop; unreachable and
 * prohibit: an error to the sender; throw: on to the next rule), and the state of the device a route uses (a
 * route through a NIC without carrier leads nowhere). Also the return path of a reply to an internet client
 * (reverse-path filtering drops the request when the reply would leave by another NIC) and whether the address
 * the cloud assigned is present on an UP interface (guest-address.ts). Firewall marks are not known unless the
 * caller says, so a `fwmark` rule makes the answer uncertain. Pure.
 */
import type { Confidence, GuestInterface, GuestRoute, PolicyRule } from '../../model/index.js';
import { unmapV4 } from '../../net/ip.js';
import { intersectSpans, type Span, subtractSpans } from './addr-set.js';
import { noCarrier } from './guest-address.js';
import { addrSpans } from './piece.js';
import type { HopDecision } from './types.js';

export { type AddressCheck, checkAddress } from './guest-address.js';

export interface RouteFacts {
  routes: GuestRoute[];
  /** `ip rule` output; absent: the kernel defaults (local, main, default). */
  rules?: PolicyRule[];
  interfaces?: GuestInterface[];
  sysctls?: Record<string, string>;
}

export interface RouteQuery {
  /** An address, a CIDR, or `internet` (every public IPv4 address) / `internet6`. */
  dst: string;
  /** Source address when already chosen (a reply leaves from the address the request came to). */
  src?: string;
  /** Input interface for `iif` selectors; a locally generated packet is looked up with iif `lo`. */
  iif?: string;
  oif?: string;
  /** Firewall mark; absent = not known (a `fwmark` rule then makes the answer uncertain). */
  mark?: number;
}

export type RouteStatus =
  | 'ok'
  | 'local'
  | 'blackhole'
  | 'unreachable'
  | 'prohibit'
  | 'no-route'
  | 'dev-down'
  | 'rp-filter';

export interface RouteResult {
  status: RouteStatus;
  code?: 'GUEST_DEFAULT_ROUTE_MISSING' | 'GUEST_NIC_DOWN';
  confidence: Confidence;
  route?: GuestRoute;
  table?: string;
  /** The policy rule that selected the table. */
  rule?: PolicyRule;
  dev?: string;
  gateway?: string;
  detail: string;
  notes: string[];
  /** More specific routes that send part of a CIDR destination elsewhere. */
  exceptions: GuestRoute[];
}

const TABLE_IDS: Record<string, string> = { '255': 'local', '254': 'main', '253': 'default' };
const tableName = (t: string | undefined) => (t === undefined ? 'main' : (TABLE_IDS[t] ?? t));

const DEFAULT_RULES: PolicyRule[] = [
  { priority: 0, selector: 'from all lookup local', table: 'local', action: 'lookup' },
  { priority: 32766, selector: 'from all lookup main', table: 'main', action: 'lookup' },
  { priority: 32767, selector: 'from all lookup default', table: 'default', action: 'lookup' },
];

function routeSpans(r: GuestRoute): Span[] | undefined {
  const d = r.dst === 'default' ? (r.family === 6 ? '::/0' : '0.0.0.0/0') : r.dst;
  return addrSpans(d)?.spans;
}

function prefixOf(r: GuestRoute): number {
  if (r.dst === 'default') return 0;
  const m = /\/(\d+)$/.exec(r.dst);
  return m ? Number(m[1]) : r.family === 6 ? 128 : 32;
}

export function routeText(r: GuestRoute): string {
  const parts = [r.type !== 'unicast' ? r.type : '', r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.table && r.table !== 'main') parts.push(`table ${r.table}`);
  if (r.metric !== undefined) parts.push(`metric ${r.metric}`);
  if (r.flags?.length) parts.push(...r.flags);
  return parts.filter(Boolean).join(' ');
}

/** Longest prefix covering all of `dst` in one table, and the more specific routes that cut into it. */
function lpm(
  routes: GuestRoute[],
  table: string,
  family: 4 | 6,
  dst: Span[],
): { best?: GuestRoute; exceptions: GuestRoute[] } {
  let best: GuestRoute | undefined;
  const inTable = routes.filter((r) => r.family === family && tableName(r.table) === table);
  for (const r of inTable) {
    const s = routeSpans(r);
    if (!s || subtractSpans(dst, s).length) continue;
    if (
      !best ||
      prefixOf(r) > prefixOf(best) ||
      (prefixOf(r) === prefixOf(best) && (r.metric ?? 0) < (best.metric ?? 0))
    )
      best = r;
  }
  const floor = best ? prefixOf(best) : -1;
  const exceptions = inTable.filter((r) => {
    const s = routeSpans(r);
    return (
      r !== best &&
      !!s &&
      prefixOf(r) > floor &&
      intersectSpans(dst, s).length > 0 &&
      subtractSpans(dst, s).length > 0
    );
  });
  return { best, exceptions };
}

function iface(facts: RouteFacts, name: string | undefined): GuestInterface | undefined {
  return name ? facts.interfaces?.find((i) => i.name === name) : undefined;
}

/** Down by the interface facts, or by the route's own flags when no interface facts came. */
function devDown(facts: RouteFacts, r: GuestRoute): string | undefined {
  const i = iface(facts, r.dev);
  if (i) {
    if (!i.adminUp) return `${i.name} is administratively down`;
    if (noCarrier(i)) return `${i.name} has no carrier`;
    return undefined;
  }
  if (r.flags?.includes('linkdown') || r.flags?.includes('dead'))
    return `${r.dev ?? 'the device'} is down (route flagged ${r.flags.join(',')})`;
  return undefined;
}

type Tri = 'yes' | 'no' | 'maybe';

/** Does a policy rule's selector match the query? `maybe` for what cannot be known (marks, uid ranges). */
function selectorMatch(rule: PolicyRule, q: RouteQuery, dst: Span[], family: 4 | 6, why: string[]): Tri {
  const words = rule.selector.split(/\s+/);
  const not = words[0] === 'not';
  let res: Tri = 'yes';
  const and = (t: Tri) => {
    if (t === 'no' || res === 'no') res = 'no';
    else if (t === 'maybe') res = 'maybe';
  };
  if (rule.from && rule.from !== 'all') {
    const f = addrSpans(rule.from);
    const s = q.src ? addrSpans(unmapV4(q.src)) : undefined;
    if (!f || (s && s.family !== family)) and('no');
    else and(s && !subtractSpans(s.spans, f.spans).length ? 'yes' : 'no');
  }
  if (rule.to && rule.to !== 'all') {
    const t = addrSpans(rule.to)?.spans ?? [];
    and(!subtractSpans(dst, t).length ? 'yes' : intersectSpans(dst, t).length ? 'maybe' : 'no');
    if (intersectSpans(dst, t).length && subtractSpans(dst, t).length)
      why.push(`rule ${rule.priority} (${rule.selector}) covers part of the destination`);
  }
  if (rule.iif) and(rule.iif === (q.iif ?? 'lo') ? 'yes' : 'no');
  if (rule.oif) and(q.oif === undefined ? 'no' : rule.oif === q.oif ? 'yes' : 'no');
  if (rule.fwmark) {
    const [v, m] = rule.fwmark.split('/').map((x) => Number(x));
    if (q.mark === undefined) {
      and('maybe');
      why.push(`rule ${rule.priority} (${rule.selector}) tests a firewall mark, which is not known`);
    } else and((q.mark & (m ?? 0xffffffff)) >>> 0 === v >>> 0 ? 'yes' : 'no');
  }
  for (const k of ['uidrange', 'ipproto', 'sport', 'dport', 'tos', 'dsfield', 'l3mdev', 'tun_id'])
    if (words.includes(k)) {
      and('maybe');
      why.push(`rule ${rule.priority} selects by ${k}, which is not modelled`);
    }
  if (not) res = res === 'yes' ? 'no' : res === 'no' ? 'yes' : 'maybe';
  return res;
}

/** The route a packet takes: policy rules, then the longest prefix in the selected table. */
export function lookupRoute(facts: RouteFacts, q: RouteQuery): RouteResult {
  const d = addrSpans(q.dst);
  if (!d) throw new Error(`route destination "${q.dst}" is not an address or CIDR`);
  const family = d.family;
  const rules = [...(facts.rules?.length ? facts.rules : DEFAULT_RULES)].sort(
    (a, b) => a.priority - b.priority,
  );
  const notes: string[] = [];
  const why: string[] = [];
  let confidence: Confidence = 'certain';
  const base = { notes, exceptions: [] as GuestRoute[] };
  const target = q.dst === 'internet' || q.dst === 'internet6' ? 'the internet' : q.dst;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const m = selectorMatch(rule, q, d.spans, family, why);
    if (m === 'no') continue;
    if (m === 'maybe') confidence = 'uncertain';
    const action = rule.action ?? (rule.table ? 'lookup' : 'nop');
    if (action === 'blackhole' || action === 'unreachable' || action === 'prohibit')
      return {
        ...base,
        status: action,
        rule,
        confidence,
        detail: `policy rule ${rule.priority} (${rule.selector}) ${action === 'blackhole' ? 'drops' : 'rejects'} packets to ${target}`,
        notes: [...notes, ...why],
      };
    if (action === 'goto') {
      const n = Number(/goto\s+(\d+)/.exec(rule.selector)?.[1]);
      const j = rules.findIndex((r) => r.priority >= n);
      if (j > i) i = j - 1;
      continue;
    }
    if (action !== 'lookup') continue;
    const table = tableName(rule.table);
    const { best, exceptions } = lpm(facts.routes, table, family, d.spans);
    if (!best) continue;
    if (best.type === 'throw') continue;
    const sup = /suppress_prefixlength\s+(\d+)/.exec(rule.selector);
    if (sup && prefixOf(best) <= Number(sup[1])) continue;
    const out: RouteResult = {
      ...base,
      status: 'ok',
      route: best,
      table,
      rule,
      confidence,
      detail: '',
      exceptions,
      notes: [...notes, ...why],
    };
    if (best.dev) out.dev = best.dev;
    if (best.gateway) out.gateway = best.gateway;
    if (exceptions.length)
      out.notes.push(
        `more specific routes take part of ${target} elsewhere: ${exceptions.map(routeText).join('; ')}`,
      );
    const via = `${routeText(best)} (rule ${rule.priority}: ${rule.selector})`;
    if (best.type === 'local')
      return { ...out, status: 'local', detail: `${target} is local to this machine` };
    if (best.type === 'blackhole' || best.type === 'unreachable' || best.type === 'prohibit')
      return { ...out, status: best.type, detail: `packets to ${target} hit the ${best.type} route ${via}` };
    const down = devDown(facts, best);
    if (down)
      return {
        ...out,
        status: 'dev-down',
        code: 'GUEST_NIC_DOWN',
        detail: `packets to ${target} go by ${via}, but ${down}`,
      };
    if (best.flags?.includes('multipath'))
      out.notes.push('the route is multipath: another next hop may be used');
    return { ...out, detail: `packets to ${target} leave by ${via}` };
  }
  const isDefault =
    q.dst === 'internet' ||
    q.dst === 'internet6' ||
    /\/0$/.test(q.dst) ||
    !facts.routes.some((r) => r.family === family && r.dst === 'default');
  return {
    ...base,
    status: 'no-route',
    confidence,
    notes: [...notes, ...why],
    detail: `no route to ${target}${isDefault ? ' (no default route)' : ''}: sends fail with "Network is unreachable"`,
    ...(isDefault ? { code: 'GUEST_DEFAULT_ROUTE_MISSING' as const } : {}),
  };
}

/** The lookup for traffic to the internet: is there a usable default route? */
export function defaultRouteCheck(facts: RouteFacts, family: 4 | 6 = 4): RouteResult {
  return lookupRoute(facts, { dst: family === 4 ? 'internet' : 'internet6', mark: 0 });
}

function rpFilter(s: Record<string, string> | undefined, dev: string): number {
  const v = (k: string) => Number(s?.[`net.ipv4.conf.${k}.rp_filter`] ?? 0) || 0;
  return Math.max(v('all'), v(dev));
}

/**
 * The reply to a client: it leaves from `local` (the address the request came to) towards the client. When it
 * would leave by another NIC than the request came in on, strict reverse-path filtering (rp_filter=1) drops
 * the request itself; loose (2) accepts it.
 */
export function returnPath(
  facts: RouteFacts,
  q: { client: string; local: string; arrivedOn?: string; gateway?: string; mark?: number },
): RouteResult {
  const r = lookupRoute(facts, { dst: q.client, src: q.local, mark: q.mark ?? 0 });
  const arrived = q.arrivedOn ?? 'eth0';
  if (r.status === 'no-route' && !r.code) r.code = 'GUEST_DEFAULT_ROUTE_MISSING';
  if (r.status !== 'ok' || !r.dev) return r;
  if (r.dev !== arrived) {
    const rp = rpFilter(facts.sysctls, arrived);
    const text = `replies leave by ${r.dev}, but requests arrive on ${arrived}`;
    if (rp === 1)
      return {
        ...r,
        status: 'rp-filter',
        detail: `${text}: strict reverse-path filtering (rp_filter=1 on ${arrived}) drops the requests`,
      };
    r.notes.push(`${text} (asymmetric; rp_filter=${rp} lets it pass)`);
  }
  if (q.gateway && r.gateway && r.gateway !== q.gateway)
    r.notes.push(`replies go via ${r.gateway}, not the VPC gateway ${q.gateway}`);
  return r;
}

/** The `guest-route` hop. */
export function routeHop(r: RouteResult): HopDecision {
  const evidence = {
    route: r.route,
    rule: r.rule,
    lines: r.route ? [routeText(r.route)] : [],
    notes: r.notes,
  };
  const detail = r.notes.length ? `${r.detail}; ${r.notes.join('; ')}` : r.detail;
  if (r.status === 'ok' || r.status === 'local')
    return { state: 'OK', confidence: r.confidence, detail, evidence };
  if (r.confidence === 'uncertain') return { state: 'UNCERTAIN', confidence: 'uncertain', detail, evidence };
  return {
    state: 'BLOCKED',
    confidence: r.confidence,
    detail,
    evidence,
    ...(r.code ? { code: r.code } : {}),
  };
}
