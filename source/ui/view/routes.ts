/**
 * Routes panel: the vSwitch's VPC route table next to the guest's own table, each with the route the selected
 * intent's traffic takes marked (the verdict's evidence when it names one, else longest prefix match).
 */
import type { GuestRoute, Intent, PathVerdict, RouteEntry } from '../../model/index.js';
import { parseCidr, parseIp } from '../../net/ip.js';
import type { PanelModel, Row, ViewContext } from './types.js';

/** The address whose route matters: the reply's destination for inbound, the destination for outbound. */
export function routeProbeAddress(intent: Intent | undefined): string | undefined {
  if (!intent) return undefined;
  const c = intent.direction === 'inbound' ? intent.from : intent.to;
  if (!c) return undefined;
  const p = parseCidr(c);
  if (!p) return parseIp(c) ? c : undefined;
  return c.split('/')[0];
}

function contains(dst: string, addr: string): number | undefined {
  const c = parseCidr(dst === 'default' ? (addr.includes(':') ? '::/0' : '0.0.0.0/0') : dst);
  const a = parseIp(addr);
  if (!c || !a || c.family !== a.family) return undefined;
  const bits = c.family === 4 ? 32 : 128;
  const shift = BigInt(bits - c.prefix);
  return (a.value >> shift) << shift === c.base ? c.prefix : undefined;
}

/** Longest prefix match: the index of the winning entry, or -1. */
export function longestMatch<T>(items: T[], dst: (x: T) => string, addr: string): number {
  let best = -1;
  let bestLen = -1;
  items.forEach((x, i) => {
    const len = contains(dst(x), addr);
    if (len !== undefined && len > bestLen) {
      best = i;
      bestLen = len;
    }
  });
  return best;
}

function evidenceRule(path: PathVerdict | undefined, hop: string): Record<string, unknown> | undefined {
  const h = path?.path.find((x) => x.hop === hop && x.evidence?.rule);
  return h?.evidence.rule as Record<string, unknown> | undefined;
}

export function guestRouteKey(r: GuestRoute): string {
  return `${r.table}|${r.dst}|${r.gateway ?? ''}|${r.dev ?? ''}|${r.metric ?? ''}`;
}

export function buildRoutes(ctx: ViewContext): PanelModel {
  const t = ctx.tr.t;
  const cloud = ctx.snapshot?.cloud;
  const tables = cloud?.routeTables.value ?? [];
  const vswTable = cloud?.vSwitch.value?.routeTableId;
  const table = tables.find((x) => x.id === vswTable) ?? tables[0];
  const entries: RouteEntry[] = table?.entries ?? [];
  const guestRoutes = (ctx.snapshot?.guest?.routes.value ?? []).filter((r) => r.table === 'main' || !r.table);
  const addr = routeProbeAddress(ctx.intent);
  const shown = (ctx.intent?.direction === 'inbound' ? ctx.intent.from : ctx.intent?.to) ?? addr;

  const evVpc = evidenceRule(ctx.path, 'vpc-route');
  const evGuest = evidenceRule(ctx.path, 'guest-route');
  let vpcMatch = evVpc ? entries.findIndex((e) => e.id === evVpc.id) : -1;
  if (vpcMatch < 0 && addr) vpcMatch = longestMatch(entries, (e) => e.destination, addr);
  let guestMatch = evGuest
    ? guestRoutes.findIndex((r) => r.dst === evGuest.dst && r.gateway === evGuest.gateway)
    : -1;
  if (guestMatch < 0 && addr) guestMatch = longestMatch(guestRoutes, (r) => r.dst, addr);

  const rows: Row[] = [];
  rows.push({
    key: 's:vpc',
    kind: 'section',
    side: 0,
    cells: [t('route.section.vpc', { id: table?.id ?? '—' })],
  });
  entries.forEach((e, i) => {
    const hop = e.nextHops.map((h) => (h.id ? `${h.type} ${h.id}` : h.type)).join(', ') || '—';
    const ok = e.status === 'Available';
    rows.push({
      key: `vpc:${e.id}`,
      side: 0,
      cells: [e.destination, e.type, hop, { text: e.status, tone: ok ? 'dim' : 'warn' }],
      mark:
        i === vpcMatch
          ? { glyph: '➜', tone: 'accent', label: t('route.matches', { addr: shown }) }
          : undefined,
      target: { kind: 'route', table: 'vpc', key: e.id },
    });
  });
  if (addr && vpcMatch < 0 && entries.length) {
    rows.push({
      key: 'vpc:nomatch',
      kind: 'note',
      side: 0,
      cells: [{ text: t('route.noVpcMatch', { addr: shown }), tone: 'dim' }],
    });
  }
  rows.push({
    key: 's:guest',
    kind: 'section',
    side: 1,
    cells: [t('route.section.guest', { table: 'main' })],
  });
  guestRoutes.forEach((r, i) => {
    const via = [r.gateway && `via ${r.gateway}`, r.dev && `dev ${r.dev}`].filter(Boolean).join(' ');
    rows.push({
      key: `guest:${guestRouteKey(r)}`,
      side: 1,
      cells: [
        { text: r.dst, tone: r.type !== 'unicast' ? 'warn' : undefined },
        r.type === 'unicast' ? (r.protocol ?? '') : r.type,
        via || (r.scope ? `scope ${r.scope}` : ''),
        r.metric === undefined ? '' : String(r.metric),
      ],
      mark:
        i === guestMatch
          ? { glyph: '➜', tone: 'accent', label: t('route.matches', { addr: shown }) }
          : undefined,
      target: { kind: 'route', table: 'guest', key: guestRouteKey(r) },
    });
  });
  if (addr && guestMatch < 0 && ctx.snapshot?.guest?.routes.value) {
    rows.push({
      key: 'guest:nomatch',
      kind: 'note',
      side: 1,
      cells: [{ text: `✘ ${t('route.noGuestMatch', { addr: shown })}`, tone: 'bad' }],
    });
  }

  return {
    id: 'routes',
    title: t('route.title', { vpc: entries.length, guest: guestRoutes.length }),
    sources: ['cloud', 'guest'],
    split: true,
    columns: [
      { id: 'dst', title: t('route.col.dst'), width: 16, flex: 1, min: 12 },
      { id: 'type', title: t('route.col.type'), width: 7 },
      { id: 'next', title: t('route.col.next'), width: 14, flex: 2, min: 10 },
      { id: 'extra', title: t('route.col.metric'), width: 9, drop: 1 },
    ],
    rows,
  };
}
