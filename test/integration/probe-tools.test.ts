// The tool runner: C locale whatever the operator's locale, bounded in time, a missing binary as data.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareHost, findTool, runTool, toolDirs } from '../../source/probe/tools.js';

describe('runTool', () => {
  it('runs tools in the C locale so their output is the English the parsers read', async () => {
    const r = await runTool('/bin/sh', ['-c', 'echo "$LC_ALL $LANG $LANGUAGE"; echo oops >&2'], {
      timeoutMs: 5000,
      env: { ...process.env, LC_ALL: 'de_DE.UTF-8', LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN' },
    });
    expect(r.stdout.trim()).toBe('C C C');
    expect(r.output).toBe('C C C\noops');
    expect(r).toMatchObject({ code: 0, timedOut: false, canceled: false });
  });

  it('keeps the exit code of a failing tool', async () => {
    const r = await runTool('/bin/sh', ['-c', 'echo partial; exit 2'], { timeoutMs: 5000 });
    expect(r).toMatchObject({ code: 2, stdout: 'partial' });
    expect(r.startError).toBeUndefined();
  });

  it('kills a tool at its time bound and keeps its output so far', async () => {
    const t0 = performance.now();
    const r = await runTool('/bin/sh', ['-c', 'echo first; sleep 10; echo never'], { timeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(r).toMatchObject({ timedOut: true, code: null, stdout: 'first' });
  });

  it('reports a binary that cannot be started', async () => {
    const r = await runTool('/nonexistent/traceroute', [], { timeoutMs: 1000 });
    expect(r.startError).toBe('ENOENT');
    expect(r.code).toBeNull();
  });
});

describe('findTool', () => {
  it('finds executables only, in the directories given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-tools-'));
    writeFileSync(join(dir, 'ping'), '#!/bin/sh\n');
    writeFileSync(join(dir, 'traceroute'), 'not executable');
    chmodSync(join(dir, 'ping'), 0o755);
    expect(await findTool('ping', [dir])).toBe(join(dir, 'ping'));
    expect(await findTool('traceroute', [dir])).toBeUndefined();
  });

  it('looks in the sbin directories an unprivileged PATH lacks', () => {
    expect(toolDirs({ PATH: '/usr/bin:/bin' })).toEqual([
      '/usr/bin',
      '/bin',
      '/usr/sbin',
      '/sbin',
      '/usr/local/sbin',
    ]);
  });

  it('strips brackets from IPv6 literals', () => {
    expect(bareHost('[::1]')).toBe('::1');
    expect(bareHost(' 198.18.0.2 ')).toBe('198.18.0.2');
  });
});
