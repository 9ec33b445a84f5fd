/**
 * The collection script's lanes, run for real in a network namespace: running sections at the same time must
 * read the same facts as running them one after another, the sections must really overlap, a tool that hangs
 * in a lane shared with other sections must be named while the sections after it are still read (with
 * timeout(1) and with the watchdog that stands in for it), and services and libwrap must find the listening
 * processes from the sockets section's output.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCollection } from '../../source/guest/collection.js';
import {
  buildCollectScript,
  COLLECT_SCRIPT,
  collectSectionNames,
} from '../../source/guest/script/collect.js';
import { splitCollection } from '../../source/guest/script/split.js';
import type { GuestFacts } from '../../source/model/index.js';
import { createNsHost, type NsHost } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

/** Facts with what changes from one run to the next set aside: timings, raw text, counters, the kernel log. */
function stable(f: GuestFacts): unknown {
  const strip = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(strip);
    if (o && typeof o === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) if (!['ms', 'at', 'raw'].includes(k)) out[k] = strip(v);
      return out;
    }
    return o;
  };
  return strip({
    ...f,
    // Counters move with the lookups' own packets; the kernel log is the whole machine's.
    netdev: f.netdev.value?.map((n) => n.iface),
    kernelLog: f.kernelLog.error?.code,
    conntrack: f.conntrack.value?.max ?? f.conntrack.error?.code,
    dns: f.dns.value?.map((d) => [d.server ?? 'system', d.ok]),
    // The script's own lookups (UDP to the resolver) are in flight, or not, when ss runs.
    sockets: f.sockets.value?.filter((s) => s.peer.port !== 53),
  });
}

