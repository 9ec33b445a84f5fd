/**
 * The simulator's SSH server: a real ssh2 `Server` on loopback. Log in as user = an instance id of the world
 * with the per-process password; every `exec` runs against that instance's simulated guest. An instance that
 * is not Running, or whose scenario says SSH is down, refuses the session so clients fall back to Cloud
 * Assistant exactly as they would against a real region.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader does not see all of its named exports, so take them off the default.
const { Server, utils } = ssh2;

import { fingerprintSha256, parsePublicKey } from '../../guest/transport/known-hosts.js';
import { isKillCommand, unwrapRemote } from '../../guest/transport/remote-command.js';
import { execGuestCommand, type GuestExecResult } from '../guest/exec.js';
import type { World } from '../world.js';

export interface SimSshStats {
  /** TCP connections accepted since start. */
  connections: number;
  /** Authentication requests received (a refused host key must leave this at 0). */
  authAttempts: number;
  /** Connections that logged in. */
  logins: number;
  /** exec requests served. */
  commands: number;
  /** Sessions refused because the instance is down or SSH is off in the scenario. */
  refused: number;
}

export interface SimSshServer {
  host: string;
  port: number;
  /** `SHA256:…` fingerprint of the host key, advertised so the client can pin it. */
  hostKeySha256: string;
  /** Host key in OpenSSH public format (`ssh-ed25519 AAAA…`). */
  hostKeyPublic: string;
  /** Per-process login secret; never printed. */
  password: string;
  /** Counters for tests and the bench (one connection per target per refresh). */
  stats(): SimSshStats;
  /** Drops every open connection (as a reboot or a network cut would); clients reconnect on their next command. */
  dropAll(): void;
  close(): Promise<void>;
}

export interface SimSshOptions {
  host?: string;
  port?: number;
  /** Latency per round trip (channel open + exec), ms; default: the world's `faults.sshLatencyMs`. */
  latencyMs?: () => number;
  now?: () => number;
  /** Concurrent sessions allowed per connection (like sshd's MaxSessions); default unlimited. */
  maxSessions?: number;
  /** Runs a command on a guest; default execGuestCommand. */
  exec?: (
    world: World,
    instanceId: string,
    command: string,
    now: number,
  ) => GuestExecResult | Promise<GuestExecResult>;
}

/** One host key and one password per process: stable for every server this process starts. */
let processSecrets: { hostKeyPrivate: string; hostKeyPublic: string; password: string } | undefined;
function secrets(): NonNullable<typeof processSecrets> {
  if (!processSecrets) {
    const kp = utils.generateKeyPairSync('ed25519', { comment: 'netdoctor-sim' });
    processSecrets = {
      hostKeyPrivate: kp.private,
      hostKeyPublic: kp.public.split(/\s+/).slice(0, 2).join(' '),
      password: randomBytes(18).toString('base64url'),
    };
  }
  return processSecrets;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** SSH_DISCONNECT_SERVICE_NOT_AVAILABLE (RFC 4253 §11.1): the client maps it to CONNECTION_REFUSED. */
const DISCONNECT_SERVICE_NOT_AVAILABLE = 7;

function refuse(conn: Connection): void {
  // ssh2's public end() sends BY_APPLICATION, which clients treat as a normal close; send the reason instead.
  const proto = (conn as unknown as { _protocol?: { disconnect(reason: number): void } })._protocol;
  try {
    proto?.disconnect(DISCONNECT_SERVICE_NOT_AVAILABLE);
  } catch {}
  conn.end();
}

export async function startSimSsh(world: World, opts: SimSshOptions = {}): Promise<SimSshServer> {
  const s = secrets();
  const now = opts.now ?? Date.now;
  const latency = opts.latencyMs ?? (() => world.faults?.sshLatencyMs ?? 0);
  const exec = opts.exec ?? execGuestCommand;
  const stats: SimSshStats = { connections: 0, authAttempts: 0, logins: 0, commands: 0, refused: 0 };
  const conns = new Set<Connection>();

  const server = new Server(
    { hostKeys: [s.hostKeyPrivate], ident: 'OpenSSH_9.2p1 netdoctor-sim' },
    (conn) => {
      stats.connections++;
      conns.add(conn);
      let instanceId: string | undefined;
      let sessions = 0;
      conn.on('close', () => conns.delete(conn));
      conn.on('error', () => {});
      conn.on('authentication', (ctx) => {
        stats.authAttempts++;
        if (ctx.method !== 'password') return ctx.reject(['password']);
        const inst = world.instances.find((i) => i.id === ctx.username);
        if (!inst || !sameSecret(ctx.password, s.password)) return ctx.reject(['password']);
        if (inst.status !== 'Running' || inst.sshUp === false) {
          stats.refused++;
          return refuse(conn);
        }
        instanceId = inst.id;
        ctx.accept();
      });
      conn.on('ready', () => {
        stats.logins++;
        conn.on('session', (accept, reject) => {
          if (opts.maxSessions !== undefined && sessions >= opts.maxSessions) return reject();
          sessions++;
          const session = accept();
          let closedSession = false;
          const done = () => {
            if (closedSession) return;
            closedSession = true;
            sessions--;
          };
          session.on('close', done);
          session.on('env', (acceptEnv) => acceptEnv?.());
          session.on('pty', (_a, rejectPty) => rejectPty?.());
          session.on('shell', (_a, rejectShell) => rejectShell?.());
          session.on('subsystem', (_a, rejectSub) => rejectSub?.());
          session.on('exec', (acceptExec, _rejectExec, info) => {
            const stream = acceptExec();
            if (isKillCommand(info.command)) {
              // The client ending a timed-out command: closing its channel already cancelled it here.
              stream.exit(0);
              stream.end();
              return;
            }
            stats.commands++;
            const command = unwrapRemote(info.command)?.command ?? info.command;
            let timer: NodeJS.Timeout | undefined;
            let cancelled = false;
            const finish = async () => {
              timer = undefined;
              let r: GuestExecResult;
              try {
                r = await exec(world, instanceId!, command, now());
              } catch (e) {
                r = { stdout: '', stderr: `netdoctor-sim: ${(e as Error).message}\n`, code: 1 };
              }
              if (cancelled) return;
              if (r.stdout) stream.write(r.stdout);
              if (r.stderr) stream.stderr.write(r.stderr);
              stream.exit(r.code);
              stream.end();
            };
            const ms = Math.max(0, latency());
            if (ms > 0) timer = setTimeout(finish, ms);
            else setImmediate(finish);
            session.on('signal', (acceptSig, _r, sig) => {
              acceptSig?.();
              if (!timer) return;
              clearTimeout(timer);
              timer = undefined;
              cancelled = true;
              stream.exit(sig.name);
              stream.end();
            });
            stream.on('close', () => {
              cancelled = true;
              if (timer) clearTimeout(timer);
              timer = undefined;
              done();
            });
          });
        });
      });
    },
  );

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const pub = parsePublicKey(s.hostKeyPublic)!;
  return {
    host,
    port: addr.port,
    hostKeySha256: fingerprintSha256(pub.blob),
    hostKeyPublic: s.hostKeyPublic,
    password: s.password,
    stats: () => ({ ...stats }),
    dropAll() {
      for (const c of conns) {
        const sock = (c as unknown as { _sock?: { destroy(): void } })._sock;
        if (sock) sock.destroy();
        else c.end();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.end();
        server.close(() => resolve());
      }),
  };
}
