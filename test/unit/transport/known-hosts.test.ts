import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprintSha256,
  hashHostName,
  knownHostName,
  knownHostsLine,
  knownKeyTypes,
  parseKnownHosts,
  parsePublicKey,
  verifyHostKey,
} from '../../../source/guest/transport/known-hosts.js';
import { appendKnownHost, loadKnownHosts } from '../../../source/guest/transport/known-hosts-file.js';
import { hostKeyError } from '../../../source/guest/transport/ssh-errors.js';

const fx = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const key = (name: string) => parsePublicKey(fx(name))!;

/** `ssh-keygen -lf` output, captured with the keys (fixtures/fingerprints.txt). */
const fingerprints = Object.fromEntries(
  fx('fingerprints.txt')
    .trim()
    .split('\n')
    .map((l) => {
      const [, fp, comment] = l.split(' ');
      return [comment, fp];
    }),
);

describe('fingerprints', () => {
  it('match ssh-keygen -lf for ed25519, rsa and ecdsa keys', () => {
    for (const name of ['host-a-ed25519', 'host-a-rsa', 'host-b-ecdsa', 'host-c-ed25519']) {
      const k = key(`${name}.pub`);
      expect(fingerprintSha256(k.blob)).toBe(fingerprints[name]);
    }
  });

  it('reads the key type from the blob and rejects a mismatching or broken line', () => {
    expect(key('host-a-rsa.pub').type).toBe('ssh-rsa');
    expect(key('host-b-ecdsa.pub').type).toBe('ecdsa-sha2-nistp256');
    const [, b64] = fx('host-a-ed25519.pub').split(' ');
    expect(parsePublicKey(`ssh-rsa ${b64}`)).toBeUndefined();
    expect(parsePublicKey('ssh-ed25519 not-base64!')).toBeUndefined();
    expect(parsePublicKey('')).toBeUndefined();
  });
});

describe('known_hosts names', () => {
  it('writes port 22 bare and other ports as [host]:port', () => {
    expect(knownHostName('198.18.0.2')).toBe('198.18.0.2');
    expect(knownHostName('198.18.0.2', 22)).toBe('198.18.0.2');
    expect(knownHostName('198.18.0.6', 2222)).toBe('[198.18.0.6]:2222');
  });
});

