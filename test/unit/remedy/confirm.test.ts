/**
 * Confirmation rules (y for low risk, the name typed back for lock-out-capable or high-risk steps), the exact
 * preview text, and the CLI prompt: refused without a terminal unless --yes, answered on a terminal.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PlanStep } from '../../../source/model/index.js';
import {
  accepts,
  autoAnswer,
  ConfirmRefused,
  cliConfirm,
  confirmationFor,
  diffLines,
  flattenParams,
  formatApiCall,
} from '../../../source/remedy/confirm.js';

const target = { name: 'storefront-web-1', id: 'i-bp1k6jsb2wslxp48772b' };
const revoke: PlanStep = {
  id: 'revoke-drop-443',
  title: 'Revoke the Drop rule on tcp/443',
  kind: 'api',
  api: {
    product: 'ecs',
    action: 'RevokeSecurityGroup',
    params: {
      RegionId: 'cn-hangzhou',
      SecurityGroupId: 'sg-bp1w3fxyigw34kdcz3f7',
      SecurityGroupRuleId: ['sgr-bp1z005mzaiieivmf1hf'],
    },
  },
  diff: {
    before: ['accept tcp/443 0.0.0.0/0 p100', 'drop tcp/443 0.0.0.0/0 p1'],
    after: ['accept tcp/443 0.0.0.0/0 p100'],
  },
  risk: 'medium',
  lockout: true,
};

describe('confirmationFor', () => {
  it('asks for the name typed back for a lock-out-capable step, and shows the exact call and the diff', () => {
    const req = confirmationFor(revoke, target, { plan: 'p' });
    expect(req.kind).toBe('type-name');
    expect(req.expect).toBe('storefront-web-1');
    expect(req.prompt).toContain('Type the instance name "storefront-web-1"');
    expect(req.preview).toEqual([
      'API call ecs:RevokeSecurityGroup',
      '  RegionId=cn-hangzhou',
      '  SecurityGroupId=sg-bp1w3fxyigw34kdcz3f7',
      '  SecurityGroupRuleId.1=sgr-bp1z005mzaiieivmf1hf',
      'Change:',
      '    accept tcp/443 0.0.0.0/0 p100',
      '  - drop tcp/443 0.0.0.0/0 p1',
    ]);
  });

  it('asks y/N for a low-risk step, and type-name for any high-risk one', () => {
    expect(confirmationFor({ ...revoke, lockout: false, risk: 'low' }, target).kind).toBe('yes');
    expect(confirmationFor({ ...revoke, lockout: false, risk: 'high' }, target).kind).toBe('type-name');
  });

  it('shows a guest command and the dead-man switch it runs under', () => {
    const req = confirmationFor(
      {
        id: 'g',
        title: 'Delete the DROP rule',
        kind: 'guest',
        command: 'iptables -D INPUT 1',
        risk: 'medium',
        lockout: true,
        deadmanSeconds: 60,
        saves: ['iptables'],
      },
      target,
    );
    expect(req.preview[0]).toBe('Command on the guest:');
    expect(req.preview[1]).toBe('  $ iptables -D INPUT 1');
    expect(req.preview[2]).toMatch(
      /dead-man switch: the guest saves the firewall \(iptables\) first and restores it by itself after 60 s/,
    );
  });

  it('accepts only the right answer for each kind', () => {
    const typed = confirmationFor(revoke, target);
    expect(accepts(typed, true)).toBe(false);
    expect(accepts(typed, 'y')).toBe(false);
    expect(accepts(typed, 'storefront-web')).toBe(false);
    expect(accepts(typed, ' storefront-web-1 ')).toBe(true);
    expect(accepts(typed, target.id)).toBe(true);
    const yes = confirmationFor({ ...revoke, lockout: false, risk: 'low' }, target);
    expect(accepts(yes, true)).toBe(true);
    expect(accepts(yes, 'Y')).toBe(true);
    expect(accepts(yes, 'n')).toBe(false);
    expect(accepts(yes, false)).toBe(false);
    expect(accepts(typed, autoAnswer(typed))).toBe(true);
  });
});

describe('preview text', () => {
  it('flattens parameters the way the RPC query carries them', () => {
    expect(
      flattenParams({
        A: 1,
        Permissions: [{ IpProtocol: 'TCP', PortRange: '22/22' }],
        Ids: ['x', 'y'],
        Skip: undefined,
      }),
    ).toEqual([
      ['A', '1'],
      ['Permissions.1.IpProtocol', 'TCP'],
      ['Permissions.1.PortRange', '22/22'],
      ['Ids.1', 'x'],
      ['Ids.2', 'y'],
    ]);
    expect(formatApiCall({ product: 'ecs', action: 'X', params: { D: 'two words' } })).toBe(
      'ecs:X D="two words"',
    );
  });

  it('diffs lines by longest common subsequence', () => {
    expect(diffLines({ before: ['a', 'b', 'c', 'd'], after: ['a', 'c', 'x', 'd'] })).toEqual([
      '  a',
      '- b',
      '  c',
      '+ x',
      '  d',
    ]);
  });
});

describe('cliConfirm', () => {
  it('refuses when stdin is not a terminal, unless --yes', async () => {
    const req = confirmationFor(revoke, target);
    const notTty = Object.assign(new PassThrough(), { isTTY: false });
    const err = await cliConfirm({ input: notTty, output: new PassThrough() })(req).catch((e) => e);
    expect(err).toBeInstanceOf(ConfirmRefused);
    expect(err.hint).toMatch(/--yes/);
    expect(await cliConfirm({ input: notTty, yes: true })(req)).toBe('storefront-web-1');
  });

  it('prints the preview and reads the typed name on a terminal', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (b) => (shown += b));
    const answer = cliConfirm({ input, output })(confirmationFor(revoke, target));
    setTimeout(() => input.write('storefront-web-1\n'), 20);
    expect(await answer).toBe('storefront-web-1');
    expect(shown).toContain('SecurityGroupRuleId.1=sgr-bp1z005mzaiieivmf1hf');
    expect(shown).toContain('Type the instance name');
  });

  it('turns y/N into a boolean and end-of-input into no', async () => {
    const yesReq = confirmationFor({ ...revoke, lockout: false, risk: 'low' }, target);
    const a = Object.assign(new PassThrough(), { isTTY: true });
    const p = cliConfirm({ input: a, output: new PassThrough() })(yesReq);
    setTimeout(() => a.write('y\n'), 20);
    expect(await p).toBe(true);
    const b = Object.assign(new PassThrough(), { isTTY: true });
    const q = cliConfirm({ input: b, output: new PassThrough() })(yesReq);
    setTimeout(() => b.end(), 20);
    expect(await q).toBe(false);
  });
});
