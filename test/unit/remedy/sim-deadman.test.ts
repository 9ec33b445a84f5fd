/**
 * The simulated guest's native dead-man switch: the same scripts the runner sends to a real guest, answered in
 * the same state lines, applied through the simulated command table and restored by the world's clock.
 */
import { describe, expect, it } from 'vitest';
import {
  buildArmScript,
  buildConfirmScript,
  buildRestoreScript,
  buildStatusScript,
  newDeadmanId,
  parseDeadmanOutput,
} from '../../../source/remedy/deadman.js';
import { simDeadman } from '../../../source/sim/guest/deadman.js';
import { execGuestCommand } from '../../../source/sim/guest/exec.js';
import { loadScenario } from '../../../source/sim/index.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');

function setup() {
  const world = loadScenario('storefront', { now: T0 });
  const id = world.target;
  const sh = (cmd: string, now = T0) => {
    const r = simDeadman(world, id, cmd, now, execGuestCommand) ?? execGuestCommand(world, id, cmd, now);
    return { ...r, st: parseDeadmanOutput(r.stdout) };
  };
  const input = () => sh('iptables -S INPUT').stdout;
  return { world, sh, input, guest: world.instances.find((i) => i.id === id)!.guest! };
}

const DROP_SSH = 'iptables -I INPUT 1 -p tcp --dport 22 -j DROP';

describe('simulated dead-man switch', () => {
  it('ignores commands that are not dead-man scripts', () => {
    const { world } = setup();
    expect(simDeadman(world, world.target, 'iptables -S', T0, execGuestCommand)).toBeUndefined();
  });

  it('is what execGuestCommand answers a dead-man script with', () => {
    const { world } = setup();
    const id = newDeadmanId();
    const r = execGuestCommand(
      world,
      world.target,
      buildArmScript({ id, seconds: 5, saves: ['iptables'], command: 'true' }),
      T0,
    );
    expect(parseDeadmanOutput(r.stdout)).toMatchObject({ id, state: 'applied' });
  });

  it('applies the change; a confirmed change stays past the window', () => {
    const { sh, input } = setup();
    const id = newDeadmanId();
    const arm = sh(buildArmScript({ id, seconds: 5, saves: ['iptables'], command: DROP_SSH }));
    expect(arm.st).toMatchObject({ state: 'applied', rc: 0, at: '2026-11-26T12:00:00Z' });
    expect(input()).toContain('-A INPUT -p tcp -m tcp --dport 22 -j DROP');
    expect(sh(buildConfirmScript(id), T0 + 2000).st).toMatchObject({
      state: 'confirmed',
      at: '2026-11-26T12:00:02Z',
    });
    expect(sh(buildStatusScript(id), T0 + 60_000).st.state).toBe('confirmed');
    expect(input()).toContain('--dport 22 -j DROP');
  });

  it('restores the snapshot when the window passes unconfirmed; a late confirm changes nothing', () => {
    const { sh, input } = setup();
    const before = input();
    const id = newDeadmanId();
    sh(buildArmScript({ id, seconds: 5, saves: ['iptables'], command: DROP_SSH }));
    expect(sh(buildStatusScript(id), T0 + 4000).st.state).toBe('applied');
    const late = sh(buildConfirmScript(id), T0 + 6000).st;
    expect(late).toMatchObject({ state: 'restored', reason: 'timeout', at: '2026-11-26T12:00:05Z', rc: 0 });
    expect(input()).toBe(before);
  });

  it('restores at once when the change fails, and on an explicit undo after a confirm', () => {
    const { sh, guest } = setup();
    const resolv = guest.resolvConf;
    const bad = newDeadmanId();
    const arm = sh(
      buildArmScript({
        id: bad,
        seconds: 30,
        saves: ['file:/etc/resolv.conf'],
        command: "printf 'nameserver 10.9.9.9\\n' > /etc/resolv.conf\nfalse",
      }),
    );
    expect(arm.st).toMatchObject({ state: 'restored', reason: 'apply-failed', applyRc: 1 });
    expect(guest.resolvConf).toBe(resolv);

    const good = newDeadmanId();
    sh(
      buildArmScript({
        id: good,
        seconds: 30,
        saves: ['file:/etc/resolv.conf'],
        command: "printf 'nameserver 10.9.9.9\\n' > /etc/resolv.conf",
      }),
    );
    expect(guest.resolvConf).toBe('nameserver 10.9.9.9\n');
    sh(buildConfirmScript(good), T0 + 1000);
    expect(sh(buildRestoreScript(good), T0 + 2000).st).toMatchObject({ state: 'restored', reason: 'undo' });
    expect(guest.resolvConf).toBe(resolv);
  });

  it('restores links and routes (the NIC bounce that does not come back)', () => {
    const { sh, guest } = setup();
    const routes = structuredClone(guest.routes);
    const id = newDeadmanId();
    sh(
      buildArmScript({
        id,
        seconds: 5,
        saves: ['links', 'routes'],
        command: 'ip link set eth0 down && ip route del default',
      }),
    );
    expect(guest.interfaces.find((i) => i.name === 'eth0')!.up).toBe(false);
    expect(sh(buildStatusScript(id), T0 + 10_000).st.state).toBe('restored');
    expect(guest.interfaces.find((i) => i.name === 'eth0')!.up).toBe(true);
    expect(guest.routes).toEqual(routes);
  });

  it('refuses to arm what it cannot save, and knows no unknown id', () => {
    const { sh } = setup();
    const r = sh(
      buildArmScript({
        id: newDeadmanId(),
        seconds: 5,
        saves: ['file:/etc/ssh/sshd_config'],
        command: 'true',
      }),
    );
    expect(r.code).toBe(91);
    expect(r.st).toMatchObject({ state: 'not-armed', reason: 'save-failed', what: '/etc/ssh/sshd_config' });
    expect(sh(buildStatusScript(newDeadmanId())).st).toMatchObject({ state: 'unknown', reason: 'no-record' });
  });
});
