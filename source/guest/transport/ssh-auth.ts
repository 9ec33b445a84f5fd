/**
 * Client authentication in OpenSSH's order: ssh-agent, then identity files (asking for the passphrase of an
 * encrypted key through a callback), then a password. Every step is recorded so a final failure can say
 * exactly what was tried. Key material and passphrases stay in this module's closures; nothing is logged.
 */
import { readFileSync } from 'node:fs';
import ssh2, {
  type AuthHandlerMiddleware,
  type BaseAgent,
  type IdentityCallback,
  type ParsedKey,
  type SignCallback,
  type SigningRequestOptions,
} from 'ssh2';
import type { AuthAttempt } from './ssh-errors.js';

// ssh2 is CommonJS: Node's ESM loader does not see all of its named exports, so take them off the default.
const { createAgent, utils } = ssh2;

export type AskPassphrase = (keyFile: string, info: { attempt: number }) => Promise<string | undefined>;

export interface AuthSources {
  user: string;
  /** ssh-agent socket; undefined = no agent. */
  agentPath?: string;
  identityFiles: string[];
  /** True when the files were named explicitly (a missing one is then reported, not skipped silently). */
  identityFilesExplicit: boolean;
  /** Use only agent keys whose public half matches an identity file (ssh_config IdentitiesOnly). */
  identitiesOnly: boolean;
  password?: string;
  askPassphrase?: AskPassphrase;
  /** How many times to ask for a passphrase before giving up on the key (OpenSSH: 3). */
  passphraseTries?: number;
}

export interface AuthState {
  handler: AuthHandlerMiddleware;
  attempts: AuthAttempt[];
  /** What the server said it accepts (after the first failure). */
  serverMethods(): string[] | undefined;
}

function readKey(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Public blobs of the identity files (from `.pub` files, or from unencrypted private keys). */
function identityBlobs(files: string[]): Buffer[] {
  const blobs: Buffer[] = [];
  for (const f of files) {
    for (const candidate of [`${f}.pub`, f]) {
      const data = readKey(candidate);
      if (!data) continue;
      const k = utils.parseKey(data);
      if (k instanceof Error) continue;
      blobs.push(k.getPublicSSH());
      break;
    }
  }
  return blobs;
}

/** An agent view that offers only the listed keys (IdentitiesOnly with an agent, as OpenSSH does). */
class FilteredAgent extends ssh2.BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: BaseAgent<ParsedKey>,
    private readonly allowed: Buffer[],
  ) {
    super();
  }
  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    this.inner.getIdentities((err, keys) => {
      if (err) return cb(err);
      // OpenSSHAgent answers with parsed public keys.
      const parsed = (keys ?? []) as ParsedKey[];
      cb(
        undefined,
        parsed.filter((k) => this.allowed.some((b) => b.equals(k.getPublicSSH()))),
      );
    });
  }
  sign(
    pubKey: ParsedKey,
    data: Buffer,
    options: SigningRequestOptions | SignCallback,
    cb?: SignCallback,
  ): void {
    if (typeof options === 'function') this.inner.sign(pubKey, data, options);
    else this.inner.sign(pubKey, data, options, cb);
  }
}

function agentKeys(agent: BaseAgent<ParsedKey>): Promise<{ count: number; error?: Error }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ count: 0, error: new Error('agent did not answer') }), 3000);
    agent.getIdentities((err, keys) => {
      clearTimeout(timer);
      resolve(err ? { count: 0, error: err } : { count: keys?.length ?? 0 });
    });
  });
}

type Step = { kind: 'agent' } | { kind: 'key'; file: string } | { kind: 'password' };

