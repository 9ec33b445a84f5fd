/**
 * Every parser, on anything: random text, random bytes, CRLF, truncation at every length, and the real
 * fixtures cut short. None may throw; each returns what it could.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCollection } from '../../../source/guest/collection.js';
import { parseDig, parseGetentAhosts, parseNslookup } from '../../../source/guest/parsers/dns-lookup.js';
import { parseEthtool } from '../../../source/guest/parsers/ethtool.js';
import { parseHostsAccess } from '../../../source/guest/parsers/hosts-access.js';
import { parseIpJsonLinks, parseIpJsonRoutes } from '../../../source/guest/parsers/ip-json.js';
import { parseIpAddrText, parseIpRouteText, parseIpRule } from '../../../source/guest/parsers/ip-text.js';
import { parseIptablesSave, parseIptablesVersion } from '../../../source/guest/parsers/iptables-save.js';
import { parseKernelLog } from '../../../source/guest/parsers/kernel-log.js';
import { parseNetstat } from '../../../source/guest/parsers/netstat.js';
import { parseNftJson } from '../../../source/guest/parsers/nft.js';
import { parseProcNetDev } from '../../../source/guest/parsers/proc-net-dev.js';
import {
  parseConntrack,
  parseSockstat,
  parseStateCounts,
  parseSysctl,
} from '../../../source/guest/parsers/proc-values.js';
import { parseResolvConf } from '../../../source/guest/parsers/resolv.js';
import { parseSs } from '../../../source/guest/parsers/ss.js';
import { parseSystem } from '../../../source/guest/parsers/system.js';
import { parseServiceStatus, parseSystemctlShow } from '../../../source/guest/parsers/systemctl.js';
import { splitCollection } from '../../../source/guest/script/split.js';
import { crlf, fixture } from './fixtures.js';

const PARSERS: [string, (t: string) => unknown][] = [
  ['ss', (t) => parseSs(t)],
  ['netstat', (t) => parseNetstat(t)],
  ['iptables-save', (t) => parseIptablesSave(t)],
  ['iptables -V', (t) => parseIptablesVersion(t)],
  ['nft -j', (t) => parseNftJson(t)],
  ['ip -j addr', (t) => parseIpJsonLinks(t)],
  ['ip -j route', (t) => parseIpJsonRoutes(t)],
  ['ip addr', (t) => parseIpAddrText(t)],
  ['ip route', (t) => parseIpRouteText(t)],
  ['ip rule', (t) => parseIpRule(t)],
  ['resolv.conf', (t) => parseResolvConf(t)],
  ['hosts.deny', (t) => parseHostsAccess(t, 'hosts.deny')],
  ['systemctl show', (t) => parseSystemctlShow(t)],
  ['service status', (t) => parseServiceStatus('x', t, 3, 'service')],
  ['/proc/net/dev', (t) => parseProcNetDev(t)],
  ['conntrack', (t) => parseConntrack(t)],
  ['sockstat', (t) => parseSockstat(t)],
  ['uniq -c', (t) => parseStateCounts(t)],
  ['sysctl', (t) => parseSysctl(t)],
  ['ethtool', (t) => parseEthtool(t)],
  ['kernel log', (t) => parseKernelLog(t)],
  ['getent', (t) => parseGetentAhosts('a', t, 0)],
  ['nslookup', (t) => parseNslookup('a', 's', t, 1)],
  ['dig', (t) => parseDig('a', 's', t, 0)],
  ['system', (t) => parseSystem(t)],
  ['split', (t) => splitCollection(t)],
  ['collection', (t) => parseCollection(t, { at: 0, via: 'ssh' })],
];

const SAMPLES: [string, string][] = [
  ['ss', 'all-header'],
  ['netstat', 'de-tulpen'],
  ['iptables', 'centos7-firewalld'],
  ['nft', 'native'],
  ['ip', 'addr-json'],
  ['ip', 'route'],
  ['systemctl', 'rhel7-show-insights'],
  ['kernel-log', 'dmesg-e1000e-ubuntu'],
];

// Text that looks like tool output: fragments of the real formats glued at random.
const toolish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'tcp',
        'LISTEN',
        '0.0.0.0:22',
        '[::]:*',
        'users:(("a",pid=1,fd=3))',
        '-A',
        'INPUT',
        '!',
        '--dport',
        '"',
        '*filter',
        ':INPUT ACCEPT [0:0]',
        'COMMIT',
        '{',
        '}',
        '[',
        ']',
        '"nftables":',
        'nameserver',
        ':',
        ',',
        '\\',
        '\n',
        '\r\n',
        '\t',
        'Id=x.service',
        '=',
        'inet',
        '/24',
        'dev',
        'via',
        '@@ND:1:BEGIN ss',
        '@@ND:1:END ss rc=',
        '@@ND:COLLECT v=1 id=1',
        '@@ND:1:ITEM eth0 rc=0',
        'EXCEPT',
        'Link is Down',
        '[ 1.0]',
        'Settings for eth0:',
        'Speed: 10Mb/s',
        'ESTABLISHED',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(' '));

describe('parsers never throw', () => {
  for (const [name, parse] of PARSERS) {
    it(`${name}: random and tool-like text`, () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), toolish),
          (t) => {
            expect(() => parse(t)).not.toThrow();
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('every parser on every real fixture cut at every 101st byte, and with CRLF', () => {
    for (const [tool, name] of SAMPLES) {
      const text = fixture(tool, name);
      for (let n = 0; n <= text.length; n += 101) {
        for (const [, parse] of PARSERS) {
          expect(() => parse(text.slice(0, n))).not.toThrow();
          expect(() => parse(crlf(text.slice(0, n)))).not.toThrow();
        }
      }
    }
  });
});

describe('CRLF gives the same facts as LF', () => {
  const cases: [string, string, (t: string) => unknown][] = [
    ['netstat', 'tunap', (t) => parseNetstat(t)],
    ['ip', 'addr', (t) => parseIpAddrText(t)],
    ['ip', 'route', (t) => parseIpRouteText(t)],
    ['ip', 'addr-json', (t) => parseIpJsonLinks(t)],
    ['nft', 'native', (t) => parseNftJson(t)],
    ['resolv', 'netns', (t) => parseResolvConf(t)],
    ['systemctl', 'rhel7-show-insights', (t) => parseSystemctlShow(t)],
    ['netdev', 'proc-net-dev', (t) => parseProcNetDev(t)],
    ['kernel-log', 'syslog-e1000e', (t) => parseKernelLog(t)],
    ['ethtool', 'virtio', (t) => parseEthtool(t)],
    ['sysctl', 'keys', (t) => parseSysctl(t)],
    ['dns', 'dig-ok', (t) => parseDig('aliyun.com', 's', t, 0)],
  ];
  for (const [tool, name, parse] of cases) {
    it(`${tool}/${name}`, () => expect(parse(crlf(fixture(tool, name)))).toEqual(parse(fixture(tool, name))));
  }
});

describe('truncated input returns a prefix of the facts, never invented ones', () => {
  it('ss cut mid-way yields the whole lines before the cut', () => {
    const text = fixture('ss', 'all-header');
    const full = parseSs(text).value;
    const cut = text.slice(0, text.indexOf('\n', text.length / 2));
    const part = parseSs(cut).value;
    expect(part.length).toBeGreaterThan(0);
    expect(part).toEqual(full.slice(0, part.length));
  });

  it('iptables-save cut mid-table warns and keeps the rules read so far', () => {
    const text = fixture('iptables', 'nft-backend');
    const cut = text.slice(0, text.indexOf('[0:0] -A INPUT -f'));
    const { value, warnings } = parseIptablesSave(cut);
    expect(value.tables.filter.chains.INPUT.rules).toHaveLength(8);
    expect(warnings).toContain('iptables-save: table filter has no COMMIT (output cut short?)');
  });
});
