/**
 * Which view of the guest firewall is trusted, and how the views combine: iptables-nft rules read from
 * iptables-save (their nft copies left out), native nft tables from `nft -j`, legacy iptables and nft side by
 * side. Fixtures: mixed.* (ufw through iptables-nft plus a native `inet extra` table, one namespace, both dumps),
 * rhel.legacy.*, server.nft.json, captured by test/fixtures/firewall/generate.sh.
 */
import { describe, expect, it } from 'vitest';
import {
  connectOutcomes,
  evaluateConnection,
  evaluateGuestFirewall,
  expectedProbe,
  firewallHop,
  firewallStages,
  pct,
} from '../../../source/diagnose/evaluate/guest-firewall.js';
import { intentPacket } from '../../../source/diagnose/evaluate/packet.js';
import type { GuestFirewall, Intent, IptRule } from '../../../source/model/index.js';
import { ipt, nft, tcpIn, tcpOut } from './fw-helpers.js';

const mixed: GuestFirewall = {
  backend: 'iptables-nft',
  ipv4: ipt('mixed.iptables-save.txt'),
  nft: nft('mixed.nft.json'),
};

describe('iptables-nft plus a native nft table (ufw and inet extra)', () => {
  it('reads the compat tables from iptables-save and only the native table from nft', () => {
    const { stages, views } = firewallStages(mixed, 'in');
    expect(views).toEqual(['iptables (nf_tables)', 'nft inet extra']);
    expect(stages.map((s) => s.label)).toEqual(['iptables filter INPUT', 'nft inet extra input']);
    // The nft dump does hold the compat copy (with opaque xt matches) — it is left out on purpose.
    expect(
      mixed.nft!.chains.some((c) => c.family === 'ip' && c.table === 'filter' && c.name === 'INPUT'),
    ).toBe(true);
  });

  it('accepts when both accept, naming the iptables rule (certain: no xt guesswork)', () => {
    const v = evaluateGuestFirewall(mixed, tcpIn(80, 'internet'));
    expect([v.verdict, v.confidence]).toEqual(['accept', 'certain']);
    expect((v.rule as IptRule).raw).toBe('-A ufw-user-input -p tcp -m multiport --dports 80,443 -j ACCEPT');
  });

  it('a drop in the native table is final even though ufw accepted', () => {
    const v = evaluateGuestFirewall(mixed, tcpIn(443, '203.0.113.5'));
    expect([v.verdict, v.stage]).toEqual(['drop', 'nft inet extra input']);
    const hop = firewallHop(v, 'in');
    expect([hop.state, hop.code]).toEqual(['BLOCKED', 'GUEST_FIREWALL_DROP']);
    expect(hop.evidence.lines).toEqual([
      'inet extra input: tcp dport 443 ip saddr 203.0.113.0/24 drop (handle 2)',
    ]);
  });

  it('kernel order decides who speaks first: ufw drops 8443 (priority 0) before inet extra could reset it (priority 5)', () => {
    const v = evaluateGuestFirewall(mixed, tcpIn(8443, '198.51.100.7'));
    expect([v.verdict, v.stage, v.policy?.policy]).toEqual(['drop', 'iptables filter INPUT', 'DROP']);
    expect(expectedProbe(v)).toBe('timeout');
  });

  it('without the iptables-save view, the compat tables are read from nft and their xt parts make it uncertain', () => {
    const v = evaluateGuestFirewall({ backend: 'iptables-nft', nft: mixed.nft }, tcpIn(80, '198.51.100.7'));
    expect(v.verdict).toBe('uncertain');
    expect(v.views).toContain('nft ip filter');
    expect(v.reasons.join(' ')).toContain('opaque in the nft view');
    expect(firewallHop(v, 'in').state).toBe('UNCERTAIN');
  });
});

describe('legacy iptables and nft side by side', () => {
  const both: GuestFirewall = {
    backend: 'iptables-legacy',
    ipv4: ipt('rhel.legacy.iptables-save.txt'),
    nft: nft('server.nft.json'),
  };

  it('evaluates both: SSH passes both, 443 from 203.0.113.0/24 is rejected by the nft late table', () => {
    expect(firewallStages(both, 'in').views).toEqual([
      'iptables (legacy)',
      'nft netdev edge',
      'nft ip early',
      'nft inet filter',
      'nft inet late',
    ]);
    expect(evaluateGuestFirewall(both, tcpIn(22, '198.51.100.9')).verdict).toBe('accept');
    expect(evaluateGuestFirewall(both, tcpIn(80, '203.0.113.5')).verdict).toBe('accept');
  });

  it('says when two views share a priority and the order between them decides the kind of refusal', () => {
    const v = evaluateGuestFirewall(both, tcpIn(3306, '198.51.100.9'));
    expect(v.verdict === 'reject' || v.verdict === 'drop').toBe(true);
    expect(v.confidence).toBe('likely');
    expect(v.reasons.join(' ')).toContain('share priority 0: which runs first is not known');
  });
});

