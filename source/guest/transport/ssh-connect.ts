/**
 * Establishing an SSH session: TCP (or a channel forwarded through the previous hop for ProxyJump), key
 * exchange with the host key verified against known_hosts or a pin before anything else is sent, then
 * authentication. Every failure becomes a TransportError with a stable code.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ClientChannel } from 'ssh2';
import type { SourceError } from '../../model/index.js';
import {
  fingerprintSha256,
  type HostKey,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  parsePublicKey,
  verifyHostKey,
} from './known-hosts.js';
import { appendKnownHost, loadKnownHosts } from './known-hosts-file.js';
import { type AskPassphrase, makeAuth } from './ssh-auth.js';
import {
  authFailedError,
  hostKeyError,
  mapConnectError,
  pinMismatchError,
  proxyJumpError,
} from './ssh-errors.js';
import { describeHop, type HopPlan } from './ssh-plan.js';
import { TransportError } from './types.js';

/** ssh2's own preference order; known key types are moved to the front (as OpenSSH orders by known_hosts). */
const HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export function hostKeyAlgorithms(preferredTypes: string[]): string[] {
  const first: string[] = [];
  for (const t of preferredTypes) {
    if (t === 'ssh-rsa') first.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (HOST_KEY_ALGOS.includes(t)) first.push(t);
  }
  return [...new Set([...first, ...HOST_KEY_ALGOS])];
}

export interface HandshakeOptions {
  password?: string;
  askPassphrase?: AskPassphrase;
  acceptNewHostKey?: boolean;
  /** Trust exactly this key (OpenSSH public key text); known_hosts is not consulted. */
  hostKeyPin?: string;
  /** Called when a new host key was appended to known_hosts (for the UI to say so). */
  onHostKeyAccepted?: (info: { file: string; name: string; fingerprint: string }) => void;
}

function fail(error: SourceError): TransportError {
  return new TransportError(error, 'ssh');
}

/** Opens the TCP connection to the first hop, mapping socket errors and the connect timeout. */
export function openTcp(hop: HopPlan): Promise<Socket> {
  const ep = describeHop(hop);
  const where = hop.role === 'target' ? ep : `jump host ${ep}`;
  return new Promise((resolve, reject) => {
    let sock: Socket;
    try {
      sock = tcpConnect({ host: hop.host, port: hop.port });
    } catch (e) {
      reject(fail(mapConnectError(e, { endpoint: where, phase: 'tcp' })));
      return;
    }
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        fail(
          mapConnectError({ code: 'ETIMEDOUT' }, { endpoint: where, timeoutMs: hop.timeoutMs, phase: 'tcp' }),
        ),
      );
    }, hop.timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.setNoDelay(true);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(fail(mapConnectError(e, { endpoint: where, timeoutMs: hop.timeoutMs, phase: 'tcp' })));
    });
  });
}

/** A direct-tcpip channel from `via` to the next hop (ProxyJump), failures named PROXY_JUMP_FAILED. */
export function forwardThrough(via: Client, viaHop: HopPlan, next: HopPlan): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(fail(proxyJumpError(describeHop(viaHop), `${next.host}:${next.port}`, 'no answer in time'))),
      next.timeoutMs,
    );
    via.forwardOut('127.0.0.1', 0, next.host, next.port, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(fail(proxyJumpError(describeHop(viaHop), `${next.host}:${next.port}`, err.message)));
      else resolve(stream);
    });
  });
}

/**
 * Runs the SSH handshake over `sock` for `hop`: host key check first (refusing unknown/changed/revoked keys
 * unless policy says to accept a new one), then authentication. Resolves with the ready client.
 */
