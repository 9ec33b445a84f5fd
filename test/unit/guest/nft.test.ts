import { describe, expect, it } from 'vitest';
import { isIptablesNftTable, nftHasNativeRules, parseNftJson } from '../../../source/guest/parsers/nft.js';
import { fixture } from './fixtures.js';

describe('parseNftJson (nftables 1.0.6, captured)', () => {
  it('reads a native inet table: base chains, a set, rules with handles, comments and indexes', () => {
    const { value: rs, warnings } = parseNftJson(fixture('nft', 'native'));
    expect(warnings).toEqual([]);
    expect(rs.version).toBe('1.0.6');
    expect(rs.tables).toEqual([{ family: 'inet', name: 'web', handle: 1 }]);
    expect(rs.sets).toEqual([
      {
        family: 'inet',
        table: 'web',
        name: 'blocked',
        type: 'ipv4_addr',
        flags: ['interval'],
        elem: [{ prefix: { addr: '198.19.80.0', len: 24 } }, '198.19.81.7'],
      },
    ]);
    const input = rs.chains.find((c) => c.name === 'input')!;
    expect([input.type, input.hook, input.prio, input.policy]).toEqual(['filter', 'input', 10, 'accept']);
    expect(input.rules.map((r) => [r.index, r.handle, r.comment])).toEqual([
      [1, 4, undefined],
      [2, 5, undefined],
      [3, 6, 'abusers'],
      [4, 8, undefined],
      [5, 9, undefined],
      [6, 10, undefined],
    ]);
    expect(input.rules[2].expr).toEqual([
      { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@blocked' } },
      { counter: { packets: 0, bytes: 0 } },
      { drop: null },
    ]);
    expect(nftHasNativeRules(rs)).toBe(true);
  });

  it('reads iptables-nft tables with `xt` expressions, and knows they belong to iptables', () => {
    const rs = parseNftJson(fixture('nft', 'iptables-nft')).value;
    expect(rs.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip filter', 'ip nat', 'ip6 filter']);
    expect(isIptablesNftTable('ip', 'filter')).toBe(true);
    expect(isIptablesNftTable('inet', 'web')).toBe(false);
    expect(nftHasNativeRules(rs)).toBe(false);
    const input = rs.chains.find((c) => c.family === 'ip' && c.table === 'filter' && c.name === 'INPUT')!;
    expect(input.rules[1].expr[0]).toEqual({ xt: { type: 'match', name: 'conntrack' } });
  });

  it('says what is wrong with non-JSON, truncated or foreign input', () => {
    expect(parseNftJson('table inet web {').warnings[0]).toMatch(/not JSON|not valid JSON/);
    const cut = fixture('nft', 'native').slice(0, 300);
    expect(parseNftJson(cut).warnings[0]).toMatch(/JSON/);
    expect(parseNftJson('{"foo": 1}').warnings).toEqual(['nft -j: no "nftables" array in the output']);
    expect(parseNftJson('').value).toEqual({ tables: [], chains: [], sets: [] });
  });
});
