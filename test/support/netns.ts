/**
 * Host-tier test hosts: a network namespace joined to the root namespace by a veth pair, addressed in
 * 198.18.0.0/15 (RFC 2544 benchmarking space, never routed on the internet). Each host gets a /30:
 * root side .1, namespace side .2. `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc, which is how
 * a host gets its own resolv.conf, hosts.allow and hosts.deny.
 *
 * Allocation is an atomic mkdir under /tmp/nd-netns, so parallel test workers never collide; a slot whose
 * owner died is reclaimed (its namespace deleted) by the next allocation.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ALLOC_DIR = '/tmp/nd-netns';
const MAX_SLOTS = 4096;

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface NsHost {
  /** Namespace name (`nd<slot>`). */
  name: string;
  /** The host's own address inside the namespace. */
  ip: string;
  /** The root namespace's address on the link (the host's default gateway). */
  peerIp: string;
  /** Interface name inside the namespace. */
  dev: string;
  /** /etc/netns/NAME: files here shadow /etc inside `ip netns exec`. */
  etcDir: string;
  /** A scratch directory for the test (keys, configs). */
  tmp: string;
  /** Run a shell command inside the namespace. Never throws on a non-zero exit. */
  sh(script: string, timeoutMs?: number): Promise<ExecResult>;
  /** Start a long-running process inside the namespace; it is killed by close(). */
  spawn(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv }): ChildProcess;
  /** Write a file under /etc/netns/NAME (e.g. `resolv.conf`, `hosts.deny`). */
  etc(file: string, content: string): Promise<void>;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sh(script: string, timeoutMs = 20_000): Promise<ExecResult> {
  return exec('sh', ['-c', script], timeoutMs);
}

