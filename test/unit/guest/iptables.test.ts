import { describe, expect, it } from 'vitest';
import {
  iptablesIsEmpty,
  parseIptablesSave,
  parseIptablesVersion,
  tokenizeRule,
} from '../../../source/guest/parsers/iptables-save.js';
import { crlf, fixture } from './fixtures.js';

describe('parseIptablesSave on iptables 1.8.9 nf_tables (Debian 12, captured)', () => {
  const { value: rs, warnings } = parseIptablesSave(fixture('iptables', 'nft-backend'));

  it('reads header, tables, chains, policies and counters', () => {
    expect(warnings).toEqual([]);
    expect([rs.family, rs.variant, rs.version]).toEqual([4, 'nf_tables', '1.8.9']);
    expect(Object.keys(rs.tables)).toEqual(['filter', 'nat']);
    const f = rs.tables.filter.chains;
    expect(Object.keys(f)).toEqual(['INPUT', 'FORWARD', 'OUTPUT', 'WEB']);
    expect([f.INPUT.policy, f.WEB.policy]).toEqual(['ACCEPT', null]);
    expect(f.INPUT.rules.map((r) => [r.index, r.line, r.counters])).toEqual([
      [1, 7, { packets: 6, bytes: 344 }],
      [2, 8, { packets: 2, bytes: 168 }],
      [3, 9, { packets: 0, bytes: 0 }],
      [4, 10, { packets: 0, bytes: 0 }],
      [5, 11, { packets: 0, bytes: 0 }],
      [6, 12, { packets: 0, bytes: 0 }],
      [7, 13, { packets: 0, bytes: 0 }],
      [8, 14, { packets: 1, bytes: 84 }],
      [9, 15, { packets: 0, bytes: 0 }],
      [10, 16, { packets: 0, bytes: 0 }],
    ]);
  });

  it('breaks every rule into selectors, matches and target options', () => {
    const r = rs.tables.filter.chains.INPUT.rules;
    expect(r[0]).toMatchObject({
      inInterface: { value: 'lo', negated: false },
      target: 'ACCEPT',
      matches: [],
      targetOptions: [],
    });
    expect(r[1].matches).toEqual([
      {
        module: 'conntrack',
        options: [{ name: 'ctstate', negated: false, values: ['RELATED,ESTABLISHED'] }],
      },
    ]);
    expect(r[3]).toMatchObject({
      protocol: { value: 'tcp', negated: false },
      matches: [
        { module: 'multiport', options: [{ name: 'dports', negated: false, values: ['80,443'] }] },
        {
          module: 'comment',
          options: [{ name: 'comment', negated: false, values: ['web traffic to nginx'] }],
        },
      ],
      target: 'WEB',
    });
    // `! -s` before the selector and `! --dport` inside a match; a quoted target option with a trailing blank.
    expect(r[4]).toMatchObject({
      source: { value: '198.19.0.0/16', negated: true },
      matches: [{ module: 'tcp', options: [{ name: 'dport', negated: true, values: ['8080'] }] }],
      target: 'LOG',
      targetOptions: [{ name: 'log-prefix', negated: false, values: ['nd-drop: '] }],
    });
    expect(r[5].matches[0]).toEqual({
      module: 'iprange',
      options: [{ name: 'src-range', negated: false, values: ['198.19.10.1-198.19.10.20'] }],
    });
    expect(r[8]).toMatchObject({ fragment: { negated: false }, target: 'DROP' });
    expect(r[9].matches[0].options[0]).toEqual({
      name: 'tcp-flags',
      negated: false,
      values: ['FIN,SYN,RST,ACK', 'SYN'],
    });
    expect(r[9].targetOptions).toEqual([{ name: 'reject-with', negated: false, values: ['tcp-reset'] }]);
    expect(r.every((x) => x.unparsed === undefined)).toBe(true);
    const nat = rs.tables.nat.chains.PREROUTING.rules[0];
    expect(nat.targetOptions).toEqual([
      { name: 'to-destination', negated: false, values: ['198.19.254.2:443'] },
    ]);
  });

  it('reads the same rules without -c (no counters) and from CRLF', () => {
    const plain = parseIptablesSave(fixture('iptables', 'nft-backend-nocounters')).value;
    expect(plain.tables.filter.chains.INPUT.rules.map((r) => r.target)).toEqual(
      rs.tables.filter.chains.INPUT.rules.map((r) => r.target),
    );
    expect(plain.tables.filter.chains.INPUT.rules[0].counters).toBeUndefined();
    expect(parseIptablesSave(crlf(fixture('iptables', 'nft-backend'))).value).toEqual(rs);
  });

  it('reads ip6tables-save', () => {
    const v6 = parseIptablesSave(fixture('iptables', 'ip6-nft-backend'), 6).value;
    expect([v6.family, v6.variant, v6.tables.filter.chains.INPUT.policy]).toEqual([6, 'nf_tables', 'DROP']);
    expect(v6.tables.filter.chains.INPUT.rules.map((r) => r.protocol?.value)).toEqual(['ipv6-icmp', 'tcp']);
  });
});

