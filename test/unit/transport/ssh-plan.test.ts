import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHop, planSsh } from '../../../source/guest/transport/ssh-plan.js';

function home(config = '', keys: string[] = []): string {
  const h = mkdtempSync(join(tmpdir(), 'nd-plan-'));
  mkdirSync(join(h, '.ssh'));
  writeFileSync(join(h, '.ssh', 'config'), config);
  for (const k of keys) writeFileSync(join(h, '.ssh', k), 'not a real key');
  return h;
}

const env = (h: string, vars: NodeJS.ProcessEnv = {}) => ({ home: h, user: 'op', env: vars });

describe('planSsh', () => {
  it('defaults: local user, port 22, existing default keys only, SSH_AUTH_SOCK, 10 s / 15 s', () => {
    const h = home('', ['id_ed25519']);
    const [hop] = planSsh(
      { host: '198.18.0.2', systemConfig: false },
      env(h, { SSH_AUTH_SOCK: '/run/agent.sock' }),
    );
    expect(hop).toMatchObject({
      role: 'target',
      host: '198.18.0.2',
      port: 22,
      user: 'op',
      identityFiles: [join(h, '.ssh', 'id_ed25519')],
      identityFilesExplicit: false,
      agentPath: '/run/agent.sock',
      timeoutMs: 10_000,
      keepaliveMs: 15_000,
      appendFile: join(h, '.ssh', 'known_hosts'),
      strict: 'ask',
    });
    expect(describeHop(hop)).toBe('op@198.18.0.2');
  });

  it('command-line options win over the config; --identity [] means no key files', () => {
    const h = home('Host box\n  HostName 198.18.0.9\n  User admin\n  Port 2200\n  ConnectTimeout 3\n', [
      'id_rsa',
    ]);
    const [hop] = planSsh(
      {
        host: 'box',
        user: 'root',
        port: 22,
        identity: [],
        knownHosts: '/tmp/kh',
        agent: false,
        systemConfig: false,
      },
      env(h, { SSH_AUTH_SOCK: '/run/agent.sock' }),
    );
    expect(hop).toMatchObject({
      host: '198.18.0.9',
      user: 'root',
      port: 22,
      identityFiles: [],
      timeoutMs: 3000,
    });
    expect(hop.agentPath).toBeUndefined();
    expect(hop.knownHostsFiles[0]).toBe('/tmp/kh');
    expect(hop.appendFile).toBe('/tmp/kh');
  });

  it('IdentityAgent none disables the agent; a path replaces SSH_AUTH_SOCK', () => {
    const h = home('Host a\n  IdentityAgent none\nHost b\n  IdentityAgent ~/agent\n');
    expect(
      planSsh({ host: 'a', systemConfig: false }, env(h, { SSH_AUTH_SOCK: '/s' }))[0].agentPath,
    ).toBeUndefined();
    expect(planSsh({ host: 'b', systemConfig: false }, env(h, { SSH_AUTH_SOCK: '/s' }))[0].agentPath).toBe(
      join(h, 'agent'),
    );
  });

  it('ProxyJump from the config, each hop resolved through the config, the first hop’s own jump honoured', () => {
    const h = home(
      [
        'Host app',
        '  HostName 10.0.0.5',
        '  ProxyJump gate,inner',
        'Host gate',
        '  HostName 198.18.0.6',
        '  User jumper',
        '  ProxyJump edge',
        'Host edge',
        '  HostName 198.18.0.1',
        '  Port 2222',
        'Host inner',
        '  HostName 10.0.0.1',
        '  ProxyJump ignored-for-later-hops',
        '',
      ].join('\n'),
    );
    const hops = planSsh({ host: 'app', user: 'root', systemConfig: false }, env(h));
    expect(hops.map((x) => [x.role, describeHop(x)])).toEqual([
      ['jump host', 'op@198.18.0.1:2222'],
      ['jump host', 'jumper@198.18.0.6'],
      ['jump host', 'op@10.0.0.1'],
      ['target', 'root@10.0.0.5'],
    ]);
  });

  it('--jump replaces the config’s ProxyJump; `none` removes it; a bad value is an error', () => {
    const h = home('Host app\n  ProxyJump gate\n');
    expect(
      planSsh({ host: 'app', jump: 'ops@198.18.0.7:2201', systemConfig: false }, env(h)).map(describeHop),
    ).toEqual(['ops@198.18.0.7:2201', 'op@app']);
    expect(planSsh({ host: 'app', jump: 'none', systemConfig: false }, env(h))).toHaveLength(1);
    expect(() => planSsh({ host: 'app', jump: 'a@:x', systemConfig: false }, env(h))).toThrow(/--jump/);
  });
});
