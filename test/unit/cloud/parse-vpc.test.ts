/**
 * VPC parsers.
 * Parsers on the official response demos (test/fixtures/alicloud/demo, origin in README.source.txt) and on the
 * quirks real bodies have: numbers as strings and strings as numbers, Datapoints as a JSON string, lists that
 * are missing, null or a lone object, `Enabled` as a number, the `RouteEntrys` spelling.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseEipAddresses,
  parseNatGateways,
  parseNetworkAclAttributes,
  parseNetworkAcls,
  parseRouteEntries,
  parseRouteTableList,
  parseSnatTableEntries,
  parseVSwitches,
} from '../../../source/cloud/parse/vpc.js';

const here = dirname(fileURLToPath(import.meta.url));
const demo = (name: string) =>
  JSON.parse(readFileSync(join(here, '../../fixtures/alicloud/demo', `${name}.json`), 'utf8'));

describe('VPC', () => {
  it('DescribeEipAddresses: string Bandwidth, locks', () => {
    expect(parseEipAddresses(demo('vpc_DescribeEipAddresses')).items).toEqual([
      {
        allocationId: 'eip-2zeerraiwb7ujcdvf****',
        ip: '47.75.XX.XX',
        status: 'InUse',
        instanceId: 'i-bp15zckdt37cdvf****',
        instanceType: 'EcsInstance',
        bandwidth: 5,
        chargeType: 'PayByBandwidth',
        businessStatus: 'Normal',
        locks: [{ reason: 'financial' }],
        name: 'EIP-01',
      },
    ]);
  });

  it('DescribeVSwitches: route table and ACL ids', () => {
    expect(parseVSwitches(demo('vpc_DescribeVSwitches')).items).toEqual([
      {
        id: 'vsw-25bcdxs7pv1****',
        vpcId: 'vpc-257gcdcdq64****',
        cidr: '172.16.0.0/24',
        zoneId: 'cn-hangzhou-d',
        name: 'vSwitch',
        routeTableId: 'vrt-bp145q7glnuzdv****',
        networkAclId: 'nacl-a2do9e413e0spzasx****',
        status: 'Available',
      },
    ]);
  });

  it('DescribeRouteTableList: the RouterTableList.RouterTableListType wrapper', () => {
    expect(parseRouteTableList(demo('vpc_DescribeRouteTableList')).items).toEqual([
      {
        id: 'vtb-bp145q7glnuzdvzu2****',
        vpcId: 'vpc-bp15zckdt37pq72zv****',
        type: 'System',
        vSwitchIds: ['vsw-bp12mw1f8k3jgygk9****'],
        associateType: 'VSwitch',
      },
    ]);
  });

  it('DescribeRouteEntryList: RouteEntrys, numeric Enabled, next hops', () => {
    const p = parseRouteEntries(demo('vpc_DescribeRouteEntryList'));
    expect(p.nextToken).toBeUndefined();
    expect(p.items).toEqual([
      {
        id: 'rte-bp1mnnr2al0naomnp****',
        routeTableId: 'vtb-bp1qmrc62n7bkg8x1****',
        destination: '0.0.0.0/0',
        type: 'Custom',
        status: 'Available',
        name: 'aaa',
        nextHops: [{ type: 'NatGateway', id: 'ngw-bp1ouulnofn4bp3pm****', enabled: true, weight: 100 }],
      },
    ]);
    const disabled = parseRouteEntries({
      RouteEntrys: { RouteEntry: [{ NextHops: { NextHop: [{ Enabled: 0 }] } }] },
    });
    expect(disabled.items[0].nextHops[0].enabled).toBe(false);
    const legacy = parseRouteEntries(
      { RouteEntrys: { RouteEntry: [{ InstanceId: 'i-9', NextHopType: 'Instance' }] } },
      'vtb-9',
    );
    expect(legacy.items[0]).toMatchObject({
      routeTableId: 'vtb-9',
      nextHops: [{ type: 'Instance', id: 'i-9', enabled: true }],
    });
  });

  it('DescribeNetworkAclAttributes: entries in list order, per direction', () => {
    expect(parseNetworkAclAttributes(demo('vpc_DescribeNetworkAclAttributes'))).toEqual({
      id: 'nacl-a2do9e413e0spnhmj****',
      vpcId: 'vpc-m5ebpc2t5l1ibbdj6****',
      ingress: [
        {
          id: 'nae-a2dk86arlydmevfbg****',
          name: 'acl-3',
          policy: 'accept',
          protocol: 'all',
          ports: { from: -1, to: -1 },
          cidr: '10.0.0.0/24',
          entryType: 'custom',
          description: 'This is IngressAclEntries.',
        },
      ],
      egress: [
        {
          id: 'nae-a2d447uw4tip542t8****',
          name: 'acl-2',
          policy: 'accept',
          protocol: 'all',
          ports: { from: -1, to: -1 },
          cidr: '10.0.0.0/24',
          entryType: 'custom',
          description: 'This is EgressAclEntries.',
        },
      ],
      vSwitchIds: ['vsw-bp1de348lntdwxscd****'],
    });
  });

  it('DescribeNetworkAcls: the same objects, string paging fields', () => {
    const attr = demo('vpc_DescribeNetworkAclAttributes').NetworkAclAttribute;
    const p = parseNetworkAcls({
      TotalCount: '1',
      PageNumber: '1',
      PageSize: '10',
      NetworkAcls: { NetworkAcl: [attr] },
    });
    expect(p.totalCount).toBe(1);
    expect(p.items[0].ingress).toHaveLength(1);
  });

  it('DescribeNatGateways and DescribeSnatTableEntries', () => {
    expect(parseNatGateways(demo('vpc_DescribeNatGateways')).items).toEqual([
      {
        id: 'ngw-bp1047e2d4z7kf2ki****',
        vpcId: 'vpc-bp1di7uewzmtvfuq8****',
        status: 'Available',
        networkType: 'internet',
        snatTableIds: ['stb-uf6dalcdu0krz423p****'],
        ips: ['116.62.XX.XX'],
        snat: [],
      },
    ]);
    expect(parseSnatTableEntries(demo('vpc_DescribeSnatTableEntries')).items).toEqual([
      {
        id: 'snat-kmd6nv8fy****',
        tableId: 'stb-gz3r3odawdgffde****',
        sourceVSwitchId: 'vsw-3xbdsffvfgdfds****',
        sourceCidr: '172.16.0.0/24',
        snatIp: '116.22.XX.XX',
        status: 'Available',
      },
    ]);
  });
});
