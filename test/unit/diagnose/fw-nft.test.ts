/**
 * The nftables evaluator on real `nft -j list ruleset` dumps (test/fixtures/firewall/*.nft.json, captured by
 * generate.sh after `nft -f src/NAME.nft`), read through the production parser.
 */
import { describe, expect, it } from 'vitest';
import { evaluateNft, expectedProbe } from '../../../source/diagnose/evaluate/guest-firewall.js';
import { nftRuleText } from '../../../source/diagnose/evaluate/nft.js';
import { replyPacket } from '../../../source/diagnose/evaluate/packet.js';
import type { NftRule } from '../../../source/model/index.js';
import { GUEST, nft, tcpIn, tcpOut, udpIn } from './fw-helpers.js';

const text = (r: unknown) => (r ? nftRuleText(r as NftRule) : undefined);

describe('Debian 12 default /etc/nftables.conf', () => {
  it('accepts everything, by the policies of empty base chains', () => {
    const rs = nft('debian-default.nft.json');
    const v = evaluateNft(rs, tcpIn(22, 'internet'));
    expect([v.verdict, v.confidence, v.policy]).toEqual([
      'accept',
      'certain',
      { chain: 'input', policy: 'accept' },
    ]);
    expect(evaluateNft(rs, tcpOut(443, 'internet')).verdict).toBe('accept');
  });
});

