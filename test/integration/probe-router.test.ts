// The probe runner end to end on loopback: real TCP servers, the real `ping` and `traceroute` binaries,
// the test DNS server. Routing to the real simulator is in probe-sim.test.ts; here a loopback server speaking
// the same SimAdvert contract (source/sim/advert.ts) injects what the simulator never does on purpose
// (HTTP 500, an unknown probe kind, a dead endpoint) to check each becomes an error fact.
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping } from '../../source/probe/ping.js';
import { createProbeRunner, runProbes } from '../../source/probe/router.js';
import { trace } from '../../source/probe/trace.js';
import type { SimAdvert } from '../../source/sim/advert.js';
import { tierReady } from '../support/tier.js';
import { startDns } from '../unit/probe/support/dns-server.js';
import { toolsCheck } from '../unit/probe/support/tools-check.js';

const portOf = (s: net.Server | http.Server) => (s.address() as net.AddressInfo).port;

let open: net.Server;
let closedPort: number;
let dns: Awaited<ReturnType<typeof startDns>>;

beforeAll(async () => {
  open = net.createServer((s) => s.write('220 ready\r\n'));
  await new Promise<void>((r) => open.listen(0, '127.0.0.1', () => r()));
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', () => r()));
  closedPort = portOf(tmp);
  await new Promise((r) => tmp.close(r));
  dns = await startDns({ 'www.shop.test': { a: ['198.18.0.7'] }, 'slow.shop.test': { silent: true } });
});
afterAll(() => {
  open?.close();
  dns?.socket.close();
});

describe.runIf(tierReady(toolsCheck(['ping', 'traceroute', 'tcptraceroute'])))(
  'ping and traceroute binaries on loopback',
  () => {
    it('pings 127.0.0.1 and ::1 with the system ping', async () => {
      for (const host of ['127.0.0.1', '::1']) {
        const p = await ping(host, { count: 2 });
        expect(p).toMatchObject({ host, sent: 2, received: 2, lossPct: 0, via: 'direct' });
        expect(p.rttMs!.max).toBeGreaterThan(0);
        expect(p.error).toBeUndefined();
      }
    });

    it('traces 127.0.0.1 in one hop', async () => {
      const t = await trace('127.0.0.1', { maxHops: 3 });
      expect(t).toMatchObject({ host: '127.0.0.1', protocol: 'udp', tool: 'traceroute', reached: true });
      expect(t.hops).toEqual([{ ttl: 1, address: '127.0.0.1', rttMs: expect.any(Number) }]);
    });

    it('traces a TCP port with tcptraceroute and sees it open', async () => {
      const t = await trace('127.0.0.1', { protocol: 'tcp', port: portOf(open), maxHops: 3 });
      expect(t).toMatchObject({ tool: 'tcptraceroute', reached: true, port: portOf(open) });
      expect(t.hops.at(-1)).toMatchObject({ address: '127.0.0.1', flag: '[open]' });
    });

    it('says which package to install when a tool is missing, instead of crashing', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'nd-notools-'));
      const t = await trace('127.0.0.1', { toolDirs: [empty] });
      expect(t).toMatchObject({ reached: false, hops: [], tool: 'traceroute' });
      expect(t.error).toMatch(/^traceroute is not installed: install the traceroute package/);
      const tt = await trace('127.0.0.1', { protocol: 'tcp', port: 22, toolDirs: [empty] });
      expect(tt.error).toMatch(/neither tcptraceroute nor traceroute is installed/);
      const p = await ping('127.0.0.1', { toolDirs: [empty] });
      expect(p).toMatchObject({ sent: 0, received: 0, lossPct: 100 });
      expect(p.error).toMatch(/^ping is not installed here/);
    });

    it('stops a tool run when the signal fires and keeps what it saw', async () => {
      // 50 echoes 0.2 s apart would take 10 s; the abort ends it early with the replies counted so far.
      // (Traces are stopped the same way; that is checked against a namespace host in test/host.)
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 500);
      const t0 = performance.now();
      const p = await ping('127.0.0.1', { count: 50, signal: ctl.signal });
      expect(performance.now() - t0).toBeLessThan(1500);
      expect(p.sent).toBe(50);
      expect(p.received).toBeGreaterThanOrEqual(1);
      expect(p.received).toBeLessThan(50);
      expect(p.error).toBe('ping was stopped before it finished (probe budget spent)');
    });
  },
);

