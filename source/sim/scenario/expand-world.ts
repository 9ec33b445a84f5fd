/**
 * A merged scenario document → World: top-level settings, network, instances, the audit trail, faults and
 * expectations, then the derived links a real region keeps by itself (system routes, vSwitch ↔ route table
 * and ACL bindings, NAT addresses, the EIP as the instance sees it).
 */
import { createHash } from 'node:crypto';
import { type AuditEvent, FINDING_CODES, type FindingCode, HOPS, type HopId } from '../../model/index.js';
import { stableId } from '../api/format.js';
import { syncEips } from '../api/world-ops.js';
import type { ErrorSpec, Faults, ScenarioExpect, World } from '../world.js';
import { checkWorld } from './check.js';
import { expandInstance } from './expand-instance.js';
import {
  expandEip,
  expandNatGateway,
  expandNetworkAcl,
  expandRouteEntry,
  expandRouteTable,
  expandVpc,
  expandVSwitch,
} from './expand-network.js';
import { expandSecurityGroup } from './expand-sg.js';
import type { Doc } from './merge.js';
import { join, type Reader } from './reader.js';

export const TOP_KEYS = [
  'extends',
  'name',
  'title',
  'description',
  'region',
  'account',
  'operator',
  'target',
  'intents',
  'deny',
  'faults',
  'expect',
  'vpcs',
  'vswitches',
  'routeTables',
  'networkAcls',
  'natGateways',
  'securityGroups',
  'eips',
  'instances',
  'events',
  'internet',
  'generate',
];

const VPC_ACTIONS = /Eip|Route|Vpc|VSwitch|NatGateway|Snat|NetworkAcl|HaVip|VpnGateway|ForwardEntry/;
const RESOURCE_ID = /^(i|sg|eip|vtb|rte|nacl|vsw|vpc|ngw|snat|stb|eni)-[a-z0-9]+/;

function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function events(r: Reader, v: unknown, account: World['account'], operatorIp: string): AuditEvent[] {
  return r
    .list(v, 'events')
    .map((x, i): AuditEvent => {
      const p = `events[${i}]`;
      const o = r.obj(x, p, [
        'id',
        'at',
        'time',
        'name',
        'service',
        'user',
        'userType',
        'sourceIp',
        'userAgent',
        'resources',
        'params',
        'rw',
        'errorCode',
      ]);
      const name = r.str(o, 'name', p);
      const time = r.time(o.at ?? o.time, join(p, 'at'));
      const params = o.params === undefined ? {} : r.obj(o.params, join(p, 'params'));
      const service = r.str(o, 'service', p, VPC_ACTIONS.test(name) ? 'Vpc' : 'Ecs');
      const user = r.str(o, 'user', p, account.userName ?? 'root');
      const resources =
        o.resources !== undefined
          ? r.strs(o, 'resources', p)
          : Object.values(params).filter((x): x is string => typeof x === 'string' && RESOURCE_ID.test(x));
      const ev: AuditEvent = {
        id: r.str(o, 'id', p, uuidFrom(`${name}:${i}:${time}`)),
        time,
        name,
        service,
        rw: r.str(o, 'rw', p, 'Write'),
        user,
        userType: r.str(o, 'userType', p, 'ram-user'),
        sourceIp: r.str(o, 'sourceIp', p, user === account.userName ? operatorIp : '42.120.74.103'),
        userAgent: r.str(o, 'userAgent', p, `${service.toLowerCase()}.console.aliyun.com`),
        resources,
        params,
      };
      const ec = r.optStr(o, 'errorCode', p);
      if (ec) ev.errorCode = ec;
      return ev;
    })
    .sort((a, b) => a.time - b.time);
}

