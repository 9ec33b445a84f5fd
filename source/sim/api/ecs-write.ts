/**
 * ECS write actions: security group rules and instance power. Each success mutates the world and appends an
 * audit-trail event, so a fix made through the API shows in later reads and in LookupEvents.
 */
import type { SecurityGroup, SgDirection, SgRule } from '../../model/index.js';
import type { WorldInstance } from '../world.js';
import type { ApiCall, Handler } from './context.js';
import { ApiError, incorrectInstanceStatus, securityGroupNotFound } from './errors.js';
import { isoSeconds, newId } from './format.js';
import { inWorldRegion } from './regions.js';
import {
  parsePolicy,
  parsePortRange,
  parsePriority,
  parseProtocol,
  permissionList,
  type RuleFields,
  ruleFromFields,
  ruleMatches,
  sameRule,
} from './sg-rules.js';
import { mustInstance, recordEvent, transitionMs } from './world-ops.js';

const RULE_LIMIT = 200;

function group(call: ApiCall): SecurityGroup {
  const { world } = call.ctx;
  const here = inWorldRegion(call.params, world.region);
  const id = call.params.req('SecurityGroupId');
  const sg = here ? world.securityGroups.find((g) => g.id === id) : undefined;
  if (!sg) throw securityGroupNotFound(id);
  return sg;
}

function authorize(direction: SgDirection): Handler {
  return (call) => {
    const sg = group(call);
    const items = permissionList(call.params);
    if (!items.length)
      throw new ApiError('MissingParameter', 400, 'Permissions (or IpProtocol) is mandatory.');
    const rules = items.map((f) => ruleFromFields(f, direction));
    const added: SgRule[] = [];
    for (const r of rules) {
      if (sg.rules.some((x) => sameRule(x, r)) || added.some((x) => sameRule(x, r))) continue;
      added.push({
        ...r,
        id: newId('sgr', call.ctx.world.region),
        groupId: sg.id,
        createTime: isoSeconds(call.ctx.now()),
      });
    }
    if (sg.rules.filter((r) => r.direction === direction).length + added.length > RULE_LIMIT)
      throw new ApiError(
        'AuthorizationLimitExceed',
        403,
        'The limit of authorization records in the security group reaches.',
      );
    sg.rules.push(...added);
    recordEvent(call, [sg.id]);
    return {};
  };
}

function revoke(direction: SgDirection): Handler {
  return (call) => {
    const sg = group(call);
    const ids = call.params.repeat('SecurityGroupRuleId');
    const items = permissionList(call.params);
    if (!ids.length && !items.length)
      throw new ApiError('MissingParameter', 400, 'SecurityGroupRuleId.N or Permissions is mandatory.');
    const doomed = new Set<SgRule>();
    for (const id of ids) {
      const r = sg.rules.find((x) => x.id === id && x.direction === direction);
      if (!r) throw ruleNotFound(id);
      doomed.add(r);
    }
    for (const f of items) {
      const hits = sg.rules.filter((r) => r.direction === direction && ruleMatches(f, r));
      if (!hits.length) throw ruleNotFound();
      for (const h of hits) doomed.add(h);
    }
    sg.rules = sg.rules.filter((r) => !doomed.has(r));
    recordEvent(call, [sg.id]);
    return {};
  };
}

function ruleNotFound(id?: string): ApiError {
  return new ApiError(
    'InvalidSecurityGroupRule.RuleNotExist',
    400,
    `The specified rule does not exist${id ? ` (${id})` : ''}.`,
  );
}

/** Applies the fields a Modify call gives onto a rule, re-validating the result. */
function applyChanges(r: SgRule, f: RuleFields): void {
  const ingress = r.direction === 'ingress';
  if (f.IpProtocol) r.protocol = parseProtocol(f.IpProtocol);
  if (f.PortRange) r.ports = parsePortRange(f.PortRange, r.protocol);
  if (f.Policy) r.policy = parsePolicy(f.Policy);
  if (f.Priority) r.priority = parsePriority(f.Priority);
  if (f.Description !== undefined) r.description = f.Description;
  if (f.SourcePortRange) r.sourcePorts = parsePortRange(f.SourcePortRange, r.protocol, 'SourcePortRange');
  const cidr = ingress ? f.SourceCidrIp : f.DestCidrIp;
  const grp = ingress ? f.SourceGroupId : f.DestGroupId;
  if (cidr) {
    r.peerCidr = cidr;
    delete r.peerGroupId;
  }
  if (grp) {
    r.peerGroupId = grp;
    delete r.peerCidr;
  }
  // Re-run the Authorize checks on the final shape (ports vs protocol, CIDR syntax).
  ruleFromFields(
    {
      IpProtocol: r.protocol,
      PortRange: `${r.ports.from}/${r.ports.to}`,
      [ingress ? 'SourceCidrIp' : 'DestCidrIp']: r.peerCidr,
      [ingress ? 'SourceGroupId' : 'DestGroupId']: r.peerGroupId,
      [ingress ? 'Ipv6SourceCidrIp' : 'Ipv6DestCidrIp']: r.peerIpv6Cidr,
      [ingress ? 'SourcePrefixListId' : 'DestPrefixListId']: r.peerPrefixListId,
    },
    r.direction,
  );
}

