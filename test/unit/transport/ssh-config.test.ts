import { describe, expect, it } from 'vitest';
import {
  matchPatternList,
  parseSshConfig,
  resolveSshConfig,
  type SshConfigFs,
  splitArgs,
} from '../../../source/guest/transport/ssh-config.js';
import { formatEndpoint, parseJumpSpec } from '../../../source/guest/transport/ssh-target.js';

/** An in-memory file system: path → content; directories are implied by paths. */
function memFs(files: Record<string, string>): SshConfigFs {
  return {
    readFile: (p) => files[p],
    list: (dir) =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
        .map((p) => p.slice(dir.length + 1)),
  };
}

const HOME = '/home/op';
const base = { home: HOME, localUser: 'op', localHost: 'laptop.lan', uid: 1000 };

function resolve(alias: string, config: string, extra: Record<string, string> = {}) {
  return resolveSshConfig(alias, { ...base, fs: memFs({ [`${HOME}/.ssh/config`]: config, ...extra }) });
}

describe('tokenising', () => {
  it('splits arguments with quotes and escapes, and accepts Keyword=value', () => {
    expect(splitArgs('a "b c" \'d e\' f\\ g')).toEqual(['a', 'b c', 'd e', 'f g']);
    const e = parseSshConfig('# comment\n\n  HostName=10.0.0.1\nPort = 2222\nIdentityFile "~/my keys/id"\n');
    expect(e.map((x) => [x.keyword, x.args, x.line])).toEqual([
      ['hostname', ['10.0.0.1'], 3],
      ['port', ['2222'], 4],
      ['identityfile', ['~/my keys/id'], 5],
    ]);
  });
});

describe('Host patterns', () => {
  it('supports *, ?, several patterns and negation', () => {
    expect(matchPatternList('web1.prod', ['*.prod'])).toBe(true);
    expect(matchPatternList('web1.prod', ['web?.prod'])).toBe(true);
    expect(matchPatternList('web10.prod', ['web?.prod'])).toBe(false);
    expect(matchPatternList('db.prod', ['web*', 'db*'])).toBe(true);
    expect(matchPatternList('bastion.prod', ['*.prod', '!bastion.prod'])).toBe(false);
    expect(matchPatternList('bastion.prod', ['!bastion.prod'])).toBe(false);
    expect(matchPatternList('WEB1.PROD', ['web1.prod'])).toBe(true);
  });
});

