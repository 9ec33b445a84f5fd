/**
 * Guest collection over SSH against a bare `ssh host true`: both talk to the same real OpenSSH sshd in a
 * network namespace (198.18.0.0/15), with the same key. One sample of the collection is a whole refresh of
 * the guest layer — open the connection (key exchange, host key check, auth), run the collection script,
 * parse it, close — so the ratio says what netdoctor adds on top of simply logging in. Samples alternate
 * between the two so background load hits both alike; medians are compared. Needs root (namespaces).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { collectGuestFacts } from '../source/guest/collect.js';
import { openSsh } from '../source/guest/transport/ssh.js';
import type { Transport } from '../source/guest/transport/types.js';
import { createNsHost, type NsHost, type Sshd, startSshd } from '../test/support/netns.js';
import type { BenchFn, BenchRow } from './types.js';

const BUDGET_RATIO = 1.5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sshTrue(host: NsHost, sshd: Sshd): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${sshd.knownHosts}`,
        '-F',
        '/dev/null',
        '-i',
        sshd.clientKey,
        `root@${host.ip}`,
        'true',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`ssh true exited ${code}: ${err.trim()}`)),
    );
  });
}

/** The script's own wall time, from its closing marker (`@@ND:<id>:DONE ms=N`), to show where time goes. */
function scriptMs(stdout: string): number | undefined {
  const m = /^@@ND:[^:\s]+:DONE ms=(\d+)/m.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

async function collectOnce(
  host: NsHost,
  sshd: Sshd,
): Promise<{ ms: number; connections: number; ok: boolean; scriptMs?: number }> {
  const started = performance.now();
  const ssh = await openSsh({
    host: host.ip,
    user: 'root',
    identity: sshd.clientKey,
    knownHosts: sshd.knownHosts,
    agent: false,
    configFile: 'none',
    systemConfig: false,
  });
  let guestMs: number | undefined;
  // The same transport, noting the script's own timing as the output passes by.
  const t: Transport = {
    ...ssh,
    run: async (cmd, o) => {
      const r = await ssh.run(cmd, o);
      guestMs = scriptMs(r.stdout);
      return r;
    },
  };
  try {
    const facts = await collectGuestFacts(t, { now: Date.now() });
    const ok = !facts.interfaces.error && !facts.routes.error && !facts.sockets.error;
    return { ms: performance.now() - started, connections: ssh.stats().connections, ok, scriptMs: guestMs };
  } finally {
    await ssh.close();
  }
}

export const benchSsh: BenchFn = async () => {
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/sshd'))
    return [
      {
        name: 'ssh: full collection vs ssh true',
        value: Number.NaN,
        unit: 'ms',
        budget: BUDGET_RATIO,
        pass: false,
        note: 'not measured: needs root (network namespaces) and openssh-server',
      },
    ];
  const n = Number(process.env.NETDOCTOR_BENCH_SSH_N ?? 9);
  const host = await createNsHost();
  let sshd: Sshd | undefined;
  try {
    // The namespace's resolver is its own address, where nothing listens: DNS fails at once instead of
    // waiting out a timeout on the host's resolver, which the namespace cannot reach. Written before sshd
    // starts: `ip netns exec` bind-mounts /etc/netns/NAME files only at exec time.
    await host.etc('resolv.conf', `nameserver ${host.ip}\n`);
    sshd = await startSshd(host);
    await sshTrue(host, sshd);
    await collectOnce(host, sshd); // warm-up: page cache, JIT
    const bare: number[] = [];
    const full: number[] = [];
    const conns: number[] = [];
    const script: number[] = [];
    let failures = 0;
    for (let i = 0; i < n; i++) {
      bare.push(await sshTrue(host, sshd));
      const c = await collectOnce(host, sshd);
      full.push(c.ms);
      conns.push(c.connections);
      if (c.scriptMs !== undefined) script.push(c.scriptMs);
      if (!c.ok) failures++;
    }
    const b = median(bare);
    const f = median(full);
    const ratio = f / b;
    const s = script.length ? median(script) : Number.NaN;
    const rows: BenchRow[] = [
      {
        name: 'ssh: full guest collection over SSH',
        value: f,
        unit: 'ms',
        budget: BUDGET_RATIO,
        baseline: b,
        ratio,
        pass: ratio <= BUDGET_RATIO && failures === 0,
        note:
          `median of ${n}: connect + collection script + parse + close, vs median \`ssh -o BatchMode=yes root@${host.ip} true\` ` +
          `(OpenSSH client, same key and sshd)${failures ? `; ${failures} collections missed core facts` : ''}`,
      },
      {
        name: 'ssh: connections per collection',
        value: Math.max(...conns),
        unit: 'count',
        budget: 1,
        pass: Math.max(...conns) === 1,
        note: 'TCP/SSH connections the transport opened for one full collection',
      },
      {
        name: 'ssh: collection script on the guest',
        value: s,
        unit: 'ms',
        pass: true,
        note: 'median wall time the collection script reports for itself (part of the collection above)',
      },
      {
        name: 'ssh: collection minus the script',
        value: f - s,
        unit: 'ms',
        budget: BUDGET_RATIO,
        baseline: b,
        ratio: (f - s) / b,
        pass: (f - s) / b <= BUDGET_RATIO,
        note: 'what the transport adds (connect, auth, session, transfer, parse, close) next to a bare ssh true',
      },
    ];
    return rows;
  } finally {
    sshd?.stop();
    await host.close();
  }
};