describe('parseIptablesSave on legacy iptables', () => {
  it('iptables-legacy-save 1.8.9 has no backend suffix: legacy', () => {
    const rs = parseIptablesSave(fixture('iptables', 'legacy')).value;
    expect([rs.variant, rs.version, rs.tables.filter.chains.INPUT.policy]).toEqual([
      'legacy',
      '1.8.9',
      'DROP',
    ]);
    const r = rs.tables.filter.chains.INPUT.rules;
    expect(r[3].matches.map((m) => m.module)).toEqual(['state', 'tcp']);
    expect(r[4]).toMatchObject({ source: { value: '198.19.77.0/24', negated: false }, target: 'DROP' });
  });

  it('CentOS 7 iptables 1.4.21 with firewalld: goto (-g), five tables, user chains', () => {
    const { value: rs, warnings } = parseIptablesSave(fixture('iptables', 'centos7-firewalld'));
    expect(warnings).toEqual([]);
    expect([rs.variant, rs.version]).toEqual(['legacy', '1.4.21']);
    expect(Object.keys(rs.tables)).toEqual(['nat', 'mangle', 'security', 'raw', 'filter']);
    const zones = rs.tables.filter.chains.INPUT_ZONES.rules;
    expect(zones.map((r) => [r.inInterface?.value, r.target, r.goto])).toEqual([
      ['eth1', 'IN_public', true],
      ['eth0', 'IN_public', true],
      [undefined, 'IN_public', true],
    ]);
    const allow = rs.tables.filter.chains.IN_public_allow.rules[0];
    expect(allow.matches).toEqual([
      { module: 'tcp', options: [{ name: 'dport', negated: false, values: ['22'] }] },
      { module: 'conntrack', options: [{ name: 'ctstate', negated: false, values: ['NEW,UNTRACKED'] }] },
    ]);
    expect(rs.tables.filter.chains.OUTPUT.counters).toEqual({ packets: 36, bytes: 3272 });
  });

  it('RHEL 6 iptables 1.4.7 (insights-core): a rule that only counts has no target', () => {
    const rs = parseIptablesSave(fixture('iptables', 'rhel6-1.4.7-insights')).value;
    const input = rs.tables.filter.chains.INPUT.rules;
    expect(input[1]).toMatchObject({ target: 'ACCEPT', goto: true });
    expect(input[3].target).toBeUndefined();
    expect(input[3].source).toEqual({ value: '192.168.2.0/24', negated: false });
  });
});

describe('iptables-save details', () => {
  const one = (rule: string) =>
    parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n${rule}\nCOMMIT\n`).value.tables.filter.chains.INPUT
      .rules[0];

  it('reads the pre-1.4.3 negation after the option (`--dport ! 22`, `-s ! 1.2.3.4`)', () => {
    const r = one('-A INPUT -s ! 10.0.0.0/8 -p tcp -m tcp --dport ! 22 -j DROP');
    expect(r.source).toEqual({ value: '10.0.0.0/8', negated: true });
    expect(r.matches[0].options[0]).toEqual({ name: 'dport', negated: true, values: ['22'] });
  });

  it('puts `-p tcp --dport` without `-m tcp` in the tcp module, and escaped quotes stay', () => {
    const r = one('-A INPUT -p tcp --dport 22 -m comment --comment "say \\"hi\\"" -j ACCEPT');
    expect(r.matches).toEqual([
      { module: 'tcp', options: [{ name: 'dport', negated: false, values: ['22'] }] },
      { module: 'comment', options: [{ name: 'comment', negated: false, values: ['say "hi"'] }] },
    ]);
  });

  it('keeps what it cannot place in `unparsed` and flags a cut-off quote', () => {
    const r = one('-A INPUT stray -j ACCEPT');
    expect(r.unparsed).toEqual(['stray']);
    const cut = one('-A INPUT -m comment --comment "cut off');
    expect(cut.unparsed).toContain('(unterminated quote)');
    expect(tokenizeRule('-j LOG --log-prefix "a b"').tokens).toEqual(['-j', 'LOG', '--log-prefix', 'a b']);
  });

  it('reads iptables -V and knows an empty ruleset', () => {
    expect(parseIptablesVersion(fixture('iptables', 'version-nft'))).toEqual({
      version: '1.8.9',
      variant: 'nf_tables',
    });
    expect(parseIptablesVersion(fixture('iptables', 'version-legacy'))).toEqual({
      version: '1.8.9',
      variant: 'legacy',
    });
    expect(parseIptablesVersion('iptables v1.4.21')).toEqual({ version: '1.4.21', variant: 'legacy' });
    expect(iptablesIsEmpty(parseIptablesSave('').value)).toBe(true);
    expect(iptablesIsEmpty(parseIptablesSave(fixture('iptables', 'legacy')).value)).toBe(false);
  });
});