describe('a hand-written server policy', () => {
  const rs = nft('server.nft.json');
  const v = (p: Parameters<typeof evaluateNft>[1]) => evaluateNft(rs, p);

  it('renders rules as nft would print them, for evidence', () => {
    const r = v(tcpIn(22, '198.51.100.9'));
    expect(text(r.rule)).toBe('inet filter input: tcp dport 22 ip saddr @allowed_ssh accept (handle 12)');
    expect(r.lines).toEqual([text(r.rule)]);
  });

  it('named interval sets decide SSH: accepted from the set, dropped by the input policy otherwise', () => {
    expect(v(tcpIn(22, '203.0.113.7')).verdict).toBe('accept');
    const other = v(tcpIn(22, '8.8.4.4'));
    expect([other.verdict, other.policy]).toEqual(['drop', { chain: 'input', policy: 'drop' }]);
    expect(other.detail).toContain('policy DROP of nft inet filter input');
  });

  it('runs every base chain of the hook in priority order: ingress, then prerouting at raw priority, then input', () => {
    const ingress = v(tcpIn(80, '192.0.2.66'));
    expect([ingress.verdict, ingress.stage]).toEqual(['drop', 'nft netdev edge ingress']);
    const raw = v(tcpIn(80, '192.0.2.5'));
    expect([raw.verdict, raw.stage]).toEqual(['drop', 'nft ip early pre']);
    expect(text(raw.rule)).toBe('ip early pre: ip saddr 192.0.2.0/24 counter drop (handle 2)');
    // nft 1.0.6 leaves the ingress device out of its JSON: assumed to be the packet's, and said so.
    expect(ingress.confidence).toBe('likely');
    expect(ingress.reasons[0]).toContain('device of ingress chain edge ingress is not shown');
    // Bound to eth0 (as newer nft prints it), packets arriving on eth1 skip it and meet the prerouting chain.
    const bound = { ...rs, chains: rs.chains.map((c) => (c.hook === 'ingress' ? { ...c, dev: 'eth0' } : c)) };
    const other = evaluateNft(bound, tcpIn(80, '192.0.2.66', { iif: 'eth1' }));
    expect([other.stage, other.confidence]).toEqual(['nft ip early pre', 'certain']);
  });

  it('an accept in one base chain does not stop the next one at a later priority', () => {
    // 443 from 203.0.113.0/24: accepted by inet filter (web_ports), then rejected by inet late at priority 10.
    const r = v(tcpIn(443, '203.0.113.9'));
    expect([r.verdict, r.rejectWith, r.stage]).toEqual([
      'reject',
      'icmp-port-unreachable',
      'nft inet late input',
    ]);
    expect(expectedProbe(r)).toBe('refused');
    const fine = v(tcpIn(443, '198.51.100.9'));
    expect([fine.verdict, text(fine.rule)]).toEqual([
      'accept',
      'inet filter input: tcp dport @web_ports accept (handle 14)',
    ]);
  });

  it('verdict maps: ct state vmap sends established to accept and invalid to drop', () => {
    const est = v(replyPacket(tcpOut(443)));
    expect([est.verdict, text(est.rule)]).toEqual([
      'accept',
      'inet filter input: ct state vmap { invalid : drop, established : accept, related : accept } (handle 8)',
    ]);
    expect(v(tcpIn(80, '198.51.100.9', { ct: 'INVALID' })).verdict).toBe('drop');
  });

  it('anonymous sets, ranges and prefixes; negated ranges; th dport; sport ranges', () => {
    expect(v(tcpIn(5432, '198.51.100.9', { iif: 'eth1' })).verdict).toBe('accept');
    expect(v(tcpIn(5432, '198.51.100.9', { iif: 'eth0' })).verdict).toBe('drop');
    const rst = v(tcpIn(8050, '198.51.100.9'));
    expect([rst.verdict, rst.rejectWith, expectedProbe(rst)]).toEqual(['reject', 'tcp-reset', 'refused']);
    expect(v(udpIn(9100, '10.9.9.9')).verdict).toBe('accept');
    expect(v(tcpIn(9100, '10.9.9.9')).verdict).toBe('accept');
    expect(v(udpIn(9100, '11.0.0.1')).verdict).toBe('drop');
    expect(text(v(tcpIn(2000, '10.0.0.200')).rule)).toBe(
      'inet filter input: tcp dport != 1-1023 ip saddr 10.0.0.1-10.0.0.254 accept (handle 24)',
    );
    const low = v(tcpIn(7001, '198.51.100.9', { srcPort: [1, 65535] }));
    expect(low.branches.map((b) => [b.verdict, b.scope])).toEqual([
      ['accept', 'source ports 1024-65535'],
      ['drop', 'source ports 1-1023'],
    ]);
  });

  it('reject kinds: icmpx admin-prohibited, the default port-unreachable, icmp host-unreachable', () => {
    expect([v(tcpIn(25)).verdict, v(tcpIn(25)).rejectWith]).toEqual(['reject', 'icmp-admin-prohibited']);
    expect(v(tcpIn(26)).rejectWith).toBe('icmp-port-unreachable');
    expect(v(tcpIn(27)).rejectWith).toBe('icmp-host-unreachable');
    expect(expectedProbe(v(tcpIn(27)))).toBe('unreachable');
  });

  it('jump returns to the next rule; goto returns to the base chain caller (its policy)', () => {
    expect(text(v(tcpIn(9300, '10.0.0.5')).rule)).toBe(
      'inet filter input: tcp dport != 1-1023 ip saddr 10.0.0.1-10.0.0.254 accept (handle 24)',
    );
    const es = v(tcpIn(9300, '10.200.1.1'));
    expect([text(es.rule), es.path]).toEqual([
      'inet filter es: ip saddr 10.0.0.0/8 accept (handle 32)',
      ['input', 'es'],
    ]);
    expect(v(tcpIn(9300, '172.16.5.5')).path).toEqual(['input']);
    const g = v(tcpIn(9400, '8.8.4.4'));
    expect([g.verdict, g.rejectWith, g.path]).toEqual(['reject', 'tcp-reset', ['input', 'es']]);
    const back = v(tcpIn(9400, '172.16.5.5'));
    expect([back.verdict, back.policy]).toEqual(['drop', { chain: 'input', policy: 'drop' }]);
  });

  it('fib daddr type local, meta mark, meta skuid, iifname wildcards', () => {
    expect(v(tcpIn(7000, '8.8.4.4')).verdict).toBe('accept');
    expect(v(tcpIn(7000, '8.8.4.4', { localAddresses: ['172.16.9.9'] })).verdict).toBe('drop');
    expect(v(tcpIn(9200, '8.8.4.4', { mark: 9 })).verdict).toBe('accept');
    expect(v(tcpIn(9200, '8.8.4.4')).verdict).toBe('drop');
    expect(v(tcpIn(7003, '8.8.4.4', { iif: 'eth7' })).verdict).toBe('accept');
    expect(v(tcpIn(7003, '8.8.4.4', { iif: 'ens5' })).verdict).toBe('drop');
    const uid = v(tcpIn(9600, '8.8.4.4'));
    expect(uid.verdict).toBe('uncertain');
    expect(uid.reasons.join(' ')).toContain('meta skuid is not known for this packet');
  });

  it('limit and meters are rate-dependent; a rule whose both ways end alike stays certain', () => {
    const ping = v({ direction: 'in', protocol: 'icmp', src: '8.8.4.4', dst: GUEST, iif: 'eth0' });
    expect(ping.verdict).toBe('uncertain');
    expect(ping.reasons.join(' ')).toContain('limit passes only while the packet rate stays under it');
    expect(text(ping.rule)).toContain('limit rate 5/second accept');
    const meter = v(tcpIn(2222, '8.8.4.4'));
    expect([meter.verdict, meter.confidence]).toEqual(['drop', 'certain']);
  });

  it('output: oifname, skuid and a negated prefix', () => {
    expect(v(tcpOut(25, '8.8.4.4')).verdict).toBe('drop');
    expect(v(tcpOut(25, '8.8.4.4', { oif: 'eth1' })).verdict).toBe('accept');
    expect(
      v({ direction: 'out', protocol: 'udp', src: GUEST, dst: '8.8.8.8', dstPort: 53, oif: 'eth0' }).verdict,
    ).toBe('drop');
    expect(
      v({ direction: 'out', protocol: 'udp', src: GUEST, dst: '100.100.2.136', dstPort: 53, oif: 'eth0' })
        .verdict,
    ).toBe('accept');
    expect(v(tcpOut(80, '169.254.0.1', { uid: 33 })).verdict).toBe('drop');
    expect(v(tcpOut(80, '169.254.0.1', { uid: 0 })).verdict).toBe('accept');
  });

  it('from the whole internet: an exact split by address, with the largest part first', () => {
    const all = v(tcpIn(80, 'internet'));
    expect(all.partial).toBe(true);
    expect(all.branches.map((b) => [b.verdict, b.scope, b.stage])).toEqual([
      ['accept', 'from all but 192.0.2.0/24', 'nft inet filter input'],
      ['drop', 'from 192.0.2.0/24 except 192.0.2.66/32', 'nft ip early pre'],
      ['drop', 'from 192.0.2.66/32', 'nft netdev edge ingress'],
    ]);
    expect(all.acceptedShare).toBeGreaterThan(0.99);
  });
});

