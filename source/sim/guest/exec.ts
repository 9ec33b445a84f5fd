/**
 * STUB (owned by the guest-parsers work): runs a command against a simulated guest, answering the
 * collection script with output rendered in the real tools' formats, and applying guest-side fixes.
 */
import type { World } from '../world.js';

export interface GuestExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function execGuestCommand(
  _world: World,
  instanceId: string,
  _command: string,
  _now: number,
): GuestExecResult {
  return { stdout: '', stderr: `simulated guest for ${instanceId} is not implemented yet`, code: 127 };
}