async function exec(cmd: string, args: string[], timeoutMs = 20_000): Promise<ExecResult> {
  try {
    const r = await run(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e: any) {
    return {
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(e),
      code: typeof e.code === 'number' ? e.code : 1,
    };
  }
}

async function teardownSlot(slot: number): Promise<void> {
  const name = `nd${slot}`;
  await sh(
    `ip netns pids ${name} 2>/dev/null | xargs -r kill -9; ip netns del ${name} 2>/dev/null; ip link del ndh${slot} 2>/dev/null; rm -rf /etc/netns/${name}`,
  );
}

async function allocate(): Promise<number> {
  mkdirSync(ALLOC_DIR, { recursive: true });
  const start = (process.pid * 7) % MAX_SLOTS;
  for (let i = 0; i < MAX_SLOTS; i++) {
    const slot = (start + i) % MAX_SLOTS;
    const dir = join(ALLOC_DIR, String(slot));
    try {
      mkdirSync(dir);
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {}
      if (owner && !alive(owner)) {
        await teardownSlot(slot);
        rmSync(dir, { recursive: true, force: true });
        i--; // retry the same slot
      }
      continue;
    }
    writeFileSync(join(dir, 'pid'), String(process.pid));
    return slot;
  }
  throw new Error('no free netns slot under /tmp/nd-netns');
}

function slotAddresses(slot: number): { peerIp: string; ip: string } {
  // 198.18.0.0/15 = 131072 addresses = 32768 /30s; slot < 4096.
  const base = slot * 4;
  const o3 = (base >> 8) & 0xff;
  const o2 = 18 + (base >> 16);
  const o4 = base & 0xff;
  return { peerIp: `198.${o2}.${o3}.${o4 + 1}`, ip: `198.${o2}.${o3}.${o4 + 2}` };
}

/** Creates a namespace host with lo up, eth0 addressed and a default route via the root namespace. */
export async function createNsHost(): Promise<NsHost> {
  const slot = await allocate();
  const name = `nd${slot}`;
  const { peerIp, ip } = slotAddresses(slot);
  const hostDev = `ndh${slot}`;
  const nsDev = `ndn${slot}`;
  await teardownSlot(slot);
  const setup = [
    `ip netns add ${name}`,
    `ip link add ${hostDev} type veth peer name ${nsDev}`,
    `ip link set ${nsDev} netns ${name}`,
    `ip netns exec ${name} ip link set ${nsDev} name eth0`,
    `ip addr add ${peerIp}/30 dev ${hostDev}`,
    `ip link set ${hostDev} up`,
    `ip netns exec ${name} ip link set lo up`,
    `ip netns exec ${name} ip addr add ${ip}/30 dev eth0`,
    `ip netns exec ${name} ip link set eth0 up`,
    `ip netns exec ${name} ip route add default via ${peerIp}`,
  ].join(' && ');
  const r = await sh(setup);
  if (r.code !== 0) {
    await teardownSlot(slot);
    rmSync(join(ALLOC_DIR, String(slot)), { recursive: true, force: true });
    throw new Error(`netns setup failed: ${r.stderr.trim()}`);
  }
  const etcDir = `/etc/netns/${name}`;
  mkdirSync(etcDir, { recursive: true });
  const tmp = await mkdtemp(join(tmpdir(), `${name}-`));
  const children: ChildProcess[] = [];
  const host: NsHost = {
    name,
    ip,
    peerIp,
    dev: 'eth0',
    etcDir,
    tmp,
    sh: (script, timeoutMs) => exec('ip', ['netns', 'exec', name, 'sh', '-c', script], timeoutMs),
    spawn(cmd, args, opts) {
      const child = spawn('ip', ['netns', 'exec', name, cmd, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: opts?.env ?? process.env,
      });
      children.push(child);
      return child;
    },
    etc: (file, content) => writeFile(join(etcDir, file), content),
    async close() {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await teardownSlot(slot);
      rmSync(tmp, { recursive: true, force: true });
      rmSync(join(ALLOC_DIR, String(slot)), { recursive: true, force: true });
    },
  };
  return host;
}

export interface Sshd {
  port: number;
  hostKeyPub: string;
  /** Private key the test logs in with; its public half is authorised for root. */
  clientKey: string;
  clientKeyPub: string;
  /** A known_hosts file that trusts this sshd at host.ip:port. */
  knownHosts: string;
  stop(): void;
}

/** Starts OpenSSH's sshd inside the namespace (root login by key only), waits until it accepts connections. */
export async function startSshd(host: NsHost, port = 22, extraConfig = ''): Promise<Sshd> {
  const d = host.tmp;
  const hostKey = join(d, 'ssh_host_ed25519_key');
  const clientKey = join(d, 'id_ed25519');
  if (!existsSync(hostKey)) await sh(`ssh-keygen -q -t ed25519 -N '' -f ${hostKey}`);
  if (!existsSync(clientKey)) await sh(`ssh-keygen -q -t ed25519 -N '' -C nd-test -f ${clientKey}`);
  const clientKeyPub = readFileSync(`${clientKey}.pub`, 'utf8');
  writeFileSync(join(d, 'authorized_keys'), clientKeyPub, { mode: 0o600 });
  mkdirSync('/run/sshd', { recursive: true });
  const cfg = join(d, 'sshd_config');
  writeFileSync(
    cfg,
    [
      `Port ${port}`,
      `ListenAddress ${host.ip}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(d, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PidFile none',
      'LogLevel ERROR',
      'Subsystem sftp internal-sftp',
      extraConfig,
    ].join('\n'),
  );
  const child = host.spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg]);
  let stderr = '';
  child.stderr?.on('data', (b) => (stderr += b));
  const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').trim();
  const [type, key] = hostKeyPub.split(/\s+/);
  const knownHosts = join(d, 'known_hosts');
  writeFileSync(knownHosts, `${port === 22 ? host.ip : `[${host.ip}]:${port}`} ${type} ${key}\n`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await sh(`timeout 1 bash -c 'exec 3<>/dev/tcp/${host.ip}/${port}' 2>&1`);
    if (probe.code === 0) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`sshd did not start: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    hostKeyPub,
    clientKey,
    clientKeyPub,
    knownHosts,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
