/**
 * iptables commands against a simulated guest's rules (the world keeps iptables-save text): -A, -I, -D by
 * number or by spec, -P, -F, -N. A rule spec is stored the way iptables-save prints it (core selectors first,
 * `-m PROTO` made explicit, host addresses as /32), so `-D` by spec finds rules written either way.
 */
import { tokenizeRule } from '../../guest/parsers/iptables-save.js';
import { type IptTableText, readIptablesText, writeIptablesText } from './render/firewall.js';

export interface IptablesResult {
  text: string;
  stdout?: string;
  stderr?: string;
  code: number;
}

const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

const quote = (t: string) => (/[\s"]/.test(t) || t === '' ? `"${t.replace(/(["\\])/g, '\\$1')}"` : t);

/** Puts a rule spec in iptables-save's canonical form. */
export function canonicalSpec(tokens: string[], family: 4 | 6): string[] {
  const core: Record<string, string[]> = {};
  const order = ['-s', '-d', '-i', '-o', '-p', '-f'];
  const alias: Record<string, string> = {
    '--source': '-s',
    '--src': '-s',
    '--destination': '-d',
    '--dst': '-d',
    '--in-interface': '-i',
    '--out-interface': '-o',
    '--protocol': '-p',
    '--fragment': '-f',
    '--match': '-m',
    '--jump': '-j',
    '--goto': '-g',
  };
  const rest: string[] = [];
  let neg = false;
  for (let i = 0; i < tokens.length; i++) {
    let t = tokens[i];
    t = alias[t] ?? t;
    if (t === '!') {
      neg = true;
      continue;
    }
    if (order.includes(t)) {
      if (t === '-f') core[t] = neg ? ['!', '-f'] : ['-f'];
      else {
        let v = tokens[++i] ?? '';
        if ((t === '-s' || t === '-d') && !v.includes('/') && /^[0-9a-fA-F:.]+$/.test(v))
          v = `${v}/${family === 6 ? 128 : 32}`;
        core[t] = neg ? ['!', t, v] : [t, v];
      }
      neg = false;
      continue;
    }
    if (neg) rest.push('!');
    neg = false;
    rest.push(t);
  }
  const out: string[] = [];
  for (const k of order) if (core[k]) out.push(...core[k]);
  const proto = core['-p']?.[core['-p'].length - 1];
  // `-p tcp --dport 22` is saved as `-p tcp -m tcp --dport 22`.
  const firstOpt = rest.findIndex((t) => t.startsWith('--'));
  const firstMatch = rest.indexOf('-m');
  const firstJump = rest.findIndex((t) => t === '-j' || t === '-g');
  if (
    proto &&
    firstOpt >= 0 &&
    (firstMatch < 0 || firstOpt < firstMatch) &&
    (firstJump < 0 || firstOpt < firstJump) &&
    !(rest[0] === '-m' && rest[1] === proto)
  )
    rest.splice(firstOpt === 0 || rest[firstOpt - 1] !== '!' ? firstOpt : firstOpt - 1, 0, '-m', proto);
  out.push(...rest);
  return out;
}

function ensureTable(tables: IptTableText[], name: string): IptTableText {
  let t = tables.find((x) => x.name === name);
  if (!t) {
    t = { name, chains: (BUILTIN[name] ?? []).map((c) => ({ name: c, policy: 'ACCEPT' })), rules: [] };
    tables.push(t);
  }
  return t;
}

function rulesOf(t: IptTableText, chain: string): number[] {
  const idx: number[] = [];
  t.rules.forEach((r, i) => {
    if (r.startsWith(`-A ${chain} `) || r === `-A ${chain}`) idx.push(i);
  });
  return idx;
}

function specOf(rule: string): string {
  return tokenizeRule(rule).tokens.slice(2).join(' ');
}

/** Applies one iptables command (its arguments after `iptables`) to iptables-save text. */
export function applyIptables(text: string | undefined, args: string[], family: 4 | 6): IptablesResult {
  const tool = family === 6 ? 'ip6tables' : 'iptables';
  const tables = readIptablesText(text);
  let tableName = 'filter';
  const a = [...args];
  const ti = a.findIndex((x) => x === '-t' || x === '--table');
  if (ti >= 0) {
    tableName = a[ti + 1] ?? 'filter';
    a.splice(ti, 2);
  }
  // `-w` (wait for the xtables lock) changes nothing here.
  for (let i = a.length - 1; i >= 0; i--) if (a[i] === '-w' || a[i] === '--wait') a.splice(i, 1);
  const op = a[0];
  const chain = a[1];
  const fail = (msg: string, code = 1): IptablesResult => ({ text: text ?? '', stderr: msg, code });
  if (!op)
    return fail(
      `${tool} v1.8.9 (nf_tables): no command specified\nTry \`${tool} -h' or '${tool} --help' for more information.`,
      2,
    );
  const table = ensureTable(tables, tableName);
  const chainExists = (c: string) => table.chains.some((x) => x.name === c);
  if (['-A', '-I', '-D', '-P', '-F', '-N', '-X'].includes(op) && op !== '-F' && !chain)
    return fail(`${tool}: option "${op}" requires an argument`, 2);
  if (op !== '-N' && op !== '-F' && chain && !chainExists(chain))
    return fail(`${tool}: No chain/target/match by that name.`, 1);
  switch (op) {
    case '-A':
    case '-I': {
      let pos: number | undefined;
      let spec = a.slice(2);
      if (op === '-I' && /^\d+$/.test(spec[0] ?? '')) {
        pos = Number(spec[0]);
        spec = spec.slice(1);
      }
      const line = `-A ${chain} ${canonicalSpec(spec, family).map(quote).join(' ')}`.trimEnd();
      const idx = rulesOf(table, chain);
      if (op === '-A') {
        const after = idx.length ? idx[idx.length - 1] + 1 : table.rules.length;
        table.rules.splice(after, 0, line);
      } else {
        const p = pos ?? 1;
        if (p < 1 || p > idx.length + 1) return fail(`${tool}: Index of insertion too big.`, 1);
        const at = p <= idx.length ? idx[p - 1] : idx.length ? idx[idx.length - 1] + 1 : table.rules.length;
        table.rules.splice(at, 0, line);
      }
      break;
    }
    case '-D': {
      const idx = rulesOf(table, chain);
      const rest = a.slice(2);
      if (rest.length === 1 && /^\d+$/.test(rest[0])) {
        const n = Number(rest[0]);
        if (n < 1 || n > idx.length) return fail(`${tool}: Index of deletion too big.`, 1);
        table.rules.splice(idx[n - 1], 1);
      } else {
        const want = canonicalSpec(rest, family).join(' ');
        const hit = idx.find((i) => specOf(table.rules[i]) === want);
        if (hit === undefined)
          return fail(`${tool}: Bad rule (does a matching rule exist in that chain?).`, 1);
        table.rules.splice(hit, 1);
      }
      break;
    }
    case '-P': {
      const policy = a[2];
      const c = table.chains.find((x) => x.name === chain);
      if (!c || c.policy === '-' || !policy || !['ACCEPT', 'DROP'].includes(policy))
        return fail(`${tool}: Bad built-in chain name.`, 1);
      c.policy = policy;
      break;
    }
    case '-F': {
      table.rules = chain ? table.rules.filter((r) => !r.startsWith(`-A ${chain} `)) : [];
      break;
    }
    case '-N': {
      if (chainExists(chain)) return fail(`${tool}: Chain already exists.`, 1);
      table.chains.push({ name: chain, policy: '-' });
      break;
    }
    case '-X': {
      const c = table.chains.find((x) => x.name === chain);
      if (c?.policy !== '-') return fail(`${tool}: Can't delete built-in chain.`, 1);
      table.chains = table.chains.filter((x) => x.name !== chain);
      break;
    }
    case '-S':
    case '-L':
    case '--list-rules': {
      const lines = table.chains.map((c) => (c.policy === '-' ? `-N ${c.name}` : `-P ${c.name} ${c.policy}`));
      lines.push(...table.rules.filter((r) => !chain || r.startsWith(`-A ${chain} `)));
      return { text: text ?? '', stdout: `${lines.join('\n')}\n`, code: 0 };
    }
    default:
      return fail(
        `${tool} v1.8.9 (nf_tables): unknown option "${op}"\nTry \`${tool} -h' or '${tool} --help' for more information.`,
        2,
      );
  }
  return { text: writeIptablesText(tables), code: 0 };
}
