/**
 * Security panel: security group rules pooled across the instance's groups in effective order (priority, then
 * drop before accept), network ACL entries in list order, and the guest firewall's input/output chains. The
 * rule that decides the selected intent is marked; rules it overrides are marked shadowed.
 */
import type {
  AclEntry,
  Hop,
  Intent,
  IptRule,
  PathVerdict,
  SecurityGroup,
  SgRule,
} from '../../model/index.js';
import { cidrContains, parseCidr } from '../../net/ip.js';
import { isoStamp, ports } from './format.js';
import type { PanelModel, Row, ViewContext } from './types.js';

/** Effective order: lower priority number first; at equal priority a drop wins over an accept. */
export function effectiveOrder(rules: SgRule[]): SgRule[] {
  return [...rules].sort(
    (a, b) => a.priority - b.priority || (a.policy === b.policy ? 0 : a.policy === 'drop' ? -1 : 1),
  );
}

function hopOf(path: PathVerdict | undefined, hop: string): Hop[] {
  return path?.path.filter((h) => h.hop === hop) ?? [];
}

function ruleId(h: Hop): string | undefined {
  const r = h.evidence?.rule as { id?: unknown } | undefined;
  return typeof r?.id === 'string' ? r.id : undefined;
}

/** Does an SG rule cover the intent's flow (display only: the verdict decides, this explains)? */
export function ruleCovers(rule: SgRule, intent: Intent | undefined): boolean {
  if (!intent) return false;
  const dir = intent.direction === 'outbound' ? 'egress' : 'ingress';
  if (rule.direction !== dir) return false;
  if (rule.protocol !== 'all' && rule.protocol !== intent.protocol) return false;
  if (
    intent.port !== undefined &&
    rule.ports.from !== -1 &&
    (intent.port < rule.ports.from || intent.port > rule.ports.to)
  )
    return false;
  const peer = dir === 'ingress' ? intent.from : intent.to;
  // Group and prefix-list peers cannot be judged from here; only CIDR peers are marked.
  if (!rule.peerCidr) return false;
  if (!peer) return true;
  const outer = parseCidr(rule.peerCidr);
  const inner = parseCidr(peer);
  return !!outer && !!inner && cidrContains(outer, inner);
}

export function buildSecurity(ctx: ViewContext): PanelModel {
  const t = ctx.tr.t;
  const rows: Row[] = [];
  const cloud = ctx.snapshot?.cloud;
  const groups: SecurityGroup[] = cloud?.securityGroups.value ?? [];
  const intentLabel = ctx.intent?.label ?? '';
  const decides = new Map<string, Hop>();
  for (const hop of ['sg-in', 'sg-out', 'nacl-in', 'nacl-out']) {
    for (const h of hopOf(ctx.path, hop)) {
      const id = ruleId(h);
      if (id) decides.set(id, h);
    }
  }
  const shadowed = new Set<string>();
  for (const h of [...hopOf(ctx.path, 'sg-in'), ...hopOf(ctx.path, 'sg-out')]) {
    const s = h.evidence?.shadowed;
    if (Array.isArray(s)) for (const id of s) if (typeof id === 'string') shadowed.add(id);
  }
  let total = 0;
  const now = ctx.snapshot?.at ?? 0;
  // Creation times show as a time of day for today's rules: rows depend on the day, not the instant.
  const day = new Date(now).toDateString();

  for (const dir of ['ingress', 'egress'] as const) {
    const pooled = effectiveOrder(groups.flatMap((g) => g.rules.filter((r) => r.direction === dir)));
    const ids = groups.map((g) => g.id).join(', ');
    const names = groups.map((g) => g.name).join(', ');
    rows.push({
      key: `s:sg:${dir}`,
      kind: 'section',
      cells: [t(dir === 'ingress' ? 'sec.section.sgIn' : 'sec.section.sgOut', { id: ids, name: names })],
    });
    const decider = pooled.find((r) => decides.has(r.id));
    const blockedHop = hopOf(ctx.path, dir === 'ingress' ? 'sg-in' : 'sg-out').find(
      (h) => h.leg === 'forward',
    );
    for (const r of pooled) {
      total++;
      const isDecider = decides.has(r.id);
      const isShadowed =
        !isDecider &&
        (shadowed.has(r.id) || (!!decider && ruleCovers(decider, ctx.intent) && ruleCovers(r, ctx.intent)));
      // A new verdict every refresh must not rebuild thousands of unchanged rule rows.
      const key = `${isDecider}|${isShadowed}|${intentLabel}|${ctx.tr.lang}|${day}`;
      const hit = sgRows.get(r);
      if (hit?.key === key) rows.push(hit.row);
      else {
        const built = sgRow(r, isDecider, isShadowed, intentLabel, t, now);
        sgRows.set(r, { key, row: built });
        rows.push(built);
      }
    }
    if (blockedHop?.state === 'BLOCKED' && !decider) {
      rows.push({
        key: `implicit:${dir}`,
        kind: 'note',
        cells: [{ text: `✘ ${t('sec.implicit', { intent: intentLabel })}`, tone: 'bad', bold: true }],
      });
    }
  }

  const acl = cloud?.networkAcl.value;
  if (acl) {
    for (const [dir, list] of [
      ['ingress', acl.ingress],
      ['egress', acl.egress],
    ] as const) {
      rows.push({
        key: `s:acl:${dir}`,
        kind: 'section',
        cells: [t(dir === 'ingress' ? 'sec.section.aclIn' : 'sec.section.aclOut', { id: acl.id })],
      });
      list.forEach((e, i) => {
        total++;
        rows.push(aclRow(e, i + 1, decides.has(e.id), intentLabel, t));
      });
    }
  } else if (cloud?.networkAcl && !cloud.networkAcl.error) {
    rows.push({ key: 's:acl:none', kind: 'note', cells: [{ text: t('sec.section.noAcl'), tone: 'dim' }] });
  }

  const fw = ctx.snapshot?.guest?.firewall.value;
  const fwDecides = new Set<number>();
  for (const h of [...hopOf(ctx.path, 'guest-firewall-in'), ...hopOf(ctx.path, 'guest-firewall-out')]) {
    const r = h.evidence?.rule as Partial<IptRule> | undefined;
    if (r && typeof r.line === 'number') fwDecides.add(r.line);
  }
  for (const rs of [fw?.ipv4, fw?.ipv6]) {
    const filter = rs?.tables.filter;
    if (!rs || !filter) continue;
    for (const chainName of ['INPUT', 'OUTPUT']) {
      const chain = filter.chains[chainName];
      if (!chain) continue;
      rows.push({
        key: `s:fw:${rs.family}:${chainName}`,
        kind: 'section',
        cells: [
          t('sec.section.fw', {
            backend: `${fw?.backend ?? ''} IPv${rs.family}`,
            chain: chainName,
            policy: chain.policy ?? '-',
          }),
        ],
      });
      for (const r of chain.rules) {
        total++;
        rows.push(iptRow(r, rs.family, fwDecides.has(r.line), intentLabel, t));
      }
    }
  }

  return {
    id: 'security',
    title: t('sec.title', { n: total }),
    sources: ['cloud', 'guest'],
    columns: [
      { id: 'prio', title: t('sec.col.prio'), width: 4, align: 'right' },
      { id: 'policy', title: t('sec.col.policy'), width: 7 },
      { id: 'proto', title: t('sec.col.proto'), width: 5 },
      { id: 'ports', title: t('sec.col.ports'), width: 11 },
      { id: 'peer', title: t('sec.col.peer'), width: 18, flex: 1, min: 15 },
      { id: 'desc', title: t('sec.col.desc'), width: 0, flex: 4, min: 12, drop: 1 },
      { id: 'created', title: t('sec.col.created'), width: 11, drop: 2 },
    ],
    rows,
  };
}

