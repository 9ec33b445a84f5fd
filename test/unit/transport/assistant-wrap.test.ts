/**
 * The Cloud Assistant wrapper is a shell script that runs on the guest: these tests run it with the real
 * /bin/sh, gzip and base64 of this machine (as the agent would) and decode what it prints.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cleanupCommand,
  contentB64Length,
  decodePayload,
  MAX_CONTENT_B64,
  parseEnvelope,
  sliceCommand,
  wrapCommand,
} from '../../../source/guest/transport/assistant-wrap.js';
import { runAssistantScript } from '../../../source/sim/ssh/assistant-exec.js';
import type { World } from '../../../source/sim/world.js';

function sh(script: string): string {
  return execFileSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('wrapCommand on a real shell', () => {
  it('keeps stdout and stderr apart and reports the exit code, inline when small', () => {
    const out = sh(wrapCommand("echo 'héllo wörld'; echo oops >&2; exit 3"));
    const env = parseEnvelope(out);
    expect(env.mode).toBe('inline');
    if (env.mode !== 'inline') return;
    expect(env.rc).toBe(3);
    expect(env.enc).toBe('gz');
    const d = decodePayload(env.payload, env.enc, env.size);
    expect(d).toEqual({ stdout: 'héllo wörld\n', stderr: 'oops\n', truncated: false });
  });

  it('runs commands with quotes, here-documents and no stdin', () => {
    const cmd = `cat <<'EOF'\nit's "quoted" $HOME\nEOF\nread x; echo "read=$?"`;
    const env = parseEnvelope(sh(wrapCommand(cmd)));
    if (env.mode !== 'inline') throw new Error(`expected inline, got ${env.mode}`);
    expect(decodePayload(env.payload, env.enc).stdout).toBe(`it's "quoted" $HOME\nread=1\n`);
  });

  it('compresses a big command (the collection script) so RunCommand takes it, and still runs it', () => {
    const lines = Array.from(
      { length: 400 },
      (_, i) => `echo "line ${i} of a long generated script with some padding text"`,
    );
    const cmd = lines.join('\n');
    const content = wrapCommand(cmd);
    expect(content).toContain('nd_cz=1');
    expect(contentB64Length(content)).toBeLessThan(MAX_CONTENT_B64);
    expect(contentB64Length(content)).toBeLessThan(Buffer.from(cmd).toString('base64').length);
    const env = parseEnvelope(sh(content));
    if (env.mode !== 'inline') throw new Error(`expected inline, got ${env.mode}`);
    expect(decodePayload(env.payload, env.enc).stdout.split('\n')[399]).toBe(
      'line 399 of a long generated script with some padding text',
    );
    expect(wrapCommand('echo small')).toContain('nd_cz=0');
  });

  it('pages a big output: first slice inline, the rest by slice commands, the last removes the directory', () => {
    // ~400 KB of incompressible-ish text: well over the inline limit even gzipped.
    const cmd = 'head -c 300000 /dev/urandom | base64';
    const first = sh(wrapCommand(cmd, { inlineMax: 22_000, sliceBytes: 20_000 }));
    const env = parseEnvelope(first);
    expect(env.mode).toBe('paged');
    if (env.mode !== 'paged') return;
    expect(env.payload.length).toBe(20_000);
    expect(existsSync(`${env.dir}/pkg`)).toBe(true);
    let payload = env.payload;
    let calls = 0;
    while (payload.length < env.size) {
      const len = Math.min(20_000, env.size - payload.length);
      const last = payload.length + len >= env.size;
      payload += sh(sliceCommand(env.dir, payload.length, len, last));
      calls++;
    }
    expect(existsSync(env.dir)).toBe(false);
    expect(calls).toBe(Math.ceil((env.size - 20_000) / 20_000));
    const d = decodePayload(payload, env.enc, env.size);
    expect(d.truncated).toBe(false);
    expect(d.stdout.replace(/\n/g, '').length).toBe(400_000);
  });

  it('a cut payload decodes its beginning and says it is truncated', () => {
    const env = parseEnvelope(sh(wrapCommand('seq 1 200000', { inlineMax: 10_000_000 })));
    if (env.mode !== 'inline') throw new Error('expected inline');
    const cut = env.payload.slice(0, Math.floor(env.payload.length / 2));
    const d = decodePayload(cut, env.enc, env.size);
    expect(d.truncated).toBe(true);
    expect(d.stdout.startsWith('1\n2\n3\n')).toBe(true);
  });

  it('cleanupCommand removes a paged directory; slice refuses foreign paths', () => {
    const env = parseEnvelope(sh(wrapCommand('seq 1 100000', { inlineMax: 100 })));
    if (env.mode !== 'paged') throw new Error('expected paged');
    sh(cleanupCommand(env.dir));
    expect(existsSync(env.dir)).toBe(false);
    expect(sh(sliceCommand(env.dir, 0, 10, false))).toBe('ND1 err=gone\n');
    expect(() => sliceCommand('/etc', 0, 1, true)).toThrow(/unexpected directory/);
    expect(() => cleanupCommand('/tmp/netdoctor.x; rm -rf /')).toThrow(/unexpected directory/);
  });

  it('output without an envelope is raw', () => {
    expect(parseEnvelope('plain text')).toEqual({ mode: 'raw', text: 'plain text' });
    expect(parseEnvelope('ND1 err=mktemp\n')).toEqual({ mode: 'error', reason: 'mktemp' });
  });
});

describe('the simulator answers the same scripts (runAssistantScript)', () => {
  const world = { instances: [] } as unknown as World;
  const exec = (_w: World, id: string, command: string) => {
    // A guest that prints the command's length many times: enough to page.
    const n = Number(/seq 1 (\d+)/.exec(command)?.[1] ?? 0);
    return {
      stdout: Array.from({ length: n }, (_, i) => `${id} ${i + 1}`).join('\n'),
      stderr: 'warn\n',
      code: 0,
    };
  };

  it('produces envelopes the client decodes, inline and paged, byte-compatible with the shell', async () => {
    const small = await runAssistantScript(world, 'i-1', wrapCommand('seq 1 3'), 0, exec);
    const env = parseEnvelope(small.output);
    if (env.mode !== 'inline') throw new Error('expected inline');
    expect(decodePayload(env.payload, env.enc, env.size)).toEqual({
      stdout: 'i-1 1\ni-1 2\ni-1 3',
      stderr: 'warn\n',
      truncated: false,
    });

    const big = await runAssistantScript(
      world,
      'i-1',
      wrapCommand('seq 1 60000', { inlineMax: 5000, sliceBytes: 4000 }),
      0,
      exec,
    );
    const penv = parseEnvelope(big.output);
    if (penv.mode !== 'paged') throw new Error('expected paged');
    let payload = penv.payload;
    while (payload.length < penv.size) {
      const len = Math.min(4000, penv.size - payload.length);
      payload += (
        await runAssistantScript(
          world,
          'i-1',
          sliceCommand(penv.dir, payload.length, len, payload.length + len >= penv.size),
          0,
          exec,
        )
      ).output;
    }
    const d = decodePayload(payload, penv.enc, penv.size);
    expect(d.truncated).toBe(false);
    expect(d.stdout.split('\n')).toHaveLength(60000);
    // The last slice removed the scratch copy.
    expect(
      (await runAssistantScript(world, 'i-1', sliceCommand(penv.dir, 0, 10, false), 0, exec)).output,
    ).toBe('ND1 err=gone\n');
  });

  it('unpacks a compressed command like the shell does', async () => {
    const cmd = `seq 1 2\n${'# padding\n'.repeat(1200)}`;
    const content = wrapCommand(cmd);
    expect(content).toContain('nd_cz=1');
    const seen: string[] = [];
    const r = await runAssistantScript(world, 'i-3', content, 0, (_w, _id, c) => {
      seen.push(c);
      return { stdout: 'ok', stderr: '', code: 0 };
    });
    expect(seen).toEqual([cmd]);
    expect(parseEnvelope(r.output).mode).toBe('inline');
  });

  it('plain content runs as is, stdout and stderr merged like the agent does', async () => {
    const r = await runAssistantScript(world, 'i-2', 'seq 1 2', 0, exec);
    expect(r).toEqual({ output: 'i-2 1\ni-2 2warn\n', exitCode: 0 });
  });
});