describe('backends without rules, or not identified', () => {
  it('none: accepted, saying there are no firewall rules', () => {
    const v = evaluateGuestFirewall({ backend: 'none' }, tcpIn(22));
    expect([v.verdict, v.confidence, v.views]).toEqual(['accept', 'certain', []]);
    expect(v.detail).toBe('tcp/22 accepted: no firewall rules');
  });

  it('unknown: the same evaluation, but only likely', () => {
    const v = evaluateGuestFirewall(
      { backend: 'unknown', ipv4: ipt('ufw.iptables-save.txt') },
      tcpIn(80, 'internet'),
    );
    expect([v.verdict, v.confidence]).toEqual(['accept', 'likely']);
    expect(v.reasons).toContain('the firewall backend could not be identified');
  });

  it('an IPv6 packet meets only the IPv6 and inet views', () => {
    const fw: GuestFirewall = {
      backend: 'iptables-nft',
      ipv4: ipt('ufw.iptables-save.txt'),
      ipv6: ipt('basic.ip6tables-save.txt', 6),
    };
    const v = evaluateGuestFirewall(fw, {
      direction: 'in',
      protocol: 'tcp',
      src: '2001:db8:2::9',
      dst: 'fd00::10',
      dstPort: 80,
      iif: 'eth0',
    });
    expect([v.verdict, v.rejectWith, v.stage]).toEqual([
      'reject',
      'icmp6-adm-prohibited',
      'ip6tables filter INPUT',
    ]);
  });
});

describe('a whole connection: first packet, later packets, replies', () => {
  const newOnly: GuestFirewall = { backend: 'iptables-nft', ipv4: ipt('newonly.iptables-save.txt') };

  it('SSH allowed only in state NEW: the handshake starts, the connection then breaks on the later packets', () => {
    const c = evaluateConnection(newOnly, tcpIn(22, '198.51.100.7'));
    expect([c.first.verdict, c.rest.verdict, c.reply.verdict]).toEqual(['accept', 'drop', 'accept']);
    expect(c.forward.verdict).toBe('drop');
    expect(c.forward.detail).toBe(
      'the first packet passes, but later packets of the connection are dropped: tcp/22 dropped by policy DROP of iptables filter INPUT',
    );
    expect(firewallHop(c.forward, 'in').state).toBe('BLOCKED');
    expect(connectOutcomes(c)).toEqual(['delivered']);
  });

  it('web allowed in, but the replies are not allowed out (OUTPUT policy DROP)', () => {
    const c = evaluateConnection(newOnly, tcpIn(80, 'internet'));
    expect([c.forward.verdict, c.reply.verdict]).toEqual(['accept', 'drop']);
    expect(c.reply.policy).toEqual({ chain: 'OUTPUT', policy: 'DROP' });
    expect(firewallHop(c.reply, 'out').code).toBe('GUEST_FIREWALL_EGRESS_DROP');
  });

  it('NAT found on the first packet carries over to the later packets and the replies', () => {
    const c = evaluateConnection(
      { backend: 'iptables-nft', ipv4: ipt('hardened.iptables-save.txt') },
      tcpIn(80, '198.51.100.7'),
    );
    expect(c.first.nat[0]).toMatchObject({ dport: 8080 });
    expect((c.rest.rule as IptRule).raw).toBe('-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT');
    expect([c.forward.verdict, c.reply.verdict]).toEqual(['accept', 'accept']);
  });

  it('a connect probe may see the refusal of the later packets, or not, when only they are rejected', () => {
    const ok = evaluateConnection(mixed, tcpIn(80, 'internet'));
    expect(connectOutcomes(ok)).toEqual(['delivered']);
    const refused = evaluateConnection(mixed, tcpIn(8443, '198.51.100.7'));
    expect(connectOutcomes(refused)).toEqual(['timeout']);
  });
});

