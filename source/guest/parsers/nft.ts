/**
 * `nft -j list ruleset` (nftables ≥ 0.9): the JSON schema of libnftables-json(5). Rule expressions are
 * kept exactly as given (the evaluator interprets them); tables, chains, sets and rules are indexed.
 * Rules of tables that iptables-nft manages carry `xt` expressions that JSON cannot show: they are kept,
 * and the iptables-save view stays the one to trust for them.
 */
import type { NftChain, NftRule, NftRuleset, NftSet } from '../../model/index.js';
import { isRecord, num, type Parsed, parseJsonLoose, str, warn } from './common.js';

export function parseNftJson(text: string): Parsed<NftRuleset> {
  const warnings: string[] = [];
  const rs: NftRuleset = { tables: [], chains: [], sets: [] };
  const j = parseJsonLoose(text);
  if (j.error !== undefined) {
    warnings.push(`nft -j: ${j.error}`);
    return { value: rs, warnings };
  }
  const items = isRecord(j.value) && Array.isArray(j.value.nftables) ? j.value.nftables : undefined;
  if (!items) {
    warnings.push('nft -j: no "nftables" array in the output');
    return { value: rs, warnings };
  }
  const chainKey = (family: string, table: string, name: string) => `${family}\u0000${table}\u0000${name}`;
  const chains = new Map<string, NftChain>();
  const pendingRules: NftRule[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    if (isRecord(item.metainfo)) {
      const v = str(item.metainfo.version);
      if (v) rs.version = v;
    } else if (isRecord(item.table)) {
      const t = item.table;
      const family = str(t.family);
      const name = str(t.name);
      if (!family || !name) {
        warn(warnings, 'nft -j: a table without family or name was skipped');
        continue;
      }
      const entry: { family: string; name: string; handle?: number } = { family, name };
      const h = num(t.handle);
      if (h !== undefined) entry.handle = h;
      rs.tables.push(entry);
    } else if (isRecord(item.chain)) {
      const c = item.chain;
      const family = str(c.family);
      const table = str(c.table);
      const name = str(c.name);
      if (!family || !table || !name) {
        warn(warnings, 'nft -j: a chain without family, table or name was skipped');
        continue;
      }
      const chain: NftChain = { family, table, name, rules: [] };
      const handle = num(c.handle);
      if (handle !== undefined) chain.handle = handle;
      const type = str(c.type);
      if (type) chain.type = type;
      const hook = str(c.hook);
      if (hook) chain.hook = hook;
      // `prio` is a number, or (nft ≥ 1.0 with standard priorities) sometimes an object; keep numbers only.
      const prio = typeof c.prio === 'number' ? c.prio : undefined;
      if (prio !== undefined) chain.prio = prio;
      const policy = str(c.policy);
      if (policy) chain.policy = policy;
      const dev = str(c.dev);
      if (dev) chain.dev = dev;
      chains.set(chainKey(family, table, name), chain);
      rs.chains.push(chain);
    } else if (isRecord(item.set) || isRecord(item.map)) {
      const s = (item.set ?? item.map) as Record<string, unknown>;
      const family = str(s.family);
      const table = str(s.table);
      const name = str(s.name);
      if (!family || !table || !name) continue;
      const type = Array.isArray(s.type) ? s.type.map(String) : (str(s.type) ?? 'unknown');
      const set: NftSet = { family, table, name, type, elem: Array.isArray(s.elem) ? s.elem : [] };
      if (Array.isArray(s.flags)) set.flags = s.flags.map(String);
      else if (typeof s.flags === 'string') set.flags = [s.flags];
      rs.sets.push(set);
    } else if (isRecord(item.rule)) {
      const r = item.rule;
      const family = str(r.family);
      const table = str(r.table);
      const chain = str(r.chain);
      const handle = num(r.handle);
      if (!family || !table || !chain || handle === undefined) {
        warn(warnings, 'nft -j: a rule without family, table, chain or handle was skipped');
        continue;
      }
      const rule: NftRule = {
        family,
        table,
        chain,
        handle,
        expr: Array.isArray(r.expr) ? r.expr : [],
        index: 0,
      };
      const comment = str(r.comment);
      if (comment !== undefined) rule.comment = comment;
      pendingRules.push(rule);
    }
  }
  for (const rule of pendingRules) {
    let chain = chains.get(chainKey(rule.family, rule.table, rule.chain));
    if (!chain) {
      warn(warnings, `nft -j: rule ${rule.handle} names chain ${rule.chain}, which was not listed`);
      chain = { family: rule.family, table: rule.table, name: rule.chain, rules: [] };
      chains.set(chainKey(rule.family, rule.table, rule.chain), chain);
      rs.chains.push(chain);
    }
    rule.index = chain.rules.length + 1;
    chain.rules.push(rule);
  }
  return { value: rs, warnings };
}

/** Tables iptables-nft creates; anything else in the ruleset was written with nft directly. */
const IPTABLES_NFT_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

/** True when the table was created by iptables-nft (`ip filter`, `ip6 nat`, …), not by nft itself. */
export function isIptablesNftTable(family: string, name: string): boolean {
  return (
    (family === 'ip' || family === 'ip6' || family === 'arp' || family === 'bridge') &&
    IPTABLES_NFT_TABLES.has(name)
  );
}

/** True when the ruleset has a rule or a dropping policy in a table nft itself manages. */
export function nftHasNativeRules(rs: NftRuleset | undefined): boolean {
  if (!rs) return false;
  return rs.chains.some(
    (c) =>
      !isIptablesNftTable(c.family, c.table) &&
      (c.rules.length > 0 || (c.policy !== undefined && c.policy !== 'accept')),
  );
}
