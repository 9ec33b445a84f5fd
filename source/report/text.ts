/** The plain-text report `check` prints without --json: what an operator reads in a terminal or a ticket. */
import type { Hop, Verdict } from '../model/index.js';

const MARK: Record<Hop['state'], string> = { OK: '✔', BLOCKED: '✘', UNCERTAIN: '?', NOT_CHECKED: '–' };

export function textReport(v: Verdict, opts: { color?: boolean } = {}): string {
  const c = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const red = (s: string) => c('31', s);
  const green = (s: string) => c('32', s);
  const yellow = (s: string) => c('33', s);
  const dim = (s: string) => c('2', s);
  const bold = (s: string) => c('1', s);
  const lines: string[] = [];
  const t = v.target;
  lines.push(
    bold(`netdoctor — ${t.name ? `${t.name} ` : ''}${t.instanceId ?? t.ssh ?? t.kind}`) +
      dim(`  ${[t.region, ...t.addresses].filter(Boolean).join('  ')}`),
  );
  if (v.operator) lines.push(dim(`me: ${v.operator.egressIp ?? 'unknown'} (${v.operator.source})`));
  lines.push('');
  for (const p of v.verdicts) {
    const res =
      p.result === 'DELIVERED'
        ? green('DELIVERED')
        : p.result === 'DROPPED'
          ? red('DROPPED')
          : yellow('UNKNOWN');
    lines.push(
      `${bold(p.intent.label)}  ${res}${p.blockedAt ? ` at ${p.blockedAt}` : ''}  ${dim(p.confidence)}`,
    );
    const fwd = p.path.filter((h) => h.leg === 'forward');
    const ret = p.path.filter((h) => h.leg === 'return');
    const fmt = (h: Hop) => {
      const m = MARK[h.state];
      const mark =
        h.state === 'OK'
          ? green(m)
          : h.state === 'BLOCKED'
            ? red(m)
            : h.state === 'UNCERTAIN'
              ? yellow(m)
              : dim(m);
      return `${mark} ${h.hop}`;
    };
    lines.push(`  ${fwd.map(fmt).join(dim(' → '))}`);
    if (ret.length) lines.push(`  ${dim('return:')} ${ret.map(fmt).join(dim(' → '))}`);
    for (const h of p.path)
      if (h.state === 'BLOCKED' || h.state === 'UNCERTAIN') lines.push(`    ${h.hop}: ${h.detail}`);
    if (p.probe) lines.push(`    ${dim('probe:')} ${p.probe.kind} ${p.probe.outcome} — ${p.probe.note}`);
  }
  lines.push('');
  if (v.findings.length === 0) lines.push(green('No findings.'));
  for (const f of v.findings) {
    const sev =
      f.severity === 'critical'
        ? red('CRITICAL')
        : f.severity === 'warning'
          ? yellow('WARNING ')
          : dim('INFO    ');
    lines.push(
      `${String(f.rank).padStart(2)}. ${sev} ${bold(f.code)}  ${f.title}${f.confidence !== 'certain' ? dim(` (${f.confidence})`) : ''}`,
    );
    if (f.detail) lines.push(`      ${dim(f.detail)}`);
    for (const a of f.advice ?? []) lines.push(`      → ${a}`);
    if (f.remedies.length)
      lines.push(`      ${dim('fix:')} ${f.remedies.map((r) => `netdoctor fix … --remedy ${r}`).join(', ')}`);
  }
  if (v.scope) lines.push('', ...scopeLines(v.scope, { red, yellow, green, dim, bold }));
  return `${lines.join('\n')}\n`;
}

/** Member lines the text report shows before it summarises the rest. */
const SCOPE_LINES = 12;

type Paint = Record<'red' | 'yellow' | 'green' | 'dim' | 'bold', (s: string) => string>;

/** `--scope`: the grade first (how big), then who is blocked and by what, then the caveats. */
function scopeLines(s: NonNullable<Verdict['scope']>, p: Paint): string[] {
  const grade =
    s.grade === 'high' ? p.red('HIGH') : s.grade === 'medium' ? p.yellow('MEDIUM') : p.bold('LOW');
  const where = s.zones.length ? ` in ${s.zones.length === 1 ? 'zone' : 'zones'} ${s.zones.join(', ')}` : '';
  const out = [
    `${p.bold(`Scope (${s.kind} ${s.resource.split(',').join(', ')})`)}  ${grade}  ${s.affected} of ${s.members.length} blocked${where}`,
  ];
  if (s.summary) out.push(`  ${s.summary}`);
  const mark = { DROPPED: p.red('✘'), DELIVERED: p.green('✔'), UNKNOWN: p.yellow('?') };
  // Blocked members come first; a big scope lists the first ones and counts the rest (--json has them all).
  const shown = s.members.slice(0, SCOPE_LINES);
  for (const m of shown)
    out.push(
      `  ${mark[m.result]} ${m.name ?? m.instanceId}  ${p.dim(`${m.instanceId}  ${m.zoneId}`)}  ${m.result}${
        m.codes.length ? `  ${m.codes.join(' ')}` : ''
      }${m.target ? p.dim('  (target)') : ''}${m.note ? p.dim(`  — ${m.note}`) : ''}`,
    );
  const rest = s.members.slice(shown.length);
  if (rest.length) {
    const n = (r: string) => rest.filter((m) => m.result === r).length;
    const parts = (['DROPPED', 'UNKNOWN', 'DELIVERED'] as const)
      .filter((r) => n(r))
      .map((r) => `${n(r)} ${r}`);
    out.push(`  ${p.dim(`… ${rest.length} more: ${parts.join(', ')} (--json lists every member)`)}`);
  }
  for (const c of s.causes ?? [])
    out.push(
      `  ${p.dim('cause:')} ${c.code}${c.rule ? ` ${c.rule}` : ''}${c.resource ? ` in ${c.resource}` : ''} — ${c.instanceIds.length} ${
        c.instanceIds.length === 1 ? 'instance' : 'instances'
      }${c.shared && s.affected > 1 ? ' (every blocked one)' : ''}`,
    );
  for (const n of s.notes ?? []) out.push(`  ${p.dim(`note: ${n}`)}`);
  return out;
}
