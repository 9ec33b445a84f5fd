/**
 * The typed write helpers against the simulated region: each change is visible to the next read (and in the
 * audit trail), Cloud Assistant runs a command and its output comes back decoded, and read-only mode sends
 * nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudCache } from '../../source/cloud/cache.js';
import { type CloudClient, createCloudClient } from '../../source/cloud/client.js';
import { collectCloudFacts } from '../../source/cloud/collect.js';
import {
  associateEipAddress,
  authorizeSecurityGroup,
  describeInvocationResults,
  modifySecurityGroupRule,
  rebootInstance,
  revokeSecurityGroup,
  runCommand,
  startInstance,
  unassociateEipAddress,
  waitForEip,
  waitForInvocation,
} from '../../source/cloud/writes.js';
import { type RunningSim, startSim } from '../../source/sim/index.js';

let sim: RunningSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function open(scenario: string, readOnly = false): Promise<CloudClient> {
  sim = await startSim({ scenario, ssh: false });
  return createCloudClient({
    endpoint: sim.endpoint,
    region: sim.world.region,
    accessKeyId: sim.accessKeyId,
    accessKeySecret: sim.accessKeySecret,
    readOnly,
    env: {},
    home: mkdtempSync(join(tmpdir(), 'nd-cloud-w-')),
  });
}

const SG = 'sg-bp1w3fxyigw34kdcz3f7';
const DROP_443 = 'sgr-bp1z005mzaiieivmf1hf';

/** A fresh read of the group (a new cache each time, so nothing is remembered between reads). */
async function rulesOf(client: CloudClient) {
  return (await new CloudCache(client).securityGroup(SG)).value.rules;
}

describe('security group writes', () => {
  it('revoke by rule id, authorize, modify — each visible to the next read and in the audit trail', async () => {
    const client = await open('storefront');
    const target = sim!.world.target;
    expect((await rulesOf(client)).some((r) => r.id === DROP_443)).toBe(true);

    const r1 = await revokeSecurityGroup(client, SG, 'ingress', { ruleIds: [DROP_443] });
    expect(r1.requestId).toBeTruthy();
    expect((await rulesOf(client)).some((r) => r.id === DROP_443)).toBe(false);

    await authorizeSecurityGroup(client, SG, 'ingress', [
      {
        protocol: 'tcp',
        ports: { from: 8443, to: 8443 },
        peerCidr: '203.0.113.7/32',
        policy: 'accept',
        priority: 50,
        description: 'netdoctor test',
      },
    ]);
    const added = (await rulesOf(client)).find((r) => r.ports.from === 8443);
    expect(added).toMatchObject({
      direction: 'ingress',
      policy: 'accept',
      priority: 50,
      peerCidr: '203.0.113.7/32',
      description: 'netdoctor test',
    });

    await modifySecurityGroupRule(client, SG, 'ingress', added!.id, {
      protocol: 'tcp',
      ports: { from: 8443, to: 8443 },
      peerCidr: '198.51.100.0/24',
      policy: 'accept',
      priority: 40,
    });
    expect((await rulesOf(client)).find((r) => r.id === added!.id)).toMatchObject({
      peerCidr: '198.51.100.0/24',
      priority: 40,
    });

    await revokeSecurityGroup(client, SG, 'ingress', {
      rules: [
        {
          protocol: 'tcp',
          ports: { from: 8443, to: 8443 },
          peerCidr: '198.51.100.0/24',
          policy: 'accept',
          priority: 40,
        },
      ],
    });
    expect((await rulesOf(client)).some((r) => r.ports.from === 8443)).toBe(false);

    const f = await collectCloudFacts(client, target, { now: Date.now() });
    const names = f.events.value!.map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining(['RevokeSecurityGroup', 'AuthorizeSecurityGroup', 'ModifySecurityGroupRule']),
    );
  });

  it('egress rules go through the Egress actions', async () => {
    const client = await open('storefront');
    await authorizeSecurityGroup(client, SG, 'egress', [
      {
        protocol: 'udp',
        ports: { from: 53, to: 53 },
        peerCidr: '100.100.2.136/32',
        policy: 'accept',
        priority: 1,
      },
    ]);
    const rule = (await rulesOf(client)).find((r) => r.direction === 'egress' && r.ports.from === 53);
    expect(rule).toMatchObject({ protocol: 'udp', peerCidr: '100.100.2.136/32' });
    expect(client.records.some((r) => r.action === 'AuthorizeSecurityGroupEgress' && r.ok)).toBe(true);
  });
});

