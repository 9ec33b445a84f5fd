/**
 * ECS parsers.
 * Parsers on the official response demos (test/fixtures/alicloud/demo, origin in README.source.txt) and on the
 * quirks real bodies have: numbers as strings and strings as numbers, Datapoints as a JSON string, lists that
 * are missing, null or a lone object, `Enabled` as a number, the `RouteEntrys` spelling.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  mergeEnis,
  parseCloudAssistantStatus,
  parseInstance,
  parseNetworkInterfaces,
  parseSecurityGroupAttribute,
  parseSecurityGroups,
} from '../../../source/cloud/parse/ecs.js';
import { parseInvocationResults } from '../../../source/cloud/writes.js';

const here = dirname(fileURLToPath(import.meta.url));
const demo = (name: string) =>
  JSON.parse(readFileSync(join(here, '../../fixtures/alicloud/demo', `${name}.json`), 'utf8'));

describe('ECS', () => {
  it('DescribeSecurityGroupAttribute (recorded): numeric Priority, capitalised policy, upper-case protocol', () => {
    const sg = parseSecurityGroupAttribute(demo('ecs_DescribeSecurityGroupAttribute'));
    expect(sg).toEqual({
      id: 'sg-2zebb34geaa1x63gtkor',
      name: 'huocorp_terraform_goat_security_group',
      type: 'normal',
      vpcId: 'vpc-2ze61byz86qst1qstj5id',
      innerAccessPolicy: 'Accept',
      rules: [
        {
          id: 'sg-2zebb34geaa1x63gtkor#0',
          groupId: 'sg-2zebb34geaa1x63gtkor',
          direction: 'ingress',
          policy: 'accept',
          priority: 1,
          protocol: 'tcp',
          ports: { from: 1, to: 65535 },
          peerCidr: '0.0.0.0/0',
          nicType: 'intranet',
          description: '',
          createTime: '2022-06-08T10:52:52Z',
        },
      ],
    });
  });

  it('security group rules: string Priority, egress peers, rule ids, ICMP -1/-1, drop', () => {
    const sg = parseSecurityGroupAttribute(
      {
        SecurityGroupId: 'sg-1',
        InnerAccessPolicy: 'Drop',
        Permissions: {
          Permission: [
            {
              SecurityGroupRuleId: 'sgr-a',
              Direction: 'egress',
              Policy: 'Drop',
              Priority: '5',
              IpProtocol: 'ALL',
              PortRange: '-1/-1',
              DestCidrIp: '0.0.0.0/0',
            },
            {
              Direction: 'ingress',
              Policy: 'Accept',
              IpProtocol: 'ICMP',
              PortRange: '-1/-1',
              SourceGroupId: 'sg-2',
              SourcePortRange: '1024/65535',
            },
            {
              Direction: 'ingress',
              Policy: 'accept',
              Priority: null,
              IpProtocol: 'ICMPv6',
              Ipv6SourceCidrIp: '::/0',
              SourcePrefixListId: 'pl-1',
            },
          ],
        },
      },
      'enterprise',
    );
    expect(sg.type).toBe('enterprise');
    expect(sg.innerAccessPolicy).toBe('Drop');
    expect(sg.rules[0]).toMatchObject({
      id: 'sgr-a',
      direction: 'egress',
      policy: 'drop',
      priority: 5,
      protocol: 'all',
      ports: { from: -1, to: -1 },
      peerCidr: '0.0.0.0/0',
    });
    expect(sg.rules[1]).toMatchObject({
      id: 'sg-1#1',
      protocol: 'icmp',
      peerGroupId: 'sg-2',
      sourcePorts: { from: 1024, to: 65535 },
    });
    expect(sg.rules[2]).toMatchObject({
      priority: 1,
      protocol: 'icmpv6',
      peerIpv6Cidr: '::/0',
      peerPrefixListId: 'pl-1',
    });
  });

  it('DescribeNetworkInterfaces: vSwitch, groups and associated public address; "null" owner strings ignored', () => {
    const p = parseNetworkInterfaces(demo('ecs_DescribeNetworkInterfaces'));
    expect(p.nextToken).toBe('AAAAAdDWBF2****');
    expect(p.items).toEqual([
      {
        instanceId: 'i-bp1e2l6djkndyuli****',
        eni: {
          id: 'eni-bp125p95hhdhn3ot****',
          type: 'Secondary',
          mac: '00:16:3e:12:**:**',
          primaryIp: '172.17.**.**',
          privateIps: ['172.17.**.**'],
          vSwitchId: 'vsw-bp16usj2p27htro3****',
          securityGroupIds: ['sg-bp18kz60mefsicfg****'],
          publicIp: '116.62.**.**',
        },
      },
    ]);
  });

  it('merges ENI detail into the instance view', () => {
    const merged = mergeEnis(
      [
        {
          id: 'eni-1',
          type: 'Primary',
          primaryIp: '10.0.0.5',
          privateIps: ['10.0.0.5', '10.0.0.6'],
          mac: 'aa',
        },
      ],
      [
        {
          id: 'eni-1',
          type: 'Primary',
          primaryIp: '10.0.0.5',
          privateIps: ['10.0.0.5'],
          vSwitchId: 'vsw-1',
          securityGroupIds: ['sg-1'],
        },
        {
          id: 'eni-2',
          type: 'Secondary',
          primaryIp: '10.0.1.9',
          privateIps: ['10.0.1.9'],
          securityGroupIds: ['sg-9'],
        },
      ],
    );
    expect(merged).toEqual([
      {
        id: 'eni-1',
        type: 'Primary',
        primaryIp: '10.0.0.5',
        privateIps: ['10.0.0.5', '10.0.0.6'],
        mac: 'aa',
        vSwitchId: 'vsw-1',
        securityGroupIds: ['sg-1'],
      },
      {
        id: 'eni-2',
        type: 'Secondary',
        primaryIp: '10.0.1.9',
        privateIps: ['10.0.1.9'],
        securityGroupIds: ['sg-9'],
      },
    ]);
  });

  it('an instance body with nulls and missing wrappers still parses', () => {
    const i = parseInstance({
      InstanceId: 'i-1',
      Status: 'Stopped',
      VpcAttributes: null,
      OperationLocks: { LockReason: { LockReason: 'financial', LockMsg: 'overdue' } },
      EipAddress: { AllocationId: 'eip-1', IpAddress: '47.0.0.1', Bandwidth: '8' },
      InternetMaxBandwidthOut: '0',
    });
    expect(i).toMatchObject({
      id: 'i-1',
      name: '',
      status: 'Stopped',
      networkType: 'classic',
      privateIps: [],
      publicIps: [],
      securityGroupIds: [],
      enis: [],
      locks: [{ reason: 'financial', message: 'overdue' }],
      eip: { allocationId: 'eip-1', ip: '47.0.0.1', bandwidth: 8 },
      internetMaxBandwidthOut: 0,
    });
  });

  it('DescribeSecurityGroups gives the group type', () => {
    const p = parseSecurityGroups({
      TotalCount: 2,
      SecurityGroups: {
        SecurityGroup: [
          {
            SecurityGroupId: 'sg-a',
            SecurityGroupName: 'web',
            SecurityGroupType: 'enterprise',
            VpcId: 'vpc-1',
          },
          { SecurityGroupId: 'sg-b', SecurityGroupName: 'db', SecurityGroupType: 'normal', Description: '' },
        ],
      },
    });
    expect(p.items).toEqual([
      { id: 'sg-a', name: 'web', type: 'enterprise', vpcId: 'vpc-1' },
      { id: 'sg-b', name: 'db', type: 'normal' },
    ]);
  });

  it('DescribeCloudAssistantStatus: "true"/"false" strings', () => {
    const m = parseCloudAssistantStatus({
      InstanceCloudAssistantStatusSet: {
        InstanceCloudAssistantStatus: [
          {
            InstanceId: 'i-1',
            CloudAssistantStatus: 'true',
            CloudAssistantVersion: '2.2.3.309',
            LastHeartbeatTime: '2024-01-01T00:00:00Z',
          },
          { InstanceId: 'i-2', CloudAssistantStatus: 'false' },
        ],
      },
    });
    expect(m.get('i-1')).toEqual({
      online: true,
      version: '2.2.3.309',
      lastHeartbeat: '2024-01-01T00:00:00Z',
    });
    expect(m.get('i-2')).toEqual({ online: false });
  });

  it('DescribeInvocationResults: Base64 output decoded', () => {
    expect(parseInvocationResults(demo('ecs_DescribeInvocationResults'))).toEqual([
      {
        invokeId: 't-hz0jdfwd9f****',
        instanceId: 'i-bp1i7gg30r52z2em****',
        status: 'Success',
        recordStatus: 'Finished',
        exitCode: 0,
        output: '15:30:01\n',
        dropped: 0,
        startTime: '2019-12-20T06:15:55Z',
        finishedTime: '2019-12-20T06:15:56Z',
      },
    ]);
  });
});
