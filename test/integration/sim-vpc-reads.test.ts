/** VPC read actions through the real SDK, both signature schemes: EIPs, vSwitches, routes, ACLs, NAT and SNAT. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { failure, sdk } from './sim-sdk.js';

const R = { RegionId: 'cn-hangzhou' };
const VPC = 'vpc-bp11ra8wq594tuaxlox6';
const VTB = 'vtb-bp1lzp88ieen6xbuifyy';
const NACL = 'nacl-bp1cra6xj27c1lsgn3eu';
const NGW = 'ngw-bp1ersuue3b21hpw35qi';
const STB = 'stb-bp1d6zlyhxttv83rg1ev';

describe.each(['v3', 'v2'] as const)('VPC reads, %s signature', (signature) => {
  let sim: RunningSim;
  let call: ReturnType<typeof sdk>;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'nacl-blocks-https', ssh: false });
    call = sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      signature,
    });
  });
  afterAll(() => sim.close());

  it('DescribeVpcs', async () => {
    const r = await call('vpc', 'DescribeVpcs', R);
    expect(r.headers['x-netdoctor-sim']).toBe('nacl-blocks-https');
    expect(r.body).toMatchObject({ TotalCount: 1, PageNumber: 1, PageSize: 10 });
    expect(r.body.Vpcs.Vpc[0]).toMatchObject({
      VpcId: VPC,
      CidrBlock: '172.16.0.0/12',
      Status: 'Available',
      VSwitchIds: { VSwitchId: ['vsw-bp1cez4yh5abaqtyxnmd', 'vsw-bp1jrk26msoi3ab2gbfa'] },
      RouterTableIds: { RouterTableIds: [VTB] },
      NatGatewayIds: { NatGatewayIds: [NGW] },
    });
  });

  it('DescribeEipAddresses: Bandwidth is a string, VPC tags use Key/Value', async () => {
    const r = await call('vpc', 'DescribeEipAddresses', { ...R, AssociatedInstanceType: 'EcsInstance' });
    expect(r.body.TotalCount).toBe(1);
    expect(r.body.EipAddresses.EipAddress[0]).toMatchObject({
      AllocationId: 'eip-bp1mztyt4atry8yqw1b5',
      IpAddress: '47.96.73.18',
      Status: 'InUse',
      InstanceId: 'i-bp1k6jsb2wslxp48772b',
      InstanceType: 'EcsInstance',
      Bandwidth: '10',
      OperationLocks: { LockReason: [] },
      Tags: { Tag: [] },
    });
    const nat = await call('vpc', 'DescribeEipAddresses', { ...R, EipAddress: '47.98.52.190' });
    expect(nat.body.EipAddresses.EipAddress[0]).toMatchObject({ InstanceType: 'Nat', InstanceId: NGW });
    const none = await call('vpc', 'DescribeEipAddresses', { ...R, Status: 'Available' });
    expect(none.body.EipAddresses.EipAddress).toEqual([]);
  });

  it('DescribeVSwitches names the route table and the network ACL', async () => {
    const r = await call('vpc', 'DescribeVSwitches', { ...R, VpcId: VPC });
    const web = r.body.VSwitches.VSwitch.find((v: any) => v.VSwitchId === 'vsw-bp1cez4yh5abaqtyxnmd');
    expect(web).toMatchObject({
      CidrBlock: '172.16.1.0/24',
      ZoneId: 'cn-hangzhou-k',
      NetworkAclId: NACL,
      RouteTable: { RouteTableId: VTB, RouteTableType: 'System' },
      AvailableIpAddressCount: 251,
    });
  });

  it('DescribeRouteTableList uses RouterTableList.RouterTableListType', async () => {
    const r = await call('vpc', 'DescribeRouteTableList', { ...R, VpcId: VPC });
    expect(r.body.RouterTableList.RouterTableListType).toHaveLength(1);
    expect(r.body.RouterTableList.RouterTableListType[0]).toMatchObject({
      RouteTableId: VTB,
      RouteTableType: 'System',
      VSwitchIds: { VSwitchId: ['vsw-bp1cez4yh5abaqtyxnmd', 'vsw-bp1jrk26msoi3ab2gbfa'] },
      GatewayIds: { GatewayIds: [] },
    });
  });

  it('DescribeRouteEntryList: RouteEntrys, numeric Enabled, MaxResult paging', async () => {
    const r = await call('vpc', 'DescribeRouteEntryList', { ...R, RouteTableId: VTB, MaxResult: 100 });
    const entries = r.body.RouteEntrys.RouteEntry;
    expect(entries.map((e: any) => e.DestinationCidrBlock)).toEqual([
      '172.16.1.0/24',
      '172.16.2.0/24',
      '100.64.0.0/10',
      '0.0.0.0/0',
    ]);
    const def = entries.find((e: any) => e.DestinationCidrBlock === '0.0.0.0/0');
    expect(def).toMatchObject({
      RouteEntryId: 'rte-bp126a75kcobjihnsben',
      Type: 'Custom',
      Status: 'Available',
      IpVersion: 'IPv4',
      NextHops: { NextHop: [{ NextHopType: 'NatGateway', NextHopId: NGW, Enabled: 1 }] },
    });
    expect(entries[0].NextHops.NextHop[0]).toMatchObject({ NextHopType: 'local', Enabled: 1 });
    const p1 = await call('vpc', 'DescribeRouteEntryList', { ...R, RouteTableId: VTB, MaxResult: 3 });
    expect(p1.body.RouteEntrys.RouteEntry).toHaveLength(3);
    const p2 = await call('vpc', 'DescribeRouteEntryList', {
      ...R,
      RouteTableId: VTB,
      MaxResult: 3,
      NextToken: p1.body.NextToken,
    });
    expect(p2.body.RouteEntrys.RouteEntry.map((e: any) => e.DestinationCidrBlock)).toEqual(['0.0.0.0/0']);
    expect(p2.body.NextToken).toBe('');
    const byType = await call('vpc', 'DescribeRouteEntryList', {
      ...R,
      RouteTableId: VTB,
      RouteEntryType: 'Custom',
    });
    expect(byType.body.RouteEntrys.RouteEntry).toHaveLength(1);
    const e = await failure(() => call('vpc', 'DescribeRouteEntryList', { ...R, RouteTableId: 'vtb-nope' }));
    expect(e).toMatchObject({ code: 'InvalidRouteTable.NotFound', statusCode: 400 });
  });

  it('DescribeNetworkAcls (string paging fields) and DescribeNetworkAclAttributes keep list order', async () => {
    const list = await call('vpc', 'DescribeNetworkAcls', {
      ...R,
      ResourceId: 'vsw-bp1cez4yh5abaqtyxnmd',
      ResourceType: 'VSwitch',
    });
    expect(list.body).toMatchObject({ TotalCount: '1', PageNumber: '1', PageSize: '10' });
    const acl = list.body.NetworkAcls.NetworkAcl[0];
    expect(
      acl.IngressAclEntries.IngressAclEntry.map(
        (e: any) => `${e.Policy} ${e.Protocol} ${e.Port} ${e.SourceCidrIp}`,
      ),
    ).toEqual(['drop tcp 443/443 0.0.0.0/0', 'accept all -1/-1 0.0.0.0/0']);
    expect(acl.EgressAclEntries.EgressAclEntry[0]).toMatchObject({
      Policy: 'accept',
      DestinationCidrIp: '0.0.0.0/0',
      EntryType: 'custom',
    });
    expect(acl.Resources.Resource).toEqual([
      { ResourceId: 'vsw-bp1cez4yh5abaqtyxnmd', ResourceType: 'VSwitch', Status: 'BINDED' },
    ]);
    const attr = await call('vpc', 'DescribeNetworkAclAttributes', { ...R, NetworkAclId: NACL });
    expect(attr.body.NetworkAclAttribute.IngressAclEntries.IngressAclEntry[0]).toMatchObject({
      NetworkAclEntryId: 'nae-bp18yb6ubiz9bo149djc',
      NetworkAclEntryName: 'block-scanner',
      IpVersion: 'IPv4',
    });
    const e = await failure(() =>
      call('vpc', 'DescribeNetworkAclAttributes', { ...R, NetworkAclId: 'nacl-nope' }),
    );
    expect(e.code).toBe('InvalidNetworkAcl.NotFound');
  });

  it('DescribeNatGateways and DescribeSnatTableEntries', async () => {
    const nat = await call('vpc', 'DescribeNatGateways', { ...R, VpcId: VPC });
    expect(nat.body.NatGateways.NatGateway[0]).toMatchObject({
      NatGatewayId: NGW,
      Status: 'Available',
      NetworkType: 'internet',
      SnatTableIds: { SnatTableId: [STB] },
      IpLists: {
        IpList: [
          {
            AllocationId: 'eip-bp107m6vppgns0p1dggr',
            IpAddress: '47.98.52.190',
            UsingStatus: 'UsedBySnatTable',
            SnatEntryEnabled: true,
          },
        ],
      },
    });
    const snat = await call('vpc', 'DescribeSnatTableEntries', { ...R, SnatTableId: STB });
    expect(snat.body).toMatchObject({ TotalCount: 1 });
    expect(snat.body.SnatTableEntries.SnatTableEntry[0]).toMatchObject({
      SnatEntryId: 'snat-bp17ugfmvjuipl2zdfmb',
      SnatTableId: STB,
      NatGatewayId: NGW,
      SourceVSwitchId: 'vsw-bp1jrk26msoi3ab2gbfa',
      SourceCIDR: '172.16.2.0/24',
      SnatIp: '47.98.52.190',
      Status: 'Available',
    });
    const e = await failure(() => call('vpc', 'DescribeSnatTableEntries', { ...R, SnatTableId: 'stb-nope' }));
    expect(e).toMatchObject({ code: 'InvalidSnatTableId.NotFound', statusCode: 404 });
  });
});
