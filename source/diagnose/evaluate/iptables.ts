/**
 * iptables (legacy or nf_tables flavour, as iptables-save prints it): the built-in chains a packet meets on its
 * way in (raw/mangle/nat PREROUTING, mangle/filter/security INPUT) or out (raw/mangle/nat/filter/security OUTPUT,
 * mangle POSTROUTING), each walked rule by rule with jumps, gotos, RETURN and the chain policy. The matches
 * modelled are listed in `moduleMatchers()` (iptables-matches.ts), the targets in iptables-targets.ts; anything
 * else, and any token the parser left unparsed, makes the rule undecidable, so the verdict turns uncertain when
 * that rule could change it. This module builds the walker's view of a table and the pipeline stages. Pure.
 */
import type { IptablesRuleset, IptChain, IptRule } from '../../model/index.js';
import type { Span } from './addr-set.js';
import { type IptablesOptions, matchers } from './iptables-matches.js';
import { applyTarget, type IptChainsView, NOOP_TARGETS } from './iptables-targets.js';
import { addressListCached } from './iptables-values.js';
import { conjoin, spansMeet } from './piece-match.js';
import { type Action, type ChainView, type Hook, type RuleStep, type Stage, walkChain } from './walk.js';

export type { IptablesOptions } from './iptables-matches.js';
export { addressListSpans, portListSpans } from './iptables-values.js';

/** What a rule needs for `skip`: a target that only logs (always passes on), or its first match's addresses. */
type SkipRule = 'noop' | { field: 'src' | 'dst'; family: 4 | 6; spans: readonly Span[] } | null;
const skipCache = new WeakMap<IptChain, SkipRule[]>();

function skipRules(chain: IptChain): SkipRule[] {
  let info = skipCache.get(chain);
  if (!info) {
    info = chain.rules.map((r): SkipRule => {
      if (!r.target || NOOP_TARGETS.has(r.target)) return 'noop';
      // The address is the rule's first match (see matchers()): when it misses, nothing after it is asked.
      const a = r.source ?? r.destination;
      if (!a || a.negated) return null;
      const parsed = addressListCached(a.value);
      return parsed ? { field: r.source ? 'src' : 'dst', family: parsed.family, spans: parsed.spans } : null;
    });
    skipCache.set(chain, info);
  }
  return info;
}

/** How the walker sees one table (exported for the tests that check `skip` against plain stepping). */
export function iptablesChainView(table: IptChainsView, ctx: IptablesOptions = {}): ChainView<IptRule> {
  return {
    chain: (n) => table.chains[n],
    skip(name, idx, piece, limit) {
      const chain = table.chains[name];
      if (!chain) return idx;
      const info = skipRules(chain);
      let k = idx;
      for (; k < limit; k++) {
        const s = info[k];
        if (s === 'noop') continue;
        if (s === null || s.family !== piece.family) break;
        // An empty field matches everything (cut() of nothing leaves no part outside): step it.
        const have = piece[s.field];
        if (have.length === 0 || spansMeet(have, s.spans)) break;
      }
      return k;
    },
    step(rule, piece) {
      const t = rule.target;
      if (!t || NOOP_TARGETS.has(t)) return [{ piece, action: { kind: 'next' } as Action }];
      const { yes, no } = conjoin(piece, matchers(rule, ctx), rule);
      const out: RuleStep[] = yes.map((p) => applyTarget(rule, p, table));
      for (const p of no) out.push({ piece: p, action: { kind: 'next' } });
      return out;
    },
  };
}

const PRIO: Record<string, number> = { raw: -300, mangle: -150, nat: -100, filter: 0, security: 50 };
const STAGES: Record<'in' | 'out', [string, string, Hook][]> = {
  in: [
    ['raw', 'PREROUTING', 'prerouting'],
    ['mangle', 'PREROUTING', 'prerouting'],
    ['nat', 'PREROUTING', 'prerouting'],
    ['mangle', 'INPUT', 'input'],
    ['filter', 'INPUT', 'input'],
    ['security', 'INPUT', 'input'],
  ],
  out: [
    ['raw', 'OUTPUT', 'output'],
    ['mangle', 'OUTPUT', 'output'],
    ['nat', 'OUTPUT', 'output'],
    ['filter', 'OUTPUT', 'output'],
    ['security', 'OUTPUT', 'output'],
    ['mangle', 'POSTROUTING', 'postrouting'],
  ],
};

/** `-A INPUT -p tcp … -j ACCEPT` (line N) — the evidence line for a rule. */
export function iptRuleText(rule: IptRule): string {
  return `${rule.raw} (line ${rule.line})`;
}

/**
 * The base chains of a ruleset that a packet going `direction` traverses, as pipeline stages. Tables the ruleset
 * lacks are skipped (an absent table lets everything through).
 */
export function iptablesStages(
  rs: IptablesRuleset,
  direction: 'in' | 'out',
  ctx: IptablesOptions = {},
): Stage[] {
  const stages: Stage[] = [];
  const v = rs.family === 6 ? 'ip6tables' : 'iptables';
  for (const [tname, cname, hook] of STAGES[direction]) {
    const table = rs.tables[tname];
    if (!table?.chains[cname]) continue;
    const view = iptablesChainView(table, ctx);
    stages.push({
      label: `${v} ${tname} ${cname}`,
      view: 'iptables',
      hook,
      prio: PRIO[tname],
      nat: tname === 'nat',
      families: [rs.family],
      run: (piece, budget) => walkChain(view, cname, piece, budget),
      describe: (r) => iptRuleText(r as IptRule),
    });
  }
  return stages;
}
