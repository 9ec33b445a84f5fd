/**
 * Runs a command against a simulated guest: the collection script (recognised by its marker) is answered
 * with the whole sectioned output, rendered from the world in the real tools' formats; other commands go
 * through a small shell (shell.ts) and the command table (commands.ts), which change the world the way the
 * real commands change a machine. Unknown commands get what sh says about them (exit 127).
 */
import { COLLECT_MARKER } from '../../guest/script/collect.js';
import type { GuestWorld, World, WorldInstance } from '../world.js';
import { type CommandContext, type CommandResult, GUEST_COMMANDS } from './commands.js';
import { simDeadman } from './deadman.js';
import { parseCollectRequest, renderCollection } from './render/collection.js';
import { parseShell } from './shell.js';

export interface GuestExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Scratch files per guest (what `iptables-save > /tmp/x` wrote), alive as long as the world. */
const scratch = new WeakMap<GuestWorld, Map<string, string>>();
let runCounter = 0;

function bootOf(inst: WorldInstance, now: number): number {
  const t = inst.startTime ? Date.parse(inst.startTime) : Number.NaN;
  // A guest that never started (or has no start time) is given a day of uptime.
  return Number.isFinite(t) && t < now ? t : now - 86_400_000;
}

function runOne(argv: string[], ctx: CommandContext): CommandResult {
  let a = argv;
  while (a[0] === 'sudo') a = a.slice(a[1] === '-n' ? 2 : 1);
  while (a.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a[0])) a = a.slice(1);
  if (!a.length) return { code: 0 };
  if ((a[0] === 'sh' || a[0] === 'bash' || a[0] === 'dash') && a[1] === '-c' && a[2] !== undefined) {
    return runScript(a[2], ctx);
  }
  const bin = a[0].replace(/^(\/usr)?\/s?bin\//, '');
  const entry = GUEST_COMMANDS.find((c) => c.name === bin);
  if (!entry) return { stderr: `sh: 1: ${a[0]}: not found`, code: 127 };
  return entry.run([bin, ...a.slice(1)], ctx);
}

function runScript(script: string, base: CommandContext): CommandResult {
  const parsed = parseShell(script);
  if (parsed.error) {
    return {
      stderr: `sh: the simulated guest does not run this (${parsed.error}); send one command per line, joined by ; or &&`,
      code: 2,
    };
  }
  let stdout = '';
  let stderr = '';
  let code = 0;
  for (const { op, cmd } of parsed.items) {
    if (op === '&&' && code !== 0) continue;
    if (op === '||' && code === 0) continue;
    const r = runOne(cmd.argv, { ...base, cmd });
    stdout += r.stdout ?? '';
    if (r.stderr) stderr += r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`;
    code = r.code;
  }
  return { stdout, stderr, code };
}

export function execGuestCommand(
  world: World,
  instanceId: string,
  command: string,
  now: number,
): GuestExecResult {
  const instance = world.instances.find((i) => i.id === instanceId);
  if (!instance) return { stdout: '', stderr: `no simulated instance ${instanceId}\n`, code: 255 };
  const guest = instance.guest;
  if (!guest)
    return {
      stdout: '',
      stderr: `simulated instance ${instanceId} has no guest to run commands in\n`,
      code: 255,
    };
  if (instance.status && instance.status !== 'Running')
    return {
      stdout: '',
      stderr: `instance ${instanceId} is ${instance.status}: nothing runs in its guest\n`,
      code: 255,
    };
  // The remediation runner's dead-man switch wraps a change: the simulator does natively what the script means.
  const dm = simDeadman(world, instanceId, command, now, execGuestCommand);
  if (dm) return dm;
  const boot = bootOf(instance, now);
  if (command.includes(COLLECT_MARKER)) {
    const req = parseCollectRequest(command);
    runCounter = (runCounter + 1) % 100000;
    const id = `${Math.floor(now / 1000) % 100000}x${runCounter}`;
    return { stdout: renderCollection(guest, req, now, boot, id), stderr: '', code: 0 };
  }
  let files = scratch.get(guest);
  if (!files) {
    files = new Map();
    scratch.set(guest, files);
  }
  const r = runScript(command, {
    world,
    instance,
    guest,
    now,
    boot,
    files,
    cmd: { argv: [], text: command },
  });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.code };
}