describe.runIf(tierReady(toolsCheck(['ping', 'traceroute'])))('runProbes, direct', () => {
  it('runs every probe of the plan in parallel and stamps the facts with the snapshot clock', async () => {
    const runner = createProbeRunner();
    expect(runner.mode).toBe('direct');
    const facts = await runProbes(
      {
        tcp: [
          { host: '127.0.0.1', port: portOf(open) },
          { host: '127.0.0.1', port: closedPort },
        ],
        ping: ['127.0.0.1'],
        dns: [{ name: 'www.shop.test', server: dns.server }, { name: 'localhost' }],
        trace: [{ host: '127.0.0.1' }],
      },
      runner,
      { now: 1_700_000_000_000 },
    );
    expect(facts.tcp).toMatchObject({ source: 'probe:tcp', at: 1_700_000_000_000 });
    expect(facts.tcp.value!.map((p) => p.outcome)).toEqual(['delivered', 'refused']);
    // The runner's default hold reads the banner.
    expect(facts.tcp.value![0]).toMatchObject({ after: 'banner', banner: '220 ready' });
    expect(facts.ping.value![0]).toMatchObject({ host: '127.0.0.1', received: 3, lossPct: 0 });
    expect(facts.dns.value!.map((d) => d.ok)).toEqual([true, true]);
    expect(facts.dns.value![0].addresses).toEqual(['198.18.0.7']);
    expect(facts.trace!.value![0].reached).toBe(true);
    for (const f of [facts.tcp, facts.ping, facts.dns, facts.trace!]) {
      expect(f.error).toBeUndefined();
      expect(f.ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('holds the whole plan to its budget', async () => {
    const t0 = performance.now();
    const facts = await runProbes(
      { tcp: [], ping: [], dns: [{ name: 'slow.shop.test', server: dns.server }] },
      createProbeRunner(),
      { now: () => 42, budgetMs: 400 },
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(facts.dns.at).toBe(42);
    expect(facts.dns.value![0]).toMatchObject({ ok: false, error: 'timeout' });
    expect(facts.trace).toBeUndefined();
  });

  it('marks every fact not run under --no-probes, and contacts nothing', async () => {
    const runner = createProbeRunner({ noProbes: true });
    expect(runner.mode).toBe('off');
    const facts = await runProbes(
      { tcp: [{ host: '127.0.0.1', port: portOf(open) }], ping: ['127.0.0.1'], dns: [], trace: [] },
      runner,
      { now: 7 },
    );
    for (const f of [facts.tcp, facts.ping, facts.dns, facts.trace!]) {
      expect(f.value).toBeUndefined();
      expect(f.error).toMatchObject({ code: 'PROBES_DISABLED' });
      expect(f.at).toBe(7);
    }
    expect((await runner.tcp('127.0.0.1', portOf(open))).error).toMatch(/--no-probes/);
  });
});

describe('probes routed to the simulated region', () => {
  let sim: http.Server;
  let advert: SimAdvert;
  const asked: Record<string, string>[] = [];
  beforeAll(async () => {
    sim = http.createServer((req, res) => {
      const q = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
      asked.push(q);
      res.setHeader('content-type', 'application/json');
      if (q.host === '47.96.1.99') {
        res.statusCode = 500;
        return res.end('{"Code":"InternalError"}');
      }
      if (q.kind === 'tcp')
        return res.end(
          JSON.stringify({ host: q.host, port: Number(q.port), outcome: 'timeout', ms: 3000, via: 'sim' }),
        );
      if (q.kind === 'ping')
        return res.end(JSON.stringify({ host: q.host, sent: 3, received: 0, lossPct: 100, via: 'sim' }));
      if (q.kind === 'dns')
        return res.end(JSON.stringify({ name: q.name, ok: true, addresses: ['47.96.1.180'], ms: 1 }));
      res.statusCode = 400;
      res.end(`unknown probe kind ${q.kind}`);
    });
    await new Promise<void>((r) => sim.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${portOf(sim)}`;
    advert = { scenario: 'storefront', probeUrl: `${base}/probe`, echoUrl: `${base}/echo` };
  });
  afterAll(() => {
    sim?.close();
  });

  it("asks the simulator about the scenario's addresses and never contacts them", async () => {
    // 47.96.1.180 belongs to the world: a direct connect would hit the test network guard (outcome error).
    const runner = createProbeRunner({ sim: advert });
    expect(runner.mode).toBe('sim');
    const facts = await runProbes(
      {
        tcp: [{ host: '47.96.1.180', port: 443 }],
        ping: ['47.96.1.180'],
        dns: [{ name: 'shop.example.com' }],
      },
      runner,
      { now: 1 },
    );
    expect(facts.tcp.value).toEqual([
      { host: '47.96.1.180', port: 443, outcome: 'timeout', ms: 3000, via: 'sim' },
    ]);
    expect(facts.ping.value).toEqual([
      { host: '47.96.1.180', sent: 3, received: 0, lossPct: 100, via: 'sim' },
    ]);
    expect(facts.dns.value).toEqual([
      { name: 'shop.example.com', ok: true, addresses: ['47.96.1.180'], ms: 1 },
    ]);
    expect(asked).toContainEqual({ kind: 'tcp', host: '47.96.1.180', port: '443' });
    expect(asked).toContainEqual({ kind: 'ping', host: '47.96.1.180' });
    expect(asked).toContainEqual({ kind: 'dns', name: 'shop.example.com' });
  });

  it('goes direct for addresses the scenario does not own', async () => {
    const runner = createProbeRunner({ sim: advert, ownsAddress: (h) => h.startsWith('47.') });
    const before = asked.length;
    const p = await runner.tcp('127.0.0.1', closedPort);
    expect(p).toMatchObject({ outcome: 'refused', via: 'direct' });
    expect(asked.length).toBe(before);
  });

  it('turns a failing simulator into error facts that say so', async () => {
    const runner = createProbeRunner({ sim: advert });
    const t = await runner.tcp('47.96.1.99', 22);
    expect(t).toMatchObject({ outcome: 'error', via: 'sim' });
    expect(t.error).toBe(
      'the simulated region did not answer the TCP probe (HTTP 500: {"Code":"InternalError"})',
    );
    const tr = await runner.trace('47.96.1.180', { protocol: 'tcp', port: 443 });
    expect(tr).toMatchObject({ reached: false, hops: [], via: 'sim', tool: 'sim' });
    expect(tr.error).toMatch(/did not answer the trace \(HTTP 400: unknown probe kind trace\)/);
    const gone = createProbeRunner({ sim: { ...advert, probeUrl: `http://127.0.0.1:${closedPort}/probe` } });
    expect((await gone.ping('47.96.1.180')).error).toMatch(/did not answer the ping \(ECONNREFUSED/);
  });
});
