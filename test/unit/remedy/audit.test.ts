/**
 * The audit log on a real file: where it goes, its modes, one fsync'ed JSON line per record appended and never
 * rewritten, concurrency, and that a planted secret never reaches the file.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../source/model/index.js';
import {
  AuditError,
  openAuditLog,
  operatorIdentity,
  readAuditLog,
  resolveAuditPath,
} from '../../../source/remedy/audit.js';

const dir = () => mkdtempSync(join(tmpdir(), 'nd-audit-'));
const rec = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  at: '2026-11-26T12:00:00.000Z',
  who: 'alice@laptop (cli_profile:default)',
  target: 'storefront-web-1 (i-bp1k6jsb2wslxp48772b)',
  plan: 'revoke-drop-443',
  step: 'revoke',
  outcome: 'APPLIED',
  ...over,
});

describe('audit log location', () => {
  it('prefers --audit, then NETDOCTOR_AUDIT_FILE, then XDG_STATE_HOME, then ~/.local/state', () => {
    const env = { NETDOCTOR_AUDIT_FILE: '/x/env.jsonl', XDG_STATE_HOME: '/x/state' };
    expect(resolveAuditPath({ file: '/x/flag.jsonl', env, home: '/home/a' })).toBe('/x/flag.jsonl');
    expect(resolveAuditPath({ env, home: '/home/a' })).toBe('/x/env.jsonl');
    expect(resolveAuditPath({ env: { XDG_STATE_HOME: '/x/state' }, home: '/home/a' })).toBe(
      '/x/state/netdoctor/audit.jsonl',
    );
    expect(resolveAuditPath({ env: {}, home: '/home/a' })).toBe('/home/a/.local/state/netdoctor/audit.jsonl');
    // A relative XDG_STATE_HOME is invalid per the spec and ignored.
    expect(resolveAuditPath({ env: { XDG_STATE_HOME: 'rel' }, home: '/home/a' })).toBe(
      '/home/a/.local/state/netdoctor/audit.jsonl',
    );
  });
});

describe('operatorIdentity', () => {
  it('is user@host plus the credential source name', () => {
    expect(operatorIdentity()).toMatch(/^[^@\s]+@\S+$/);
    expect(operatorIdentity('cli_profile:default')).toMatch(/^[^@\s]+@\S+ \(cli_profile:default\)$/);
  });
});

describe('audit log file', () => {
  it('creates the file 0600 in a 0700 directory and appends one JSON line per record', async () => {
    const d = dir();
    const log = openAuditLog({ env: { XDG_STATE_HOME: d }, home: d });
    await log.append(rec());
    await log.append(rec({ outcome: 'FIXED', detail: 'verified' }));
    expect(log.path).toBe(join(d, 'netdoctor', 'audit.jsonl'));
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'netdoctor')).mode & 0o777).toBe(0o700);
    const lines = readFileSync(log.path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l).outcome)).toEqual(['APPLIED', 'FIXED']);
  });

  it('never rewrites: a second log on the same file appends after the existing lines, and loose modes are tightened', async () => {
    const d = dir();
    const path = join(d, 'a.jsonl');
    writeFileSync(path, '{"existing":true}\n', { mode: 0o644 });
    const log = openAuditLog({ file: path });
    await log.append(rec());
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('{"existing":true}\n')).toBe(true);
    expect(text.split('\n').filter(Boolean)).toHaveLength(2);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps every line whole under concurrent appends', async () => {
    const path = join(dir(), 'c.jsonl');
    const log = openAuditLog({ file: path });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.append(rec({ step: `s${i}`, detail: 'x'.repeat(2000) }))),
    );
    const got = await readAuditLog(path);
    expect(got.map((r) => r.step).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `s${i}`).sort());
  });

  it('a planted secret never reaches the file, whether known, field-named or secret-shaped', async () => {
    const path = join(dir(), 's.jsonl');
    const known = 'sim-guest-password-Qx7';
    const log = openAuditLog({ file: path, secrets: () => [known] });
    await log.append(
      rec({
        command: `echo ${known} | chpasswd; curl -H 'Authorization: Bearer tok-123456' https://x.test`,
        call: {
          product: 'ecs',
          action: 'RunCommand',
          params: { AccessKeySecret: 'plainsecret', CommandContent: 'password=letmein' },
        },
        before: { privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----' },
        detail: 'STS CAIS0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH used',
      }),
    );
    const text = readFileSync(path, 'utf8');
    for (const leak of [known, 'tok-123456', 'plainsecret', 'letmein', 'MIIE', 'CAIS0123456789'])
      expect(text).not.toContain(leak);
    expect(JSON.parse(text).call.action).toBe('RunCommand');
  });

  it('says what happened and what to do when the file cannot be written', async () => {
    const d = dir();
    mkdirSync(join(d, 'is-a-dir'));
    const log = openAuditLog({ file: join(d, 'is-a-dir') });
    const err = await log.append(rec()).catch((e) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect(err.message).toContain(join(d, 'is-a-dir'));
    expect(err.hint).toMatch(/--audit FILE/);
    // The log keeps working for later records once the cause is gone (here: a good file next time).
    await expect(openAuditLog({ file: join(d, 'ok.jsonl') }).append(rec())).resolves.toBeUndefined();
  });
});
