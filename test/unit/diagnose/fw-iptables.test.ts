/**
 * The iptables evaluator on real iptables-save dumps (test/fixtures/firewall/*.iptables-save.txt, captured by
 * generate.sh from the rulesets in src/: ufw, firewalld's iptables backend, Docker, a hardened hand-written
 * policy, a RHEL legacy one and an ip6tables one), read through the production parser.
 */
import { describe, expect, it } from 'vitest';
import { evaluateIptables, expectedProbe } from '../../../source/diagnose/evaluate/guest-firewall.js';
import { replyPacket } from '../../../source/diagnose/evaluate/packet.js';
import { parseIptablesSave } from '../../../source/guest/parsers/iptables-save.js';
import type { IptRule } from '../../../source/model/index.js';
import { fixture, GUEST, ipt, tcpIn, tcpOut, udpIn } from './fw-helpers.js';

function lineOf(name: string, text: string): number {
  const i = fixture(name).split('\n').indexOf(text);
  if (i < 0) throw new Error(`"${text}" not in ${name}`);
  return i + 1;
}

const raw = (r: unknown) => (r as IptRule | undefined)?.raw;

describe('ufw (Ubuntu 22.04) through iptables-nft', () => {
  const rs = ipt('ufw.iptables-save.txt');

  it('accepts 80 and 443 from the whole internet by the multiport rule, with its line', () => {
    for (const port of [80, 443]) {
      const v = evaluateIptables(rs, tcpIn(port, 'internet'));
      expect(v.verdict).toBe('accept');
      expect(v.confidence).toBe('certain');
      const rule = v.rule as IptRule;
      expect(rule.raw).toBe('-A ufw-user-input -p tcp -m multiport --dports 80,443 -j ACCEPT');
      expect(rule.line).toBe(lineOf('ufw.iptables-save.txt', rule.raw));
      expect(v.path).toEqual(['INPUT', 'ufw-before-input', 'ufw-user-input']);
      expect(v.detail).toContain(`line ${rule.line}`);
    }
  });

  it('drops ports nobody allowed by the INPUT policy, and names the policy', () => {
    const v = evaluateIptables(rs, tcpIn(9999, 'internet'));
    expect(v.verdict).toBe('drop');
    expect(v.rule).toBeUndefined();
    expect(v.policy).toEqual({ chain: 'INPUT', policy: 'DROP' });
    expect(v.detail).toContain('policy DROP of iptables filter INPUT');
    expect(expectedProbe(v)).toBe('timeout');
  });

  it('tells DROP from REJECT and the reject kind apart (the probe classification depends on it)', () => {
    const drop = evaluateIptables(rs, tcpIn(3306));
    expect([drop.verdict, raw(drop.rule)]).toEqual([
      'drop',
      '-A ufw-user-input -p tcp -m tcp --dport 3306 -j DROP',
    ]);
    const rst = evaluateIptables(rs, tcpIn(8080));
    expect([rst.verdict, rst.rejectWith]).toEqual(['reject', 'tcp-reset']);
    expect(expectedProbe(rst)).toBe('refused');
    const icmp = evaluateIptables(rs, udpIn(8080));
    expect([icmp.verdict, icmp.rejectWith]).toEqual(['reject', 'icmp-port-unreachable']);
  });

  it('splits an internet source on -s exactly: 10.0.0.0/8 accepted, the rest dropped by policy', () => {
    const mine = evaluateIptables(rs, tcpIn(5432, '10.20.30.40'));
    expect(mine.verdict).toBe('accept');
    expect(raw(mine.rule)).toBe('-A ufw-user-input -s 10.0.0.0/8 -p tcp -m tcp --dport 5432 -j ACCEPT');
    const wide = evaluateIptables(rs, tcpIn(5432, '0.0.0.0/0'));
    expect(wide.verdict).toBe('uncertain');
    expect(wide.partial).toBe(true);
    const acc = wide.branches.find((b) => b.verdict === 'accept')!;
    expect(acc.scope).toBe('from 10.0.0.0/8');
    expect(acc.share).toBeCloseTo(1 / 256, 4);
    expect(wide.branches.find((b) => b.verdict === 'drop')?.scope).toBe('from all but 10.0.0.0/8');
    expect(wide.acceptedShare).toBeCloseTo(1 / 256, 4);
    expect(wide.detail).toContain('depends on the peer');
    // "The internet" leaves private space out: no public client gets 5432.
    expect(evaluateIptables(rs, tcpIn(5432, 'internet')).verdict).toBe('drop');
  });

  it('calls the SSH rate limit (-m recent) uncertain, says why and what each way gives', () => {
    const v = evaluateIptables(rs, tcpIn(22, '198.51.100.7'));
    expect(v.verdict).toBe('uncertain');
    expect(v.partial).toBe(false);
    expect(v.reasons.join(' ')).toMatch(/-m recent .*rate-dependent/);
    const byVerdict = Object.fromEntries(v.branches.map((b) => [b.verdict, b]));
    expect(raw(byVerdict.reject.rule)).toBe(
      '-A ufw-user-limit -j REJECT --reject-with icmp-port-unreachable',
    );
    expect(byVerdict.reject.assumptions[0]).toContain('assumed to match');
    expect(raw(byVerdict.accept.rule)).toBe('-A ufw-user-limit-accept -j ACCEPT');
    expect(raw(v.rule)).toContain('-m recent --update');
    expect(v.lines[0]).toContain('-m recent --update');
  });

  it('accepts the return leg of an inbound connection (ESTABLISHED) and lets the guest reply', () => {
    const fwd = tcpIn(80, 'internet');
    const back = replyPacket(fwd);
    expect(back).toMatchObject({
      direction: 'out',
      src: GUEST,
      dst: 'internet',
      srcPort: 80,
      ct: 'ESTABLISHED',
      oif: 'eth0',
    });
    const v = evaluateIptables(rs, back);
    expect(v.verdict).toBe('accept');
    expect(raw(v.rule)).toBe('-A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    // And replies to the guest's own connections come back in.
    const ret = evaluateIptables(rs, replyPacket(tcpOut(443)));
    expect(raw(ret.rule)).toBe('-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  });

  it('lets new outbound connections out (ufw-track-output) and ping in (icmp echo-request)', () => {
    expect(raw(evaluateIptables(rs, tcpOut(443)).rule)).toBe(
      '-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT',
    );
    const ping = evaluateIptables(rs, {
      direction: 'in',
      protocol: 'icmp',
      src: 'internet',
      dst: GUEST,
      iif: 'eth0',
    });
    expect(raw(ping.rule)).toBe('-A ufw-before-input -p icmp -m icmp --icmp-type 8 -j ACCEPT');
  });

  it('uses addrtype: a packet to a local address returns from ufw-not-local; to a broadcast it is dropped', () => {
    const v = evaluateIptables(rs, tcpIn(80, 'internet', { localAddresses: [GUEST] }));
    expect(v.verdict).toBe('accept');
    const bc = evaluateIptables(
      rs,
      udpIn(9, '172.16.1.7', { dst: '255.255.255.255', localAddresses: [GUEST] }),
    );
    expect(bc.verdict).toBe('drop');
    expect(raw(bc.rule)).toBe('-A ufw-skip-to-policy-input -j DROP');
  });

  it('accepts anything on lo, whatever the port', () => {
    const v = evaluateIptables(rs, tcpIn(9999, '127.0.0.1', { dst: '127.0.0.1', iif: 'lo' }));
    expect(raw(v.rule)).toBe('-A ufw-before-input -i lo -j ACCEPT');
  });

  it('says an unknown incoming interface makes -i rules undecidable', () => {
    const v = evaluateIptables(rs, tcpIn(9999, '198.51.100.7', { iif: undefined }));
    expect(v.verdict).toBe('uncertain');
    expect(v.reasons.join(' ')).toContain('incoming interface is not known');
  });
});

describe('firewalld 0.6 (CentOS 7, iptables backend): gotos and the final REJECT', () => {
  const rs = ipt('firewalld.iptables-save.txt');

  it('accepts services of zone public through INPUT_ZONES -g IN_public', () => {
    const v = evaluateIptables(rs, tcpIn(22, '198.51.100.7'));
    expect(v.verdict).toBe('accept');
    expect(raw(v.rule)).toBe(
      '-A IN_public_allow -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT',
    );
    expect(v.path).toEqual(['INPUT', 'INPUT_ZONES', 'IN_public', 'IN_public_allow']);
  });

  it('comes back from a goto to the caller of the chain that jumped (INPUT), then REJECT icmp-host-prohibited', () => {
    const v = evaluateIptables(rs, tcpIn(3306, '198.51.100.7'));
    expect([v.verdict, v.rejectWith]).toEqual(['reject', 'icmp-host-prohibited']);
    expect(raw(v.rule)).toBe('-A INPUT -j REJECT --reject-with icmp-host-prohibited');
    expect(expectedProbe(v)).toBe('unreachable');
  });

  it('applies the rich rule rejecting 203.0.113.0/24 before the allow list', () => {
    const v = evaluateIptables(rs, tcpIn(22, '203.0.113.9'));
    expect([v.verdict, v.rejectWith]).toEqual(['reject', 'icmp-port-unreachable']);
    expect(v.stage).toBe('iptables filter INPUT');
    // From the whole internet: accepted except from that /24, each part with its rule.
    const all = evaluateIptables(rs, tcpIn(22, 'internet'));
    expect(all.partial).toBe(true);
    expect(all.branches.map((b) => [b.verdict, b.scope])).toEqual([
      ['accept', 'from all but 203.0.113.0/24'],
      ['reject', 'from 203.0.113.0/24'],
    ]);
    expect(all.reasons).toContain('only part of the flow is accepted (>99.9%)');
  });

  it('walks the raw, mangle, nat and security tables too (all empty here) and still decides by filter', () => {
    const v = evaluateIptables(rs, tcpIn(8443, '198.51.100.7'));
    expect(v.verdict).toBe('accept');
    expect(v.branches).toHaveLength(1);
  });
});

describe('a hardened hand-written ruleset: the matches and targets one by one', () => {
  const rs = ipt('hardened.iptables-save.txt');
  const v = (p: Parameters<typeof evaluateIptables>[1], opts = {}) => evaluateIptables(rs, p, opts);

  it('drops in the raw table before conntrack (raw PREROUTING -s 192.0.2.0/24 -j DROP)', () => {
    const r = v(tcpIn(443, '192.0.2.5'));
    expect([r.verdict, raw(r.rule), r.stage]).toEqual([
      'drop',
      '-A PREROUTING -s 192.0.2.0/24 -j DROP',
      'iptables raw PREROUTING',
    ]);
  });

  it('CT --notrack makes later conntrack matches see UNTRACKED', () => {
    const r = v(udpIn(123));
    expect(raw(r.rule)).toBe('-A INPUT -p udp -m conntrack --ctstate UNTRACKED -m udp --dport 123 -j ACCEPT');
    // Arriving on another interface, the notrack rule does not apply: the packet is NEW and falls to LOGDROP.
    const other = v(udpIn(123, '203.0.113.50', { iif: 'eth1' }));
    expect([other.verdict, raw(other.rule)]).toEqual(['drop', '-A LOGDROP -j DROP']);
  });

  it('drops a NEW TCP packet that is not a SYN in mangle (--tcp-flags), passes a SYN', () => {
    const ack = v(tcpIn(443, '198.51.100.7', { tcpFlags: ['ACK'] }));
    expect(raw(ack.rule)).toBe(
      '-A PREROUTING -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j DROP',
    );
    expect(v(tcpIn(443, '198.51.100.7')).verdict).toBe('accept');
  });

  it('MARK in mangle sets the mark a later -m mark tests', () => {
    const r = v(tcpIn(9200));
    expect(raw(r.rule)).toBe('-A INPUT -p tcp -m tcp --dport 9200 -m mark --mark 0x9 -j ACCEPT');
  });

  it('follows a jump into ADMIN and RETURN back; a goto from WEB into ADMIN returns past WEB to INPUT', () => {
    expect(raw(v(tcpIn(22, '198.51.100.20')).rule)).toBe('-A ADMIN -s 198.51.100.0/24 -j ACCEPT');
    const denied = v(tcpIn(22, '8.8.4.4'));
    expect([denied.verdict, raw(denied.rule)]).toEqual(['drop', '-A LOGDROP -j DROP']);
    expect(denied.path).toEqual(['INPUT', 'LOGDROP']);
    // 8001: WEB -g ADMIN → ADMIN RETURNs to INPUT (not WEB), whose next rules end in LOGDROP.
    const g = v(tcpIn(8001, '8.8.4.4'));
    expect([g.verdict, raw(g.rule)]).toEqual(['drop', '-A LOGDROP -j DROP']);
    expect(g.path).toEqual(['INPUT', 'LOGDROP']);
    const via = v(tcpIn(8001, '198.51.100.9'));
    expect(raw(via.rule)).toBe('-A ADMIN -s 198.51.100.0/24 -j ACCEPT');
    expect(via.path).toEqual(['INPUT', 'WEB', 'ADMIN']);
    expect(raw(v(tcpIn(22, '203.0.113.7')).rule)).toBe('-A ADMIN -s 203.0.113.7/32 -j ACCEPT');
  });

  it('multiport with ranges and negation, iprange', () => {
    // 8099 enters WEB by the multiport range, no WEB rule takes it, so it comes back and ends in LOGDROP.
    const web = v(tcpIn(8099, '8.8.4.4'));
    expect([web.verdict, raw(web.rule), web.path]).toEqual([
      'drop',
      '-A LOGDROP -j DROP',
      ['INPUT', 'LOGDROP'],
    ]);
    expect(raw(v(tcpIn(8080, '8.8.4.4')).rule)).toBe('-A WEB -p tcp -m tcp --dport 8080 -j ACCEPT');
    const r = v(tcpIn(2000, '10.0.0.9'));
    expect(raw(r.rule)).toBe(
      '-A INPUT -p tcp -m multiport ! --dports 1:1023 -m iprange --src-range 10.0.0.1-10.0.0.254 -j ACCEPT',
    );
    expect(v(tcpIn(1000, '10.0.0.9')).verdict).toBe('drop');
    expect(v(tcpIn(2000, '10.0.0.255')).verdict).toBe('drop');
  });

  it('a comma list of sources (expanded by iptables into two rules) and --sport', () => {
    const dns = v(udpIn(40000, '100.100.2.138', { srcPort: 53 }));
    expect(raw(dns.rule)).toBe('-A INPUT -s 100.100.2.138/32 -p udp -m udp --sport 53 -j ACCEPT');
  });

  it('ipsets: uncertain unless their members are known', () => {
    const r = v(tcpIn(3306, '10.1.2.3'));
    expect(r.verdict).toBe('uncertain');
    expect(r.reasons.join(' ')).toContain('ipset "trusted"');
    // Members as `ipset save` listed them (hardened.ipset.txt).
    const members = fixture('hardened.ipset.txt')
      .split('\n')
      .filter((l) => l.startsWith('add trusted '))
      .map((l) => l.split(' ')[2]);
    expect(members.sort()).toEqual(['10.1.0.0/16', '198.51.100.0/24']); // a hash set lists in hash order
    expect(v(tcpIn(3306, '10.1.2.3'), { ipsets: { trusted: members } }).verdict).toBe('accept');
    expect(v(tcpIn(3306, '10.2.0.1'), { ipsets: { trusted: members } }).verdict).toBe('drop');
  });

  it('rate and load dependent matches are uncertain, each saying why', () => {
    const cases: [number, RegExp][] = [
      [6379, /connlimit decides by how many connections are open/],
      [9300, /hashlimit decides by per-source packet rate/],
      [993, /-m time decides by the time of day/],
      [5050, /-m string depends on the packet's contents/],
      [7006, /-m length depends on the packet's contents/],
    ];
    for (const [port, why] of cases) {
      const r = v(tcpIn(port, '198.51.100.7'));
      expect(r.verdict, `port ${port}`).toBe('uncertain');
      expect(r.reasons.join(' '), `port ${port}`).toMatch(why);
    }
    // …but an undecidable match that cannot change the end leaves the verdict certain: 6379 from 10/8 is
    // rejected by connlimit or accepted by the next rule — different ends, so uncertain; from elsewhere, the
    // connlimit branch rejects and the other branch drops: still two ends. A LOG behind -m limit changes nothing:
    const logged = v(tcpIn(4444, '198.51.100.7'));
    expect([logged.verdict, logged.confidence]).toEqual(['drop', 'certain']);
  });

  it('ICMP types by name and number; limit on echo-request is uncertain, destination-unreachable accepted', () => {
    const echo = v({ direction: 'in', protocol: 'icmp', src: '198.51.100.7', dst: GUEST, iif: 'eth0' });
    expect(echo.verdict).toBe('uncertain');
    expect(echo.reasons.join(' ')).toContain('-m limit');
    const unreach = v({
      direction: 'in',
      protocol: 'icmp',
      src: '198.51.100.7',
      dst: GUEST,
      iif: 'eth0',
      icmpType: 3,
      icmpCode: 1,
    });
    expect(raw(unreach.rule)).toBe('-A INPUT -p icmp -m icmp --icmp-type 3 -j ACCEPT');
  });

  it('REJECT kinds map to what a TCP client sees', () => {
    const kinds: [number, string, string][] = [
      [25, 'icmp-admin-prohibited', 'unreachable'],
      [110, 'icmp-host-unreachable', 'unreachable'],
      [143, 'icmp-net-unreachable', 'unreachable'],
    ];
    for (const [port, kind, probe] of kinds) {
      const r = v(tcpIn(port, '198.51.100.7'));
      expect([r.verdict, r.rejectWith, expectedProbe(r)]).toEqual(['reject', kind, probe]);
    }
  });

  it('NFQUEUE hands the decision to userspace: uncertain', () => {
    const r = v(udpIn(514));
    expect(r.verdict).toBe('uncertain');
    expect(r.reasons.join(' ')).toContain('NFQUEUE hands the packet to a userspace program');
  });

  it('addrtype LOCAL, --sport ranges, pkttype, interface wildcards and negation, numeric protocols', () => {
    expect(raw(v(tcpIn(7000)).rule)).toContain('--dport 7000 -m addrtype --dst-type LOCAL');
    expect(raw(v(tcpIn(7001, '198.51.100.7', { srcPort: 40000 })).rule)).toContain(
      '--sport 1024:65535 --dport 7001',
    );
    const low = v(tcpIn(7001, '198.51.100.7', { srcPort: [1, 65535] }));
    expect(low.partial).toBe(true);
    expect(low.branches.map((b) => [b.verdict, b.scope])).toEqual([
      ['accept', 'source ports 1024-65535'],
      ['drop', 'source ports 1-1023'],
    ]);
    expect(v(tcpIn(7002)).verdict).toBe('accept');
    expect(v(tcpIn(7003, '198.51.100.7', { iif: 'eth1' })).verdict).toBe('accept');
    expect(v(tcpIn(7004, '198.51.100.7', { iif: 'eth0' })).verdict).toBe('drop');
    expect(v(tcpIn(7004, '198.51.100.7', { iif: 'eth1' })).verdict).toBe('accept');
    expect(v(tcpIn(7005)).verdict).toBe('accept');
  });

  it('REDIRECT 80→8080 in nat PREROUTING: notes it and filters the rewritten port', () => {
    const r = v(tcpIn(80, '198.51.100.7'));
    expect(r.verdict).toBe('accept');
    expect(raw(r.rule)).toBe('-A WEB -p tcp -m tcp --dport 8080 -j ACCEPT');
    expect(r.nat.map((n) => [n.text, n.dport])).toEqual([['REDIRECT to 8080', 8080]]);
    // DNAT to the guest's own address on another port.
    const d = v(tcpIn(2222, '198.51.100.20'));
    expect(d.nat[0]).toMatchObject({ dport: 22, dst: GUEST });
    expect(raw(d.rule)).toBe('-A ADMIN -s 198.51.100.0/24 -j ACCEPT');
  });

  it('owner matches in OUTPUT: decided when the sending user is known, uncertain when not', () => {
    expect(v(tcpOut(25, '198.51.100.25', { uid: 1000 })).verdict).toBe('reject');
    expect(v(tcpOut(25, '198.51.100.25', { uid: 0 })).verdict).toBe('accept');
    const unknownUser = v(tcpOut(25));
    expect(unknownUser.verdict).toBe('uncertain');
    expect(unknownUser.reasons.join(' ')).toContain("which user's process sends it is not known");
    // A rule that cannot match first (wrong destination) does not need the user.
    expect(v(tcpOut(443)).verdict).toBe('accept');
  });

  it('OUTPUT: DNS only to the Alibaba resolvers, conntrack NEW drop of 8443, fragments never first packets', () => {
    expect(
      v({ direction: 'out', protocol: 'udp', src: GUEST, dst: '8.8.8.8', dstPort: 53, oif: 'eth0' }).verdict,
    ).toBe('drop');
    expect(
      v({ direction: 'out', protocol: 'udp', src: GUEST, dst: '100.100.2.137', dstPort: 53, oif: 'eth0' })
        .verdict,
    ).toBe('accept');
    const o = v(tcpOut(8443));
    expect([o.verdict, raw(o.rule)]).toEqual([
      'drop',
      '-A OUTPUT -p tcp -m tcp --dport 8443 -m conntrack --ctstate NEW -j DROP',
    ]);
    expect(v(replyPacket(tcpIn(8443, '198.51.100.7'))).verdict).toBe('accept');
  });
});

describe('Docker: DNAT to a container leaves local delivery', () => {
  const rs = ipt('docker.iptables-save.txt');

  it('a published port is DNATed to the container and forwarded: uncertain, and says the FORWARD chain decides', () => {
    const r = evaluateIptables(rs, tcpIn(8080, '198.51.100.7', { localAddresses: [GUEST] }));
    expect(r.verdict).toBe('uncertain');
    expect(r.reasons.join(' ')).toContain(
      'DNAT sends it on to 172.17.0.2:80: it is forwarded (FORWARD chain)',
    );
    expect(r.nat[0]).toMatchObject({ dst: '172.17.0.2', dport: 80 });
  });

  it('other ports go to INPUT: 2375 dropped, 22 accepted by policy', () => {
    expect(evaluateIptables(rs, tcpIn(2375, '198.51.100.7', { localAddresses: [GUEST] })).verdict).toBe(
      'drop',
    );
    const ssh = evaluateIptables(rs, tcpIn(22, '198.51.100.7', { localAddresses: [GUEST] }));
    expect([ssh.verdict, ssh.policy?.policy]).toEqual(['accept', 'ACCEPT']);
  });
});

describe('legacy and IPv6 dumps', () => {
  it('RHEL legacy: NEW on 22 accepted with -m state, everything else icmp-host-prohibited', () => {
    const rs = ipt('rhel.legacy.iptables-save.txt');
    expect(rs.variant).toBe('legacy');
    expect(evaluateIptables(rs, tcpIn(22, 'internet')).verdict).toBe('accept');
    const r = evaluateIptables(rs, tcpIn(443, 'internet'));
    expect([r.verdict, r.rejectWith]).toEqual(['reject', 'icmp-host-prohibited']);
    expect(evaluateIptables(rs, replyPacket(tcpOut(443))).verdict).toBe('accept');
  });

  it('ip6tables: SSH from one prefix, ICMPv6 by name, icmp6-adm-prohibited otherwise; IPv4 packets are not its business', () => {
    const rs = ipt('basic.ip6tables-save.txt', 6);
    expect(rs.family).toBe(6);
    const g6 = '2001:db8:ff::10';
    const ssh = (src: string) =>
      evaluateIptables(rs, { direction: 'in', protocol: 'tcp', src, dst: g6, dstPort: 22, iif: 'eth0' });
    expect(ssh('2001:db8:1::5').verdict).toBe('accept');
    const other = ssh('2001:db8:2::5');
    expect([other.verdict, other.rejectWith]).toEqual(['reject', 'icmp6-adm-prohibited']);
    const wide = ssh('internet6');
    expect(wide.partial).toBe(true);
    const ping = evaluateIptables(rs, {
      direction: 'in',
      protocol: 'icmpv6',
      src: 'internet6',
      dst: g6,
      iif: 'eth0',
    });
    expect(ping.verdict).toBe('accept');
    expect(raw(ping.rule)).toBe('-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT');
    const v4 = evaluateIptables(rs, tcpIn(22));
    expect(v4.verdict).toBe('accept');
    expect(v4.branches[0].line).toBeUndefined();
  });
});

// Hand-written inputs on purpose: a cut-short rule line, and xtables-addons matches/targets (geoip, TARPIT) that
// this machine's iptables cannot load, so no real dump of them can be produced here.
describe('what the evaluator refuses to guess', () => {
  const text = (rules: string) =>
    `# Generated by iptables-save v1.8.9 (nf_tables)\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n${rules}\nCOMMIT\n`;

  it('a rule with tokens the parser left unparsed is undecidable when it could decide', () => {
    // `-p tcp 22` (a value with no option) is what a cut-short line or a new iptables syntax looks like.
    const rs = parseIptablesSave(text('-A INPUT -p tcp 22 -j ACCEPT')).value;
    expect(rs.tables.filter.chains.INPUT.rules[0].unparsed).toEqual(['22']);
    const r = evaluateIptables(rs, tcpIn(22));
    expect(r.verdict).toBe('uncertain');
    expect(r.reasons.join(' ')).toContain('parts not understood: 22');
    // …but a rule that cannot match on its protocol still cannot match.
    expect(evaluateIptables(rs, udpIn(22)).verdict).toBe('drop');
  });

  it('a jump to a chain missing from the dump is uncertain, naming the chain', () => {
    const rs = parseIptablesSave(text('-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j f2b-sshd')).value;
    expect(rs.tables.filter.chains['f2b-sshd']).toBeUndefined();
    const r = evaluateIptables(rs, tcpIn(80));
    expect(r.verdict).toBe('uncertain');
    expect(r.reasons.join(' ')).toContain('target f2b-sshd is not modelled');
    expect(evaluateIptables(rs, tcpIn(22)).verdict).toBe('accept');
  });

  it('an unknown match module is uncertain; an unknown target too', () => {
    const rs = parseIptablesSave(
      text('-A INPUT -m geoip --src-cc CN -j ACCEPT\n-A INPUT -p tcp --dport 80 -j TARPIT'),
    ).value;
    const geo = evaluateIptables(rs, tcpIn(443));
    expect(geo.verdict).toBe('uncertain');
    expect(geo.reasons.join(' ')).toContain('-m geoip is not modelled');
    expect(raw(geo.rule)).toBe('-A INPUT -m geoip --src-cc CN -j ACCEPT');
    // Undecidable, but both ways end the same: a DROP rule behind it changes nothing.
    const drop = parseIptablesSave(text('-A INPUT -m geoip --src-cc CN -j DROP')).value;
    expect(evaluateIptables(drop, tcpIn(443))).toMatchObject({ verdict: 'drop', confidence: 'certain' });
    const r = evaluateIptables(rs, tcpIn(80, '198.51.100.7'));
    expect(r.reasons.join(' ')).toContain('target TARPIT is not modelled');
  });

  it('a ruleset too branchy for the step budget is uncertain rather than slow', () => {
    const rules = Array.from(
      { length: 40 },
      (_, i) => `-A INPUT -p tcp --dport 22 -m limit --limit ${i + 1}/sec -j X`,
    ).join('\n');
    const rs = parseIptablesSave(text(`${rules}\n-A X -j RETURN`)).value;
    const t0 = performance.now();
    const r = evaluateIptables(rs, tcpIn(22), { maxSteps: 5000 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.verdict).toBe('drop'); // every branch, with or without limits, ends in the DROP policy
    const tight = evaluateIptables(rs, tcpIn(22), { maxSteps: 50 });
    expect(tight.verdict).toBe('uncertain');
    expect(tight.reasons.join(' ')).toContain('too large or too branchy');
  });
});
