/**
 * Confirmation rules and the preview text a confirmation shows. Nothing changes without a confirmation that
 * names the exact change (the API call with every parameter as sent, or the exact shell command, and the rule
 * diff). Low-risk changes take `y`; anything that can cut the operator's access or change production traffic
 * (a `lockout` step, or a high-risk one) takes the target's name typed back. The CLI prompt refuses outright
 * when stdin is not a terminal: a script says `--yes` instead.
 */
import { createInterface } from 'node:readline/promises';
import type { ApiCall, PlanStep, Risk, RuleDiff, StepUndo } from '../model/index.js';
import { redactText } from './redact.js';

export interface ConfirmTarget {
  name: string;
  id: string;
}

export type ConfirmPurpose = 'apply' | 'rollback' | 'revert';

export interface ConfirmRequest {
  /** `yes`: y/n is enough. `type-name`: the target's name (or id) must be typed back. */
  kind: 'yes' | 'type-name';
  /** What must be typed for `type-name`. */
  expect?: string;
  /** The question, one line. */
  prompt: string;
  /** The exact change: call and parameters or command, the dead-man note, the rule diff. */
  preview: string[];
  purpose: ConfirmPurpose;
  plan: string;
  step: string;
  title: string;
  risk: Risk;
  lockout: boolean;
  target: ConfirmTarget;
}

/** The operator declined to be asked (no terminal, no --yes): the runner reports REFUSED, not CANCELLED. */
export class ConfirmRefused extends Error {
  readonly code = 'CONFIRM_UNAVAILABLE';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ConfirmRefused';
  }
}

/** Flattens parameters the way the RPC query carries them: `Permissions.1.IpProtocol=TCP`. */
export function flattenParams(params: Record<string, unknown>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        if (x !== null && typeof x === 'object')
          out.push(...flattenParams(x as Record<string, unknown>, `${key}.${i + 1}`));
        else if (x !== undefined && x !== null) out.push([`${key}.${i + 1}`, String(x)]);
      });
    } else if (typeof v === 'object') out.push(...flattenParams(v as Record<string, unknown>, key));
    else out.push([key, String(v)]);
  }
  return out;
}

/** `ecs:RevokeSecurityGroup RegionId=… SecurityGroupId=… …` on one line. */
export function formatApiCall(api: ApiCall): string {
  const params = flattenParams(api.params)
    .map(([k, v]) => `${k}=${/\s/.test(v) ? JSON.stringify(v) : v}`)
    .join(' ');
  return `${api.product}:${api.action}${params ? ` ${params}` : ''}`;
}

/**
 * A line diff (longest common subsequence): unchanged lines start with two spaces, removed with `- `, added
 * with `+ `. Very large inputs fall back to marking lines absent from the other side.
 */
