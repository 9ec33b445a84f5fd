/**
 * Remedy ids → plans. Findings carry ids (`sg-revoke:sg-…:sgr-…`, `guest-restart-service:nginx`, …); a plan is
 * built from the snapshot the finding came from, so its preview shows exactly what will change.
 */

import type { Plan, Verdict } from '../../model/index.js';
import { temporaryAccessPlan } from '../temp-access.js';
import { associateEipPlan, naclAllowPlan, sgAllowPlan, sgRevokePlan, startInstancePlan } from './cloud.js';
import { type PlanContext, PlanError, regionOf } from './context.js';
import {
  conntrackPlan,
  defaultRoutePlan,
  hostsAllowPlan,
  hostsDenyPlan,
  iptablesDeletePlan,
  linkUpPlan,
  nftDeletePlan,
  portRangePlan,
  resolvConfPlan,
  restartNetworkPlan,
  restartServicePlan,
  showBindPlan,
} from './guest.js';
import { manualPlanFor } from './manual.js';

export { type PlanContext, PlanError } from './context.js';

/** Splits `kind:a:b:rest` into `arity` arguments, the last one keeping any further colons (IPv6 CIDRs). */
function args(id: string, arity: number): string[] {
  const parts = id.split(':');
  const head = parts.slice(1, arity);
  const tail = parts.slice(arity).join(':');
  return arity === 0 ? [] : [...head, tail];
}

type Builder = { arity: number; build: (ctx: PlanContext, id: string, a: string[]) => Plan };

const BUILDERS: Record<string, Builder> = {
  'sg-revoke': { arity: 2, build: (c, id, [sg, rule]) => sgRevokePlan(c, id, sg, rule) },
  'sg-allow': {
    arity: 4,
    build: (c, id, [dir, proto, port, cidr]) => sgAllowPlan(c, id, dir, proto, port, cidr),
  },
  'sg-temp-access': {
    arity: 4,
    build: (c, id, [sg, port, minutes, cidr]) => ({
      ...temporaryAccessPlan({
        groupId: sg,
        regionId: regionOf(c),
        cidr,
        port: Number(port),
        minutes: Number(minutes),
        by: c.who,
        now: c.now,
      }),
      id,
      findingIds: c.verdict.findings.filter((f) => f.remedies.includes(id)).map((f) => f.id),
    }),
  },
  'nacl-allow': {
    arity: 5,
    build: (c, id, [acl, list, proto, ports, cidr]) => naclAllowPlan(c, id, acl, list, proto, ports, cidr),
  },
  'start-instance': { arity: 1, build: (c, id, [inst]) => startInstancePlan(c, id, inst) },
  'associate-eip': { arity: 2, build: (c, id, [eip, inst]) => associateEipPlan(c, id, eip, inst) },
  'guest-restart-service': { arity: 1, build: (c, id, [name]) => restartServicePlan(c, id, name) },
  'guest-fw-delete': { arity: 3, build: (c, id, [t, ch, n]) => iptablesDeletePlan(c, id, t, ch, Number(n)) },
  'guest-nft-delete': {
    arity: 4,
    build: (c, id, [fam, t, ch, h]) => nftDeletePlan(c, id, fam, t, ch, Number(h)),
  },
  'guest-link-up': { arity: 1, build: (c, id, [iface]) => linkUpPlan(c, id, iface) },
  'guest-default-route': { arity: 2, build: (c, id, [gw, dev]) => defaultRoutePlan(c, id, gw, dev) },
  'guest-resolv-conf': { arity: 0, build: (c, id) => resolvConfPlan(c, id) },
  'guest-restart-network': { arity: 0, build: (c, id) => restartNetworkPlan(c, id) },
  'guest-hosts-allow': { arity: 2, build: (c, id, [daemon, cidr]) => hostsAllowPlan(c, id, daemon, cidr) },
  'guest-hosts-deny-remove': {
    arity: 2,
    build: (c, id, [file, line]) => hostsDenyPlan(c, id, file, Number(line)),
  },
  'guest-conntrack-max': { arity: 0, build: (c, id) => conntrackPlan(c, id) },
  'guest-port-range': { arity: 0, build: (c, id) => portRangePlan(c, id) },
  'guest-show-bind': { arity: 2, build: (c, id, [proto, port]) => showBindPlan(c, id, proto, Number(port)) },
};

/** The plan for one remedy id, built from the snapshot and verdict it came from. Throws PlanError when it cannot. */
export function planFor(ctx: PlanContext, id: string): Plan {
  if (id.startsWith('manual:')) {
    const f = ctx.verdict.findings.find((x) => `manual:${x.id}` === id);
    const p = f ? manualPlanFor(ctx, f) : undefined;
    if (!p)
      throw new PlanError(
        `no finding ${id.slice(7)} in this verdict (run check again for current remedy ids)`,
      );
    return p;
  }
  const kind = id.split(':')[0];
  const b = BUILDERS[kind];
  if (!b)
    throw new PlanError(
      `unknown remedy "${id}" (the ids are listed by check --json under findings[].remedies)`,
    );
  return b.build(ctx, id, args(id, b.arity));
}

/**
 * Completes the verdict's remedies: temporary SSH access for the operator when their SSH is blocked at a security
 * group, and a manual plan (what to do, where) for findings no command can fix. Returns a new verdict.
 */
export function withRemedies(verdict: Verdict, ctx: Omit<PlanContext, 'verdict'>, minutes = 30): Verdict {
  const me = ctx.snapshot.operator.egressIp;
  const inst = ctx.snapshot.cloud?.instance.value;
  const findings = verdict.findings.map((f) => {
    const remedies = [...f.remedies];
    const sshFromMe = (f.intentIds ?? []).some((i) => /^in-tcp-22-me$/.test(i));
    if (
      (f.code === 'SG_INGRESS_DENIED' || f.code === 'SG_INGRESS_NOT_ALLOWED') &&
      sshFromMe &&
      me &&
      inst?.securityGroupIds[0]
    )
      remedies.push(`sg-temp-access:${inst.securityGroupIds[0]}:22:${minutes}:${me}/32`);
    const v: Verdict = { ...verdict };
    if (remedies.length === 0 && manualPlanFor({ ...ctx, verdict: v }, f)) remedies.push(`manual:${f.id}`);
    return { ...f, remedies };
  });
  return { ...verdict, findings };
}

/** Every plan the verdict offers (for the UI's Findings panel and check --json's `remedies`). */
export function plansOf(ctx: PlanContext): { plans: Plan[]; errors: { id: string; error: string }[] } {
  const ids = [...new Set(ctx.verdict.findings.flatMap((f) => f.remedies))];
  const plans: Plan[] = [];
  const errors: { id: string; error: string }[] = [];
  for (const id of ids) {
    try {
      plans.push(planFor(ctx, id));
    } catch (e) {
      errors.push({ id, error: (e as Error).message });
    }
  }
  return { plans, errors };
}
