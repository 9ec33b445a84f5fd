/**
 * `iptables-save [-c]` / `ip6tables-save [-c]`, legacy and nf_tables backends, iptables 1.4.x to 1.8.x.
 * Every rule is broken into core selectors, matches (`-m module --opt values`) and target options, with
 * negation read in both spellings (`! --dport 22` since 1.4.3, `--dport ! 22` before it). Quoted values
 * (`--comment "web traffic"`) keep their spaces. What cannot be placed lands in `unparsed`, never dropped.
 */
import type {
  IpFamily,
  IptablesRuleset,
  IptChain,
  IptMatch,
  IptOption,
  IptRule,
  IptTable,
} from '../../model/index.js';
import { clip, lines, type Parsed, warn } from './common.js';

/** Splits a rule line like a shell would for iptables-restore: double quotes group, `\"` escapes. */
export function tokenizeRule(line: string): { tokens: string[]; unterminated: boolean } {
  const tokens: string[] = [];
  let cur = '';
  let inTok = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        cur += line[++i];
      } else if (c === '"') {
        quoted = false;
      } else cur += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      inTok = true;
    } else if (c === ' ' || c === '\t') {
      if (inTok) tokens.push(cur);
      cur = '';
      inTok = false;
    } else {
      cur += c;
      inTok = true;
    }
  }
  if (inTok) tokens.push(cur);
  return { tokens, unterminated: quoted };
}

const CORE: Record<string, 'protocol' | 'source' | 'destination' | 'inInterface' | 'outInterface'> = {
  '-p': 'protocol',
  '--protocol': 'protocol',
  '-s': 'source',
  '--source': 'source',
  '--src': 'source',
  '-d': 'destination',
  '--destination': 'destination',
  '--dst': 'destination',
  '-i': 'inInterface',
  '--in-interface': 'inInterface',
  '-o': 'outInterface',
  '--out-interface': 'outInterface',
};

const isOptionName = (t: string) => /^--?[A-Za-z0-9]/.test(t);

/** Parses one `-A CHAIN …` rule body (tokens after the chain name). */
export function parseRuleTokens(tokens: string[], rule: IptRule): void {
  let negateNext = false;
  let currentMatch: IptMatch | undefined;
  let currentOpt: IptOption | undefined;
  let inTarget = false;
  const unparsed: string[] = [];
  const closeOpt = () => {
    currentOpt = undefined;
  };
  const takeNegation = () => {
    const n = negateNext;
    negateNext = false;
    return n;
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '!') {
      // `--dport ! 22` (old): negates the option just opened, which has no value yet.
      // `! --sport 1` (since 1.4.3): negates what follows. Only a `!` followed by a value is the old form.
      const next = tokens[i + 1];
      if (currentOpt && currentOpt.values.length === 0 && next !== undefined && !isOptionName(next))
        currentOpt.negated = true;
      else negateNext = true;
      continue;
    }
    const core = CORE[tok];
    if (core && !inTarget && (tok.length === 2 || !currentMatch)) {
      closeOpt();
      currentMatch = undefined;
      let negated = takeNegation();
      let v = tokens[++i];
      if (v === '!') {
        negated = true;
        v = tokens[++i];
      }
      if (v === undefined) {
        unparsed.push(tok);
        break;
      }
      rule[core] = { value: v, negated };
      continue;
    }
    if ((tok === '-f' || tok === '--fragment') && !inTarget) {
      closeOpt();
      currentMatch = undefined;
      rule.fragment = { negated: takeNegation() };
      continue;
    }
    if ((tok === '-m' || tok === '--match') && !inTarget) {
      closeOpt();
      const mod = tokens[++i];
      if (mod === undefined) {
        unparsed.push(tok);
        break;
      }
      currentMatch = { module: mod, options: [] };
      rule.matches.push(currentMatch);
      negateNext = false;
      continue;
    }
    if (tok === '-j' || tok === '--jump' || tok === '-g' || tok === '--goto') {
      closeOpt();
      currentMatch = undefined;
      const target = tokens[++i];
      if (target === undefined) {
        unparsed.push(tok);
        break;
      }
      rule.target = target;
      if (tok === '-g' || tok === '--goto') rule.goto = true;
      inTarget = true;
      continue;
    }
    if (tok === '-c' && /^\d+$/.test(tokens[i + 1] ?? '') && /^\d+$/.test(tokens[i + 2] ?? '')) {
      rule.counters = { packets: Number(tokens[i + 1]), bytes: Number(tokens[i + 2]) };
      i += 2;
      continue;
    }
    if (tok.startsWith('--') && tok.length > 2) {
      const opt: IptOption = { name: tok.slice(2), negated: takeNegation(), values: [] };
      if (inTarget) rule.targetOptions.push(opt);
      else {
        if (!currentMatch) {
          // `-p tcp --dport 22` without `-m tcp`: the option belongs to the protocol's implicit match.
          const mod = rule.protocol?.value ?? 'unknown';
          currentMatch = rule.matches.find((m) => m.module === mod);
          if (!currentMatch) {
            currentMatch = { module: mod, options: [] };
            rule.matches.push(currentMatch);
          }
        }
        currentMatch.options.push(opt);
      }
      currentOpt = opt;
      continue;
    }
    if (currentOpt && !isOptionName(tok)) {
      currentOpt.values.push(tok);
      continue;
    }
    unparsed.push(tok);
  }
  if (negateNext) unparsed.push('!');
  if (unparsed.length) rule.unparsed = unparsed;
}