describe('intents as packets', () => {
  const guest = { address: '172.16.1.10', localAddresses: ['172.16.1.10'] };

  it('an inbound intent from the internet: public sources, any client port, to the private address on eth0', () => {
    const i: Intent = {
      id: 'in-tcp-443-internet',
      direction: 'inbound',
      protocol: 'tcp',
      port: 443,
      from: '0.0.0.0/0',
      fromKind: 'internet',
      label: 'tcp/443 from the internet',
    };
    expect(intentPacket(i, guest)).toEqual({
      direction: 'in',
      protocol: 'tcp',
      src: 'internet',
      dst: '172.16.1.10',
      iif: 'eth0',
      srcPort: [1024, 65535],
      dstPort: 443,
      localAddresses: ['172.16.1.10'],
    });
    const v = evaluateConnection(
      { backend: 'iptables-nft', ipv4: ipt('ufw.iptables-save.txt') },
      intentPacket(i, guest),
    );
    expect([v.forward.verdict, v.reply.verdict]).toEqual(['accept', 'accept']);
  });

  it('SSH from me, outbound to a host, ping', () => {
    const me: Intent = {
      id: 'in-tcp-22-me',
      direction: 'inbound',
      protocol: 'tcp',
      port: 22,
      from: '198.51.100.7/32',
      fromKind: 'me',
      label: 'ssh',
    };
    expect(intentPacket(me, guest).src).toBe('198.51.100.7/32');
    const out: Intent = {
      id: 'out',
      direction: 'outbound',
      protocol: 'tcp',
      port: 443,
      to: '203.0.113.80',
      toKind: 'host',
      label: 'out',
    };
    expect(intentPacket(out, { ...guest, ephemeral: [10000, 20000], iface: 'eth1' })).toMatchObject({
      direction: 'out',
      src: '172.16.1.10',
      dst: '203.0.113.80',
      oif: 'eth1',
      srcPort: [10000, 20000],
      dstPort: 443,
    });
    const ping: Intent = {
      id: 'icmp',
      direction: 'inbound',
      protocol: 'icmp',
      from: '0.0.0.0/0',
      fromKind: 'internet',
      label: 'ping',
    };
    expect(intentPacket(ping, guest)).not.toHaveProperty('srcPort');
  });
});

describe('hop decisions and probe expectations', () => {
  it('egress drops carry the egress code', () => {
    const v = evaluateGuestFirewall(
      { backend: 'iptables-nft', ipv4: ipt('hardened.iptables-save.txt') },
      tcpOut(8443),
    );
    const hop = firewallHop(v, 'out');
    expect([hop.state, hop.code, hop.confidence]).toEqual([
      'BLOCKED',
      'GUEST_FIREWALL_EGRESS_DROP',
      'certain',
    ]);
  });

  it('a partial verdict is OK when most of the peer gets through, BLOCKED when most does not', () => {
    const fw: GuestFirewall = { backend: 'iptables-nft', ipv4: ipt('ufw.iptables-save.txt') };
    const most = firewallHop(
      evaluateGuestFirewall(
        { backend: 'iptables-nft', ipv4: ipt('firewalld.iptables-save.txt') },
        tcpIn(22, 'internet'),
      ),
      'in',
    );
    expect([most.state, most.confidence, most.code]).toEqual(['OK', 'likely', 'GUEST_FIREWALL_DROP']);
    const few = firewallHop(evaluateGuestFirewall(fw, tcpIn(5432, '0.0.0.0/0')), 'in');
    expect([few.state, few.confidence]).toEqual(['BLOCKED', 'likely']);
  });

  it('maps verdicts to the operator-side probe: delivered, timeout, refused, unreachable', () => {
    expect(expectedProbe({ verdict: 'accept' })).toBe('delivered');
    expect(expectedProbe({ verdict: 'drop' })).toBe('timeout');
    expect(expectedProbe({ verdict: 'reject', rejectWith: 'tcp-reset' })).toBe('refused');
    expect(expectedProbe({ verdict: 'reject', rejectWith: 'icmp6-port-unreachable' })).toBe('refused');
    expect(expectedProbe({ verdict: 'reject', rejectWith: 'icmp-host-prohibited' })).toBe('unreachable');
    expect(expectedProbe({ verdict: 'uncertain' })).toBe('unknown');
  });

  it('formats shares without rounding a sliver to nothing or to everything', () => {
    expect([pct(0), pct(1), pct(0.5), pct(1 / 256), pct(0.999999), pct(1e-9)]).toEqual([
      '0%',
      '100%',
      '50%',
      '0.4%',
      '>99.9%',
      '<0.1%',
    ]);
  });
});
