/**
 * ssh_config(5) syntax, as OpenSSH reads it: lines into keyword + arguments (argv_split quoting), host patterns
 * and pattern lists (match_pattern, match_pattern_list), and `%` token / `~` expansion. Pure.
 */

export interface SshConfigEntry {
  /** Lower-cased keyword. */
  keyword: string;
  args: string[];
  file: string;
  line: number;
}

/** Splits one argument string like OpenSSH's argv_split: whitespace separated, `"…"`/`'…'` quoting, `\` escapes. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && (s[i + 1] === '"' || s[i + 1] === '\\')) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
    } else if (c === '\\' && i + 1 < s.length && /[\s"'\\]/.test(s[i + 1])) {
      cur += s[++i];
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** Parses one config file into entries. Blank lines and `#` comments are skipped; `Keyword=value` is accepted. */
export function parseSshConfig(text: string, file = 'config'): SshConfigEntry[] {
  const entries: SshConfigEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw || raw.startsWith('#')) continue;
    const m = /^([^\s=]+)(?:\s*=\s*|\s+)?(.*)$/.exec(raw);
    if (!m) continue;
    entries.push({ keyword: m[1].toLowerCase(), args: splitArgs(m[2]), file, line: i + 1 });
  }
  return entries;
}

/** OpenSSH `match_pattern`: `*` any run, `?` one character; case-sensitive (callers lower-case host names). */
export function matchPattern(s: string, pattern: string): boolean {
  let re = '^';
  for (const c of pattern) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(s);
}

/**
 * A pattern list (`Host a b !c`, or the comma list of `Match host a,b,!c`): true when some positive pattern
 * matches and no negated one does — a negated match vetoes, as in OpenSSH's match_pattern_list.
 */
export function matchPatternList(name: string, patterns: string[]): boolean {
  const n = name.toLowerCase();
  let matched = false;
  for (const p of patterns) {
    if (!p) continue;
    const negated = p.startsWith('!');
    const pat = (negated ? p.slice(1) : p).toLowerCase();
    if (matchPattern(n, pat)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The `%` tokens ssh_config expands (`%h` host, `%d` home, `%u` local user, …). */
export interface Tokens {
  '%': string;
  d: string;
  h: string;
  i: string;
  l: string;
  L: string;
  n: string;
  p: string;
  r: string;
  u: string;
}

/** Expands `%x` tokens (unknown ones are left as written, with a warning) and a leading `~`. */
export function expandTokens(
  s: string,
  tokens: Partial<Tokens>,
  home: string,
  warn?: (w: string) => void,
): string {
  let out = s.replace(/%(.)/g, (all, k: string) => {
    const v = (tokens as Record<string, string | undefined>)[k];
    if (v !== undefined) return v;
    warn?.(`unsupported token ${all} in "${s}" left as written`);
    return all;
  });
  if (out === '~') out = home;
  else if (out.startsWith('~/')) out = `${home}${out.slice(1)}`;
  return out;
}
