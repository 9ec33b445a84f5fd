import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openGuest } from '../../../source/guest/transport/auto.js';
import { openLocal } from '../../../source/guest/transport/local.js';

function alive(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

describe('local transport (sh -c on this machine)', () => {
  it('runs with sh, keeps stdout/stderr apart and exact, reports the exit code', async () => {
    const t = openLocal();
    const r = await t.run('printf "a\\nb"; printf "err\\n" >&2; exit 5');
    expect(r).toMatchObject({ stdout: 'a\nb', stderr: 'err\n', code: 5 });
    expect(t.describe()).toBe('local');
    expect(t.kind).toBe('local');
    expect(t.stats()).toEqual({ connections: 0, commands: 1 });
  });

  it('passes stdin and streams output as it comes', async () => {
    const t = openLocal();
    expect((await t.run('tr a-z A-Z', { stdin: 'hello' })).stdout).toBe('HELLO');
    const chunks: [string, string][] = [];
    const r = await t.run('echo one; sleep 0.2; echo two >&2; echo three', {
      onData: (c, s) => chunks.push([s, c]),
    });
    expect(r.stdout).toBe('one\nthree\n');
    expect(
      chunks
        .filter(([s]) => s === 'stdout')
        .map(([, c]) => c)
        .join(''),
    ).toBe('one\nthree\n');
    expect(
      chunks
        .filter(([s]) => s === 'stderr')
        .map(([, c]) => c)
        .join(''),
    ).toBe('two\n');
  });

  it('a command without stdin sees EOF at once', async () => {
    const t = openLocal();
    const r = await t.run('read x; echo "rc=$?"', { timeoutMs: 2000 });
    expect(r.stdout).toBe('rc=1\n');
  });

  it('times out the whole process group (children too)', async () => {
    const t = openLocal();
    const started = Date.now();
    const r = await t.run('sleep 37.25 | cat; echo never', { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(r.stdout).toBe('');
    await new Promise((res) => setTimeout(res, 200));
    expect(alive('slee[p] 37.25')).toBe('');
  });

  it('cancels with an AbortSignal, ending the children', async () => {
    const t = openLocal();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    await expect(t.run('sleep 38.5 & wait', { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await new Promise((res) => setTimeout(res, 200));
    expect(alive('slee[p] 38.5')).toBe('');
  });

  it('openGuest --via local returns it with one successful attempt', async () => {
    const s = await openGuest({ via: 'local' });
    expect(s.transport?.kind).toBe('local');
    expect(s.attempts).toMatchObject([{ via: 'local', ok: true, target: 'local' }]);
    expect((await s.transport!.run('echo $((6*7))')).stdout).toBe('42\n');
  });

  it('openGuest explains what is missing instead of throwing', async () => {
    const none = await openGuest({ via: 'auto' });
    expect(none.error?.code).toBe('GUEST_NOT_CONFIGURED');
    const ssh = await openGuest({ via: 'ssh' });
    expect(ssh.error?.hint).toContain('--ssh');
    const ca = await openGuest({ via: 'assistant' });
    expect(ca.error?.message).toMatch(/Cloud Assistant/);
  });
});
