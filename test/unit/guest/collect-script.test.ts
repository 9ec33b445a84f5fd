/**
 * The collection script as text and as a program: POSIX (dash, bash, busybox-free checks), small enough for
 * Cloud Assistant, and — run for real on this machine, minus the sections that touch the network — framed the
 * way the splitter expects, with fallbacks named. Runs in namespaces are in test/host/collection-script.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCollection } from '../../../source/guest/collection.js';
import {
  buildCollectScript,
  COLLECT_MARKER,
  COLLECT_SCRIPT,
  collectSectionNames,
} from '../../../source/guest/script/collect.js';
import { LANES } from '../../../source/guest/script/sections.js';
import { splitCollection } from '../../../source/guest/script/split.js';

const dir = mkdtempSync(join(tmpdir(), 'nd-collect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Sections that read only this machine (no DNS lookup, which would leave the machine). */
const LOCAL_SECTIONS = collectSectionNames().filter((n) => n !== 'dns');

describe('the script text', () => {
  it('parses under dash, bash and POSIX sh', () => {
    const p = file('collect.sh', COLLECT_SCRIPT);
    for (const sh of ['dash', 'bash', 'sh']) if (has(sh)) expect(spawnSync(sh, ['-n', p]).status).toBe(0);
    expect(spawnSync('bash', ['--posix', '-n', p]).status).toBe(0);
  });

  it('uses no bashisms the usual way in', () => {
    // [[ ]], arrays, `function`, `source`, `==` in test, $'…', <<< and &> are not POSIX.
    const bashisms = [
      /\[\[/,
      /\bfunction\s+\w+/,
      /(^|[;\s])source\s/m,
      /\[ [^\]]*==/,
      /(^|[\s=(])\$'/m,
      /<<</,
      /&>/,
      /\$\{\w+\[/,
    ];
    for (const re of bashisms) expect(COLLECT_SCRIPT).not.toMatch(re);
  });

  it('fits in a Cloud Assistant command (base64 at most 16 KiB)', () => {
    expect(Buffer.from(COLLECT_SCRIPT).toString('base64').length).toBeLessThan(16 * 1024);
  });

  it('starts with the marker the simulator recognises, and lists every section once', () => {
    expect(COLLECT_SCRIPT).toContain(`echo "${COLLECT_MARKER} v=1 id=$ND_ID cap=2000"`);
    const names = collectSectionNames();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'system',
        'ip-addr',
        'iptables',
        'nft',
        'sockets',
        'services',
        'resolv',
        'dns',
        'hosts-deny',
        'conntrack',
        'kernel-log',
        'netdev',
        'ethtool',
        'sysctl',
      ]),
    );
  });

  it('takes options: sections, lookup name, ports, cap, timeouts; refuses a lookup name that is not a host name', () => {
    const s = buildCollectScript({
      sections: ['system', 'dns'],
      lookupName: 'example.org',
      extraPorts: [5432],
      connectionCap: 10,
      timeouts: { dns: 2 },
    });
    expect(s).toMatch(/^nd system 5 /m);
    expect(s).toMatch(/^run dns 2 /m);
    expect(s).not.toMatch(/^nd sockets /m);
    expect(s).toContain("N='\\''example.org'\\''");
    expect(buildCollectScript({ extraPorts: [5432] })).toContain('postgresql');
    expect(s).toContain('cap=10');
    expect(() => buildCollectScript({ lookupName: 'x; rm -rf /' })).toThrow(/not a host name/);
    expect(buildCollectScript({ budgetSeconds: 12 })).toContain('ND_END=$(( C + 12 * 100 ))');
    expect(() => buildCollectScript({ budgetSeconds: 0 })).toThrow(/whole number of seconds/);
  });
});

describe('the lanes', () => {
  /** `lane T steps…` lines of a script, as [timeout, steps]; `if sd; then A else B fi` gives A (systemd) or B. */
  const lanes = (script: string, systemd = true) =>
    script
      .split('\n')
      .map((l) => {
        const m = /^if sd; then (lane .*?) & else (lane .*?) & fi$/.exec(l);
        return m ? m[systemd ? 1 : 2] : /^(lane .*?) &$/.exec(l)?.[1];
      })
      .filter((l): l is string => l !== undefined)
      .map((l) => l.split(' ').slice(1));

  it('run every section once: DNS first in a lane of its own, the others as LANES plans them', () => {
    for (const systemd of [true, false]) {
      const listed = lanes(COLLECT_SCRIPT, systemd).flatMap(([, ...steps]) =>
        steps.flatMap((s) => s.split('+')),
      );
      expect([...listed, 'dns'].sort()).toEqual([...collectSectionNames()].sort());
    }
    expect(COLLECT_SCRIPT).toMatch(/^run dns 9 /m);
    // DNS is started before any other section's body is even written.
    expect(COLLECT_SCRIPT.indexOf('\nrun dns ')).toBeLessThan(COLLECT_SCRIPT.indexOf('\nnd '));
    expect(lanes(COLLECT_SCRIPT).map(([, ...steps]) => steps.join(' '))).toEqual(LANES);
  });

  it('after sockets on systemd (they share its pids), beside it without (init scripts need none)', () => {
    const first = (systemd: boolean) =>
      lanes(COLLECT_SCRIPT, systemd).find((l) => l.join(' ').includes('sockets'))!;
    expect(first(true)[1]).toBe('sockets');
    expect(first(true)[2].split('+')).toContain('services');
    expect(first(false)[1].split('+')).toEqual(['sockets', 'services']);
    expect(first(false)[2].split('+')).not.toContain('services');
  });

  it('take the longest budget of their sections; a section given its own budget runs alone', () => {
    const own = buildCollectScript({ timeouts: { 'hosts-deny': 2 } });
    const ls = lanes(own);
    expect(ls).toContainEqual(['2', 'hosts-deny']);
    expect(ls.find((l) => l.includes('system'))).toEqual([
      '5',
      'system',
      'resolv',
      'hosts-allow',
      'conntrack',
      'sockstat',
      'netdev',
      'sysctl',
    ]);
    expect(ls.find((l) => l.includes('iptables'))?.[0]).toBe('8');
  });

  it('follow a plan given as an option; sections it leaves out run alone', () => {
    const s = buildCollectScript({ sections: LOCAL_SECTIONS, lanes: ['netdev+sysctl system'] });
    const ls = lanes(s);
    expect(ls[0]).toEqual(['5', 'netdev+sysctl', 'system']);
    expect(ls).toContainEqual(['8', 'iptables']);
    expect(ls).toHaveLength(1 + LOCAL_SECTIONS.length - 3);
  });
});

describe('the script run on this machine (no DNS section)', () => {
  const script = file('local.sh', buildCollectScript({ sections: LOCAL_SECTIONS }));

  it('under dash: every section framed and ended, the facts parse', () => {
    const r = spawnSync('dash', [script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const split = splitCollection(r.stdout);
    expect(split.done).toBe(true);
    expect([...split.sections.keys()]).toEqual(LOCAL_SECTIONS);
    for (const s of split.sections.values()) expect([s.name, s.complete]).toEqual([s.name, true]);
    const g = parseCollection(r.stdout, { at: Date.now(), via: 'local' });
    expect(g.interfaces.value?.some((i) => i.name === 'lo')).toBe(true);
    expect(g.netdev.value?.some((n) => n.iface === 'lo')).toBe(true);
    expect(g.sysctls.value?.['net.ipv4.ip_forward']).toMatch(/^[01]$/);
    expect(split.totalMs).toBeLessThan(10_000);
  });

  it('with ss and timeout missing from PATH: netstat is used and the watchdog replaces timeout', () => {
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    for (const d of ['/usr/bin', '/bin']) {
      for (const f of readdirSync(d)) {
        if (f === 'ss' || f === 'timeout') continue;
        try {
          symlinkSync(join(d, f), join(bin, f));
        } catch {}
      }
    }
    const r = spawnSync('dash', [script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: `${bin}:/usr/sbin:/sbin`, HOME: dir },
    });
    expect(r.status).toBe(0);
    const split = splitCollection(r.stdout);
    expect(split.sections.get('sockets')?.tool).toBe('netstat');
    expect(split.sections.get('connections')?.tool).toBe('netstat');
    // The watchdogs that stand in for timeout(1) are killed as each section ends: no waiting at the end.
    expect(split.totalMs).toBeLessThan(4000);
    const g = parseCollection(r.stdout, { at: 0, via: 'local' });
    expect(g.sockets.error).toBeUndefined();
    expect(g.socketStates.value).toBeDefined();
  });

  it('with LANG set to a non-C locale the output is still C (LC_ALL=C forced)', () => {
    const r = spawnSync('dash', [file('one.sh', buildCollectScript({ sections: ['sockets'] }))], {
      encoding: 'utf8',
      env: { ...process.env, LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', LANGUAGE: 'de' },
    });
    expect(r.stdout).toMatch(/@@ND:\S+:TOOL (ss|netstat)/);
    expect(r.stdout).not.toMatch(/Aktive Internetverbindungen/);
  });
});