function faults(r: Reader, v: unknown): Faults {
  const o = r.obj(v ?? {}, 'faults', [
    'latencyMs',
    'actionLatencyMs',
    'throttle',
    'errors',
    'sshLatencyMs',
    'transitionMs',
    'assistantRunMs',
  ]);
  const f: Faults = {};
  for (const k of ['latencyMs', 'sshLatencyMs', 'transitionMs', 'assistantRunMs'] as const)
    if (o[k] !== undefined) f[k] = r.num(o, k, 'faults');
  if (o.actionLatencyMs !== undefined) {
    const a = r.obj(o.actionLatencyMs, 'faults.actionLatencyMs');
    f.actionLatencyMs = Object.fromEntries(
      Object.keys(a).map((k) => [k, r.num(a, k, 'faults.actionLatencyMs')]),
    );
  }
  if (o.throttle !== undefined) {
    const t = r.obj(o.throttle, 'faults.throttle');
    f.throttle = Object.fromEntries(
      Object.entries(t).map(([k, x]) => {
        const p = `faults.throttle.${k}`;
        const qps = typeof x === 'number' ? x : r.num(r.obj(x, p, ['qps']), 'qps', p);
        if (!(qps > 0)) r.fail(p, 'qps must be above 0');
        return [k, { qps }];
      }),
    );
  }
  if (o.errors !== undefined)
    f.errors = r.list(o.errors, 'faults.errors').map((x, i): ErrorSpec => {
      const p = `faults.errors[${i}]`;
      const e = r.obj(x, p, ['action', 'status', 'body', 'code', 'message', 'times']);
      const spec: ErrorSpec = {
        action: r.str(e, 'action', p, '*'),
        status: r.num(e, 'status', p, 503),
        body: r.oneOf(e, 'body', p, ['json', 'html', 'json-200', 'reset'] as const, 'json'),
      };
      for (const k of ['code', 'message'] as const) {
        const s = r.optStr(e, k, p);
        if (s !== undefined) spec[k] = s;
      }
      if (e.times !== undefined) spec.times = r.num(e, 'times', p);
      return spec;
    });
  return f;
}

function expect(r: Reader, v: unknown): ScenarioExpect {
  const o = r.obj(v ?? {}, 'expect', ['codes', 'absent', 'exit', 'blocked']);
  const codes = (k: 'codes' | 'absent') =>
    r.strs(o, k, 'expect').map((c, i) => {
      if (!(FINDING_CODES as readonly string[]).includes(c))
        r.fail(`expect.${k}[${i}]`, `"${c}" is not a finding code (DESIGN.md §4)`);
      return c as FindingCode;
    });
  const e: ScenarioExpect = { codes: codes('codes') };
  if (o.absent !== undefined) e.absent = codes('absent');
  if (o.exit !== undefined) e.exit = r.num(o, 'exit', 'expect');
  if (o.blocked !== undefined) {
    const b = r.obj(o.blocked, 'expect.blocked', ['intent', 'hop', 'resource', 'rule']);
    const hop = r.str(b, 'hop', 'expect.blocked');
    if (!(HOPS as readonly string[]).includes(hop))
      r.fail('expect.blocked.hop', `"${hop}" is not a hop id (${HOPS.join(', ')})`);
    e.blocked = { hop: hop as HopId };
    for (const k of ['intent', 'resource', 'rule'] as const) {
      const s = r.optStr(b, k, 'expect.blocked');
      if (s !== undefined) e.blocked[k] = s;
    }
  }
  return e;
}

