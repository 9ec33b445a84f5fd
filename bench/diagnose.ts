/**
 * diagnose() at scale: the storefront world grown to a busy production server — 2,000 more security-group rules
 * over 5 more groups (the seeded rules of bench/evaluators.ts), 500 route entries in its route table, 100 + 100
 * more network-ACL entries, 20,000 sockets (listeners, ESTAB in and out, TIME-WAIT) and an iptables ruleset of
 * about 1,300 rules (the captured ufw fixture with a 1,000-address fail2ban chain and 200 ufw allow rules) — then
 * collected the way the simulator's own truth does it: cloud facts from the world, guest facts from the rendered
 * tool output (`ss`, `iptables-save`, …) read by the production parsers, probe answers from the simulated
 * region. The intents are the usual ones (`defaultIntents` with the scenario's intents).
 *
 * Figures: warm median and p95 of wall time over RUNS runs after a warm-up (the steady state of a UI
 * refreshing), each run on its own structuredClone of the snapshot made outside the timing (every refresh brings
 * new objects, so nothing cached per object — iptables matchers, compiled ACL lists — may carry over); and the
 * cold first run in a fresh process (what `check` pays once). Budget 50 ms (the diagnosis issue's acceptance).
 * CPU time is given next to wall time: this 2-core machine is shared with test runs. A run that meets a young-
 * generation GC pays for copying the freshly made snapshot (~20 ms): that is what the p95 shows.
 *
 * Run alone: `node --import tsx bench/diagnose.ts` prints the rows; `--cold` prints one cold timing as JSON
 * (what benchDiagnose spawns), `--profile N` runs diagnose N times (for `node --cpu-prof`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diagnose } from '../source/diagnose/index.js';
import { defaultIntents } from '../source/diagnose/intents.js';
import { parseCollection } from '../source/guest/collection.js';
import { buildCollectScript } from '../source/guest/script/collect.js';
import type { Intent, PingProbe, ProbeFacts, Snapshot, TcpProbe } from '../source/model/index.js';
import { fact } from '../source/model/index.js';
import { execGuestCommand } from '../source/sim/guest/exec.js';
import { loadScenario } from '../source/sim/index.js';
import { answerProbe } from '../source/sim/probe.js';
import { worldSnapshot } from '../source/sim/truth.js';
import type { GuestSocketSpec, World } from '../source/sim/world.js';
import { evaluatorWorld } from './evaluators.js';
import type { BenchFn, BenchRow } from './types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_MS = 50;
const WARMUP = 5;
const RUNS = 40;
const SOCKETS = 20_000;
const F2B_BANS = 1_000;
const UFW_ALLOWS = 200;
/** The snapshot's clock: a fixed moment, so every run sees the same metrics and events. */
const NOW = Date.UTC(2026, 10, 26, 4, 0, 0);

/**
 * The captured ufw ruleset (test/fixtures/firewall/ufw.iptables-save.txt, iptables-nft 1.8.9 on Debian 12) with
 * what a busy server accumulates: fail2ban's sshd jail (its chain and INPUT jump, one REJECT per banned address,
 * in the text iptables-multiport writes) and ufw allow rules for monitoring and database clients.
 */
export function bigIptables(): { text: string; rules: number } {
  const base = readFileSync(join(ROOT, 'test/fixtures/firewall/ufw.iptables-save.txt'), 'utf8').split('\n');
  const bans: string[] = [];
  for (let i = 0; i < F2B_BANS; i++)
    bans.push(
      `-A f2b-sshd -s ${1 + (i % 200)}.${(i * 7) % 256}.${(i * 13) % 256}.${(i * 31) % 256}/32 -j REJECT --reject-with icmp-port-unreachable`,
    );
  bans.push('-A f2b-sshd -j RETURN');
  const allows: string[] = [];
  for (let i = 0; i < UFW_ALLOWS; i++) {
    const port = [9100, 5432, 6379, 3306][i % 4];
    allows.push(
      `-A ufw-user-input -s 10.${8 + (i % 8)}.${Math.floor(i / 8)}.0/24 -p tcp -m tcp --dport ${port} -j ACCEPT`,
    );
  }
  // iptables-save lists chains alphabetically and rules chain by chain: fail2ban's chain sorts before ufw's.
  const out: string[] = [];
  for (const line of base) {
    if (line.startsWith('-A ufw-after-input ') && !out.includes(bans[0])) out.push(...bans);
    if (line.startsWith('-A ufw-user-limit ') && !out.includes(allows[0])) out.push(...allows);
    out.push(line);
    if (line.startsWith(':OUTPUT ')) out.push(':f2b-sshd - [0:0]');
    // fail2ban inserts its jump at the head of INPUT (`iptables -I INPUT -p tcp -m multiport --dports 22 -j f2b-sshd`).
    if (line.startsWith(':ufw-user-output '))
      out.push('-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd');
  }
  return { text: out.join('\n'), rules: out.filter((l) => l.startsWith('-A ')).length };
}

