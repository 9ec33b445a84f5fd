/**
 * SSH failures turned into stable codes with messages an operator can act on. Pure: the inputs are the
 * error objects Node and ssh2 produce, and what we knew when they happened. Never includes a secret.
 */
import type { SourceError } from '../../model/index.js';
import { type HostKeyCheck, keyscanType, keyTypeLabel } from './known-hosts.js';

export type SshErrorCode =
  | 'CONNECT_TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'HOST_UNREACHABLE'
  | 'HOST_NOT_FOUND'
  | 'CONNECTION_RESET'
  | 'CONNECTION_LOST'
  | 'AUTH_FAILED'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_REVOKED'
  | 'KEY_PASSPHRASE_NEEDED'
  | 'KEY_PASSPHRASE_WRONG'
  | 'KEY_UNREADABLE'
  | 'PROXY_JUMP_FAILED'
  | 'SSH_PROTOCOL_ERROR';

export interface ConnectContext {
  /** `root@198.18.0.2:22` as shown to the operator. */
  endpoint: string;
  timeoutMs?: number;
  /** Handshake phase: 'tcp' (connecting), 'ssh' (key exchange / auth), 'session' (after login). */
  phase?: 'tcp' | 'ssh' | 'session';
}

function err(code: SshErrorCode, message: string, hint?: string): SourceError {
  return hint ? { code, message, hint } : { code, message };
}