describe.runIf(tierReady(hostTier()))('the collection script’s lanes in a network namespace', () => {
  let host: NsHost;

  const runScript = async (name: string, text: string, env = '') => {
    const file = join(host.tmp, name);
    writeFileSync(file, text, { mode: 0o644 });
    const t0 = Date.now();
    const r = await host.sh(`${env} dash ${file}`, 60_000);
    return { ...r, elapsed: Date.now() - t0, split: splitCollection(r.stdout) };
  };

  beforeAll(async () => {
    host = await createNsHost();
    chmodSync(host.tmp, 0o755);
    // Nothing listens on the host's own address: lookups fail at once instead of waiting out a timeout.
    await host.etc('resolv.conf', `nameserver ${host.ip}\noptions timeout:1 attempts:1\n`);
    await host.etc('hosts.deny', 'sshd: 198.51.100.0/24\n');
    const r = await host.sh(
      'ip link add ndv0 type veth peer name ndv1 && iptables -A INPUT -p tcp --dport 2222 -j DROP && nft add table inet nd',
    );
    if (r.code !== 0) throw new Error(`namespace setup failed: ${r.stderr}`);
    host.spawn('socat', ['TCP4-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork', 'EXEC:true']);
    for (let i = 0; i < 50; i++) {
      if ((await host.sh('ss -Htln')).stdout.includes('127.0.0.1:8080')) break;
      await new Promise((res) => setTimeout(res, 50));
    }
  });

  afterAll(async () => {
    await host?.close();
  });

  it('sections run at the same time read the same facts as one after another, and really overlap', async () => {
    const sequential = buildCollectScript({ lanes: [collectSectionNames().join(' ')] });
    const a = await runScript('lanes.sh', COLLECT_SCRIPT);
    const b = await runScript('sequential.sh', sequential);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const fa = parseCollection(a.stdout, { at: 0, via: 'local' });
    const fb = parseCollection(b.stdout, { at: 0, via: 'local' });
    expect(stable(fa)).toEqual(stable(fb));
    expect(fa.interfaces.value?.some((i) => i.name === 'ndv0')).toBe(true);
    // Overlap: in lanes the sections' own times add up to more than the whole run; one after another, not.
    // (The DNS lookups always run beside the rest: they are left out of both sums.)
    const sum = (s: typeof a.split) =>
      [...s.sections.values()].filter((x) => x.name !== 'dns').reduce((n, x) => n + (x.ms ?? 0), 0);
    expect(sum(a.split)).toBeGreaterThan(a.split.totalMs!);
    expect(sum(b.split)).toBeLessThanOrEqual(b.split.totalMs! + 10);
    console.info(
      `lanes: ${a.split.totalMs} ms (sections add up to ${sum(a.split)} ms); one after another: ${b.split.totalMs} ms`,
    );
  });

  it('services and libwrap find the listening processes from the sockets section', async () => {
    const r = await runScript('full.sh', COLLECT_SCRIPT);
    const f = parseCollection(r.stdout, { at: 0, via: 'local' });
    // socat is not in libwrap's fixed list: it is there because sockets listed its pid.
    expect(typeof f.tcpWrappers.value?.libwrap['/usr/bin/socat']).toBe('boolean');
    const item = splitCollection(r.stdout).sections.get('libwrap')?.stdout ?? '';
    expect(item).toMatch(/ITEM \/usr\/bin\/socat rc=[01]/);
  });

  it('one ss serves two sections: the connected list is capped, the state counts count every socket', async () => {
    // Short connections to the socat listener (it runs `true` and closes): each leaves a TIME-WAIT socket.
    await host.sh(
      'for i in 1 2 3 4 5 6 7 8; do bash -c "exec 3<>/dev/tcp/127.0.0.1/8080; cat <&3" >/dev/null 2>&1; done',
    );
    const r = await runScript('cap.sh', buildCollectScript({ connectionCap: 3 }));
    const f = parseCollection(r.stdout, { at: 0, via: 'local' });
    const split = r.split.sections;
    expect(['sockets', 'connections', 'socket-states'].map((n) => split.get(n)?.tool)).toEqual([
      'ss',
      'ss',
      'ss',
    ]);
    const connected = f.sockets.value!.filter((s) => s.state !== 'LISTEN' && s.state !== 'UNCONN');
    expect(connected).toHaveLength(3);
    expect(f.sockets.warnings?.join('\n')).toMatch(/only the first 3 connected sockets/);
    expect(f.socketStates.value!['TIME-WAIT']).toBeGreaterThanOrEqual(8);
    expect(f.socketStates.value!.LISTEN).toBe(1);
    // The listening section lists listeners only; it has no connected socket in it.
    expect(split.get('sockets')!.stdout).not.toMatch(/TIME-WAIT|ESTAB/);
  });

  describe('a tool that hangs in a lane shared with other sections', () => {
    // A FIFO nobody writes to: `cat /etc/hosts.allow` blocks in open(2) like a hung tool.
    const allow = () => join(host.etcDir, 'hosts.allow');
    beforeAll(() => {
      rmSync(allow(), { force: true });
      execFileSync('mkfifo', [allow()]);
    });
    afterAll(() => {
      rmSync(allow(), { force: true });
    });

    const check = (r: Awaited<ReturnType<typeof runScript>>) => {
      expect(r.split.done).toBe(true);
      const f = parseCollection(r.stdout, { at: 0, via: 'local' });
      expect(r.split.sections.get('hosts-allow')?.rc).toBe(124);
      expect(f.tcpWrappers.error).toMatchObject({ code: 'TIMEOUT' });
      // The sections after it in its lane ran again, in a new lane, and were read.
      expect(f.tcpWrappers.value?.deny.map((d) => d.daemons)).toEqual([['sshd']]);
      expect(f.sysctls.error).toBeUndefined();
      expect(f.netdev.value?.some((n) => n.iface === 'ndv0')).toBe(true);
      expect(f.conntrack.error?.code ?? 'read').not.toBe('TIMEOUT');
      // Other lanes were not held up.
      expect(f.interfaces.error).toBeUndefined();
      // The lane's limit is 5 s; well under the 25 s budget.
      expect(r.elapsed).toBeLessThan(12_000);
    };

    it('is stopped by timeout(1) and named; the rest of its lane is read', async () => {
      check(await runScript('hang.sh', COLLECT_SCRIPT));
    });

    it('without timeout(1), the watchdog stops it the same way', async () => {
      const bin = join(host.tmp, 'no-timeout-bin');
      mkdirSync(bin, { recursive: true });
      for (const d of ['/usr/bin', '/bin']) {
        for (const f of readdirSync(d)) {
          if (f === 'timeout') continue;
          try {
            symlinkSync(join(d, f), join(bin, f));
          } catch {}
        }
      }
      check(await runScript('hang-watchdog.sh', COLLECT_SCRIPT, `env -i PATH=${bin}:/usr/sbin:/sbin`));
    });
  });
});
