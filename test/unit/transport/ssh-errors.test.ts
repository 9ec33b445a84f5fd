import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assistantError } from '../../../source/guest/transport/assistant-errors.js';
import {
  authFailedError,
  mapConnectError,
  proxyJumpError,
} from '../../../source/guest/transport/ssh-errors.js';

/** A real ECONNREFUSED from the kernel: a loopback port nobody listens on. */
async function realRefusal(): Promise<Error> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', resolve);
  });
}

describe('mapConnectError', () => {
  const ctx = { endpoint: 'root@198.18.0.2', timeoutMs: 5000 };

  it('maps a real ECONNREFUSED to CONNECTION_REFUSED with what to check', async () => {
    const e = mapConnectError(await realRefusal(), ctx);
    expect(e.code).toBe('CONNECTION_REFUSED');
    expect(e.message).toContain('root@198.18.0.2');
    expect(e.hint).toMatch(/sshd/);
  });

  it('maps node and ssh2 failures to stable codes', () => {
    expect(mapConnectError({ code: 'ETIMEDOUT' }, ctx).code).toBe('CONNECT_TIMEOUT');
    expect(mapConnectError({ code: 'ETIMEDOUT' }, ctx).message).toContain('5 s');
    expect(
      mapConnectError(
        { level: 'client-timeout', message: 'Timed out while waiting for handshake' },
        { ...ctx, phase: 'ssh' },
      ).message,
    ).toMatch(/did not complete the SSH handshake/);
    expect(mapConnectError({ code: 'EHOSTUNREACH' }, ctx).code).toBe('HOST_UNREACHABLE');
    expect(mapConnectError({ code: 'ENETUNREACH' }, ctx).code).toBe('HOST_UNREACHABLE');
    expect(mapConnectError({ code: 'ENOTFOUND' }, ctx).code).toBe('HOST_NOT_FOUND');
    expect(mapConnectError({ code: 'ECONNRESET' }, ctx).code).toBe('CONNECTION_RESET');
    expect(mapConnectError({ code: 'ECONNRESET' }, { ...ctx, phase: 'session' }).code).toBe(
      'CONNECTION_LOST',
    );
    expect(mapConnectError({ code: 7, message: 'SERVICE_NOT_AVAILABLE' }, ctx).code).toBe(
      'CONNECTION_REFUSED',
    );
    expect(
      mapConnectError(
        { level: 'handshake', message: 'Handshake failed: no matching key exchange algorithm' },
        ctx,
      ).code,
    ).toBe('SSH_PROTOCOL_ERROR');
    expect(
      mapConnectError(
        { level: 'client-authentication', message: 'All configured authentication methods failed' },
        ctx,
      ).code,
    ).toBe('AUTH_FAILED');
  });
});

describe('authFailedError', () => {
  it('says which methods were tried and what the server accepts', () => {
    const e = authFailedError(
      'root@198.18.0.2',
      'root',
      [
        { method: 'agent', detail: '/tmp/agent.sock (2 keys)', outcome: 'rejected' },
        { method: 'publickey', detail: '/home/op/.ssh/id_ed25519', outcome: 'rejected' },
        { method: 'publickey', detail: '/home/op/.ssh/id_rsa', outcome: 'skipped-no-passphrase' },
      ],
      ['publickey'],
    );
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.hint).toContain('agent /tmp/agent.sock (2 keys)');
    expect(e.hint).toContain('publickey /home/op/.ssh/id_ed25519');
    expect(e.hint).toContain('(encrypted, no passphrase given)');
    expect(e.hint).toContain('The server accepts: publickey.');
  });

  it('is KEY_PASSPHRASE_NEEDED / KEY_PASSPHRASE_WRONG when the only key could not be unlocked', () => {
    const needed = authFailedError(
      'h',
      'root',
      [{ method: 'publickey', detail: '/k', outcome: 'skipped-no-passphrase' }],
      undefined,
    );
    expect(needed.code).toBe('KEY_PASSPHRASE_NEEDED');
    expect(needed.hint).toContain('ssh-add /k');
    const wrong = authFailedError(
      'h',
      'root',
      [{ method: 'publickey', detail: '/k', outcome: 'wrong-passphrase' }],
      undefined,
    );
    expect(wrong.code).toBe('KEY_PASSPHRASE_WRONG');
    expect(wrong.message).toContain('/k');
  });

  it('says nothing was tried when there was nothing to try', () => {
    expect(authFailedError('h', 'root', [], ['publickey']).hint).toContain(
      'nothing (no agent, no key file, no password)',
    );
  });
});

describe('proxyJumpError', () => {
  it('names the jump host, the target and how to check', () => {
    const e = proxyJumpError('jump@198.18.0.5', '198.18.0.9:22', 'open failed');
    expect(e.code).toBe('PROXY_JUMP_FAILED');
    expect(e.message).toContain('jump@198.18.0.5');
    expect(e.hint).toContain('nc -vz 198.18.0.9 22');
    expect(e.hint).toContain('AllowTcpForwarding');
  });
});

describe('assistantError', () => {
  const id = 'i-bp1test';
  it.each([
    ['ClientNotRunning', /not running/, /systemctl start aliyun/],
    ['ClientNotResponse', /stopped answering/, /VNC/],
    ['ClientIsUpgrading', /upgrading/, /again in a minute/],
    ['ClientNeedUpgrade', /too old/, /Upgrade/],
    ['DeliveryTimeout', /could not be delivered/, /100\.100\.0\.0\/16/],
    ['ExecutionTimeout', /time limit/, /Try again/],
    ['InstanceNotRunning', /not running/, /Start the instance/],
    ['SecurityGroupRuleDenied', /security group rule blocks/, /egress/],
  ])('%s → ASSISTANT_UNAVAILABLE with the reason and what to do', (reason, what, next) => {
    const e = assistantError(reason, { instanceId: id });
    expect(e.code).toBe('ASSISTANT_UNAVAILABLE');
    expect(e.message).toContain(id);
    expect(e.message).toContain(`[${reason}]`);
    expect(e.message).toMatch(what);
    expect(e.hint).toMatch(next);
    expect(e.ramAction).toBeUndefined();
  });

  it('Forbidden.RAM names the RAM action of the call', () => {
    const e = assistantError('Forbidden.RAM', { instanceId: id, apiAction: 'RunCommand' });
    expect(e.ramAction).toBe('ecs:RunCommand');
    expect(e.hint).toContain('ecs:RunCommand');
    expect(
      assistantError('Forbidden.RAM', { instanceId: id, apiAction: 'DescribeInvocationResults' }).ramAction,
    ).toBe('ecs:DescribeInvocationResults');
  });

  it('an unknown reason still says what happened', () => {
    const e = assistantError('SomethingNew', { instanceId: id, detail: 'odd' });
    expect(e.message).toContain('SomethingNew');
    expect(e.message).toContain('odd');
    expect(e.hint).toBeTruthy();
  });
});
