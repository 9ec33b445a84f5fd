/**
 * `netdoctor --local` on the machine itself, played inside a network namespace: a node process started with
 * `ip netns exec` discovers "its" instance from a metadata server on the namespace's own loopback
 * (NETDOCTOR_METADATA_URL), collects guest facts with the local transport, and prints them. The test compares
 * them with what it built: address, default route, a firewall rule, a listener, resolv.conf, hosts.deny.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestFacts } from '../../source/model/index.js';
import { createNsHost, type NsHost } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

const root = resolve(import.meta.dirname, '../..');
const mod = (p: string) => pathToFileURL(join(root, p)).href;

/** Runs inside the namespace: a metadata server on 127.0.0.1, discovery through it, then a local collection. */
const SCRIPT = `
import { createServer } from 'node:http';
const { discoverInstance } = await import(${JSON.stringify(mod('source/guest/metadata.ts'))});
const { openLocal } = await import(${JSON.stringify(mod('source/guest/transport/local.ts'))});
const { collectGuestFacts } = await import(${JSON.stringify(mod('source/guest/collect.ts'))});
const tree = { 'instance-id': 'i-bp1localnetns', 'region-id': 'cn-shanghai', 'zone-id': 'cn-shanghai-l', 'private-ipv4': process.env.ND_IP };
const srv = createServer((req, res) => {
  if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('tok');
  const k = (req.url ?? '').replace('/latest/meta-data/', '');
  if (req.headers['x-aliyun-ecs-metadata-token'] !== 'tok' || !(k in tree)) return res.writeHead(404).end();
  res.end(tree[k]);
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
process.env.NETDOCTOR_METADATA_URL = 'http://127.0.0.1:' + srv.address().port + '/latest/meta-data/';
const metadata = await discoverInstance({});
srv.close();
const t = openLocal();
const facts = await collectGuestFacts(t, { now: 42 });
process.stdout.write(JSON.stringify({ metadata, facts }));
`;

describe.runIf(tierReady(hostTier()))('local transport inside a network namespace', () => {
  let host: NsHost;
  let out: { metadata: any; facts: GuestFacts };

  beforeAll(async () => {
    host = await createNsHost();
    // /etc overlays must exist before `ip netns exec` starts the process (it bind-mounts them then).
    // The resolver is the namespace's own address, where nothing listens: the collection's DNS checks fail
    // at once and never leave the namespace.
    await host.etc('resolv.conf', `nameserver ${host.ip}\noptions timeout:1 attempts:1\n`);
    await host.etc('hosts.deny', 'sshd: 198.51.100.7\n');
    await host.etc('hosts.allow', '');
    await host.sh('iptables -w -A INPUT -p tcp --dport 8443 -j DROP');
    const listener = host.spawn(process.execPath, [
      '-e',
      "require('net').createServer().listen(18081, '0.0.0.0')",
    ]);
    for (let i = 0; i < 50; i++) {
      if ((await host.sh('ss -Hltn "sport = :18081"')).stdout.trim()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(listener.exitCode).toBeNull();
    const file = join(host.tmp, 'local-collect.mjs');
    writeFileSync(file, SCRIPT);
    const child = host.spawn(process.execPath, ['--import', 'tsx', file], {
      env: {
        ...process.env,
        ND_IP: host.ip,
        NODE_OPTIONS: `--import=${join(root, 'test/support/net-guard.mjs')}`,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b) => (stdout += b));
    child.stderr?.on('data', (b) => (stderr += b));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    if (code !== 0) throw new Error(`collector in the namespace failed (${code}): ${stderr.slice(0, 2000)}`);
    out = JSON.parse(stdout);
  }, 90_000);

  afterAll(async () => {
    await host?.close();
  });

  it('discovers the instance from the metadata service on the namespace loopback', () => {
    expect(out.metadata.error).toBeUndefined();
    expect(out.metadata.value).toEqual({
      instanceId: 'i-bp1localnetns',
      regionId: 'cn-shanghai',
      zoneId: 'cn-shanghai-l',
      privateIp: host.ip,
      imds: 'v2',
    });
  });

  it('collects the facts that were built: address, default route, firewall rule, listener, resolver, hosts.deny', () => {
    const f = out.facts;
    expect(f.via).toBe('local');
    expect(f.interfaces.at).toBe(42);
    const eth0 = f.interfaces.value?.find((i) => i.name === 'eth0');
    expect(eth0?.addresses).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: host.ip, prefixLen: 30 })]),
    );
    const def = f.routes.value?.find((r) => r.dst === 'default' && r.family === 4);
    expect(def?.gateway).toBe(host.peerIp);
    const input = f.firewall.value?.ipv4?.tables.filter?.chains.INPUT;
    expect(input?.rules.some((r) => r.target === 'DROP' && r.raw.includes('--dport 8443'))).toBe(true);
    expect(
      f.sockets.value?.some(
        (s) => s.state === 'LISTEN' && s.local.port === 18081 && s.local.address === '0.0.0.0',
      ),
    ).toBe(true);
    expect(f.resolv.value?.nameservers).toEqual([host.ip]);
    expect(f.tcpWrappers.value?.deny.map((r) => r.raw)).toEqual(['sshd: 198.51.100.7']);
  });
});