export function handshake(sock: Duplex, hop: HopPlan, opts: HandshakeOptions): Promise<Client> {
  const ep = describeHop(hop);
  const where = hop.role === 'target' ? ep : `jump host ${ep}`;
  const name = knownHostName(hop.hostKeyAlias ?? hop.host, hop.hostKeyAlias ? 22 : hop.port);
  const pin: HostKey | undefined = opts.hostKeyPin ? parsePublicKey(opts.hostKeyPin) : undefined;
  if (opts.hostKeyPin && !pin)
    return Promise.reject(
      fail({
        code: 'HOST_KEY_CHANGED',
        message: 'The pinned host key is not an OpenSSH public key; not connecting.',
      }),
    );
  let prompting = 0;
  let hostKeyFailure: SourceError | undefined;
  let phaseSsh = false;
  let timer: NodeJS.Timeout | undefined;
  let settle: ((e?: SourceError) => void) | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      if (prompting > 0) return arm();
      settle?.(
        mapConnectError({ code: 'ETIMEDOUT' }, { endpoint: where, timeoutMs: hop.timeoutMs, phase: 'ssh' }),
      );
    }, hop.timeoutMs);
  };

  const known = pin ? undefined : loadKnownHosts(hop.knownHostsFiles);
  const preferred = pin ? [pin.type] : knownKeyTypes(known!.entries, name);
  const auth = makeAuth({
    user: hop.user,
    agentPath: hop.agentPath,
    identityFiles: hop.identityFiles,
    identityFilesExplicit: hop.identityFilesExplicit,
    identitiesOnly: hop.identitiesOnly,
    password: hop.role === 'target' ? opts.password : undefined,
    askPassphrase: opts.askPassphrase
      ? async (file, info) => {
          // A human may take a while to type; the handshake clock stops meanwhile.
          prompting++;
          try {
            return await opts.askPassphrase!(file, info);
          } finally {
            prompting--;
            arm();
          }
        }
      : undefined,
  });

  /** The host key decision; a refusal leaves its reason in hostKeyFailure. */
  const decide = (blob: Buffer): boolean => {
    phaseSsh = true;
    const key: HostKey = { type: keyTypeOfBlob(blob), blob };
    if (pin) {
      if (pin.blob.equals(blob)) return true;
      hostKeyFailure = pinMismatchError(where, fingerprintSha256(pin.blob), fingerprintSha256(blob));
      return false;
    }
    const check = verifyHostKey(known!.entries, name, key);
    if (check.status === 'ok') return true;
    const acceptNew = opts.acceptNewHostKey || hop.strict === 'accept-new' || hop.strict === 'no';
    if (check.status === 'unknown' && acceptNew) {
      try {
        appendKnownHost(hop.appendFile, name, key, { hash: hop.hashKnownHosts });
        opts.onHostKeyAccepted?.({ file: hop.appendFile, name, fingerprint: check.fingerprint });
        return true;
      } catch (e) {
        hostKeyFailure = {
          code: 'HOST_KEY_UNKNOWN',
          message: `Could not record the host key of ${where} in ${hop.appendFile}: ${(e as Error).message}. Not connecting.`,
          hint: 'Check that the known_hosts file and its directory are writable, or pass --known-hosts FILE.',
        };
        return false;
      }
    }
    hostKeyFailure = hostKeyError(check, {
      name,
      host: hop.hostKeyAlias ?? hop.host,
      port: hop.hostKeyAlias ? 22 : hop.port,
      keyType: key.type,
      knownHostsFile: hop.appendFile,
      role: hop.role === 'target' ? undefined : 'jump host',
    });
    return false;
  };
  const verify = (blob: Buffer, done: (ok: boolean) => void): void => done(decide(blob));

  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let done = false;
    settle = (e) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (e) {
        client.removeAllListeners('ready');
        client.on('error', () => {});
        client.end();
        sock.destroy();
        reject(fail(e));
      } else resolve(client);
    };
    client.on('ready', () => settle?.());
    client.on('error', (e: Error & { level?: string }) => {
      // Agent trouble and a key that cannot sign are not fatal: ssh2 goes on with the next method.
      if (e.level === 'agent') return;
      if (e.level === 'client-authentication' && !/authentication methods failed/i.test(e.message)) return;
      if (hostKeyFailure) return settle?.(hostKeyFailure);
      if (e.level === 'client-authentication')
        return settle?.(authFailedError(where, hop.user, auth.attempts, auth.serverMethods()));
      settle?.(
        mapConnectError(e, { endpoint: where, timeoutMs: hop.timeoutMs, phase: phaseSsh ? 'ssh' : 'tcp' }),
      );
    });
    client.on('close', () => {
      if (hostKeyFailure) return settle?.(hostKeyFailure);
      settle?.(mapConnectError({ code: 'ECONNRESET' }, { endpoint: where, phase: 'ssh' }));
    });
    arm();
    client.connect({
      sock: sock as never,
      host: hop.host,
      port: hop.port,
      username: hop.user,
      hostVerifier: verify,
      authHandler: auth.handler,
      readyTimeout: 0,
      keepaliveInterval: hop.keepaliveMs,
      keepaliveCountMax: hop.keepaliveCountMax,
      algorithms: { serverHostKey: hostKeyAlgorithms(preferred) as never },
    });
  });
}

export interface Chain {
  /** The session to the target. */
  client: Client;
  /** Jump sessions, outermost first (closed after the target's). */
  jumps: Client[];
}

/** Connects hop by hop; on any failure, everything opened so far is closed. */
export async function connectChain(hops: HopPlan[], opts: HandshakeOptions): Promise<Chain> {
  const opened: Client[] = [];
  try {
    let sock: Duplex = await openTcp(hops[0]);
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i];
      if (i > 0) sock = await forwardThrough(opened[i - 1], hops[i - 1], hop);
      const last = i === hops.length - 1;
      opened.push(
        await handshake(sock, hop, last ? opts : { ...opts, hostKeyPin: undefined, password: undefined }),
      );
    }
    const client = opened.pop()!;
    return { client, jumps: opened };
  } catch (e) {
    for (const c of opened.reverse()) c.end();
    throw e;
  }
}