function emptyRuleset(family: IpFamily): IptablesRuleset {
  return { family, variant: 'unknown', tables: {} };
}

function chainOf(table: IptTable, name: string): IptChain {
  let c = table.chains[name];
  if (!c) {
    c = { name, policy: null, rules: [] };
    table.chains[name] = c;
  }
  return c;
}

export function parseIptablesSave(text: string, family: IpFamily = 4): Parsed<IptablesRuleset> {
  const warnings: string[] = [];
  const rs = emptyRuleset(family);
  let table: IptTable | undefined;
  const all = lines(text);
  for (let n = 0; n < all.length; n++) {
    const raw = all[n].trim();
    if (!raw) continue;
    if (raw.startsWith('#')) {
      const g = /Generated by (ip6?tables)-save v(\S+)(?:\s+\((nf_tables|legacy)\))?/.exec(raw);
      if (g) {
        rs.version = g[2];
        rs.variant = g[3] === 'nf_tables' ? 'nf_tables' : 'legacy';
        if (g[1] === 'ip6tables') rs.family = 6;
      }
      continue;
    }
    if (raw.startsWith('*')) {
      const name = raw.slice(1).trim();
      table = rs.tables[name] ?? { name, chains: {} };
      rs.tables[name] = table;
      continue;
    }
    if (raw === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (!table) {
      warn(warnings, `iptables-save line ${n + 1} is outside a table: ${clip(raw)}`);
      continue;
    }
    if (raw.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?/.exec(raw);
      if (!m) {
        warn(warnings, `iptables-save line ${n + 1}: unreadable chain line: ${clip(raw)}`);
        continue;
      }
      const c = chainOf(table, m[1]);
      c.policy = m[2] === '-' ? null : m[2];
      if (m[3] !== undefined) c.counters = { packets: Number(m[3]), bytes: Number(m[4]) };
      continue;
    }
    let body = raw;
    let counters: { packets: number; bytes: number } | undefined;
    const cm = /^\[(\d+):(\d+)\]\s+/.exec(body);
    if (cm) {
      counters = { packets: Number(cm[1]), bytes: Number(cm[2]) };
      body = body.slice(cm[0].length);
    }
    const { tokens, unterminated } = tokenizeRule(body);
    if ((tokens[0] !== '-A' && tokens[0] !== '--append') || !tokens[1]) {
      warn(warnings, `iptables-save line ${n + 1}: not a rule: ${clip(raw)}`);
      continue;
    }
    const chain = chainOf(table, tokens[1]);
    const rule: IptRule = {
      table: table.name,
      chain: chain.name,
      index: chain.rules.length + 1,
      line: n + 1,
      raw,
      matches: [],
      targetOptions: [],
    };
    if (counters) rule.counters = counters;
    parseRuleTokens(tokens.slice(2), rule);
    if (unterminated) {
      rule.unparsed = [...(rule.unparsed ?? []), '(unterminated quote)'];
      warn(warnings, `iptables-save line ${n + 1}: unterminated quote (output cut short?)`);
    }
    chain.rules.push(rule);
  }
  if (table) warn(warnings, `iptables-save: table ${table.name} has no COMMIT (output cut short?)`);
  return { value: rs, warnings };
}

/** `iptables -V` → `{version, variant}`: `iptables v1.8.9 (nf_tables)`, `iptables v1.4.21`. */
export function parseIptablesVersion(text: string): {
  version?: string;
  variant: 'legacy' | 'nf_tables' | 'unknown';
} {
  const m = /ip6?tables v(\S+)(?:\s+\((nf_tables|legacy)\))?/.exec(text);
  if (!m) return { variant: 'unknown' };
  return { version: m[1], variant: m[2] === 'nf_tables' ? 'nf_tables' : 'legacy' };
}

/** True when the ruleset filters nothing: every built-in chain accepts and no table has a rule. */
export function iptablesIsEmpty(rs: IptablesRuleset | undefined): boolean {
  if (!rs) return true;
  for (const t of Object.values(rs.tables))
    for (const c of Object.values(t.chains)) {
      if (c.rules.length) return false;
      if (c.policy && c.policy !== 'ACCEPT') return false;
    }
  return true;
}