/** Builds the ssh2 authHandler. Each call of the handler means the previous method (if any) failed. */
export function makeAuth(src: AuthSources): AuthState {
  const attempts: AuthAttempt[] = [];
  const steps: Step[] = [];
  if (src.agentPath) steps.push({ kind: 'agent' });
  for (const f of src.identityFiles) steps.push({ kind: 'key', file: f });
  if (src.password !== undefined) steps.push({ kind: 'password' });
  let serverMethods: string[] | undefined;
  let pending: AuthAttempt | undefined;
  const tries = src.passphraseTries ?? 3;

  async function nextMethod(
    allowed: (m: string) => boolean,
  ): Promise<Parameters<Parameters<AuthHandlerMiddleware>[2]>[0]> {
    for (;;) {
      const step = steps.shift();
      if (!step) return false as never;
      if (step.kind === 'agent') {
        if (!allowed('publickey')) continue;
        let agent = createAgent(src.agentPath!) as BaseAgent<ParsedKey>;
        if (src.identitiesOnly) agent = new FilteredAgent(agent, identityBlobs(src.identityFiles));
        const { count, error } = await agentKeys(agent);
        if (error || count === 0) {
          attempts.push({
            method: 'agent',
            detail: src.agentPath,
            outcome: error ? 'unreadable' : 'no-keys',
          });
          continue;
        }
        pending = {
          method: 'agent',
          detail: `${src.agentPath} (${count} key${count === 1 ? '' : 's'})`,
          outcome: 'rejected',
        };
        return { type: 'agent', username: src.user, agent };
      }
      if (step.kind === 'key') {
        if (!allowed('publickey')) continue;
        const data = readKey(step.file);
        if (!data) {
          if (src.identityFilesExplicit)
            attempts.push({ method: 'publickey', detail: step.file, outcome: 'unreadable' });
          continue;
        }
        let key: ParsedKey | Error | undefined = utils.parseKey(data);
        if (key instanceof Error && /no passphrase given/i.test(key.message)) {
          key = await unlock(step.file, data);
          if (key === undefined) continue;
        }
        if (key instanceof Error || !key.isPrivateKey()) {
          attempts.push({ method: 'publickey', detail: step.file, outcome: 'unreadable' });
          continue;
        }
        pending = { method: 'publickey', detail: step.file, outcome: 'rejected' };
        return { type: 'publickey', username: src.user, key };
      }
      if (allowed('password')) {
        pending = { method: 'password', outcome: 'rejected' };
        return { type: 'password', username: src.user, password: src.password! };
      }
      if (allowed('keyboard-interactive')) {
        // Servers with PasswordAuthentication off but PAM on ask for the password this way.
        pending = { method: 'password', detail: '(keyboard-interactive)', outcome: 'rejected' };
        const password = src.password!;
        return {
          type: 'keyboard-interactive',
          username: src.user,
          prompt: (
            _n: string,
            _i: string,
            _l: string,
            prompts: { prompt: string }[],
            finish: (a: string[]) => void,
          ) => finish(prompts.map((p) => (/password/i.test(p.prompt) ? password : ''))),
        };
      }
    }
  }

  /** Asks for the passphrase up to `tries` times; undefined = skip this key (recorded why). */
  async function unlock(file: string, data: Buffer): Promise<ParsedKey | undefined> {
    if (!src.askPassphrase) {
      attempts.push({ method: 'publickey', detail: file, outcome: 'skipped-no-passphrase' });
      return undefined;
    }
    for (let attempt = 1; attempt <= tries; attempt++) {
      const pass = await src.askPassphrase(file, { attempt });
      if (pass === undefined) {
        attempts.push({
          method: 'publickey',
          detail: file,
          outcome: attempt === 1 ? 'skipped-no-passphrase' : 'wrong-passphrase',
        });
        return undefined;
      }
      const k = utils.parseKey(data, pass);
      if (!(k instanceof Error)) return k;
    }
    attempts.push({ method: 'publickey', detail: file, outcome: 'wrong-passphrase' });
    return undefined;
  }

  const handler: AuthHandlerMiddleware = (authsLeft, _partial, next) => {
    if (pending) {
      attempts.push(pending);
      pending = undefined;
    }
    if (authsLeft) serverMethods = [...authsLeft];
    const allowed = (m: string) => !authsLeft || authsLeft.includes(m as never);
    nextMethod(allowed).then(
      (m) => next(m),
      () => next(false as never),
    );
  };
  return { handler, attempts, serverMethods: () => serverMethods };
}
