/**
 * The dead-man switch script run by the real /bin/sh on this machine (through the local transport), guarding a
 * scratch file: a confirmed change stays, an unconfirmed one is restored by the guest at the end of the window,
 * a failed one is restored at once, a save that fails changes nothing, and the timer outlives the session that
 * armed it. Firewall, route and link saves run for real in test/host/remedy-deadman.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocal } from '../../../source/guest/transport/local.js';
import type { Transport } from '../../../source/guest/transport/types.js';
import {
  buildArmScript,
  buildConfirmScript,
  buildRestoreScript,
  buildStatusScript,
  DEADMAN_DIRS,
  type DeadmanEvent,
  extractApplyCommand,
  inferSaves,
  newDeadmanId as makeId,
  parseDeadmanHeader,
  parseDeadmanOutput,
  runUnderDeadman,
} from '../../../source/remedy/deadman.js';

// Every id used here, so the guest records this machine keeps under /run/netdoctor are removed afterwards.
const ids: string[] = [];
const newDeadmanId = () => {
  const id = makeId();
  ids.push(id);
  return id;
};
afterAll(() => {
  for (const id of ids) for (const b of DEADMAN_DIRS) rmSync(`${b}/${id}`, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const local = openLocal();

function scratch(content = 'original\n'): string {
  const f = join(mkdtempSync(join(tmpdir(), 'nd-dm-')), 'conf');
  writeFileSync(f, content);
  return f;
}

async function run(script: string, timeoutMs = 15_000) {
  const r = await local.run(script, { timeoutMs });
  return { ...r, st: parseDeadmanOutput(r.stdout) };
}

describe('dead-man script text', () => {
  it('carries a marker line the simulator can read, and the change verbatim', () => {
    const id = newDeadmanId();
    const cmd = "iptables -I INPUT -p tcp --dport 22 -j DROP\necho 'quoted $HOME'";
    const s = buildArmScript({ id, seconds: 30, saves: ['iptables', 'file:/etc/hosts.deny'], command: cmd });
    expect(parseDeadmanHeader(s)).toEqual({
      id,
      action: 'arm',
      seconds: 30,
      saves: ['iptables', 'file:/etc/hosts.deny'],
    });
    expect(extractApplyCommand(s, id)).toBe(cmd);
    expect(parseDeadmanHeader(buildConfirmScript(id))).toEqual({ id, action: 'confirm' });
    expect(parseDeadmanHeader('echo hi')).toBeUndefined();
  });

  it('refuses ids, windows and saves it cannot send safely', () => {
    const base = { id: newDeadmanId(), seconds: 10, saves: [], command: 'true' };
    expect(() => buildArmScript({ ...base, id: 'x;rm' })).toThrow(/hex/);
    expect(() => buildArmScript({ ...base, seconds: 1 })).toThrow(/2 to 3600/);
    expect(() => buildArmScript({ ...base, saves: ['file:/etc/a b'] })).toThrow(/file:/);
    expect(() => buildArmScript({ ...base, command: `x\nND_APPLY_${base.id}\ny` })).toThrow(/cannot be sent/);
  });

  it('infers what a command can break', () => {
    expect(inferSaves('iptables -I INPUT 1 -j DROP')).toEqual(['iptables']);
    expect(inferSaves('nft delete rule inet filter input handle 7')).toEqual(['nft']);
    expect(inferSaves('ip route replace default via 172.16.1.253')).toEqual(['routes']);
    expect(inferSaves('ip link set eth0 down && ip link set eth0 up')).toEqual(['links', 'routes']);
    expect(inferSaves("sed -i '3d' /etc/hosts.deny")).toEqual(['file:/etc/hosts.deny']);
    expect(inferSaves('cat > /etc/resolv.conf <<EOF')).toEqual(['file:/etc/resolv.conf']);
    expect(inferSaves('iptables-save > /tmp/x')).toEqual(['iptables']);
  });

  it('reads state lines, the change output and the restore log', () => {
    const st = parseDeadmanOutput(
      [
        'netdoctor-deadman id=abcdef12 state=armed seconds=5 dir=/run/netdoctor/deadman/abcdef12',
        'netdoctor-deadman id=abcdef12 state=restored at=2026-11-26T12:03:41Z rc=0 reason=apply-failed apply_rc=4',
        'netdoctor-deadman-output id=abcdef12',
        'iptables: Bad rule',
        'netdoctor-deadman-restore-log id=abcdef12',
        'restored',
      ].join('\n'),
    );
    expect(st).toMatchObject({
      id: 'abcdef12',
      state: 'restored',
      at: '2026-11-26T12:03:41Z',
      rc: 0,
      reason: 'apply-failed',
      applyRc: 4,
      dir: '/run/netdoctor/deadman/abcdef12',
      output: 'iptables: Bad rule',
      restoreLog: 'restored',
    });
  });
});

describe.concurrent('dead-man script on a real sh', () => {
  it('a confirmed change stays after the window', async () => {
    const f = scratch();
    const id = newDeadmanId();
    const arm = await run(
      buildArmScript({ id, seconds: 2, saves: [`file:${f}`], command: `echo changed > ${f}; echo done` }),
    );
    expect(arm.st).toMatchObject({ state: 'applied', rc: 0, output: 'done' });
    expect(readFileSync(f, 'utf8')).toBe('changed\n');
    expect((await run(buildConfirmScript(id))).st.state).toBe('confirmed');
    await sleep(2600);
    expect(readFileSync(f, 'utf8')).toBe('changed\n');
    expect((await run(buildStatusScript(id))).st.state).toBe('confirmed');
    // The rollback of a confirmed change puts the saved state back, once.
    expect((await run(buildRestoreScript(id))).st).toMatchObject({
      state: 'restored',
      reason: 'undo',
      rc: 0,
    });
    expect(readFileSync(f, 'utf8')).toBe('original\n');
    writeFileSync(f, 'edited later\n');
    expect((await run(buildRestoreScript(id))).st.reason).toBe('undo');
    expect(readFileSync(f, 'utf8')).toBe('edited later\n');
  });

  it('an unconfirmed change is restored by the guest at the end of the window; a late confirm is refused', async () => {
    const f = scratch();
    const id = newDeadmanId();
    await run(buildArmScript({ id, seconds: 2, saves: [`file:${f}`], command: `echo changed > ${f}` }));
    expect(readFileSync(f, 'utf8')).toBe('changed\n');
    await sleep(3000);
    expect(readFileSync(f, 'utf8')).toBe('original\n');
    const st = (await run(buildStatusScript(id))).st;
    expect(st).toMatchObject({ state: 'restored', reason: 'timeout', rc: 0 });
    expect(st.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await run(buildConfirmScript(id))).st.state).toBe('restored');
  });

  it('restores a file the change created by removing it', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'nd-dm-')), 'new');
    const id = newDeadmanId();
    await run(buildArmScript({ id, seconds: 2, saves: [`file:${f}`], command: `echo x > ${f}` }));
    expect(existsSync(f)).toBe(true);
    await run(buildRestoreScript(id));
    expect(existsSync(f)).toBe(false);
  });

  it('a failing change is restored at once', async () => {
    const f = scratch();
    const id = newDeadmanId();
    const arm = await run(
      buildArmScript({
        id,
        seconds: 30,
        saves: [`file:${f}`],
        command: `echo half > ${f}; echo boom >&2; exit 4`,
      }),
    );
    expect(arm.st).toMatchObject({ state: 'restored', reason: 'apply-failed', applyRc: 4, output: 'boom' });
    expect(readFileSync(f, 'utf8')).toBe('original\n');
  });

  it('changes nothing when the state cannot be saved', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nd-dm-'));
    mkdirSync(join(d, 'adir'));
    const marker = join(d, 'applied');
    const id = newDeadmanId();
    const arm = await run(
      buildArmScript({ id, seconds: 30, saves: [`file:${join(d, 'adir')}`], command: `touch ${marker}` }),
    );
    expect(arm.code).toBe(91);
    expect(arm.st).toMatchObject({ state: 'not-armed', reason: 'save-failed' });
    expect(existsSync(marker)).toBe(false);
    expect((await run(buildStatusScript(id))).st).toMatchObject({ state: 'unknown', reason: 'no-record' });
  });

  it('the timer and the change outlive the session that armed them', async () => {
    const f = scratch();
    const id = newDeadmanId();
    // The session is killed (whole process group) while the change is still running.
    const arm = await local.run(
      buildArmScript({
        id,
        seconds: 3,
        saves: [`file:${f}`],
        command: `sleep 1; echo changed > ${f}`,
        waitSeconds: 10,
      }),
      { timeoutMs: 600 },
    );
    expect(arm.timedOut).toBe(true);
    await sleep(1200);
    expect(readFileSync(f, 'utf8')).toBe('changed\n');
    await sleep(2200);
    expect(readFileSync(f, 'utf8')).toBe('original\n');
    expect((await run(buildStatusScript(id))).st.reason).toBe('timeout');
  });
});

describe.concurrent('runUnderDeadman', () => {
  it('confirms over a new connection once the change is seen finished', async () => {
    const f = scratch();
    const events: DeadmanEvent['type'][] = [];
    let opened = 0;
    const out = await runUnderDeadman({
      guest: local,
      reconnect: async () => {
        opened++;
        return openLocal();
      },
      spec: { id: newDeadmanId(), seconds: 3, saves: [`file:${f}`], command: `echo changed > ${f}` },
      onEvent: (e) => events.push(e.type),
    });
    expect(out.kind).toBe('confirmed');
    expect(opened).toBe(1);
    expect(events).toEqual(['deadman-armed', 'deadman-reconnecting', 'deadman-confirmed']);
    await sleep(3300);
    expect(readFileSync(f, 'utf8')).toBe('changed\n');
  });

  it('when no new connection gets in, waits for the guest to restore and reads its record', async () => {
    const f = scratch();
    let allow = false;
    const reconnect = async (): Promise<Transport> => {
      if (!allow) throw new Error('connect ETIMEDOUT');
      return openLocal();
    };
    const events: DeadmanEvent[] = [];
    const p = runUnderDeadman({
      guest: local,
      reconnect,
      spec: { id: newDeadmanId(), seconds: 2, saves: [`file:${f}`], command: `echo changed > ${f}` },
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'deadman-waiting') allow = true;
      },
    });
    const out = await p;
    expect(out.kind).toBe('rolled-back');
    if (out.kind !== 'rolled-back') return;
    expect(out.state.reason).toBe('timeout');
    expect(readFileSync(f, 'utf8')).toBe('original\n');
    expect(events.map((e) => e.type)).toContain('deadman-expired');
    expect(events.filter((e) => e.type === 'deadman-reconnecting' && e.error).length).toBeGreaterThan(0);
  });

  it('reports not-armed (nothing changed) when the save fails', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nd-dm-'));
    mkdirSync(join(d, 'adir'));
    const out = await runUnderDeadman({
      guest: local,
      reconnect: async () => openLocal(),
      spec: { id: newDeadmanId(), seconds: 5, saves: [`file:${join(d, 'adir')}`], command: 'true' },
    });
    expect(out).toMatchObject({ kind: 'not-armed', reason: 'save-failed' });
  });
});
