/** Where only a human can fix it (billing, a security lock, a platform restriction): exactly what to do and where. */
import { lockAdvice } from '../../diagnose/rules/platform.js';
import type { Finding, Plan } from '../../model/index.js';
import type { PlanContext } from './context.js';

const CONSOLE: Partial<Record<Finding['code'], string[]>> = {
  PLATFORM_PORT_BLOCKED: [
    'Send mail through port 465 or 587 (SMTP over TLS) — most providers accept both.',
    'Or apply to lift the port 25 restriction: ECS console › Security Control (安全管控) › Port 25 unblocking; approval takes a working day.',
  ],
  VPC_ROUTE_MISDIRECTED: [
    'VPC console › Route Tables › the table named in the evidence › Route Entry List: check the custom entry that matches the destination.',
    'If the next hop is an old proxy or appliance, point the entry at the NAT gateway (or delete it so the public address is used).',
  ],
  VPC_ROUTE_MISSING: [
    'VPC console › Route Tables › the table named in the evidence › Add Route Entry: destination 0.0.0.0/0 (or the peer CIDR), next hop the NAT gateway / VPN gateway / peering attachment that should carry it.',
  ],
  NO_INTERNET_EGRESS: [
    'Give the instance a way out: bind an EIP (VPC console › Elastic IP Addresses › Associate), or add an SNAT entry for its vSwitch on the NAT gateway (NAT Gateway console › SNAT Management › Create SNAT Entry).',
  ],
  NO_PUBLIC_ADDRESS: [
    'Bind an EIP: VPC console › Elastic IP Addresses › Associate with Resource › ECS instance.',
  ],
  PUBLIC_BANDWIDTH_ZERO: [
    'Raise the bandwidth: ECS console › Instance › Change Bandwidth (or EIP › Change Specifications).',
  ],
  BANDWIDTH_SATURATED: [
    'Raise the cap (ECS console › Change Bandwidth, or the EIP specification), or find what fills it: the Bandwidth panel and `ss -tnp` on the instance.',
  ],
  RESOURCE_EXHAUSTED: [
    'Find the process (top, ps aux --sort=-%mem), restart or scale it; resize the instance (ECS console › Change Instance Type) if it is simply too small.',
  ],
  ASSISTANT_UNAVAILABLE: [
    'Restart the agent on the instance: systemctl restart aliyun.service; if SSH is down too, use VNC (ECS console › Connect › VNC).',
  ],
};

export function manualPlanFor(ctx: PlanContext, f: Finding): Plan | undefined {
  const instructions = f.code === 'INSTANCE_LOCKED' ? lockLines(ctx) : (f.advice ?? CONSOLE[f.code]);
  if (!instructions?.length) return undefined;
  const id = `manual:${f.id}`;
  return {
    id,
    title: `What to do: ${f.title}`,
    summary:
      'Only a person with access to the console or the account can fix this; netdoctor changes nothing here.',
    risk: 'low',
    findingIds: [f.id],
    intentIds: f.intentIds ?? [],
    steps: [{ id: 'manual', title: f.title, kind: 'manual', risk: 'low', lockout: false, instructions }],
  };
}

function lockLines(ctx: PlanContext): string[] {
  const locks = ctx.snapshot.cloud?.instance.value?.locks ?? [];
  return locks.flatMap((l) => lockAdvice(l.reason));
}