describe('plain known_hosts (fixtures/known_hosts.plain)', () => {
  const { entries, invalid } = parseKnownHosts(fx('known_hosts.plain'), 'known_hosts');
  it('parses comma lists, [host]:port and wildcard lines', () => {
    expect(invalid).toEqual([]);
    expect(entries).toHaveLength(4);
    expect(entries[0].patterns).toEqual(['198.18.0.2', 'server-a.example']);
    expect(entries[2].patterns).toEqual(['[198.18.0.6]:2222']);
  });

  it('ok for the recorded key, under either name of the comma list', () => {
    const a = key('host-a-ed25519.pub');
    expect(verifyHostKey(entries, '198.18.0.2', a).status).toBe('ok');
    expect(verifyHostKey(entries, 'SERVER-A.example', a).status).toBe('ok');
    expect(verifyHostKey(entries, '198.18.0.2', key('host-a-rsa.pub')).match?.line).toBe(2);
  });

  it('changed when the same key type differs, naming the old line', () => {
    const check = verifyHostKey(entries, '198.18.0.2', key('host-c-ed25519.pub'));
    expect(check.status).toBe('changed');
    expect(check.conflicts.map((c) => c.line)).toEqual([1]);
    expect(check.fingerprint).toBe(fingerprints['host-c-ed25519']);
  });

  it('unknown for another host or port, listing other key types on file', () => {
    expect(verifyHostKey(entries, '198.18.0.3', key('host-a-ed25519.pub')).status).toBe('unknown');
    // Port matters: host-b is recorded on 2222 only.
    expect(verifyHostKey(entries, '198.18.0.6', key('host-b-ecdsa.pub')).status).toBe('unknown');
    expect(verifyHostKey(entries, '[198.18.0.6]:2222', key('host-b-ecdsa.pub')).status).toBe('ok');
    const other = verifyHostKey(entries, '[198.18.0.6]:2222', key('host-a-ed25519.pub'));
    expect(other.status).toBe('unknown');
    expect(other.otherTypes).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('wildcards match and a negated pattern vetoes', () => {
    const c = key('host-c-ed25519.pub');
    expect(verifyHostKey(entries, 'web1.prod.example', c).status).toBe('ok');
    expect(verifyHostKey(entries, 'bastion.prod.example', c).status).toBe('unknown');
  });

  it('lists the key types known for a host (to prefer them in negotiation)', () => {
    expect(knownKeyTypes(entries, '198.18.0.2')).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(knownKeyTypes(entries, 'nowhere')).toEqual([]);
  });
});

describe('hashed known_hosts (fixtures/known_hosts.hashed, from ssh-keygen -H)', () => {
  const { entries, invalid } = parseKnownHosts(fx('known_hosts.hashed'), 'known_hosts');
  it('parses |1|salt|hash entries', () => {
    expect(invalid).toEqual([]);
    expect(entries.filter((e) => e.hashed)).toHaveLength(5);
  });

  it('matches the same hosts ssh-keygen -F finds', () => {
    const a = key('host-a-ed25519.pub');
    const ok = verifyHostKey(entries, '198.18.0.2', a);
    expect(ok.status).toBe('ok');
    expect(ok.match?.line).toBe(1);
    expect(verifyHostKey(entries, 'server-a.example', a).match?.line).toBe(2);
    expect(verifyHostKey(entries, '[198.18.0.6]:2222', key('host-b-ecdsa.pub')).match?.line).toBe(5);
    expect(verifyHostKey(entries, '198.18.0.2', key('host-c-ed25519.pub')).status).toBe('changed');
    expect(entryMatches(entries[0], '198.18.0.3')).toBe(false);
  });

  it('hashes like OpenSSH (HMAC-SHA1 keyed by the salt)', () => {
    const e = entries[0];
    expect(hashHostName('198.18.0.2', e.hashed!.salt).equals(e.hashed!.hash)).toBe(true);
    const line = knownHostsLine('[198.18.0.9]:2200', key('host-a-ed25519.pub'), { hash: true });
    const [re] = parseKnownHosts(line).entries;
    expect(entryMatches(re, '[198.18.0.9]:2200')).toBe(true);
    expect(entryMatches(re, '198.18.0.9')).toBe(false);
  });
});

describe('markers', () => {
  const a = fx('host-a-ed25519.pub').split(' ').slice(0, 2).join(' ');
  const c = fx('host-c-ed25519.pub').split(' ').slice(0, 2).join(' ');
  it('@revoked refuses the key for any host; @cert-authority is noted, not trusted', () => {
    const text = `@revoked * ${a}\n@cert-authority *.example ${c}\n198.18.0.2 ${a}\n@bogus x ${a}\nbroken line\n`;
    const { entries, invalid } = parseKnownHosts(text, 'kh');
    expect(invalid.map((i) => i.line)).toEqual([4, 5]);
    const rev = verifyHostKey(entries, '198.18.0.2', key('host-a-ed25519.pub'));
    expect(rev.status).toBe('revoked');
    expect(rev.match?.line).toBe(1);
    const ca = verifyHostKey(entries, 'x.example', key('host-c-ed25519.pub'));
    expect(ca.status).toBe('unknown');
    expect(ca.certAuthority).toBe(true);
  });
});

describe('refusal messages', () => {
  it('unknown: shows the fingerprint and exactly how to accept', () => {
    const k = key('host-b-ecdsa.pub');
    const check = verifyHostKey([], '[198.18.0.6]:2222', k);
    const e = hostKeyError(check, {
      name: '[198.18.0.6]:2222',
      host: '198.18.0.6',
      port: 2222,
      keyType: k.type,
      knownHostsFile: '/root/.ssh/known_hosts',
    });
    expect(e.code).toBe('HOST_KEY_UNKNOWN');
    expect(e.message).toContain(fingerprints['host-b-ecdsa']);
    expect(e.message).toContain('ECDSA');
    expect(e.hint).toContain('ssh-keyscan -t ecdsa -p 2222 198.18.0.6 >> /root/.ssh/known_hosts');
    expect(e.hint).toContain('--accept-new-host-key');
  });

  it('changed: a loud refusal naming the file and line of the old key', () => {
    const { entries } = parseKnownHosts(fx('known_hosts.plain'), '/home/op/.ssh/known_hosts');
    const k = key('host-c-ed25519.pub');
    const e = hostKeyError(verifyHostKey(entries, '198.18.0.2', k), {
      name: '198.18.0.2',
      host: '198.18.0.2',
      port: 22,
      keyType: k.type,
      knownHostsFile: '/home/op/.ssh/known_hosts',
    });
    expect(e.code).toBe('HOST_KEY_CHANGED');
    expect(e.message).toMatch(/^REFUSED/);
    expect(e.message).toContain('CHANGED');
    expect(e.message).toContain('/home/op/.ssh/known_hosts line 1');
    expect(e.hint).toContain(fingerprints['host-c-ed25519']);
    expect(e.hint).toContain("ssh-keygen -R '198.18.0.2' -f /home/op/.ssh/known_hosts");
  });
});

describe('appendKnownHost', () => {
  it('creates ~/.ssh (0700) and the file (0600), starts on a fresh line, and verifies afterwards', () => {
    const home = mkdtempSync(join(tmpdir(), 'nd-kh-'));
    const file = join(home, '.ssh', 'known_hosts');
    const k = key('host-a-ed25519.pub');
    appendKnownHost(file, '[198.18.0.2]:2200', k);
    expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, `${readFileSync(file, 'utf8')}# no newline at end`);
    appendKnownHost(file, 'other', key('host-b-ecdsa.pub'));
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    const { entries } = loadKnownHosts([file, join(home, 'missing')]);
    expect(verifyHostKey(entries, '[198.18.0.2]:2200', k).status).toBe('ok');
    expect(verifyHostKey(entries, 'other', key('host-b-ecdsa.pub')).status).toBe('ok');
  });
});
