/**
 * The dead-man switch on a simulated guest. The real switch is a POSIX sh script (source/remedy/deadman.ts)
 * that the small simulated shell cannot run (it uses variables, functions and background jobs), so the guest
 * recognises it by its marker line and does natively what it means: snapshot the parts of the world the
 * script would save, apply the inner command through the command table, and put the snapshot back after the
 * window unless the confirm command arrives. It answers in the same `netdoctor-deadman id=… state=…` lines as
 * the real script, so the runner cannot tell the difference.
 *
 * Hook (source/sim/guest/exec.ts, first thing in execGuestCommand once the instance and guest are found):
 *   const dm = simDeadman(world, instanceId, command, now, execGuestCommand); if (dm) return dm;
 */
import type { DeadmanSave } from '../../model/index.js';
import { DEADMAN_DIRS, extractApplyCommand, parseDeadmanHeader } from '../../remedy/deadman.js';
import type { GuestWorld, World } from '../world.js';

export interface SimExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export type SimExec = (world: World, instanceId: string, command: string, now: number) => SimExecResult;

interface Snapshot {
  firewall?: GuestWorld['firewall'];
  routes?: GuestWorld['routes'];
  links?: Map<string, boolean>;
  files: Map<string, string>;
}

interface SimRecord {
  id: string;
  instanceId: string;
  seconds: number;
  deadline: number;
  state: 'applied' | 'confirmed' | 'restored';
  at: number;
  rc?: number;
  reason?: string;
  applyRc?: number;
  output: string;
  snapshot: Snapshot;
  saves: DeadmanSave[];
  decided: boolean;
  ok: boolean;
  timer?: NodeJS.Timeout;
}

const records = new WeakMap<World, Map<string, SimRecord>>();

/** The world files a simulated guest models (what `file:` saves can cover). */
const FILE_FIELDS: Record<string, 'resolvConf' | 'hostsAllow' | 'hostsDeny'> = {
  '/etc/resolv.conf': 'resolvConf',
  '/etc/hosts.allow': 'hostsAllow',
  '/etc/hosts.deny': 'hostsDeny',
};

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

function take(g: GuestWorld, saves: DeadmanSave[]): Snapshot | { failed: string } {
  const s: Snapshot = { files: new Map() };
  for (const k of saves) {
    if (k === 'iptables' || k === 'nft') s.firewall = structuredClone(g.firewall);
    else if (k === 'routes') s.routes = structuredClone(g.routes);
    else if (k === 'links') s.links = new Map(g.interfaces.map((i) => [i.name, i.up]));
    else if (k.startsWith('file:')) {
      const field = FILE_FIELDS[k.slice(5)];
      if (!field) return { failed: k.slice(5) };
      s.files.set(field, g[field]);
    }
  }
  return s;
}

function putBack(g: GuestWorld, s: Snapshot): void {
  if (s.links) for (const i of g.interfaces) if (s.links.has(i.name)) i.up = s.links.get(i.name)!;
  if (s.routes) g.routes = structuredClone(s.routes);
  if (s.firewall) g.firewall = structuredClone(s.firewall);
  for (const [field, text] of s.files) g[field as 'resolvConf' | 'hostsAllow' | 'hostsDeny'] = text;
}

function stateLine(r: SimRecord): string {
  const parts = [`state=${r.state}`, `at=${iso(r.at)}`];
  if (r.rc !== undefined) parts.push(`rc=${r.rc}`);
  if (r.reason) parts.push(`reason=${r.reason}`);
  if (r.applyRc !== undefined) parts.push(`apply_rc=${r.applyRc}`);
  return `netdoctor-deadman id=${r.id} ${parts.join(' ')}`;
}

function guestOf(world: World, r: SimRecord): GuestWorld | undefined {
  return world.instances.find((i) => i.id === r.instanceId)?.guest;
}