type T = ViewContext['tr']['t'];
const sgRows = new WeakMap<SgRule, { key: string; row: Row }>();

function sgRow(r: SgRule, decider: boolean, shadowed: boolean, intent: string, t: T, now: number): Row {
  const drop = r.policy === 'drop';
  const peer = r.peerCidr ?? r.peerIpv6Cidr ?? r.peerGroupId ?? r.peerPrefixListId ?? '';
  return {
    key: `sg:${r.id}`,
    cells: [
      String(r.priority),
      { text: r.policy, tone: drop ? 'bad' : 'ok' },
      r.protocol,
      ports(r.ports),
      peer,
      r.description,
      isoStamp(r.createTime, now),
    ],
    tone: shadowed ? 'dim' : undefined,
    mark: decider
      ? { glyph: drop ? '✘' : '✔', tone: drop ? 'bad' : 'ok', label: t('sec.decides', { intent }) }
      : shadowed
        ? { glyph: '↓', tone: 'dim', label: t('sec.shadowed') }
        : undefined,
    target: { kind: 'sg-rule', id: r.id },
    search:
      `${r.id} ${r.groupId} ${r.policy} ${r.protocol} ${ports(r.ports)} ${peer} ${r.description}`.toLowerCase(),
  };
}

function aclRow(e: AclEntry, index: number, decider: boolean, intent: string, t: T): Row {
  const drop = e.policy === 'drop';
  return {
    key: `acl:${e.id}`,
    cells: [
      String(index),
      { text: e.policy, tone: drop ? 'bad' : 'ok' },
      e.protocol,
      ports(e.ports),
      e.cidr,
      e.name ?? e.description ?? '',
      '',
    ],
    mark: decider
      ? { glyph: drop ? '✘' : '✔', tone: drop ? 'bad' : 'ok', label: t('sec.decides', { intent }) }
      : undefined,
    target: { kind: 'acl-entry', id: e.id },
  };
}

function iptRow(r: IptRule, family: 4 | 6, decider: boolean, intent: string, t: T): Row {
  const dport =
    r.matches
      .flatMap((m) => m.options)
      .find((o) => o.name === 'dport' || o.name === 'dports')
      ?.values.join(',') ?? '';
  const target = r.target ?? '';
  const bad = /DROP|REJECT/.test(target);
  return {
    key: `ipt:${family}:${r.table}:${r.chain}:${r.index}`,
    cells: [
      String(r.index),
      { text: target, tone: bad ? 'bad' : target === 'ACCEPT' ? 'ok' : undefined },
      r.protocol ? `${r.protocol.negated ? '!' : ''}${r.protocol.value}` : 'all',
      dport || 'all',
      r.source
        ? `${r.source.negated ? '!' : ''}${r.source.value}`
        : r.inInterface
          ? `-i ${r.inInterface.value}`
          : '',
      r.raw,
      '',
    ],
    mark: decider
      ? { glyph: bad ? '✘' : '✔', tone: bad ? 'bad' : 'ok', label: t('sec.decides', { intent }) }
      : undefined,
    target: { kind: 'ipt-rule', family, table: r.table, chain: r.chain, index: r.index },
  };
}
