/**
 * Write actions through the real SDK, both signature schemes: each success changes what later reads return and
 * appears in the audit trail as the scenario's user, from the operator's address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { failure, sdk } from './sim-sdk.js';

const R = { RegionId: 'cn-hangzhou' };
const WEB = 'i-bp1k6jsb2wslxp48772b';
const SG_WEB = 'sg-bp1w3fxyigw34kdcz3f7';
const DROP_RULE = 'sgr-bp1z005mzaiieivmf1hf';
const EIP = 'eip-bp1mztyt4atry8yqw1b5';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['v3', 'v2'] as const)('writes, %s signature', (signature) => {
  let sim: RunningSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  async function open(scenario: string, transitionMs = 60) {
    sim = await startSim({ scenario, ssh: false, faults: { transitionMs } });
    return sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      signature,
    });
  }
  const rules = async (call: ReturnType<typeof sdk>, Direction = 'ingress') =>
    (await call('ecs', 'DescribeSecurityGroupAttribute', { ...R, SecurityGroupId: SG_WEB, Direction })).body
      .Permissions.Permission as any[];
  const lastEvent = async (call: ReturnType<typeof sdk>, Value: string) =>
    (await call('actiontrail', 'LookupEvents', { LookupAttribute: [{ Key: 'ResourceName', Value }] })).body
      .Events[0];

  it('RevokeSecurityGroup by rule id removes the storefront Drop rule and records who did it', async () => {
    const call = await open('storefront');
    expect((await rules(call)).some((p) => p.SecurityGroupRuleId === DROP_RULE)).toBe(true);
    const r = await call('ecs', 'RevokeSecurityGroup', {
      ...R,
      SecurityGroupId: SG_WEB,
      SecurityGroupRuleId: [DROP_RULE],
    });
    expect(Object.keys(r.body)).toEqual(['RequestId']);
    expect((await rules(call)).some((p) => p.SecurityGroupRuleId === DROP_RULE)).toBe(false);
    const ev = await lastEvent(call, SG_WEB);
    expect(ev).toMatchObject({
      eventName: 'RevokeSecurityGroup',
      sourceIpAddress: '116.232.18.77',
      userIdentity: { userName: 'netdoctor-oncall', accessKeyId: sim!.accessKeyId },
      requestParameters: { SecurityGroupId: SG_WEB, 'SecurityGroupRuleId.1': DROP_RULE },
    });
    expect(ev.requestId).toBe(r.body.RequestId);
    const again = await failure(() =>
      call('ecs', 'RevokeSecurityGroup', { ...R, SecurityGroupId: SG_WEB, SecurityGroupRuleId: [DROP_RULE] }),
    );
    expect(again).toMatchObject({ code: 'InvalidSecurityGroupRule.RuleNotExist', statusCode: 400 });
  });

  it('AuthorizeSecurityGroup adds a rule once; RevokeSecurityGroup by fields removes it', async () => {
    const call = await open('healthy');
    const perm = {
      IpProtocol: 'tcp',
      PortRange: '8443/8443',
      SourceCidrIp: '116.232.18.77/32',
      Policy: 'accept',
      Priority: '10',
      Description: 'temp admin',
    };
    await call('ecs', 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: SG_WEB, Permissions: [perm] });
    await call('ecs', 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: SG_WEB, Permissions: [perm] });
    const added = (await rules(call)).filter((p) => p.PortRange === '8443/8443');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      Policy: 'Accept',
      Priority: 10,
      IpProtocol: 'TCP',
      SourceCidrIp: '116.232.18.77/32',
      Description: 'temp admin',
    });
    expect(added[0].SecurityGroupRuleId).toMatch(/^sgr-bp1[a-z0-9]{17}$/);
    expect((await lastEvent(call, SG_WEB)).eventName).toBe('AuthorizeSecurityGroup');
    await call('ecs', 'RevokeSecurityGroup', {
      ...R,
      SecurityGroupId: SG_WEB,
      Permissions: [{ IpProtocol: 'tcp', PortRange: '8443/8443', SourceCidrIp: '116.232.18.77/32' }],
    });
    expect((await rules(call)).some((p) => p.PortRange === '8443/8443')).toBe(false);
    // The legacy un-prefixed form works too (what older scripts send).
    await call('ecs', 'AuthorizeSecurityGroup', {
      ...R,
      SecurityGroupId: SG_WEB,
      IpProtocol: 'udp',
      PortRange: '53/53',
      SourceCidrIp: '10.0.0.0/8',
    });
    expect((await rules(call)).find((p) => p.IpProtocol === 'UDP')).toMatchObject({
      Priority: 1,
      Policy: 'Accept',
    });
  });

  it('rejects malformed rules with the API codes', async () => {
    const call = await open('healthy');
    const bad = (p: Record<string, string>) =>
      failure(() =>
        call('ecs', 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: SG_WEB, Permissions: [p] }),
      );
    expect(await bad({ IpProtocol: 'sctp', PortRange: '1/2', SourceCidrIp: '0.0.0.0/0' })).toMatchObject({
      code: 'InvalidIpProtocol.Malformed',
      statusCode: 400,
    });
    expect(
      await bad({ IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: '0' }),
    ).toMatchObject({ code: 'InvalidPriority.ValueNotSupported' });
    expect(await bad({ IpProtocol: 'tcp', PortRange: '0/70000', SourceCidrIp: '0.0.0.0/0' })).toMatchObject({
      code: 'InvalidParam.PortRange',
    });
    expect(await bad({ IpProtocol: 'icmp', PortRange: '1/2', SourceCidrIp: '0.0.0.0/0' })).toMatchObject({
      code: 'InvalidParam.PortRange',
    });
    expect(await bad({ IpProtocol: 'tcp', PortRange: '22/22' })).toMatchObject({
      code: 'MissingParameter.Source',
    });
    expect(await bad({ IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '1.2.3.400/32' })).toMatchObject({
      code: 'InvalidSourceCidrIp.Malformed',
    });
    expect(
      await failure(() =>
        call('ecs', 'AuthorizeSecurityGroup', {
          ...R,
          SecurityGroupId: 'sg-nope',
          IpProtocol: 'tcp',
          PortRange: '1/1',
          SourceCidrIp: '0.0.0.0/0',
        }),
      ),
    ).toMatchObject({
      code: 'InvalidSecurityGroupId.NotFound',
      statusCode: 404,
    });
  });

  it('ModifySecurityGroupRule changes a rule in place (by id, and by the legacy five-tuple)', async () => {
    const call = await open('storefront');
    await call('ecs', 'ModifySecurityGroupRule', {
      ...R,
      SecurityGroupId: SG_WEB,
      SecurityGroupRuleId: DROP_RULE,
      Priority: '100',
      Policy: 'accept',
    });
    expect((await rules(call)).find((p) => p.SecurityGroupRuleId === DROP_RULE)).toMatchObject({
      Priority: 100,
      Policy: 'Accept',
    });
    await call('ecs', 'ModifySecurityGroupRule', {
      ...R,
      SecurityGroupId: SG_WEB,
      IpProtocol: 'tcp',
      PortRange: '22/22',
      SourceCidrIp: '116.232.18.0/24',
      Priority: '5',
      Description: 'office',
    });
    expect((await rules(call)).find((p) => p.PortRange === '22/22')).toMatchObject({
      Priority: 5,
      Description: 'office',
    });
    expect((await lastEvent(call, SG_WEB)).eventName).toBe('ModifySecurityGroupRule');
  });

  it('AuthorizeSecurityGroupEgress / RevokeSecurityGroupEgress manage egress rules', async () => {
    const call = await open('healthy');
    const perm = {
      IpProtocol: 'tcp',
      PortRange: '25/25',
      DestCidrIp: '0.0.0.0/0',
      Policy: 'drop',
      Priority: '1',
    };
    await call('ecs', 'AuthorizeSecurityGroupEgress', { ...R, SecurityGroupId: SG_WEB, Permissions: [perm] });
    const egress = await rules(call, 'egress');
    expect(egress).toHaveLength(1);
    expect(egress[0]).toMatchObject({
      Direction: 'egress',
      DestCidrIp: '0.0.0.0/0',
      SourceCidrIp: '',
      Policy: 'Drop',
    });
    await call('ecs', 'RevokeSecurityGroupEgress', {
      ...R,
      SecurityGroupId: SG_WEB,
      SecurityGroupRuleId: [egress[0].SecurityGroupRuleId],
    });
    expect(await rules(call, 'egress')).toEqual([]);
  });

  it('StartInstance: Stopped → Starting → Running; Start again is IncorrectInstanceStatus', async () => {
    const call = await open('instance-stopped');
    const status = async () =>
      (await call('ecs', 'DescribeInstanceAttribute', { InstanceId: WEB })).body.Status;
    expect(await status()).toBe('Stopped');
    await call('ecs', 'StartInstance', { InstanceId: WEB });
    expect(await status()).toBe('Starting');
    await sleep(100);
    expect(await status()).toBe('Running');
    expect((await lastEvent(call, WEB)).eventName).toBe('StartInstance');
    const e = await failure(() => call('ecs', 'StartInstance', { InstanceId: WEB }));
    expect(e).toMatchObject({ code: 'IncorrectInstanceStatus', statusCode: 403 });
    const nf = await failure(() => call('ecs', 'StartInstance', { InstanceId: 'i-bp1missing0000000000' }));
    expect(nf).toMatchObject({ code: 'InvalidInstanceId.NotFound', statusCode: 404 });
  });

  it('RebootInstance restarts a Running instance (and systemd brings the OOM-killed nginx back)', async () => {
    const call = await open('storefront');
    const nginx = () =>
      sim!.world.instances.find((i) => i.id === WEB)!.guest!.services.find((s) => s.name === 'nginx')!;
    expect(nginx().active).toBe('failed');
    await call('ecs', 'RebootInstance', { InstanceId: WEB });
    const st = await call('ecs', 'DescribeInstanceStatus', { ...R, InstanceId: [WEB] });
    expect(st.body.InstanceStatuses.InstanceStatus[0].Status).toBe('Stopping');
    const busy = await failure(() => call('ecs', 'RebootInstance', { InstanceId: WEB }));
    expect(busy.code).toBe('IncorrectInstanceStatus');
    await sleep(100);
    const after = await call('ecs', 'DescribeInstanceStatus', { ...R, InstanceId: [WEB] });
    expect(after.body.InstanceStatuses.InstanceStatus[0].Status).toBe('Running');
    expect(nginx()).toMatchObject({ active: 'active', sub: 'running' });
  });

  it('a security lock refuses power operations', async () => {
    const call = await open('security-lock');
    const e = await failure(() => call('ecs', 'RebootInstance', { InstanceId: WEB }));
    expect(e).toMatchObject({ code: 'InstanceLockedForSecurity', statusCode: 403 });
  });

  it('AssociateEipAddress / UnassociateEipAddress move through Associating/Unassociating', async () => {
    const call = await open('eip-unbound');
    const eip = async () =>
      (await call('vpc', 'DescribeEipAddresses', { ...R, AllocationId: EIP })).body.EipAddresses
        .EipAddress[0];
    const inst = async () =>
      (await call('ecs', 'DescribeInstanceAttribute', { InstanceId: WEB })).body.EipAddress;
    expect(await eip()).toMatchObject({ Status: 'Available', InstanceId: '' });
    await call('vpc', 'AssociateEipAddress', { ...R, AllocationId: EIP, InstanceId: WEB });
    expect(await eip()).toMatchObject({ Status: 'Associating', InstanceId: WEB });
    await sleep(100);
    expect(await eip()).toMatchObject({
      Status: 'InUse',
      InstanceId: WEB,
      InstanceType: 'EcsInstance',
      PrivateIpAddress: '172.16.1.10',
    });
    expect(await inst()).toMatchObject({ IpAddress: '47.96.73.18', AllocationId: EIP, Bandwidth: 10 });
    const ev = await lastEvent(call, EIP);
    expect(ev).toMatchObject({
      eventName: 'AssociateEipAddress',
      serviceName: 'Vpc',
      eventSource: 'vpc.aliyuncs.com',
    });
    expect(ev.referencedResources).toMatchObject({ 'ACS::VPC::EIP': [EIP], 'ACS::ECS::Instance': [WEB] });
    const dup = await failure(() =>
      call('vpc', 'AssociateEipAddress', { ...R, AllocationId: EIP, InstanceId: WEB }),
    );
    expect(dup.code).toBe('InvalidAssociation.Duplicated');
    const other = await failure(() =>
      call('vpc', 'AssociateEipAddress', { ...R, AllocationId: EIP, InstanceId: 'i-bp1zgnt4ziy3uaev8nva' }),
    );
    expect(other).toMatchObject({ code: 'IncorrectEipStatus', statusCode: 400 });
    await call('vpc', 'UnassociateEipAddress', { ...R, AllocationId: EIP, InstanceId: WEB });
    expect((await eip()).Status).toBe('Unassociating');
    await sleep(100);
    expect(await eip()).toMatchObject({ Status: 'Available', InstanceId: '' });
    expect(await inst()).toEqual({ AllocationId: '', IpAddress: '', InternetChargeType: '' });
    const nf = await failure(() =>
      call('vpc', 'AssociateEipAddress', { ...R, AllocationId: 'eip-nope', InstanceId: WEB }),
    );
    expect(nf).toMatchObject({ code: 'InvalidAllocationId.NotFound', statusCode: 404 });
  });
});