function restore(world: World, r: SimRecord, at: number, reason: string): void {
  r.decided = true;
  r.ok = false;
  if (r.timer) clearTimeout(r.timer);
  r.timer = undefined;
  const g = guestOf(world, r);
  if (g) putBack(g, r.snapshot);
  r.state = 'restored';
  r.at = at;
  r.rc = g ? 0 : 1;
  r.reason = reason;
}

/** Windows that ended by the world's clock are restored now (the real guest's timer would have fired). */
function settle(world: World, now: number): void {
  for (const r of records.get(world)?.values() ?? [])
    if (!r.decided && now >= r.deadline) restore(world, r, r.deadline, 'timeout');
}

/** Answers a dead-man script, or returns undefined when `command` is not one. */
export function simDeadman(
  world: World,
  instanceId: string,
  command: string,
  now: number,
  exec: SimExec,
): SimExecResult | undefined {
  const h = parseDeadmanHeader(command);
  if (!h) return undefined;
  const guest = world.instances.find((i) => i.id === instanceId)?.guest;
  if (!guest) return { stdout: '', stderr: `simulated instance ${instanceId} has no guest\n`, code: 255 };
  let map = records.get(world);
  if (!map) records.set(world, (map = new Map()));
  settle(world, now);
  const say = (s: string) => `netdoctor-deadman id=${h.id} ${s}\n`;
  const rec = map.get(h.id);

  if (h.action === 'arm') {
    if (rec) return { stdout: say('state=not-armed reason=id-in-use'), stderr: '', code: 90 };
    const saves = h.saves ?? [];
    const seconds = h.seconds ?? 60;
    const inner = extractApplyCommand(command, h.id);
    if (inner === undefined)
      return { stdout: say('state=not-armed reason=no-command'), stderr: '', code: 90 };
    const snap = take(guest, saves);
    if ('failed' in snap)
      return {
        stdout: `${say(`state=not-armed reason=save-failed what=${snap.failed}`)}save: the simulated guest models no file ${snap.failed}\n`,
        stderr: '',
        code: 91,
      };
    const r: SimRecord = {
      id: h.id,
      instanceId,
      seconds,
      deadline: now + seconds * 1000,
      state: 'applied',
      at: now,
      output: '',
      snapshot: snap,
      saves,
      decided: false,
      ok: false,
    };
    map.set(h.id, r);
    const res = exec(world, instanceId, inner, now);
    r.output = `${res.stdout}${res.stderr}`.trim();
    if (res.code !== 0) {
      restore(world, r, now, 'apply-failed');
      r.applyRc = res.code;
    } else {
      r.rc = 0;
      // Real time, for a demo left running; settle() covers a world whose clock is driven by a test.
      r.timer = setTimeout(() => {
        if (!r.decided) restore(world, r, r.deadline, 'timeout');
      }, seconds * 1000);
      r.timer.unref?.();
    }
    const head = say(`state=armed seconds=${seconds} dir=${DEADMAN_DIRS[0]}/${h.id}`);
    return {
      stdout: `${head}${stateLine(r)}\nnetdoctor-deadman-output id=${h.id}\n${r.output ? `${r.output}\n` : ''}`,
      stderr: '',
      code: 0,
    };
  }

  if (!rec) return { stdout: say('state=unknown reason=no-record'), stderr: '', code: 3 };
  if (h.action === 'confirm' && rec.state === 'applied' && !rec.decided) {
    rec.decided = true;
    rec.ok = true;
    if (rec.timer) clearTimeout(rec.timer);
    rec.timer = undefined;
    rec.state = 'confirmed';
    rec.at = now;
    rec.rc = undefined;
  }
  if (h.action === 'restore' && (!rec.decided || rec.ok)) restore(world, rec, now, 'undo');
  let out = `${stateLine(rec)}\n`;
  if (h.action === 'status')
    out += `netdoctor-deadman-output id=${h.id}\n${rec.output ? `${rec.output}\n` : ''}`;
  return { stdout: out, stderr: '', code: 0 };
}