/** The storefront world grown to production size (see the header). */
export function bigWorld(): World {
  const world = loadScenario('storefront', { now: NOW });
  world.epoch = NOW;
  const inst = world.instances.find((i) => i.id === world.target)!;
  const g = inst.guest!;
  const ev = evaluatorWorld();

  for (const sg of ev.groups) {
    world.securityGroups.push({ ...sg, vpcId: inst.vpcId });
    inst.securityGroupIds.push(sg.id);
  }
  const table = world.routeTables.find((t) => t.vpcId === inst.vpcId)!;
  const custom = ev.table.entries.filter((e) => e.type === 'Custom' && e.destination !== '0.0.0.0/0');
  for (const e of custom) {
    if (table.entries.length >= 500) break;
    table.entries.push({ ...e, routeTableId: table.id });
  }
  const acl = world.networkAcls.find((a) => a.vSwitchIds.includes(inst.vSwitchId ?? ''));
  if (acl) {
    // The scenario's allow-all entries stay last: every packet walks the hundred entries before them.
    acl.ingress = [...ev.nacl.ingress, ...acl.ingress];
    acl.egress = [...ev.nacl.egress, ...acl.egress];
  }

  // The busy noon before the OOM kill: nginx runs and holds the connections.
  for (const s of g.services) if (s.name === 'nginx') s.active = 'active';
  g.services.push(
    {
      name: 'mariadb',
      active: 'active',
      binary: '/usr/sbin/mariadbd',
      mainPid: 1402,
      listen: ['127.0.0.1:3306'],
    },
    {
      name: 'prometheus-node-exporter',
      active: 'active',
      binary: '/usr/bin/prometheus-node-exporter',
      mainPid: 733,
      listen: ['*:9100'],
    },
  );
  g.firewall = { ...g.firewall, iptables: bigIptables().text };
  const out: GuestSocketSpec[] = [];
  // nginx's upstream keep-alive connections to the app server, and TIME-WAIT left by short upstream requests.
  for (let i = 0; i < 3_000; i++)
    out.push({
      proto: 'tcp',
      local: `172.16.1.10:${32768 + i * 3}`,
      peer: '172.16.2.20:8080',
      state: i < 1_800 ? 'ESTAB' : 'TIME-WAIT',
      ...(i < 1_800 ? { process: 'nginx', pid: 1188, fd: 100 + i } : {}),
    });
  for (let i = 0; i < 200; i++)
    out.push({
      proto: 'tcp',
      local: `127.0.0.1:${45000 + i}`,
      peer: '127.0.0.1:3306',
      state: 'ESTAB',
      process: 'nginx',
      pid: 1188,
      fd: 4000 + i,
    });
  g.sockets.push(...out);
  g.connections = [
    { count: 11_000, localPort: 443, state: 'ESTAB', process: 'nginx', pid: 1188 },
    { count: 1_500, localPort: 80, state: 'ESTAB', process: 'nginx', pid: 1188 },
    { count: 4_000, localPort: 443, state: 'TIME-WAIT' },
  ];
  return world;
}

/** The world's snapshot with probe answers, and the usual intents; the TIME-WAIT count tops sockets up to 20,000. */
export function bigSnapshot(): { snapshot: Snapshot; intents: Intent[]; world: World } {
  const world = bigWorld();
  const inst = world.instances.find((i) => i.id === world.target)!;
  // The production collection lists at most 2,000 connected sockets (state counts stay exact); asked for all of
  // them, the simulated guest prints them all, as `ss` would.
  const script = buildCollectScript({ connectionCap: SOCKETS });
  const guestFacts = () =>
    parseCollection(execGuestCommand(world, inst.id, script, NOW).stdout, { at: NOW, via: 'ssh' });
  const snapshot = worldSnapshot(world, inst.id, NOW);
  const have = guestFacts().sockets.value?.length ?? 0;
  const tw = inst.guest!.connections!.find((c) => c.state === 'TIME-WAIT')!;
  tw.count += SOCKETS - have;
  snapshot.guest = guestFacts();
  const pub = snapshot.target.addresses[0];
  const tcp = [22, 80, 443].map(
    (port) => answerProbe(world, { kind: 'tcp', host: pub, port }, NOW) as TcpProbe,
  );
  const ping = answerProbe(world, { kind: 'ping', host: pub }, NOW) as PingProbe;
  const probes: ProbeFacts = {
    tcp: fact('probe:tcp', NOW, tcp, 30),
    ping: fact('probe:ping', NOW, [ping], 30),
    dns: fact('probe:dns', NOW, [], 0),
  };
  snapshot.probes = probes;
  // What a healthy collection reports (diagnose reads only ok and error from these).
  snapshot.sources = [
    { name: 'cloud', ok: true, ms: 420, at: NOW, calls: 24 },
    { name: 'guest:ssh', ok: true, ms: 180, at: NOW },
    { name: 'probes', ok: true, ms: 60, at: NOW },
  ];
  const intents = defaultIntents(snapshot, { me: world.operator.ip }, world.intents ?? []);
  return { snapshot, intents, world };
}

