/**
 * The guest firewall evaluator against the real kernel. For generated rule sets (seeded, so a failure
 * replays), each is installed for real in a network namespace — through iptables-nft, iptables-legacy and
 * native nft — with TCP listeners behind it; the rules are dumped back with the real tools, parsed by the
 * production parsers and evaluated; then a TCP connect from the root namespace checks each prediction:
 * DROP → timeout, REJECT → refused / unreachable (by kind), ACCEPT → delivered.
 */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectOutcomes, evaluateConnection } from '../../source/diagnose/evaluate/guest-firewall.js';
import { parseIptablesSave } from '../../source/guest/parsers/iptables-save.js';
import { parseNftJson } from '../../source/guest/parsers/nft.js';
import type { GuestFirewall } from '../../source/model/index.js';
import { createNsHost, type NsHost } from '../support/netns.js';
import { hostTier, tierReady } from '../support/tier.js';

const PORTS = [20001, 20002, 20003, 20004, 20005, 20006];
const REJECTS = [
  'tcp-reset',
  'icmp-port-unreachable',
  'icmp-host-prohibited',
  'icmp-admin-prohibited',
  'icmp-net-unreachable',
] as const;
type Kind = (typeof REJECTS)[number];
type Target = { t: 'ACCEPT' } | { t: 'DROP' } | { t: 'REJECT'; kind: Kind } | { t: 'RETURN' } | { t: 'JUMP' };
interface HRule {
  src?: { which: number; neg: boolean };
  ports?: { kind: 'one' | 'range' | 'list'; a: number; b: number; neg: boolean };
  ctNew: boolean;
  target: Target;
}
interface HSet {
  policy: 'ACCEPT' | 'DROP';
  input: HRule[];
  user: HRule[];
}

const targetArb = (user: boolean): fc.Arbitrary<Target> =>
  fc.oneof(
    fc.constant<Target>({ t: 'ACCEPT' }),
    fc.constant<Target>({ t: 'DROP' }),
    fc.constantFrom(...REJECTS).map((kind): Target => ({ t: 'REJECT', kind })),
    fc.constant<Target>({ t: 'RETURN' }),
    ...(user ? [] : [fc.constant<Target>({ t: 'JUMP' })]),
  );
const ruleArb = (user: boolean): fc.Arbitrary<HRule> =>
  fc.record(
    {
      src: fc.option(fc.record({ which: fc.integer({ min: 0, max: 3 }), neg: fc.boolean() }), {
        nil: undefined,
      }),
      ports: fc.option(
        fc.record({
          kind: fc.constantFrom<'one' | 'range' | 'list'>('one', 'range', 'list'),
          a: fc.integer({ min: 0, max: 5 }),
          b: fc.integer({ min: 0, max: 5 }),
          neg: fc.boolean(),
        }),
        { nil: undefined },
      ),
      ctNew: fc.boolean(),
      target: targetArb(user),
    },
    { requiredKeys: ['ctNew', 'target'] },
  );
const setArb: fc.Arbitrary<HSet> = fc.record({
  policy: fc.constantFrom<'ACCEPT' | 'DROP'>('ACCEPT', 'DROP'),
  input: fc.array(ruleArb(false), { minLength: 1, maxLength: 6 }),
  user: fc.array(ruleArb(true), { maxLength: 3 }),
});

function sources(host: NsHost): string[] {
  const o = host.peerIp.split('.').map(Number);
  return [`${host.peerIp}/32`, `${o[0]}.${o[1]}.${o[2]}.${o[3] - 1}/30`, '10.0.0.0/8', '198.18.0.0/15'];
}

function portsOf(r: HRule['ports'] & {}): number[] {
  const lo = Math.min(r.a, r.b);
  const hi = Math.max(r.a, r.b);
  if (r.kind === 'one') return [PORTS[r.a]];
  if (r.kind === 'range') return PORTS.slice(lo, hi + 1);
  return [...new Set([PORTS[r.a], PORTS[r.b]])];
}

function iptRule(chain: string, r: HRule, srcs: string[]): string {
  const p = ['-A', chain];
  if (r.src) p.push(...(r.src.neg ? ['!'] : []), '-s', srcs[r.src.which]);
  p.push('-p', 'tcp');
  if (r.ports) {
    const ps = portsOf(r.ports);
    if (r.ports.kind === 'range')
      p.push('-m', 'tcp', ...(r.ports.neg ? ['!'] : []), '--dport', `${ps[0]}:${ps[ps.length - 1]}`);
    else p.push('-m', 'multiport', ...(r.ports.neg ? ['!'] : []), '--dports', ps.join(','));
  }
  if (r.ctNew) p.push('-m', 'conntrack', '--ctstate', 'NEW');
  const t = r.target;
  if (t.t === 'REJECT') p.push('-j', 'REJECT', '--reject-with', t.kind);
  else p.push('-j', t.t === 'JUMP' ? 'U' : t.t);
  return p.join(' ');
}

function iptablesText(s: HSet, srcs: string[]): string {
  return [
    '*filter',
    `:INPUT ${s.policy} [0:0]`,
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':U - [0:0]',
    ...s.input.map((r) => iptRule('INPUT', r, srcs)),
    ...s.user.map((r) => iptRule('U', r, srcs)),
    'COMMIT',
    '',
  ].join('\n');
}

const NFT_REJECT: Record<Kind, string> = {
  'tcp-reset': 'reject with tcp reset',
  'icmp-port-unreachable': 'reject with icmp type port-unreachable',
  'icmp-host-prohibited': 'reject with icmp type host-prohibited',
  'icmp-admin-prohibited': 'reject with icmp type admin-prohibited',
  'icmp-net-unreachable': 'reject with icmp type net-unreachable',
};

