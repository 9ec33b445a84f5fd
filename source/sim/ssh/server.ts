/** STUB (owned by the SSH work): the simulator's ssh2 Server answering commands from the world's guests. */
import type { World } from '../world.js';

export interface SimSshServer {
  host: string;
  port: number;
  /** `SHA256:…` fingerprint of the host key, advertised so the client can pin it. */
  hostKeySha256: string;
  /** Host key in OpenSSH public format (`ssh-ed25519 AAAA…`). */
  hostKeyPublic: string;
  /** Per-process login secret; never printed. */
  password: string;
  close(): Promise<void>;
}

export async function startSimSsh(
  _world: World,
  _opts: { host?: string; port?: number; latencyMs?: () => number; now?: () => number },
): Promise<SimSshServer> {
  throw new Error('simulated SSH server not implemented yet');
}