export function diffLines(diff: RuleDiff): string[] {
  const a = diff.before;
  const b = diff.after;
  if (a.length * b.length > 4_000_000) {
    const inB = new Set(b);
    const inA = new Set(a);
    return [
      ...a.map((l) => (inB.has(l) ? `  ${l}` : `- ${l}`)),
      ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`),
    ];
  }
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}

/** What the dead-man switch saves, in words: "the firewall (iptables), routes". */
export function describeSaves(saves: readonly string[]): string {
  const words = saves.map((s) => {
    if (s === 'iptables') return 'the firewall (iptables)';
    if (s === 'nft') return 'the firewall (nftables)';
    if (s === 'routes') return 'the routes';
    if (s === 'links') return 'the interfaces (up/down)';
    if (s.startsWith('file:')) return s.slice(5);
    return s;
  });
  return words.length ? words.join(', ') : 'nothing';
}

/** The exact change a step makes, as lines for a preview (secrets masked). */
export function previewLines(
  step: PlanStep | (StepUndo & { kind?: PlanStep['kind'] }),
  secrets: readonly string[] = [],
): string[] {
  const out: string[] = [];
  const s = step as Partial<PlanStep>;
  if (s.kind === 'manual') {
    out.push('Manual step (netdoctor does not do this for you):');
    for (const l of s.instructions ?? []) out.push(`  ${l}`);
    return out.map((l) => redactText(l, secrets));
  }
  if (step.api) {
    out.push(`API call ${step.api.product}:${step.api.action}`);
    for (const [k, v] of flattenParams(step.api.params)) out.push(`  ${k}=${v}`);
  }
  if (step.command !== undefined) {
    out.push('Command on the guest:');
    for (const l of step.command.split('\n')) out.push(`  $ ${l}`);
    if (s.deadmanSeconds)
      out.push(
        `Runs under a dead-man switch: the guest saves ${describeSaves(s.saves ?? [])} first and restores it by itself after ${s.deadmanSeconds} s unless netdoctor reconnects and confirms.`,
      );
  }
  if (s.diff && (s.diff.before.length || s.diff.after.length)) {
    out.push('Change:');
    for (const l of diffLines(s.diff)) out.push(`  ${l}`);
  }
  return out.map((l) => redactText(l, secrets));
}

/** Does this step need the target's name typed back? */
export function needsTypedName(step: Pick<PlanStep, 'lockout' | 'risk'>): boolean {
  return step.lockout || step.risk === 'high';
}

function expectedName(target: ConfirmTarget): string {
  return target.name?.trim() || target.id;
}

export function confirmationFor(
  step: PlanStep,
  target: ConfirmTarget,
  opts: { purpose?: ConfirmPurpose; plan?: string; secrets?: readonly string[] } = {},
): ConfirmRequest {
  const purpose = opts.purpose ?? 'apply';
  const typed = needsTypedName(step);
  const expect = expectedName(target);
  const verb = purpose === 'apply' ? 'Apply' : purpose === 'rollback' ? 'Roll back with' : 'Revert with';
  const what = `${verb} "${step.title}" on ${target.name || target.id}${target.name && target.id && target.name !== target.id ? ` (${target.id})` : ''}`;
  const why = step.lockout
    ? 'This can cut your own access or change production traffic.'
    : step.risk === 'high'
      ? 'This is a high-risk change.'
      : '';
  const req: ConfirmRequest = {
    kind: typed ? 'type-name' : 'yes',
    prompt: typed ? `${what}? ${why} Type the instance name "${expect}" to confirm:` : `${what}? [y/N]`,
    preview: previewLines(step, opts.secrets),
    purpose,
    plan: opts.plan ?? '',
    step: step.id,
    title: step.title,
    risk: step.risk,
    lockout: step.lockout,
    target,
  };
  if (typed) req.expect = expect;
  return req;
}

/** Does `answer` confirm `req`? A `type-name` request wants the name (or the id) itself, not a bare `true`. */
export function accepts(req: ConfirmRequest, answer: string | boolean): boolean {
  if (req.kind === 'yes')
    return answer === true || (typeof answer === 'string' && /^\s*y(es)?\s*$/i.test(answer));
  if (typeof answer !== 'string') return false;
  const typed = answer.trim();
  return typed !== '' && (typed === req.expect || typed === req.target.id || typed === req.target.name);
}

/** The answer that satisfies `req` (for --yes and for the revert scheduler's own confirmation). */
export function autoAnswer(req: ConfirmRequest): string | boolean {
  return req.kind === 'type-name' ? (req.expect ?? req.target.id) : true;
}

export interface CliConfirmOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
  /** --yes: every confirmation is answered yes without asking. */
  yes?: boolean;
}

/**
 * A confirm function for the command line: prints the preview and asks on the terminal. Without a terminal
 * on stdin it refuses (ConfirmRefused) unless `yes` — a piped `y` must never approve a change by accident.
 */
export function cliConfirm(opts: CliConfirmOptions = {}): (req: ConfirmRequest) => Promise<string | boolean> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  return async (req) => {
    if (opts.yes) return autoAnswer(req);
    if (!input.isTTY)
      throw new ConfirmRefused(
        `Not applied: "${req.title}" needs a confirmation and stdin is not a terminal.`,
        'Run it in a terminal to confirm interactively, or pass --yes to confirm from a script (lock-out-capable steps included).',
      );
    output.write(`\n${req.preview.join('\n')}\n\n`);
    const rl = createInterface({ input, output, terminal: true });
    const ac = new AbortController();
    const onClose = () => ac.abort();
    rl.on('close', onClose);
    try {
      const answer = await rl.question(`${req.prompt} `, { signal: ac.signal });
      return req.kind === 'yes' ? /^\s*y(es)?\s*$/i.test(answer) : answer;
    } catch {
      // Ctrl-C / Ctrl-D: no.
      return false;
    } finally {
      rl.off('close', onClose);
      rl.close();
    }
  };
}