/** Maps a Node socket error or an ssh2 client error to a stable SourceError. */
export function mapConnectError(e: unknown, ctx: ConnectContext): SourceError {
  const x = e as { code?: string | number; level?: string; message?: string } | undefined;
  const code = x?.code;
  const msg = String(x?.message ?? e);
  const ep = ctx.endpoint;
  const secs = ctx.timeoutMs ? `${Math.round(ctx.timeoutMs / 100) / 10} s` : 'the timeout';
  if (code === 'ETIMEDOUT' || x?.level === 'client-timeout' || /timed out/i.test(msg))
    return err(
      'CONNECT_TIMEOUT',
      ctx.phase === 'ssh'
        ? `SSH to ${ep}: the server accepted TCP but did not complete the SSH handshake within ${secs}.`
        : `SSH to ${ep}: no answer within ${secs}.`,
      'Packets are being dropped on the way (security group, network ACL, guest firewall) or the address is wrong. ' +
        'The cloud and guest panels show which hop; Cloud Assistant can reach the guest without SSH.',
    );
  if (code === 'ECONNREFUSED')
    return err(
      'CONNECTION_REFUSED',
      `SSH to ${ep}: connection refused.`,
      'The host is reachable but nothing listens on that port (sshd stopped, or listening elsewhere), or a ' +
        'firewall REJECTs it. Check sshd with Cloud Assistant (`systemctl status sshd`).',
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'EADDRNOTAVAIL')
    return err(
      'HOST_UNREACHABLE',
      `SSH to ${ep}: host unreachable (${code}).`,
      'No route from this machine to that address: check the address, your own network/VPN, and that the ' +
        'instance has a public address or EIP if you connect over the internet.',
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return err(
      'HOST_NOT_FOUND',
      `SSH to ${ep}: the host name does not resolve (${code}).`,
      'Check the name (or the HostName in ~/.ssh/config), or connect by IP address.',
    );
  if (code === 'ECONNRESET' || code === 'EPIPE' || /before handshake|Connection lost/i.test(msg))
    return err(
      ctx.phase === 'session' ? 'CONNECTION_LOST' : 'CONNECTION_RESET',
      ctx.phase === 'session'
        ? `SSH to ${ep}: the connection dropped.`
        : `SSH to ${ep}: the server closed the connection during the handshake.`,
      'sshd may have refused this client (MaxStartups, tcp wrappers in hosts.deny, fail2ban), or a middlebox ' +
        'reset it. The guest panel (via Cloud Assistant) shows hosts.deny and sshd state.',
    );
  // ssh2 reports an SSH DISCONNECT by its reason code (numeric) or name.
  if (code === 7 || code === 'SERVICE_NOT_AVAILABLE' || /SERVICE_NOT_AVAILABLE/.test(msg))
    return err(
      'CONNECTION_REFUSED',
      `SSH to ${ep}: the server refused the session (service not available).`,
      'sshd on the guest is not serving logins right now. Use Cloud Assistant to look inside.',
    );
  if (x?.level === 'client-authentication' || /authentication methods failed/i.test(msg))
    return err('AUTH_FAILED', `SSH to ${ep}: authentication failed.`);
  if (x?.level === 'handshake' || /handshake failed|no matching/i.test(msg))
    return err(
      'SSH_PROTOCOL_ERROR',
      `SSH to ${ep}: the SSH handshake failed (${msg}).`,
      'The server and netdoctor share no key exchange, cipher or host key algorithm. Check sshd_config ' +
        '(KexAlgorithms, HostKeyAlgorithms) or connect with the OpenSSH client to compare.',
    );
  return err(
    ctx.phase === 'session' ? 'CONNECTION_LOST' : 'CONNECTION_RESET',
    `SSH to ${ep} failed: ${msg}`,
    'Try `ssh -v` with the same target to see where it stops.',
  );
}

export interface AuthAttempt {
  method: 'agent' | 'publickey' | 'password';
  /** Key file for publickey; the agent socket for agent. */
  detail?: string;
  outcome: 'rejected' | 'skipped-no-passphrase' | 'wrong-passphrase' | 'unreadable' | 'no-keys';
}

/** The final authentication failure: says which methods were tried and what the server would accept. */
export function authFailedError(
  endpoint: string,
  user: string,
  attempts: AuthAttempt[],
  serverMethods: string[] | undefined,
): SourceError {
  const wrong = attempts.find((a) => a.outcome === 'wrong-passphrase');
  const needed = attempts.find((a) => a.outcome === 'skipped-no-passphrase');
  const tried = attempts.map((a) => {
    const d = a.detail ? ` ${a.detail}` : '';
    const o =
      a.outcome === 'rejected'
        ? ''
        : a.outcome === 'no-keys'
          ? ' (agent holds no keys)'
          : a.outcome === 'unreadable'
            ? ' (could not read the key)'
            : a.outcome === 'wrong-passphrase'
              ? ' (wrong passphrase)'
              : ' (encrypted, no passphrase given)';
    return `${a.method}${d}${o}`;
  });
  const triedText = tried.length ? tried.join('; ') : 'nothing (no agent, no key file, no password)';
  const server = serverMethods?.length ? ` The server accepts: ${serverMethods.join(', ')}.` : '';
  if (wrong && !attempts.some((a) => a.outcome === 'rejected'))
    return {
      code: 'KEY_PASSPHRASE_WRONG',
      message: `SSH to ${endpoint}: the passphrase for ${wrong.detail} is wrong, and no other method worked.`,
      hint: `Tried: ${triedText}.${server} Enter the passphrase again, or load the key into ssh-agent (\`ssh-add ${wrong.detail}\`).`,
    };
  if (needed && !attempts.some((a) => a.outcome === 'rejected'))
    return {
      code: 'KEY_PASSPHRASE_NEEDED',
      message: `SSH to ${endpoint}: ${needed.detail} is encrypted and no passphrase was given.`,
      hint: `Tried: ${triedText}.${server} Run interactively to be asked for it, or load the key into ssh-agent (\`ssh-add ${needed.detail}\`).`,
    };
  return {
    code: 'AUTH_FAILED',
    message: `SSH to ${endpoint}: the server rejected every login method for user ${user}.`,
    hint:
      `Tried: ${triedText}.${server} Check the user name (root, ecs-user, ubuntu…), that your public key is in ` +
      `~${user}/.ssh/authorized_keys on the guest, or reset the key pair in the ECS console; Cloud Assistant does not need SSH.`,
  };
}

export interface HostKeyContext {
  /** The name checked (`host` or `[host]:port`). */
  name: string;
  host: string;
  port: number;
  keyType: string;
  /** The file a newly accepted key is appended to. */
  knownHostsFile: string;
  /** Which hop this is, for ProxyJump (`jump host 198.18.0.6`). */
  role?: string;
}

/** The refusal for a host key that did not verify. Unknown shows the fingerprint and exactly how to accept it. */
export function hostKeyError(check: HostKeyCheck, ctx: HostKeyContext): SourceError {
  const label = keyTypeLabel(ctx.keyType);
  const who = ctx.role ? `${ctx.role} ${ctx.name}` : ctx.name;
  if (check.status === 'changed') {
    const old = check.conflicts[0];
    return {
      code: 'HOST_KEY_CHANGED',
      message:
        `REFUSED: the ${label} host key of ${who} has CHANGED since it was recorded in ${old.file} line ${old.line}. ` +
        'Someone could be intercepting the connection (man-in-the-middle), or the server was rebuilt.',
      hint:
        `The server now presents ${label} ${check.fingerprint}. Verify it out of band (on the server: ` +
        `\`ssh-keygen -lf /etc/ssh/ssh_host_${keyscanType(ctx.keyType)}_key.pub\`, e.g. through Cloud Assistant or the ` +
        `VNC console). Only if it matches, remove the old entry: \`ssh-keygen -R '${ctx.name}' -f ${old.file}\`, then connect again.`,
    };
  }
  if (check.status === 'revoked') {
    return {
      code: 'HOST_KEY_REVOKED',
      message: `REFUSED: the ${label} host key of ${who} (${check.fingerprint}) is marked @revoked in ${check.match?.file} line ${check.match?.line}.`,
      hint: 'The server is using a key you have revoked. Do not connect until its keys are regenerated and verified.',
    };
  }
  const port = ctx.port === 22 ? '' : ` -p ${ctx.port}`;
  const other = check.otherTypes.length
    ? ` Keys of another type (${check.otherTypes.map(keyTypeLabel).join(', ')}) are on file for this host, but the server did not offer them.`
    : '';
  const ca = check.certAuthority
    ? ' A @cert-authority line covers this host, but host certificates are not verified by netdoctor.'
    : '';
  return {
    code: 'HOST_KEY_UNKNOWN',
    message: `The authenticity of ${who} can't be established: ${label} key fingerprint is ${check.fingerprint}. Not connecting.${other}${ca}`,
    hint:
      `Compare the fingerprint with the server's (\`ssh-keygen -lf /etc/ssh/ssh_host_${keyscanType(ctx.keyType)}_key.pub\` on it). ` +
      `If it matches, accept it with \`ssh-keyscan -t ${keyscanType(ctx.keyType)}${port} ${ctx.host} >> ${ctx.knownHostsFile}\` ` +
      '(check the scanned key with `ssh-keygen -lf -` first) or run again with --accept-new-host-key.',
  };
}

/** A pinned key (the simulator advertises its own) that the server did not present. */
export function pinMismatchError(endpoint: string, expected: string, presented: string): SourceError {
  return {
    code: 'HOST_KEY_CHANGED',
    message: `REFUSED: ${endpoint} presented host key ${presented}, not the pinned ${expected}.`,
    hint: 'The server is not the one that was advertised. Do not connect; restart the simulator or check the address.',
  };
}

export function proxyJumpError(hop: string, target: string, reason: string): SourceError {
  return {
    code: 'PROXY_JUMP_FAILED',
    message: `ProxyJump: ${hop} could not open a connection to ${target}: ${reason}.`,
    hint:
      `The jump host is reachable but cannot reach ${target}: check that address from the jump host ` +
      `(\`ssh ${hop} nc -vz ${target.replace(/:(\d+)$/, ' $1')}\`), and that AllowTcpForwarding is on in its sshd_config.`,
  };
}
