/**
 * Just enough of sh to run the commands netdoctor sends a simulated guest: `;`, `&&`, `||` and newlines
 * between commands, single/double quotes and backslashes, `> file` / `>> file` / `< file` / `2>&1`
 * redirections, here-documents (`cat > F <<'EOF'`), a leading `sudo` and `VAR=value` assignments, and
 * `sh -c '…'`. No expansion, no pipes: anything fancier is answered as a shell would answer an unknown
 * command, so a plan never "succeeds" against the simulator by accident.
 */

export interface SimpleCommand {
  argv: string[];
  /** `> file` or `>> file` on stdout. */
  stdoutTo?: { path: string; append: boolean };
  /** `< file`. */
  stdinFrom?: string;
  /** Here-document body. */
  heredoc?: string;
  /** Text that made this command (for error messages). */
  text: string;
}

export interface CommandList {
  /** Commands with the operator that joins each to the previous one (`;` for the first). */
  items: { op: ';' | '&&' | '||'; cmd: SimpleCommand }[];
  error?: string;
}

/** Splits a script into simple commands. Pipes and substitutions are reported as errors. */
export function parseShell(script: string): CommandList {
  const items: CommandList['items'] = [];
  const src = script.replace(/\r\n?/g, '\n');
  let i = 0;
  let op: ';' | '&&' | '||' = ';';
  let words: string[] = [];
  let cur = '';
  let inWord = false;
  let start = 0;
  let pendingHeredoc: { tag: string; strip: boolean } | undefined;
  let heredoc: string | undefined;
  const redirs: { kind: string; target: string }[] = [];
  const endWord = () => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };
  const finish = (nextOp: ';' | '&&' | '||') => {
    endWord();
    if (words.length || redirs.length) {
      const cmd: SimpleCommand = { argv: [], text: src.slice(start, i).trim() };
      const argv: string[] = [];
      for (let k = 0; k < words.length; k++) {
        const w = words[k];
        const m = /^(\d?)(>>|>|<<|<)(&?\d*)(.*)$/.exec(w);
        if (m && w !== '<' && !/^\d+$/.test(w)) {
          const target = m[3] ? m[3] : m[4] || words[++k] || '';
          redirs.push({ kind: `${m[1]}${m[2]}`, target: m[3] ? `&${m[3].slice(1)}` : target });
          continue;
        }
        if (w === '<') {
          redirs.push({ kind: '<', target: words[++k] ?? '' });
          continue;
        }
        argv.push(w);
      }
      for (const r of redirs) {
        if (r.kind === '>' || r.kind === '1>') cmd.stdoutTo = { path: r.target, append: false };
        else if (r.kind === '>>' || r.kind === '1>>') cmd.stdoutTo = { path: r.target, append: true };
        else if (r.kind === '<') cmd.stdinFrom = r.target;
      }
      if (cmd.stdoutTo?.path === '/dev/null' || cmd.stdoutTo?.path.startsWith('&')) delete cmd.stdoutTo;
      if (heredoc !== undefined) cmd.heredoc = heredoc;
      cmd.argv = argv;
      items.push({ op, cmd });
    }
    words = [];
    redirs.length = 0;
    heredoc = undefined;
    op = nextOp;
    start = i + (nextOp === ';' ? 1 : 2);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "'") {
      const j = src.indexOf("'", i + 1);
      if (j < 0) return { items, error: 'unterminated quote' };
      cur += src.slice(i + 1, j);
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && '"\\$`'.includes(src[j + 1] ?? '')) {
          cur += src[j + 1];
          j += 2;
          continue;
        }
        if (src[j] === '$' || src[j] === '`') return { items, error: 'variable or command substitution' };
        cur += src[j++];
      }
      if (j >= src.length) return { items, error: 'unterminated quote' };
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') {
        i += 2;
        continue;
      }
      cur += src[i + 1] ?? '';
      inWord = true;
      i += 2;
      continue;
    }
    if (c === '$' || c === '`') return { items, error: 'variable or command substitution' };
    if (c === '|' && src[i + 1] !== '|') return { items, error: 'pipe' };
    if (c === '#' && !inWord) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '<' && src[i + 1] === '<') {
      endWord();
      let j = i + 2;
      let strip = false;
      if (src[j] === '-') {
        strip = true;
        j++;
      }
      while (src[j] === ' ') j++;
      const m = /^(['"]?)([A-Za-z0-9_]+)\1/.exec(src.slice(j));
      if (!m) return { items, error: 'here-document without a delimiter' };
      pendingHeredoc = { tag: m[2], strip };
      i = j + m[0].length;
      continue;
    }
    if (c === '\n') {
      if (pendingHeredoc) {
        const lines = src.slice(i + 1).split('\n');
        const body: string[] = [];
        let consumed = i + 1;
        let found = false;
        for (const l of lines) {
          consumed += l.length + 1;
          const t = pendingHeredoc.strip ? l.replace(/^\t+/, '') : l;
          if (t === pendingHeredoc.tag) {
            found = true;
            break;
          }
          body.push(t);
        }
        if (!found) return { items, error: `here-document not terminated by ${pendingHeredoc.tag}` };
        heredoc = body.length ? `${body.join('\n')}\n` : '';
        pendingHeredoc = undefined;
        finish(';');
        i = consumed;
        start = i;
        continue;
      }
      finish(';');
      i++;
      continue;
    }
    if (c === ';') {
      finish(';');
      i++;
      continue;
    }
    if (c === '&' && src[i + 1] === '&') {
      finish('&&');
      i += 2;
      continue;
    }
    if (c === '|' && src[i + 1] === '|') {
      finish('||');
      i += 2;
      continue;
    }
    if (c === '&') return { items, error: 'background job' };
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    if ((c === '>' || c === '<') && inWord && !/^\d$/.test(cur)) endWord();
    cur += c;
    inWord = true;
    i++;
    if (c === '>' || c === '<') {
      // Keep `2>&1`, `>>` and `>file` together as one redirection word.
      while (i < src.length && (src[i] === '>' || src[i] === '&' || /\d/.test(src[i]))) cur += src[i++];
    }
  }
  if (pendingHeredoc) return { items, error: `here-document not terminated by ${pendingHeredoc.tag}` };
  finish(';');
  return { items };
}