/** Builds the World from a merged document. */
export function expandWorld(r: Reader, doc: Doc, defaultName: string): World {
  const o = r.obj(doc, '', TOP_KEYS);
  const region = r.str(o, 'region', '', 'cn-hangzhou');
  const acc = r.obj(o.account ?? {}, 'account', ['id', 'accessKeyId', 'accessKeySecret', 'userName']);
  const account: World['account'] = {
    id: r.str(acc, 'id', 'account', '1783562409318744'),
    accessKeyId: r.str(acc, 'accessKeyId', 'account', 'LTAI5tNetdoctorSimDemoKey'),
    accessKeySecret: r.str(acc, 'accessKeySecret', 'account', 'nd-sim-secret-not-a-real-key-0001'),
  };
  const user = r.optStr(acc, 'userName', 'account');
  if (user) account.userName = user;
  const opr = r.obj(o.operator ?? {}, 'operator', ['ip']);
  const operator = { ip: r.ip(r.str(opr, 'ip', 'operator', '116.232.18.77'), 'operator.ip') };
  const vpcs = r.list(o.vpcs, 'vpcs').map((x, i) => expandVpc(r, x, `vpcs[${i}]`));
  if (!vpcs.length) r.fail('vpcs', 'a scenario needs at least one VPC');
  const defVpc = vpcs[0].id;
  const vswitches = r
    .list(o.vswitches, 'vswitches')
    .map((x, i) => expandVSwitch(r, x, region, defVpc, `vswitches[${i}]`));
  const net = r.obj(o.internet ?? {}, 'internet', ['reachable', 'dns']);
  const dnsObj = r.obj(net.dns ?? {}, 'internet.dns');
  const internet = {
    reachable: r.strs(net, 'reachable', 'internet'),
    dns: Object.fromEntries(
      Object.keys(dnsObj).map((k) => [k.toLowerCase(), r.strs(dnsObj, k, 'internet.dns')]),
    ),
  };
  const instances = r
    .list(o.instances, 'instances')
    .map((x, i) => expandInstance(r, x, { region, vswitches, internetDns: internet.dns }, `instances[${i}]`));
  const world: World = {
    name: r.str(o, 'name', '', defaultName),
    title: r.str(o, 'title', ''),
    region,
    account,
    target: r.str(o, 'target', '', instances[0]?.id ?? ''),
    operator,
    deny: r.strs(o, 'deny', ''),
    faults: faults(r, o.faults),
    expect: expect(r, o.expect),
    vpcs,
    vswitches,
    routeTables: r
      .list(o.routeTables, 'routeTables')
      .map((x, i) => expandRouteTable(r, x, region, defVpc, `routeTables[${i}]`)),
    networkAcls: r
      .list(o.networkAcls, 'networkAcls')
      .map((x, i) => expandNetworkAcl(r, x, region, defVpc, `networkAcls[${i}]`)),
    natGateways: r
      .list(o.natGateways, 'natGateways')
      .map((x, i) => expandNatGateway(r, x, region, defVpc, `natGateways[${i}]`)),
    securityGroups: r
      .list(o.securityGroups, 'securityGroups')
      .map((x, i) => expandSecurityGroup(r, x, region, defVpc, `securityGroups[${i}]`)),
    eips: r.list(o.eips, 'eips').map((x, i) => expandEip(r, x, `eips[${i}]`)),
    instances,
    events: events(r, o.events, account, operator.ip),
    internet,
    epoch: r.epoch,
  };
  const desc = r.optStr(o, 'description', '');
  if (desc) world.description = desc.trim();
  if (o.intents !== undefined) world.intents = r.strs(o, 'intents', '');
  link(r, world);
  checkWorld(r, world);
  return world;
}

/** The bindings a region maintains by itself, so a scenario need not spell them out. */
function link(r: Reader, w: World): void {
  for (const sw of w.vswitches) {
    const table =
      w.routeTables.find((t) => t.id === sw.routeTableId) ??
      w.routeTables.find((t) => t.vSwitchIds.includes(sw.id)) ??
      w.routeTables.find((t) => t.vpcId === sw.vpcId && t.type === 'System');
    if (table) {
      sw.routeTableId = table.id;
      if (!table.vSwitchIds.includes(sw.id)) table.vSwitchIds.push(sw.id);
    }
    const acl =
      w.networkAcls.find((a) => a.id === sw.networkAclId) ??
      w.networkAcls.find((a) => a.vSwitchIds.includes(sw.id));
    if (acl) {
      sw.networkAclId = acl.id;
      if (!acl.vSwitchIds.includes(sw.id)) acl.vSwitchIds.push(sw.id);
    }
  }
  // Every route table of a VPC carries a system route per vSwitch CIDR, and the system table the cloud-service range.
  for (const t of w.routeTables) {
    const system = w.vswitches.filter((s) => s.vpcId === t.vpcId).map((s) => s.cidr);
    if (t.type === 'System') system.push('100.64.0.0/10');
    const missing = system.filter((c) => !t.entries.some((e) => e.destination === c));
    const added = missing.map((c, i) =>
      expandRouteEntry(
        r,
        { dst: c, next: 'local', id: stableId('rte', w.region, `${t.id}:sys:${c}`) },
        t.id,
        w.region,
        `routeTables(${t.id}).system[${i}]`,
      ),
    );
    t.entries = [...added, ...t.entries];
  }
  for (const n of w.natGateways) {
    const ips = new Set(n.ips);
    for (const e of w.eips) if (e.instanceId === n.id) ips.add(e.ip);
    for (const s of n.snat) ips.add(s.snatIp);
    n.ips = [...ips];
  }
  syncEips(w);
}