describe('firewalld 1.2 (nftables backend): the inet firewalld table', () => {
  const rs = nft('firewalld.nft.json');

  it('accepts zone services and rejects the rest with icmpx admin-prohibited', () => {
    const ssh = evaluateNft(rs, tcpIn(22, '198.51.100.9'));
    expect(ssh.verdict).toBe('accept');
    expect(ssh.path).toEqual([
      'filter_INPUT',
      'filter_INPUT_ZONES',
      'filter_IN_public',
      'filter_IN_public_allow',
    ]);
    const other = evaluateNft(rs, tcpIn(3306, '198.51.100.9'));
    expect([other.verdict, other.rejectWith]).toEqual(['reject', 'icmp-admin-prohibited']);
    expect(text(other.rule)).toBe(
      'inet firewalld filter_INPUT: reject with icmpx admin-prohibited (handle 26)',
    );
  });

  it('the IPv6 rpfilter rule (fib … oif missing) does not touch IPv4, and is undecidable for IPv6', () => {
    expect(evaluateNft(rs, tcpIn(22, '198.51.100.9')).confidence).toBe('certain');
    const v6 = evaluateNft(rs, {
      direction: 'in',
      protocol: 'tcp',
      src: '2001:db8:9::1',
      dst: 'fd00::10',
      dstPort: 22,
      iif: 'eth0',
    });
    expect(v6.verdict).toBe('uncertain');
    expect(v6.reasons.join(' ')).toContain('fib');
  });

  it('the deny rich rule, ct status dnat, and lo', () => {
    expect(evaluateNft(rs, tcpIn(22, '203.0.113.5')).rejectWith).toBe('icmp-port-unreachable');
    expect(evaluateNft(rs, tcpIn(22, '127.0.0.1', { iif: 'lo', dst: '127.0.0.1' })).verdict).toBe('accept');
    const icmp = evaluateNft(rs, {
      direction: 'in',
      protocol: 'icmp',
      src: 'internet',
      dst: GUEST,
      iif: 'eth0',
    });
    expect(text(icmp.rule)).toBe(
      'inet firewalld filter_IN_public: meta l4proto { icmp, ipv6-icmp } accept (handle 42)',
    );
  });

  it('outbound: accepted, but the IPv6 6to4/mapped destinations are rejected with addr-unreachable', () => {
    expect(evaluateNft(rs, tcpOut(443, 'internet')).verdict).toBe('accept');
    const mapped = evaluateNft(rs, {
      direction: 'out',
      protocol: 'tcp',
      src: 'fd00::10',
      dst: '2002:a00::1',
      dstPort: 443,
      oif: 'eth0',
    });
    expect([mapped.verdict, mapped.rejectWith]).toEqual(['reject', 'icmp6-addr-unreachable']);
  });
});

describe('the nft view of iptables-nft tables', () => {
  it('is opaque where iptables-nft used xt matches: uncertain, which is why the iptables view is trusted', () => {
    const rs = nft('ufw.compat.nft.json');
    const v = evaluateNft(rs, tcpIn(80, '198.51.100.9'));
    expect(v.verdict).toBe('uncertain');
    expect(v.reasons.join(' ')).toMatch(
      /iptables-nft match "(conntrack|multiport|addrtype)" is opaque in the nft view/,
    );
  });

  it('translated expressions still decide exactly where no xt part is in the way', () => {
    const rs = nft('hardened.compat.nft.json');
    const raw = evaluateNft(rs, tcpIn(443, '192.0.2.5'));
    expect([raw.verdict, raw.stage]).toEqual(['drop', 'nft ip raw PREROUTING']);
  });
});
