/** collectGuestFacts: one round trip, and a failed transport yields facts with errors, never an exception. */
import { describe, expect, it } from 'vitest';
import { collectGuestFacts, failedGuestFacts } from '../../../source/guest/collect.js';
import {
  buildCollectScript,
  COLLECT_SCRIPT,
  collectSectionNames,
} from '../../../source/guest/script/collect.js';
import { openLocal } from '../../../source/guest/transport/local.js';
import { type Transport, TransportError } from '../../../source/guest/transport/types.js';

const KEYS = [
  'interfaces',
  'routes',
  'policyRules',
  'firewall',
  'sockets',
  'socketStates',
  'services',
  'networkServices',
  'resolv',
  'dns',
  'tcpWrappers',
  'conntrack',
  'kernelLog',
  'netdev',
  'links',
  'sysctls',
] as const;

describe('collectGuestFacts', () => {
  it('runs the whole collection script as ONE command on this machine and parses it', async () => {
    // Without the DNS section: on this machine it would ask the host's real resolver (tests stay off the network).
    const script = buildCollectScript({ sections: collectSectionNames().filter((n) => n !== 'dns') });
    expect(script).not.toBe(COLLECT_SCRIPT);
    const local = openLocal();
    const seen: string[] = [];
    const t: Transport = {
      ...local,
      run: (cmd, o) => {
        seen.push(cmd);
        return local.run(cmd, o);
      },
    };
    const facts = await collectGuestFacts(t, { now: () => 777, script });
    expect(seen).toEqual([script]);
    expect(facts.via).toBe('local');
    expect(facts.interfaces.error).toBeUndefined();
    expect(facts.interfaces.at).toBe(777);
    expect(facts.interfaces.value?.some((i) => i.name === 'lo')).toBe(true);
    expect(typeof facts.interfaces.ms).toBe('number');
  });

  it('a transport that throws becomes facts that all carry its error', async () => {
    const broken: Transport = {
      kind: 'ssh',
      describe: () => 'root@198.18.0.2',
      run: async () => {
        throw new TransportError(
          { code: 'CONNECTION_LOST', message: 'SSH to root@198.18.0.2: the connection dropped.' },
          'ssh',
        );
      },
      stats: () => ({ connections: 1, commands: 0 }),
      close: async () => {},
    };
    const facts = await collectGuestFacts(broken, { now: 5 });
    expect(facts.via).toBe('ssh');
    for (const k of KEYS) {
      expect(facts[k].error?.code).toBe('CONNECTION_LOST');
      expect(facts[k].value).toBeUndefined();
      expect(facts[k].at).toBe(5);
    }
  });

  it('a script that prints nothing, or hangs, is reported as such', async () => {
    const t = openLocal();
    const silent = await collectGuestFacts(t, { now: 1, script: 'echo "sh: oops" >&2; exit 2' });
    expect(silent.routes.error?.code).toBe('GUEST_COLLECT_FAILED');
    expect(silent.routes.error?.message).toContain('sh: oops');
    const hung = await collectGuestFacts(t, { now: 1, script: 'sleep 5', timeoutMs: 200 });
    expect(hung.routes.error?.code).toBe('GUEST_COLLECT_TIMEOUT');
  });

  it('cancel and unknown errors are facts too', async () => {
    const ac = new AbortController();
    ac.abort();
    const cancelled = await collectGuestFacts(openLocal(), { now: 1, signal: ac.signal, script: 'true' });
    expect(cancelled.sockets.error?.code).toBe('CANCELLED');
    const weird: Transport = {
      kind: 'local',
      describe: () => 'local',
      run: async () => {
        throw new Error('EMFILE: too many open files');
      },
      stats: () => ({ connections: 0, commands: 0 }),
      close: async () => {},
    };
    const f = await collectGuestFacts(weird, { now: 1 });
    expect(f.sockets.error?.code).toBe('GUEST_COLLECT_FAILED');
    expect(f.sockets.error?.message).toContain('EMFILE');
  });

  it('failedGuestFacts covers every fact of GuestFacts', () => {
    const f = failedGuestFacts('assistant', 9, { code: 'ASSISTANT_UNAVAILABLE', message: 'x' });
    expect(Object.keys(f).sort()).toEqual(['via', ...KEYS].sort());
  });
});
