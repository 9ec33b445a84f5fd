/**
 * ECS read actions of the simulated region through the real @alicloud/openapi-client, with both signature
 * schemes (V3 ACS3-HMAC-SHA256, the SDK default, and the classic V2 HMAC-SHA1 RPC signature).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload, parseEnvelope, wrapCommand } from '../../source/guest/transport/assistant-wrap.js';
import { execGuestCommand } from '../../source/sim/guest/exec.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';
import { failure, sdk } from './sim-sdk.js';

const WEB = 'i-bp1k6jsb2wslxp48772b';
const APP = 'i-bp1zgnt4ziy3uaev8nva';
const SG_WEB = 'sg-bp1w3fxyigw34kdcz3f7';
const DROP_RULE = 'sgr-bp1z005mzaiieivmf1hf';
const R = { RegionId: 'cn-hangzhou' };

describe.each(['v3', 'v2'] as const)('ECS reads, %s signature', (signature) => {
  let sim: RunningSim;
  let call: ReturnType<typeof sdk>;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'storefront', ssh: false, faults: { assistantRunMs: 150 } });
    call = sdk({
      endpoint: sim.endpoint,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      signature,
    });
  });
  afterAll(() => sim.close());

  it('DescribeRegions lists the regions, localised on request', async () => {
    const zh = await call('ecs', 'DescribeRegions', {});
    expect(zh.statusCode).toBe(200);
    expect(zh.headers['x-netdoctor-sim']).toBe('storefront');
    expect(zh.headers['x-acs-request-id']).toBe(zh.body.RequestId);
    expect(zh.body.Regions.Region).toContainEqual({
      RegionId: 'cn-hangzhou',
      RegionEndpoint: 'ecs.aliyuncs.com',
      LocalName: '华东1（杭州）',
    });
    const en = await call('ecs', 'DescribeRegions', { AcceptLanguage: 'en-US' });
    expect(en.body.Regions.Region.find((r: any) => r.RegionId === 'cn-hangzhou').LocalName).toBe(
      'China (Hangzhou)',
    );
  });

  it('DescribeInstances answers in the official shape, with filters and both paging styles', async () => {
    const all = await call('ecs', 'DescribeInstances', { ...R, PageSize: 100 });
    expect(all.body).toMatchObject({ TotalCount: 2, PageNumber: 1, PageSize: 100, NextToken: '' });
    const web = all.body.Instances.Instance.find((i: any) => i.InstanceId === WEB);
    expect(web).toMatchObject({
      InstanceName: 'storefront-web-01',
      Status: 'Running',
      InstanceNetworkType: 'vpc',
      ZoneId: 'cn-hangzhou-k',
      RegionId: 'cn-hangzhou',
      IoOptimized: true,
      StoppedMode: 'Not-applicable',
      EipAddress: {
        AllocationId: 'eip-bp1mztyt4atry8yqw1b5',
        IpAddress: '47.96.73.18',
        Bandwidth: 10,
        InternetChargeType: 'PayByTraffic',
      },
      PublicIpAddress: { IpAddress: [] },
      VpcAttributes: {
        PrivateIpAddress: { IpAddress: ['172.16.1.10'] },
        VpcId: 'vpc-bp11ra8wq594tuaxlox6',
        VSwitchId: 'vsw-bp1cez4yh5abaqtyxnmd',
        NatIpAddress: '',
      },
      SecurityGroupIds: { SecurityGroupId: [SG_WEB] },
      OperationLocks: { LockReason: [] },
      InternetMaxBandwidthOut: 0,
      Tags: { Tag: expect.arrayContaining([{ TagKey: 'tier', TagValue: 'web' }]) },
    });
    expect(web.CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    expect(web.NetworkInterfaces.NetworkInterface[0]).toMatchObject({
      Type: 'Primary',
      PrimaryIpAddress: '172.16.1.10',
    });
    const app = all.body.Instances.Instance.find((i: any) => i.InstanceId === APP);
    expect(app.EipAddress).toEqual({ AllocationId: '', IpAddress: '', InternetChargeType: '' });

    const one = await call('ecs', 'DescribeInstances', { ...R, InstanceIds: JSON.stringify([APP]) });
    expect(one.body.Instances.Instance.map((i: any) => i.InstanceId)).toEqual([APP]);
    const byEip = await call('ecs', 'DescribeInstances', {
      ...R,
      EipAddresses: JSON.stringify(['47.96.73.18']),
    });
    expect(byEip.body.TotalCount).toBe(1);
    const bySg = await call('ecs', 'DescribeInstances', {
      ...R,
      SecurityGroupId: SG_WEB,
      InstanceName: 'storefront-*',
    });
    expect(bySg.body.Instances.Instance.map((i: any) => i.InstanceId)).toEqual([WEB]);
    const byTag = await call('ecs', 'DescribeInstances', { ...R, Tag: [{ Key: 'tier', Value: 'api' }] });
    expect(byTag.body.Instances.Instance.map((i: any) => i.InstanceId)).toEqual([APP]);

    const p2 = await call('ecs', 'DescribeInstances', { ...R, PageSize: 1, PageNumber: 2 });
    expect(p2.body).toMatchObject({ TotalCount: 2, PageNumber: 2, PageSize: 1 });
    expect(p2.body.Instances.Instance).toHaveLength(1);
    const t1 = await call('ecs', 'DescribeInstances', { ...R, MaxResults: 1 });
    expect(t1.body.NextToken).not.toBe('');
    const t2 = await call('ecs', 'DescribeInstances', { ...R, MaxResults: 1, NextToken: t1.body.NextToken });
    expect(t2.body.NextToken).toBe('');
    expect(
      new Set([t1.body.Instances.Instance[0].InstanceId, t2.body.Instances.Instance[0].InstanceId]),
    ).toEqual(new Set([WEB, APP]));

    const elsewhere = await call('ecs', 'DescribeInstances', { RegionId: 'cn-shanghai' });
    expect(elsewhere.body.TotalCount).toBe(0);
    const e = await failure(() => call('ecs', 'DescribeInstances', { RegionId: 'mars-north-1' }));
    expect(e).toMatchObject({ code: 'InvalidRegionId.NotFound', statusCode: 404 });
  });

  it('reads parameters from a GET query and from a signed form body alike', async () => {
    const get = await call(
      'ecs',
      'DescribeInstances',
      { ...R, InstanceIds: JSON.stringify([WEB]) },
      { method: 'GET' },
    );
    expect(get.body.Instances.Instance.map((i: any) => i.InstanceId)).toEqual([WEB]);
    const form = await call(
      'ecs',
      'DescribeInstances',
      {},
      { body: { ...R, InstanceIds: JSON.stringify([APP]), Tag: [{ Key: 'env', Value: 'prod' }] } },
    );
    expect(form.body.Instances.Instance.map((i: any) => i.InstanceId)).toEqual([APP]);
  });

  it('DescribeInstanceAttribute has its own field set and 404s on an unknown id', async () => {
    const r = await call('ecs', 'DescribeInstanceAttribute', { InstanceId: WEB });
    expect(r.body).toMatchObject({
      InstanceId: WEB,
      IoOptimized: 'optimized',
      EnableJumboFrame: false,
      Status: 'Running',
    });
    expect(r.body.CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.body.EipAddress.IpAddress).toBe('47.96.73.18');
    const e = await failure(() =>
      call('ecs', 'DescribeInstanceAttribute', { InstanceId: 'i-bp1doesnotexist00000' }),
    );
    expect(e).toMatchObject({ code: 'InvalidInstanceId.NotFound', statusCode: 404 });
    expect(e.data).toMatchObject({
      Code: 'InvalidInstanceId.NotFound',
      HostId: 'ecs.cn-hangzhou.aliyuncs.com',
    });
    expect(e.data.Recommend).toContain('InvalidInstanceId.NotFound');
  });

  it('DescribeInstanceStatus takes the InstanceId.N repeat list', async () => {
    const r = await call('ecs', 'DescribeInstanceStatus', { ...R, InstanceId: [WEB] });
    expect(r.body).toMatchObject({
      TotalCount: 1,
      PageNumber: 1,
      PageSize: 10,
      InstanceStatuses: { InstanceStatus: [{ InstanceId: WEB, Status: 'Running' }] },
    });
  });

  it('DescribeSecurityGroups and DescribeSecurityGroupAttribute keep the real quirks', async () => {
    const list = await call('ecs', 'DescribeSecurityGroups', { ...R, VpcId: 'vpc-bp11ra8wq594tuaxlox6' });
    expect(list.body.TotalCount).toBe(2);
    const web = list.body.SecurityGroups.SecurityGroup.find((g: any) => g.SecurityGroupId === SG_WEB);
    expect(web).toMatchObject({
      SecurityGroupName: 'storefront-web',
      SecurityGroupType: 'normal',
      EcsCount: 1,
      Tags: { Tag: [] },
    });
    const byIds = await call('ecs', 'DescribeSecurityGroups', {
      ...R,
      SecurityGroupIds: JSON.stringify([SG_WEB]),
    });
    expect(byIds.body.SecurityGroups.SecurityGroup).toHaveLength(1);

    const attr = await call('ecs', 'DescribeSecurityGroupAttribute', { ...R, SecurityGroupId: SG_WEB });
    expect(attr.body).toMatchObject({
      SecurityGroupId: SG_WEB,
      InnerAccessPolicy: 'Accept',
      VpcId: 'vpc-bp11ra8wq594tuaxlox6',
      NextToken: '',
    });
    const drop = attr.body.Permissions.Permission.find((p: any) => p.SecurityGroupRuleId === DROP_RULE);
    expect(drop).toMatchObject({
      Policy: 'Drop',
      Priority: 1,
      IpProtocol: 'TCP',
      PortRange: '443/443',
      SourceCidrIp: '0.0.0.0/0',
      Direction: 'ingress',
      NicType: 'intranet',
      DestCidrIp: '',
    });
    expect(typeof drop.Priority).toBe('number');
    const icmp = attr.body.Permissions.Permission.find((p: any) => p.IpProtocol === 'ICMP');
    expect(icmp.PortRange).toBe('-1/-1');
    const egress = await call('ecs', 'DescribeSecurityGroupAttribute', {
      ...R,
      SecurityGroupId: SG_WEB,
      Direction: 'egress',
    });
    expect(egress.body.Permissions.Permission).toEqual([]);
    const pg = await call('ecs', 'DescribeSecurityGroupAttribute', {
      ...R,
      SecurityGroupId: SG_WEB,
      MaxResults: 10,
    });
    expect(pg.body.Permissions.Permission).toHaveLength(5);
    const peer = await call('ecs', 'DescribeSecurityGroupAttribute', {
      ...R,
      SecurityGroupId: 'sg-bp10h3md6sorgyro80wr',
    });
    expect(peer.body.Permissions.Permission[0]).toMatchObject({
      SourceGroupId: SG_WEB,
      SourceCidrIp: '',
      PortRange: '8080/8080',
    });
    const e = await failure(() =>
      call('ecs', 'DescribeSecurityGroupAttribute', { ...R, SecurityGroupId: 'sg-nope' }),
    );
    expect(e).toMatchObject({ code: 'InvalidSecurityGroupId.NotFound', statusCode: 404 });
    const m = await failure(() => call('ecs', 'DescribeSecurityGroupAttribute', { SecurityGroupId: SG_WEB }));
    expect(m).toMatchObject({ code: 'MissingParameter', statusCode: 400 });
    expect(m.message).toContain('"RegionId"');
  });

  it('DescribeNetworkInterfaces shows the ENIs and the public address on the primary one', async () => {
    const r = await call('ecs', 'DescribeNetworkInterfaces', { ...R, InstanceId: WEB });
    expect(r.body.TotalCount).toBe(1);
    const eni = r.body.NetworkInterfaceSets.NetworkInterfaceSet[0];
    expect(eni).toMatchObject({
      Type: 'Primary',
      Status: 'InUse',
      InstanceId: WEB,
      PrivateIpAddress: '172.16.1.10',
      SecurityGroupIds: { SecurityGroupId: [SG_WEB] },
      AssociatedPublicIp: { PublicIpAddress: '47.96.73.18', AllocationId: 'eip-bp1mztyt4atry8yqw1b5' },
      PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: '172.16.1.10', Primary: true }] },
    });
    expect(eni.MacAddress).toMatch(/^00:16:3e:/);
    const all = await call('ecs', 'DescribeNetworkInterfaces', { ...R, PageSize: 50 });
    expect(all.body.TotalCount).toBe(2);
  });

  it('DescribeCloudAssistantStatus reports the agent with a string status', async () => {
    const r = await call('ecs', 'DescribeCloudAssistantStatus', { ...R, InstanceId: [WEB, APP] });
    const set = r.body.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus;
    expect(set).toHaveLength(2);
    expect(set[0]).toMatchObject({
      InstanceId: WEB,
      CloudAssistantStatus: 'true',
      CloudAssistantVersion: '2.2.0.106',
      OSType: 'Linux',
    });
  });

  it('RunCommand runs on the simulated guest; DescribeInvocationResults reports it like Cloud Assistant', async () => {
    const cmd = 'echo netdoctor; uname -r';
    const run = await call('ecs', 'RunCommand', {
      ...R,
      Type: 'RunShellScript',
      CommandContent: cmd,
      InstanceId: [WEB],
      Timeout: 30,
    });
    expect(run.body.InvokeId).toMatch(/^t-/);
    expect(run.body.CommandId).toMatch(/^c-/);
    const early = await call('ecs', 'DescribeInvocationResults', { ...R, InvokeId: run.body.InvokeId });
    expect(early.body.Invocation.InvocationResults.InvocationResult[0]).toMatchObject({
      InvocationStatus: 'Running',
      InvokeRecordStatus: 'Running',
    });
    await new Promise((r) => setTimeout(r, 200));
    const done = await call('ecs', 'DescribeInvocationResults', { ...R, InvokeId: run.body.InvokeId });
    const res = done.body.Invocation.InvocationResults.InvocationResult[0];
    // The same command against the same world, straight through the guest executor, is what the agent returns.
    const direct = execGuestCommand(sim.world, WEB, cmd, Date.now());
    expect(Buffer.from(res.Output, 'base64').toString()).toBe(direct.stdout + direct.stderr);
    expect(direct.stdout).toMatch(/^netdoctor\n/);
    expect(res).toMatchObject({
      InstanceId: WEB,
      InvokeRecordStatus: 'Finished',
      ExitCode: direct.code,
      Dropped: 0,
      Username: 'root',
    });
    expect(res.InvocationStatus).toBe(direct.code === 0 ? 'Success' : 'Failed');
    expect(res.ErrorCode).toBe(direct.code === 0 ? '' : 'ExitCodeNonzero');
    const plain = await call('ecs', 'DescribeInvocationResults', {
      ...R,
      InvokeId: run.body.InvokeId,
      ContentEncoding: 'PlainText',
    });
    expect(plain.body.Invocation.InvocationResults.InvocationResult[0].Output).toBe(
      direct.stdout + direct.stderr,
    );
    const b64 = await call('ecs', 'RunCommand', {
      ...R,
      Type: 'RunShellScript',
      CommandContent: Buffer.from(cmd).toString('base64'),
      ContentEncoding: 'Base64',
      InstanceId: [WEB],
    });
    expect(b64.body.InvokeId).toMatch(/^t-/);
  });

  it("answers netdoctor's Cloud Assistant wrapper script the way the guest's shell would", async () => {
    const cmd = 'cat /etc/resolv.conf; systemctl is-active nginx';
    const run = await call('ecs', 'RunCommand', {
      ...R,
      Type: 'RunShellScript',
      CommandContent: Buffer.from(wrapCommand(cmd)).toString('base64'),
      ContentEncoding: 'Base64',
      InstanceId: [WEB],
    });
    await new Promise((r) => setTimeout(r, 200));
    const res = (await call('ecs', 'DescribeInvocationResults', { ...R, InvokeId: run.body.InvokeId })).body
      .Invocation.InvocationResults.InvocationResult[0];
    const env = parseEnvelope(Buffer.from(res.Output, 'base64').toString());
    expect(env.mode).toBe('inline');
    if (env.mode !== 'inline') return;
    const direct = execGuestCommand(sim.world, WEB, cmd, Date.now());
    expect(env.rc).toBe(direct.code);
    expect(direct.stdout).toContain('nameserver 100.100.2.136');
    expect(decodePayload(env.payload, env.enc, env.size)).toEqual({
      stdout: direct.stdout,
      stderr: direct.stderr,
      truncated: false,
    });
  });

  it('reports ClientNotRunning / InstanceNotRunning when the command cannot be delivered', async () => {
    const app = sim.world.instances.find((i) => i.id === APP)!;
    app.assistant.online = false;
    try {
      const run = await call('ecs', 'RunCommand', {
        ...R,
        Type: 'RunShellScript',
        CommandContent: 'true',
        InstanceId: [APP],
      });
      await new Promise((r) => setTimeout(r, 200));
      const st = await call('ecs', 'DescribeCloudAssistantStatus', { ...R, InstanceId: [APP] });
      expect(
        st.body.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0].CloudAssistantStatus,
      ).toBe('false');
      const r = await call('ecs', 'DescribeInvocationResults', {
        ...R,
        InvokeId: run.body.InvokeId,
        InstanceId: APP,
      });
      expect(r.body.Invocation.InvocationResults.InvocationResult[0]).toMatchObject({
        InvocationStatus: 'Failed',
        InvokeRecordStatus: 'Failed',
        ErrorCode: 'ClientNotRunning',
        Output: '',
      });
      app.assistant.online = true;
      app.status = 'Stopped';
      const run2 = await call('ecs', 'RunCommand', {
        ...R,
        Type: 'RunShellScript',
        CommandContent: 'true',
        InstanceId: [APP],
      });
      await new Promise((r) => setTimeout(r, 200));
      const r2 = await call('ecs', 'DescribeInvocationResults', { ...R, InvokeId: run2.body.InvokeId });
      expect(r2.body.Invocation.InvocationResults.InvocationResult[0].ErrorCode).toBe('InstanceNotRunning');
    } finally {
      app.assistant.online = true;
      app.status = 'Running';
    }
    const e = await failure(() =>
      call('ecs', 'RunCommand', {
        ...R,
        Type: 'RunShellScript',
        CommandContent: 'true',
        InstanceId: ['i-bp1missing0000000000'],
      }),
    );
    expect(e).toMatchObject({ code: 'InvalidInstanceId.NotFound', statusCode: 404 });
  });

  it('DescribeNetdoctorSimulator returns the advertisement, signed like any call', async () => {
    const r = await call('ecs', 'DescribeNetdoctorSimulator', {});
    expect(r.body).toMatchObject({
      scenario: 'storefront',
      probeUrl: `${sim.endpoint}/__netdoctor/probe`,
      echoUrl: `${sim.endpoint}/__netdoctor/echo`,
    });
    expect(r.body.RequestId).toBe(r.headers['x-acs-request-id']);
  });
});