function modify(direction: SgDirection): Handler {
  return (call) => {
    const sg = group(call);
    const p = call.params;
    const f = permissionList(p)[0] ?? {};
    let rule: SgRule | undefined;
    const ruleId = p.str('SecurityGroupRuleId');
    if (ruleId) {
      rule = sg.rules.find((r) => r.id === ruleId && r.direction === direction);
      if (!rule) throw ruleNotFound(ruleId);
    } else {
      // Legacy form: the five-tuple names the rule; Policy, Priority and Description are the new values.
      const { Policy: _p, Priority: _q, Description: _d, ...identity } = f;
      const hits = sg.rules.filter((r) => r.direction === direction && ruleMatches(identity, r));
      if (!hits.length) throw ruleNotFound();
      rule = hits[0];
    }
    const next = structuredClone(rule);
    applyChanges(next, f);
    Object.assign(rule, next);
    recordEvent(call, [sg.id]);
    return {};
  };
}

function lockError(inst: WorldInstance): ApiError | undefined {
  const reasons = inst.locks.map((l) => l.reason.toLowerCase());
  if (reasons.includes('security'))
    return new ApiError(
      'InstanceLockedForSecurity',
      403,
      'The specified operation is denied as your instance is locked for security reasons.',
    );
  if (reasons.some((r) => r === 'financial' || r === 'recycling' || r === 'dedicatedhostfinancial'))
    return new ApiError(
      'InstanceExpiredOrInArrears',
      403,
      'The specified operation is denied as your prepay instance is expired (prepay mode) or in arrears (afterpay mode).',
    );
  return undefined;
}

/**
 * Boot side effects on the simulated guest: enabled services that had failed (killed by the OOM killer, …)
 * are started again by systemd, as on a real reboot.
 */
export function bootGuest(inst: WorldInstance, now: number): void {
  inst.startTime = isoSeconds(now);
  const g = inst.guest;
  if (!g) return;
  for (const s of [...g.services, ...g.networkServices]) {
    if (s.active !== 'failed') continue;
    s.active = 'active';
    s.sub = 'running';
    s.result = 'success';
    s.since = new Date(now).toISOString();
    s.mainPid = (s.mainPid ?? 1000) + 1;
  }
}

function power(kind: 'start' | 'reboot'): Handler {
  return (call) => {
    const { world, state } = call.ctx;
    const inst = mustInstance(world, call.params.req('InstanceId'));
    const locked = lockError(inst);
    if (locked) throw locked;
    const want = kind === 'start' ? 'Stopped' : 'Running';
    if (inst.status !== want || state.instanceTransitions.has(inst.id)) throw incorrectInstanceStatus();
    inst.status = kind === 'start' ? 'Starting' : 'Stopping';
    call.ctx.onPower?.(inst.id);
    state.instanceTransitions.set(inst.id, {
      to: 'Running',
      at: call.ctx.now() + transitionMs(world),
      done: () => bootGuest(inst, call.ctx.now()),
    });
    recordEvent(call, [inst.id]);
    return {};
  };
}

export const ECS_WRITES: Record<string, Handler> = {
  AuthorizeSecurityGroup: authorize('ingress'),
  AuthorizeSecurityGroupEgress: authorize('egress'),
  RevokeSecurityGroup: revoke('ingress'),
  RevokeSecurityGroupEgress: revoke('egress'),
  ModifySecurityGroupRule: modify('ingress'),
  ModifySecurityGroupEgressRule: modify('egress'),
  StartInstance: power('start'),
  RebootInstance: power('reboot'),
};