describe('resolveSshConfig', () => {
  const config = `
Host web
  HostName 198.18.0.2
  User root
  Port 2222
  IdentityFile ~/.ssh/web_key
  IdentityFile %d/.ssh/%h-%r.key

Host *.prod !bastion.prod
  User deploy
  ProxyJump bastion.prod

Host bastion.prod
  HostName 198.18.0.10
  User jump

Host alias-*
  HostName %h.internal.example

Host *
  User fallback
  Port 22
  ServerAliveInterval 20
  ConnectTimeout 7
  IdentityFile ~/.ssh/id_everywhere
`;

  it('first obtained value wins; IdentityFile accumulates in order with tokens expanded', () => {
    const r = resolve('web', config);
    expect(r.hostName).toBe('198.18.0.2');
    expect(r.user).toBe('root');
    expect(r.port).toBe(2222);
    expect(r.identityFilesExplicit).toBe(true);
    expect(r.identityFiles).toEqual([
      `${HOME}/.ssh/web_key`,
      `${HOME}/.ssh/198.18.0.2-root.key`,
      `${HOME}/.ssh/id_everywhere`,
    ]);
    expect(r.serverAliveInterval).toBe(20);
    expect(r.connectTimeout).toBe(7);
    expect(r.proxyJump).toEqual([]);
  });

  it('negated patterns exclude a host from a block; ProxyJump parses to hops', () => {
    const app = resolve('app.prod', config);
    expect(app.user).toBe('deploy');
    expect(app.hostName).toBe('app.prod');
    expect(app.proxyJump).toEqual([{ host: 'bastion.prod' }]);
    const b = resolve('bastion.prod', config);
    expect(b.user).toBe('jump');
    expect(b.hostName).toBe('198.18.0.10');
    expect(b.proxyJump).toEqual([]);
  });

  it('expands %h in HostName to the alias', () => {
    expect(resolve('alias-7', config).hostName).toBe('alias-7.internal.example');
  });

  it('defaults: local user, port 22, OpenSSH default identities, known_hosts files, ask', () => {
    const r = resolve('elsewhere', '');
    expect(r.user).toBe('op');
    expect(r.port).toBe(22);
    expect(r.identityFilesExplicit).toBe(false);
    expect(r.identityFiles).toContain(`${HOME}/.ssh/id_ed25519`);
    expect(r.identityFiles).toContain(`${HOME}/.ssh/id_rsa`);
    expect(r.userKnownHostsFiles).toEqual([`${HOME}/.ssh/known_hosts`, `${HOME}/.ssh/known_hosts2`]);
    expect(r.strictHostKeyChecking).toBe('ask');
    expect(r.serverAliveCountMax).toBe(3);
    expect(r.connectTimeout).toBeUndefined();
  });

  it('ProxyJump: comma chains with users and ports, ssh:// URLs, and none', () => {
    const r = resolve('t', 'Host t\n  ProxyJump ops@j1:2201,ssh://j2:2202,[fd00::1]:22\n');
    expect(r.proxyJump).toEqual([
      { host: 'j1', user: 'ops', port: 2201 },
      { host: 'j2', port: 2202 },
      { host: 'fd00::1', port: 22 },
    ]);
    const none = resolve('t', 'Host t\n  ProxyJump none\nHost *\n  ProxyJump j1\n');
    expect(none.proxyJump).toEqual([]);
  });

  it('UserKnownHostsFile lists, IdentitiesOnly, StrictHostKeyChecking, HostKeyAlias, IdentityAgent', () => {
    const r = resolve(
      'h',
      'Host h\n  UserKnownHostsFile ~/.ssh/kh1 /etc/kh2\n  IdentitiesOnly yes\n  StrictHostKeyChecking accept-new\n  HostKeyAlias hk\n  IdentityAgent ~/agent.sock\n',
    );
    expect(r.userKnownHostsFiles).toEqual([`${HOME}/.ssh/kh1`, '/etc/kh2']);
    expect(r.identitiesOnly).toBe(true);
    expect(r.strictHostKeyChecking).toBe('accept-new');
    expect(r.hostKeyAlias).toBe('hk');
    expect(r.hashKnownHosts).toBe(false);
    expect(resolve('h', 'HashKnownHosts yes\n').hashKnownHosts).toBe(true);
    expect(r.identityAgent).toBe(`${HOME}/agent.sock`);
    expect(resolve('h', 'Host h\n  UserKnownHostsFile none\n').userKnownHostsFiles).toEqual([]);
    expect(resolve('h', 'StrictHostKeyChecking no\n').strictHostKeyChecking).toBe('no');
  });

  it('Include: relative to ~/.ssh, globs sorted, conditional inside a Host block', () => {
    const files = {
      [`${HOME}/.ssh/config.d/10-web`]: 'Host web\n  HostName 198.18.0.40\n',
      [`${HOME}/.ssh/config.d/20-all`]: 'Host *\n  User from-include\n',
      [`${HOME}/.ssh/only-db`]: 'Port 2022\n',
    };
    const cfg = 'Include config.d/*\nHost db\n  Include only-db\nHost *\n  Port 2200\n';
    const web = resolve('web', cfg, files);
    expect(web.hostName).toBe('198.18.0.40');
    expect(web.user).toBe('from-include');
    expect(web.port).toBe(2200);
    expect(resolve('db', cfg, files).port).toBe(2022);
  });

  it('an included file’s Host lines do not leak into the including file', () => {
    const files = { [`${HOME}/.ssh/inc`]: 'Host other\n  User nobody\n' };
    const r = resolve('me', 'Include inc\nUser mine\n', files);
    expect(r.user).toBe('mine');
  });

  it('Match host / originalhost / all; unsupported criteria skip the block with a warning', () => {
    const cfg =
      'Host short\n  HostName 198.18.0.77\nMatch host 198.18.0.*\n  User matched\nMatch exec "true"\n  Port 1\nMatch all\n  Port 2345\n';
    const r = resolve('short', cfg);
    expect(r.user).toBe('matched');
    expect(r.port).toBe(2345);
    expect(r.warnings.join(' ')).toMatch(/Match exec is not supported/);
    expect(resolve('x', 'Match originalhost x\n  User orig\n').user).toBe('orig');
  });

  it('reads the system file after the user file', () => {
    const fs = memFs({
      [`${HOME}/.ssh/config`]: 'Host a\n  User u1\n',
      '/etc/ssh/ssh_config': 'Host *\n  User sys\n  Port 2022\n',
    });
    const r = resolveSshConfig('a', { ...base, fs, systemConfigFile: '/etc/ssh/ssh_config' });
    expect(r.user).toBe('u1');
    expect(r.port).toBe(2022);
  });

  it('warns on a bad number and on ProxyCommand (not supported)', () => {
    const r = resolve('a', 'Port banana\nProxyCommand nc %h %p\n');
    expect(r.port).toBe(22);
    expect(r.warnings.join(' ')).toMatch(/port "banana"/);
    expect(r.warnings.join(' ')).toMatch(/ProxyCommand is not supported/);
  });
});

describe('parseJumpSpec / formatEndpoint', () => {
  it('parses the target forms the CLI accepts', () => {
    expect(parseJumpSpec('root@198.18.0.2:2222')).toEqual({ host: '198.18.0.2', user: 'root', port: 2222 });
    expect(parseJumpSpec('198.18.0.2')).toEqual({ host: '198.18.0.2' });
    expect(parseJumpSpec('fd00::5')).toEqual({ host: 'fd00::5' });
    expect(parseJumpSpec('u@[fd00::5]:22')).toEqual({ host: 'fd00::5', user: 'u', port: 22 });
    expect(parseJumpSpec('h:notaport')).toBeUndefined();
    expect(parseJumpSpec('h:70000')).toBeUndefined();
    expect(parseJumpSpec('@h')).toBeUndefined();
    expect(formatEndpoint({ host: 'fd00::5', user: 'u', port: 2200 })).toBe('u@[fd00::5]:2200');
    expect(formatEndpoint({ host: 'h', port: 22 })).toBe('h');
  });
});
