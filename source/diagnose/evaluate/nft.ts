/**
 * nftables, from `nft -j list ruleset`: every base chain on the hooks a packet meets (netdev ingress, prerouting
 * and input on the way in; output and postrouting on the way out) across the tables whose family applies (inet,
 * ip, ip6, netdev). A base chain's accept only ends that chain, so later chains still get their say; drop and
 * reject anywhere are final (the pipeline in guest-firewall.ts runs them in priority order). Rules are evaluated
 * from their JSON expressions (nft-matches.ts, nft-statements.ts); an expression not modelled makes the rule
 * undecidable, never guessed. Pure.
 */
import type { NftChain, NftRule, NftRuleset } from '../../model/index.js';
import type { RuleCtx } from './nft-matches.js';
import { stepRule } from './nft-statements.js';
import { nftRuleText } from './nft-text.js';
import { clonePiece } from './piece.js';
import { type ChainView, HOOKS_BY_DIRECTION, type Hook, type Stage, walkChain } from './walk.js';

export { nftRuleText } from './nft-text.js';

const FAMILIES: Record<string, (4 | 6)[]> = { inet: [4, 6], ip: [4], ip6: [6], netdev: [4, 6] };

/**
 * The base chains a packet going `direction` meets, as pipeline stages. `skipTable` lets the caller leave out
 * tables it evaluates through another view (iptables-nft's compat tables, read from iptables-save instead).
 */
export function nftStages(
  rs: NftRuleset,
  direction: 'in' | 'out',
  skipTable: (family: string, table: string) => boolean = () => false,
): Stage[] {
  const stages: Stage[] = [];
  const byTable = new Map<string, Map<string, NftChain>>();
  for (const c of rs.chains) {
    const k = `${c.family} ${c.table}`;
    if (!byTable.has(k)) byTable.set(k, new Map());
    byTable.get(k)!.set(c.name, c);
  }
  for (const c of rs.chains) {
    if (!c.hook || !HOOKS_BY_DIRECTION[direction].includes(c.hook as Hook) || !FAMILIES[c.family]) continue;
    if (skipTable(c.family, c.table)) continue;
    // netdev tables only have device hooks; inet tables may have an ingress chain too (Linux 5.10+).
    if (c.family === 'netdev' && c.hook !== 'ingress') continue;
    const chains = byTable.get(`${c.family} ${c.table}`)!;
    const ctx: RuleCtx = { family: c.family, table: c.table, sets: rs.sets };
    const view: ChainView<NftRule> = {
      chain: (n) => {
        const ch = chains.get(n);
        return ch ? { rules: ch.rules, policy: ch.hook ? (ch.policy ?? 'accept') : null } : undefined;
      },
      step: (rule, piece) => stepRule(rule, piece, ctx),
    };
    stages.push({
      label: `nft ${c.family} ${c.table} ${c.name}`,
      view: 'nft',
      hook: c.hook as Hook,
      prio: c.prio ?? 0,
      nat: c.type === 'nat',
      families: FAMILIES[c.family],
      run: (piece, budget) => {
        if (c.dev && piece.iif !== undefined && piece.iif !== c.dev)
          return [{ piece, verdict: 'accept', path: [] }];
        const outs = walkChain(view, c.name, piece, budget);
        if (c.hook !== 'ingress' || c.dev) return outs;
        // nft 1.0.x's JSON leaves the device of an ingress chain out: assume it is the packet's interface. That
        // matters only where a rule of the chain decided.
        const caveat = `the device of ingress chain ${c.table} ${c.name} is not shown by nft -j; assumed to be the packet's`;
        return outs.map((o) =>
          o.rule || o.verdict !== 'accept'
            ? { ...o, piece: clonePiece(o.piece, { caveats: [...o.piece.caveats, caveat] }) }
            : o,
        );
      },
      describe: (r) => nftRuleText(r as NftRule),
    });
  }
  return stages;
}