function nftRule(r: HRule, srcs: string[]): string {
  const p: string[] = [];
  if (r.src) p.push(`ip saddr ${r.src.neg ? '!= ' : ''}${srcs[r.src.which]}`);
  p.push('meta l4proto tcp');
  if (r.ports) {
    const ps = portsOf(r.ports);
    const v = r.ports.kind === 'range' ? `${ps[0]}-${ps[ps.length - 1]}` : `{ ${ps.join(', ')} }`;
    p.push(`tcp dport ${r.ports.neg ? '!= ' : ''}${v}`);
  }
  if (r.ctNew) p.push('ct state new');
  const t = r.target;
  p.push(t.t === 'REJECT' ? NFT_REJECT[t.kind] : t.t === 'JUMP' ? 'jump u' : t.t.toLowerCase());
  return `    ${p.join(' ')}`;
}

function nftText(s: HSet, srcs: string[]): string {
  return [
    'table inet t {',
    '  chain u {',
    ...s.user.map((r) => nftRule(r, srcs)),
    '  }',
    '  chain input {',
    `    type filter hook input priority 0; policy ${s.policy.toLowerCase()};`,
    ...s.input.map((r) => nftRule(r, srcs)),
    '  }',
    '}',
    '',
  ].join('\n');
}

type Seen = 'delivered' | 'timeout' | 'refused' | 'reset' | 'unreachable' | 'other';

function probe(host: string, port: number, timeoutMs: number): Promise<Seen> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v: Seen) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done('timeout'));
    s.on('connect', () => done('delivered'));
    s.on('error', (e: NodeJS.ErrnoException) =>
      done(
        e.code === 'ECONNREFUSED'
          ? 'refused'
          : e.code === 'ECONNRESET'
            ? 'reset'
            : /^(EHOSTUNREACH|ENETUNREACH|EACCES)$/.test(e.code ?? '')
              ? 'unreachable'
              : 'other',
      ),
    );
  });
}

const BACKENDS = ['iptables-nft', 'iptables-legacy', 'nftables'] as const;
const ROUNDS = Number(process.env.ND_FW_ROUNDS ?? 14);

describe.runIf(tierReady(hostTier()))('guest firewall predictions vs the real kernel', () => {
  let host: NsHost;
  const listeners: ChildProcess[] = [];
  beforeAll(async () => {
    host = await createNsHost();
    // The kernel rate-limits ICMP errors per peer (1/s, burst 6): parallel probes of REJECTed ports would
    // then see timeouts. The evaluator predicts the firewall's answer, so the limiter is switched off here.
    await host.sh('sysctl -q -w net.ipv4.icmp_ratelimit=0');
    for (const port of PORTS)
      listeners.push(host.spawn('socat', [`TCP4-LISTEN:${port},fork,reuseaddr`, 'EXEC:/bin/true']));
    for (;;) {
      const r = await host.sh('ss -Htln');
      if (PORTS.every((p) => r.stdout.includes(`:${p} `))) break;
      await new Promise((res) => setTimeout(res, 50));
    }
  });
  afterAll(async () => {
    for (const l of listeners) l.kill('SIGKILL');
    await host?.close();
  });

  it.each(BACKENDS)('%s: every generated rule set, every port, as predicted', async (backend) => {
    const srcs = sources(host);
    const sets = fc.sample(setArb, {
      seed: Number(process.env.ND_FW_SEED ?? 20261126) + BACKENDS.indexOf(backend),
      numRuns: ROUNDS,
    });
    const mismatches: string[] = [];
    let checked = 0;
    let later = 0;
    for (const s of sets) {
      await host.sh(
        'nft flush ruleset; iptables-legacy -F; iptables-legacy -X; iptables-legacy -P INPUT ACCEPT',
      );
      const rules = backend === 'nftables' ? nftText(s, srcs) : iptablesText(s, srcs);
      const file = `${host.tmp}/rules`;
      await host.sh(`cat > ${file} <<'EOF'\n${rules}EOF`);
      const load =
        backend === 'nftables'
          ? `nft -f ${file}`
          : backend === 'iptables-legacy'
            ? `iptables-legacy-restore < ${file}`
            : `iptables-nft-restore < ${file}`;
      const loaded = await host.sh(load);
      expect(loaded.code, `${load}: ${loaded.stderr}\n${rules}`).toBe(0);
      const save = await host.sh(
        backend === 'iptables-legacy' ? 'iptables-legacy-save' : 'iptables-nft-save',
      );
      const nftJson = await host.sh('nft -j list ruleset');
      const fw: GuestFirewall = { backend, nft: parseNftJson(nftJson.stdout).value };
      if (backend !== 'nftables') fw.ipv4 = parseIptablesSave(save.stdout).value;
      const seen = await Promise.all(PORTS.map((p) => probe(host.ip, p, 600)));
      PORTS.forEach((port, i) => {
        const c = evaluateConnection(fw, {
          direction: 'in',
          protocol: 'tcp',
          src: host.peerIp,
          dst: host.ip,
          srcPort: [32768, 60999],
          dstPort: port,
          iif: 'eth0',
        });
        checked++;
        const want: string[] = connectOutcomes(c);
        const sure = [c.first, c.rest, c.reply].every((v) => v.confidence === 'certain');
        if (!sure || !want.includes(seen[i]))
          mismatches.push(
            `port ${port}: predicted ${want.join(' or ')} (${c.forward.detail}), saw ${seen[i]}\n${rules}`,
          );
        if (want.length > 1) later++;
      });
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(ROUNDS * PORTS.length);
    console.log(
      `${backend}: ${checked} predictions checked, ${later} where only the later packets are refused`,
    );
  });
});
