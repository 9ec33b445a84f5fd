/**
 * `generate: {fleet: …}`: many instances sharing a few security groups, for scale tests and benchmarks
 * (200 instances over 10 groups with DescribeSecurityGroupAttribute limited to 5 calls/s). Works on the
 * authoring document, before expansion, so generated resources go through the same validation.
 */
import { parseCidr } from '../../net/ip.js';
import { stableId } from '../api/format.js';
import type { Doc } from './merge.js';
import type { Reader } from './reader.js';

type Obj = Record<string, unknown>;

function* hostsOf(cidr: string): Generator<string> {
  const c = parseCidr(cidr);
  if (c?.family !== 4) return;
  const size = 2 ** (32 - c.prefix);
  const base = Number(c.base);
  // Skip the network address and the top three (gateway .253, .254, broadcast), as Alibaba reserves them.
  for (let i = 1; i < size - 3; i++) {
    const n = base + i;
    yield [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  }
}

export function generateFleet(r: Reader, doc: Doc): Doc {
  const gen = doc.generate as Obj | undefined;
  if (!gen) return doc;
  const g = r.obj(gen, 'generate', ['fleet']);
  if (!g.fleet) return doc;
  const f = r.obj(g.fleet, 'generate.fleet', [
    'instances',
    'securityGroups',
    'namePrefix',
    'vswitches',
    'guest',
    'os',
  ]);
  const count = r.num(f, 'instances', 'generate.fleet');
  const groups = r.num(f, 'securityGroups', 'generate.fleet', 10);
  if (!Number.isInteger(count) || count < 1 || count > 5000)
    r.fail('generate.fleet.instances', 'must be an integer from 1 to 5000');
  if (!Number.isInteger(groups) || groups < 1 || groups > count)
    r.fail('generate.fleet.securityGroups', `must be an integer from 1 to ${count}`);
  const prefix = r.str(f, 'namePrefix', 'generate.fleet', 'fleet');
  const region = typeof doc.region === 'string' ? doc.region : 'cn-hangzhou';
  const allSw = (doc.vswitches as Obj[] | undefined) ?? [];
  const swIds = r.strs(f, 'vswitches', 'generate.fleet');
  const sws = swIds.length ? allSw.filter((s) => swIds.includes(String(s.id))) : allSw;
  if (!sws.length) r.fail('generate.fleet.vswitches', 'no vSwitch to place the fleet in');
  const used = new Set(
    ((doc.instances as Obj[] | undefined) ?? []).flatMap((i) => [
      i.ip,
      ...((i.privateIps as string[]) ?? []),
    ]),
  );
  const pools = sws.map((s) => ({ id: String(s.id), hosts: hostsOf(String(s.cidr)) }));

  const sgs: Obj[] = [];
  for (let k = 0; k < groups; k++)
    sgs.push({
      id: stableId('sg', region, `${prefix}:sg:${k}`),
      name: `${prefix}-sg-${String(k + 1).padStart(2, '0')}`,
      description: `${prefix} tier ${k + 1}`,
      rules: [
        {
          id: stableId('sgr', region, `${prefix}:sg:${k}:22`),
          dir: 'in',
          prio: 100,
          proto: 'tcp',
          ports: 22,
          peer: '10.0.0.0/8',
          desc: 'bastion',
        },
        {
          id: stableId('sgr', region, `${prefix}:sg:${k}:443`),
          dir: 'in',
          prio: 100,
          proto: 'tcp',
          ports: 443,
          peer: '0.0.0.0/0',
        },
        {
          id: stableId('sgr', region, `${prefix}:sg:${k}:80`),
          dir: 'in',
          prio: 100,
          proto: 'tcp',
          ports: 80,
          peer: '0.0.0.0/0',
        },
        {
          id: stableId('sgr', region, `${prefix}:sg:${k}:icmp`),
          dir: 'in',
          prio: 100,
          proto: 'icmp',
          peer: '0.0.0.0/0',
        },
      ],
    });
  const insts: Obj[] = [];
  for (let k = 0; k < count; k++) {
    const pool = pools[k % pools.length];
    let ip: string | undefined;
    for (let n = pool.hosts.next(); !n.done; n = pool.hosts.next()) {
      if (used.has(n.value)) continue;
      ip = n.value;
      break;
    }
    if (!ip) r.fail('generate.fleet', `vSwitch ${pool.id} has no free address left for instance ${k + 1}`);
    used.add(ip);
    const inst: Obj = {
      id: stableId('i', region, `${prefix}:i:${k}`),
      name: `${prefix}-${String(k + 1).padStart(3, '0')}`,
      vswitch: pool.id,
      ip,
      sgs: [sgs[k % groups].id],
      os: f.os ?? 'alinux3',
      tags: { fleet: prefix },
    };
    if (f.guest === true) inst.guest = true;
    insts.push(inst);
  }
  const { generate: _g, ...rest } = doc;
  return {
    ...rest,
    securityGroups: [...((doc.securityGroups as Obj[]) ?? []), ...sgs],
    instances: [...((doc.instances as Obj[]) ?? []), ...insts],
  };
}
