/**
 * Cross-reference checks on a built world: every id a resource points at exists, addresses sit inside their
 * subnets, ids are unique, and what `expect` names is really in the scenario. Errors name the path.
 */
import { cidrContains, inCidr, parseCidr } from '../../net/ip.js';
import type { World } from '../world.js';
import type { Reader } from './reader.js';

export function checkWorld(r: Reader, w: World): void {
  const seen = new Map<string, string>();
  const unique = (id: string, path: string) => {
    const prev = seen.get(id);
    if (prev) r.fail(path, `id "${id}" is already used at ${prev}`);
    seen.set(id, path);
  };
  w.vpcs.forEach((v, i) => {
    unique(v.id, `vpcs[${i}]`);
  });
  w.vswitches.forEach((v, i) => {
    unique(v.id, `vswitches[${i}]`);
  });
  w.routeTables.forEach((v, i) => {
    unique(v.id, `routeTables[${i}]`);
  });
  w.networkAcls.forEach((v, i) => {
    unique(v.id, `networkAcls[${i}]`);
  });
  w.natGateways.forEach((v, i) => {
    unique(v.id, `natGateways[${i}]`);
  });
  w.securityGroups.forEach((v, i) => {
    unique(v.id, `securityGroups[${i}]`);
  });
  w.eips.forEach((v, i) => {
    unique(v.allocationId, `eips[${i}]`);
  });
  w.instances.forEach((v, i) => {
    unique(v.id, `instances[${i}]`);
  });
  for (const [i, g] of w.securityGroups.entries())
    for (const [j, x] of g.rules.entries()) unique(x.id, `securityGroups[${i}].rules[${j}]`);

  const vpc = (id: string | undefined, path: string) => {
    if (!w.vpcs.some((v) => v.id === id)) r.fail(path, `"${id}" is not a VPC of this scenario`);
  };
  w.vswitches.forEach((s, i) => {
    vpc(s.vpcId, `vswitches[${i}].vpc`);
    const outer = parseCidr(w.vpcs.find((v) => v.id === s.vpcId)!.cidr)!;
    if (!cidrContains(outer, parseCidr(s.cidr)!))
      r.fail(
        `vswitches[${i}].cidr`,
        `${s.cidr} is not inside the VPC's ${w.vpcs.find((v) => v.id === s.vpcId)!.cidr}`,
      );
    if (s.networkAclId && !w.networkAcls.some((a) => a.id === s.networkAclId))
      r.fail(`vswitches[${i}].acl`, `"${s.networkAclId}" is not a network ACL of this scenario`);
  });
  w.routeTables.forEach((t, i) => {
    vpc(t.vpcId, `routeTables[${i}].vpc`);
    t.vSwitchIds.forEach((id, j) => {
      if (!w.vswitches.some((s) => s.id === id))
        r.fail(`routeTables[${i}].vswitches[${j}]`, `"${id}" is not a vSwitch`);
    });
    for (const [j, e] of t.entries.entries())
      for (const h of e.nextHops) {
        const p = `routeTables[${i}].entries[${j}].next`;
        if (h.type === 'Instance' && !w.instances.some((x) => x.id === h.id))
          r.fail(p, `instance "${h.id}" does not exist`);
        if (h.type === 'NatGateway' && !w.natGateways.some((x) => x.id === h.id))
          r.fail(p, `NAT gateway "${h.id}" does not exist`);
      }
  });
  for (const [i, a] of w.networkAcls.entries()) vpc(a.vpcId, `networkAcls[${i}].vpc`);
  w.natGateways.forEach((n, i) => {
    vpc(n.vpcId, `natGateways[${i}].vpc`);
    n.snat.forEach((s, j) => {
      if (s.sourceVSwitchId && !w.vswitches.some((x) => x.id === s.sourceVSwitchId))
        r.fail(`natGateways[${i}].snat[${j}].vswitch`, `"${s.sourceVSwitchId}" is not a vSwitch`);
      if (!n.snatTableIds.includes(s.tableId))
        r.fail(
          `natGateways[${i}].snat[${j}].table`,
          `"${s.tableId}" is not one of this gateway's SNAT tables`,
        );
    });
  });
  for (const [i, g] of w.securityGroups.entries()) vpc(g.vpcId, `securityGroups[${i}].vpc`);
  w.eips.forEach((e, i) => {
    if (!e.instanceId) return;
    const ok =
      w.instances.some((x) => x.id === e.instanceId) ||
      w.natGateways.some((x) => x.id === e.instanceId) ||
      w.instances.some((x) => x.enis.some((n) => n.id === e.instanceId));
    if (!ok)
      r.fail(
        `eips[${i}].instance`,
        `"${e.instanceId}" is not an instance, ENI or NAT gateway of this scenario`,
      );
  });
  const owner = new Map<string, number>();
  w.instances.forEach((inst, i) => {
    inst.securityGroupIds.forEach((id, j) => {
      if (!w.securityGroups.some((g) => g.id === id))
        r.fail(`instances[${i}].sgs[${j}]`, `"${id}" is not a security group of this scenario`);
    });
    const sw = w.vswitches.find((s) => s.id === inst.vSwitchId)!;
    for (const ip of inst.privateIps)
      if (!inCidr(ip, sw.cidr))
        r.fail(`instances[${i}].ip`, `${ip} is not inside vSwitch ${sw.id} (${sw.cidr})`);
    for (const ip of inst.privateIps) {
      const twin = owner.get(ip);
      if (twin !== undefined)
        r.fail(`instances[${i}].ip`, `${ip} is already used by instances[${twin}] (${w.instances[twin].id})`);
      owner.set(ip, i);
    }
  });
  if (w.instances.length && !w.instances.some((x) => x.id === w.target))
    r.fail('target', `"${w.target}" is not an instance of this scenario`);
  const b = w.expect.blocked;
  const target = w.instances.find((x) => x.id === w.target);
  if (
    b?.resource &&
    !seen.has(b.resource) &&
    !w.instances.some((x) => x.enis.some((n) => n.id === b.resource)) &&
    !guestNames(target).has(b.resource)
  )
    r.fail(
      'expect.blocked.resource',
      `"${b.resource}" is not a resource of this scenario (nor an interface or service of the target's guest)`,
    );
  if (b?.rule) {
    const known =
      w.securityGroups.some((g) => g.rules.some((x) => x.id === b.rule)) ||
      w.networkAcls.some((a) => [...a.ingress, ...a.egress].some((x) => x.id === b.rule)) ||
      w.routeTables.some((t) => t.entries.some((x) => x.id === b.rule)) ||
      guestText(target).includes(b.rule);
    if (!known)
      r.fail(
        'expect.blocked.rule',
        `"${b.rule}" is not a rule, ACL entry or route entry of this scenario, nor text of the target's guest (firewall rules, hosts.allow/deny, resolv.conf, a service's config line)`,
      );
  }
}

/** What a guest-side blocked hop can name as its resource: the target's interfaces, services and nameservers. */
function guestNames(inst: World['instances'][number] | undefined): Set<string> {
  const g = inst?.guest;
  if (!g) return new Set();
  const ns = g.resolvConf.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]);
  return new Set(
    [
      ...g.interfaces.map((i) => i.name),
      ...g.services.map((s) => s.name),
      ...g.networkServices.map((s) => s.name),
      ...ns,
    ].filter((x): x is string => !!x),
  );
}

/**
 * The guest texts a blocked hop's rule can quote: firewall rules, hosts.allow/deny, resolv.conf and the resolver's
 * failure code, services' config lines.
 */
function guestText(inst: World['instances'][number] | undefined): string {
  const g = inst?.guest;
  if (!g) return '';
  return [
    g.firewall.iptables ?? '',
    g.firewall.ip6tables ?? '',
    g.firewall.nft === undefined ? '' : JSON.stringify(g.firewall.nft),
    g.hostsAllow,
    g.hostsDeny,
    g.resolvConf,
    g.dns.failure ?? '',
    ...g.services.map((s) => s.configLine?.text ?? ''),
  ].join('\n');
}