/** What the snapshot holds, counted from the snapshot itself (not from what was asked for). */
export function sizeOf(s: Snapshot): Record<string, number> {
  const groups = s.cloud?.securityGroups.value ?? [];
  const fw = s.guest?.firewall.value?.ipv4;
  let ipt = 0;
  for (const t of Object.values(fw?.tables ?? {}))
    for (const c of Object.values(t.chains)) ipt += c.rules.length;
  return {
    sgRules: groups.reduce((n, g) => n + g.rules.length, 0),
    groups: groups.length,
    routes: (s.cloud?.routeTables.value ?? []).reduce((n, t) => n + t.entries.length, 0),
    aclEntries:
      (s.cloud?.networkAcl.value?.ingress.length ?? 0) + (s.cloud?.networkAcl.value?.egress.length ?? 0),
    sockets: s.guest?.sockets.value?.length ?? 0,
    iptablesRules: ipt,
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Wall and CPU ms of one call. */
function timeOnce(fn: () => void): { wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  fn();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return { wall, cpu: (d.user + d.system) / 1000 };
}

/** The cold first diagnose, in a fresh process (nothing compiled yet), as JSON on stdout. */
function coldInChild(): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--cold'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
    });
    let out = '';
    child.stdout.on('data', (b) => {
      out += String(b);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`the cold run exited ${code} without a timing (${line.slice(0, 200)})`));
      }
    });
  });
}

export const benchDiagnose: BenchFn = async () => {
  const { snapshot, intents } = bigSnapshot();
  const size = sizeOf(snapshot);
  // Every run gets a snapshot of its own, as every refresh does: nothing compiled for one snapshot's objects
  // (iptables matchers are cached per rule object) may serve the next. Copies are made outside the timing.
  let verdict = diagnose(structuredClone(snapshot), intents);
  for (let i = 1; i < WARMUP; i++) verdict = diagnose(structuredClone(snapshot), intents);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const copy = structuredClone(snapshot);
    const t = timeOnce(() => {
      verdict = diagnose(copy, intents);
    });
    wall.push(t.wall);
    cpu.push(t.cpu);
  }
  const cold = await coldInChild();
  const med = quantile(wall, 0.5);
  const p95 = quantile(wall, 0.95);
  const what = `${size.sgRules} SG rules in ${size.groups} groups, ${size.routes} routes, ${size.aclEntries} ACL entries, ${size.sockets} sockets, ${size.iptablesRules} iptables rules; ${intents.length} intents, ${verdict.findings.length} findings`;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const rows: BenchRow[] = [
    {
      name: 'diagnose: big snapshot, warm median',
      value: round(med),
      unit: 'ms',
      budget: BUDGET_MS,
      pass: med < BUDGET_MS,
      note: `${what}; median of ${RUNS} after ${WARMUP} warm-up runs, each on its own copy of the snapshot (as every refresh brings new objects); CPU median ${round(quantile(cpu, 0.5))} ms; load ${load}`,
    },
    {
      name: 'diagnose: big snapshot, warm p95',
      value: round(p95),
      unit: 'ms',
      budget: BUDGET_MS,
      pass: p95 < BUDGET_MS,
      note: `p95 of the same ${RUNS} runs (CPU p95 ${round(quantile(cpu, 0.95))} ms)`,
    },
    {
      name: 'diagnose: big snapshot, cold first run',
      value: round(cold.wall),
      unit: 'ms',
      pass: true,
      note: `first call in a fresh process (JIT cold, CPU ${round(cold.cpu)} ms): what one \`check\` pays; reported, not budgeted`,
    },
  ];
  return rows;
};

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
  const args = process.argv.slice(2);
  if (args[0] === '--cold') {
    const { snapshot, intents } = bigSnapshot();
    process.stdout.write(`${JSON.stringify(timeOnce(() => diagnose(snapshot, intents)))}\n`);
  } else if (args[0] === '--profile') {
    const { snapshot, intents } = bigSnapshot();
    const n = Number(args[1] ?? 50);
    let ms = 0;
    for (let i = 0; i < n; i++) {
      const copy = structuredClone(snapshot);
      const t = performance.now();
      diagnose(copy, intents);
      ms += performance.now() - t;
    }
    process.stdout.write(`${n} runs, ${(ms / n).toFixed(1)} ms each\n`);
  } else {
    for (const r of await benchDiagnose()) console.log(`${r.name}: ${r.value} ${r.unit} — ${r.note ?? ''}`);
  }
}