describe('instance and EIP writes', () => {
  it('starts a stopped instance', async () => {
    const client = await open('instance-stopped');
    const target = sim!.world.target;
    const before = await collectCloudFacts(client, target, { now: Date.now() });
    expect(before.instance.value!.status).toBe('Stopped');
    await startInstance(client, target);
    const after = await collectCloudFacts(client, target, { now: Date.now() });
    expect(['Starting', 'Running']).toContain(after.instance.value!.status);
  });

  it('reboot of a running instance is accepted', async () => {
    const client = await open('storefront');
    await expect(rebootInstance(client, sim!.world.target)).resolves.toMatchObject({
      requestId: expect.any(String),
    });
  });

  it('moves an EIP back to the instance it belongs on', async () => {
    const client = await open('eip-bound-elsewhere');
    const target = sim!.world.target;
    const eip = 'eip-bp1mztyt4atry8yqw1b5';
    await unassociateEipAddress(client, { allocationId: eip, instanceId: 'i-bp1wahtlgful90nxxzmd' });
    const free = await waitForEip(client, eip, (e) => e?.status === 'Available', {
      timeoutMs: 10_000,
      pollMs: 50,
    });
    expect(free.ok).toBe(true);
    await associateEipAddress(client, { allocationId: eip, instanceId: target });
    const bound = await waitForEip(client, eip, (e) => e?.status === 'InUse', {
      timeoutMs: 10_000,
      pollMs: 50,
    });
    expect(bound).toMatchObject({ ok: true, eip: { instanceId: target } });
    const f = await collectCloudFacts(client, target, { now: Date.now() });
    expect(f.instance.value!.eip?.allocationId).toBe(eip);
  });
});

describe('Cloud Assistant', () => {
  it('runs a command and returns its decoded output', async () => {
    const client = await open('storefront');
    const target = sim!.world.target;
    const run = await runCommand(client, {
      instanceIds: [target],
      script: 'hostname; echo ünïcode-ok',
      timeoutS: 30,
    });
    expect(run.invokeId).toMatch(/^t-/);
    const res = await waitForInvocation(client, run.invokeId, target, { timeoutMs: 10_000, pollMs: 100 });
    expect(res.status).toBe('Success');
    expect(res.exitCode).toBe(0);
    expect(res.output).toContain('ünïcode-ok');
    const again = await describeInvocationResults(client, run.invokeId);
    expect(again.map((r) => r.instanceId)).toEqual([target]);
  });
});

describe('read-only mode', () => {
  it('refuses every helper before anything is sent, and the world is unchanged', async () => {
    const client = await open('storefront', true);
    const target = sim!.world.target;
    const attempts = [
      () => revokeSecurityGroup(client, SG, 'ingress', { ruleIds: [DROP_443] }),
      () => authorizeSecurityGroup(client, SG, 'ingress', [{ protocol: 'tcp', ports: { from: 1, to: 1 } }]),
      () => startInstance(client, target),
      () => rebootInstance(client, target),
      () => associateEipAddress(client, { allocationId: 'eip-x', instanceId: target }),
      () => unassociateEipAddress(client, { allocationId: 'eip-x', instanceId: target }),
      () => runCommand(client, { instanceIds: [target], script: 'true' }),
    ];
    for (const a of attempts) await expect(a()).rejects.toMatchObject({ code: 'READ_ONLY' });
    expect(client.records).toHaveLength(0);
    expect((await rulesOf(client)).some((r) => r.id === DROP_443)).toBe(true);
  });
});
