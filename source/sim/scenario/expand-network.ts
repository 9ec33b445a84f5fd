/**
 * Authoring form → World for the network: VPCs, vSwitches, route tables (system routes added), network ACLs,
 * NAT gateways with SNAT and EIPs (security groups: expand-sg.ts). Defaults live here so a scenario only
 * states what is special.
 */
import type {
  AclEntry,
  Eip,
  NatGateway,
  NetworkAcl,
  OperationLock,
  RouteEntry,
  RouteNextHop,
  RouteTable,
  SnatEntry,
  VSwitch,
} from '../../model/index.js';
import { stableId } from '../api/format.js';
import type { WorldVpc } from '../world.js';
import { PROTOCOLS, parsePorts } from './expand-sg.js';
import { join, type Reader } from './reader.js';

export function expandVpc(r: Reader, v: unknown, path: string): WorldVpc {
  const o = r.obj(v, path, ['id', 'cidr', 'name']);
  return {
    id: r.id(r.str(o, 'id', path), 'vpc-', join(path, 'id')),
    cidr: r.cidr(r.str(o, 'cidr', path), join(path, 'cidr')),
    name: r.optStr(o, 'name', path),
  };
}

export function expandVSwitch(r: Reader, v: unknown, region: string, defVpc: string, path: string): VSwitch {
  const o = r.obj(v, path, [
    'id',
    'vpc',
    'vpcId',
    'cidr',
    'zone',
    'zoneId',
    'name',
    'routeTable',
    'routeTableId',
    'acl',
    'networkAclId',
    'status',
  ]);
  const sw: VSwitch = {
    id: r.id(r.str(o, 'id', path), 'vsw-', join(path, 'id')),
    vpcId: r.str(o, ['vpc', 'vpcId'], path, defVpc),
    cidr: r.cidr(r.str(o, 'cidr', path), join(path, 'cidr')),
    zoneId: r.str(o, ['zone', 'zoneId'], path, `${region}-k`),
    status: r.str(o, 'status', path, 'Available'),
  };
  const name = r.optStr(o, 'name', path);
  if (name) sw.name = name;
  const rt = r.optStr(o, ['routeTable', 'routeTableId'], path);
  if (rt) sw.routeTableId = rt;
  const acl = r.optStr(o, ['acl', 'networkAclId'], path);
  if (acl) sw.networkAclId = acl;
  return sw;
}

const NEXT_HOP_PREFIX: [string, string][] = [
  ['i-', 'Instance'],
  ['ngw-', 'NatGateway'],
  ['havip-', 'HaVip'],
  ['vpn-', 'VpnGateway'],
  ['eni-', 'NetworkInterface'],
  ['ri-', 'RouterInterface'],
  ['ipv4gw-', 'Ipv4Gateway'],
  ['ipv6gw-', 'IPv6Gateway'],
  ['tr-attach-', 'Attachment'],
  ['vpce-', 'GatewayEndpoint'],
];

function nextHop(r: Reader, v: unknown, path: string): RouteNextHop {
  if (typeof v === 'string') {
    if (v === 'local') return { type: 'local', id: '', enabled: true };
    const hit = NEXT_HOP_PREFIX.find(([p]) => v.startsWith(p));
    if (!hit) r.fail(path, `cannot tell the next-hop type of "${v}": write {type: …, id: ${v}}`);
    return { type: hit[1], id: v, enabled: true };
  }
  const o = r.obj(v, path, ['type', 'id', 'enabled', 'weight']);
  const hop: RouteNextHop = {
    type: r.str(o, 'type', path),
    id: r.str(o, 'id', path, ''),
    enabled: r.bool(o, 'enabled', path, true),
  };
  if (o.weight !== undefined) hop.weight = r.num(o, 'weight', path);
  return hop;
}

export function expandRouteEntry(
  r: Reader,
  v: unknown,
  tableId: string,
  region: string,
  path: string,
): RouteEntry {
  const o = r.obj(v, path, [
    'id',
    'dst',
    'destination',
    'next',
    'nextHops',
    'type',
    'status',
    'name',
    'description',
  ]);
  const dst = r.cidr(r.str(o, ['dst', 'destination'], path), join(path, 'dst'));
  const hops = o.nextHops !== undefined ? r.list(o.nextHops, join(path, 'nextHops')) : [o.next ?? 'local'];
  const nextHops = hops.map((h, i) =>
    nextHop(r, h, `${join(path, 'next')}${hops.length > 1 ? `[${i}]` : ''}`),
  );
  const local = nextHops.every((h) => h.type === 'local');
  const e: RouteEntry = {
    id: r.optStr(o, 'id', path) ?? stableId('rte', region, `${tableId}:${dst}`),
    routeTableId: tableId,
    destination: dst,
    type: r.str(o, 'type', path, local ? 'System' : 'Custom'),
    status: r.str(o, 'status', path, 'Available'),
    nextHops,
  };
  const name = r.optStr(o, 'name', path);
  if (name) e.name = name;
  const desc = r.optStr(o, 'description', path);
  if (desc) e.description = desc;
  return e;
}

export function expandRouteTable(
  r: Reader,
  v: unknown,
  region: string,
  defVpc: string,
  path: string,
): RouteTable {
  const o = r.obj(v, path, ['id', 'vpc', 'vpcId', 'type', 'vswitches', 'vSwitchIds', 'entries']);
  const id = r.id(r.str(o, 'id', path), 'vtb-', join(path, 'id'));
  return {
    id,
    vpcId: r.str(o, ['vpc', 'vpcId'], path, defVpc),
    type: r.oneOf(o, 'type', path, ['System', 'Custom'] as const, 'System'),
    vSwitchIds: r.strs(o, ['vswitches', 'vSwitchIds'], path),
    entries: r
      .list(o.entries, join(path, 'entries'))
      .map((x, i) => expandRouteEntry(r, x, id, region, `${join(path, 'entries')}[${i}]`)),
  };
}

function aclEntry(
  r: Reader,
  v: unknown,
  aclId: string,
  dir: string,
  region: string,
  i: number,
  path: string,
): AclEntry {
  const o = r.obj(v, path, [
    'id',
    'name',
    'policy',
    'proto',
    'protocol',
    'ports',
    'cidr',
    'type',
    'entryType',
    'desc',
    'description',
  ]);
  const protocol = r.oneOf(o, ['proto', 'protocol'], path, PROTOCOLS, 'all');
  const e: AclEntry = {
    id: r.optStr(o, 'id', path) ?? stableId('nae', region, `${aclId}:${dir}:${i}`),
    policy: r.oneOf(o, 'policy', path, ['accept', 'drop'] as const, 'accept'),
    protocol,
    ports: parsePorts(r, o.ports, protocol, join(path, 'ports')),
    cidr: r.cidr(r.str(o, 'cidr', path, '0.0.0.0/0'), join(path, 'cidr')),
    entryType: r.oneOf(o, ['type', 'entryType'], path, ['custom', 'system'] as const, 'custom'),
  };
  const name = r.optStr(o, 'name', path);
  if (name) e.name = name;
  const desc = r.optStr(o, ['desc', 'description'], path);
  if (desc) e.description = desc;
  return e;
}

export function expandNetworkAcl(
  r: Reader,
  v: unknown,
  region: string,
  defVpc: string,
  path: string,
): NetworkAcl {
  const o = r.obj(v, path, ['id', 'name', 'vpc', 'vpcId', 'vswitches', 'vSwitchIds', 'ingress', 'egress']);
  const id = r.id(r.str(o, 'id', path), 'nacl-', join(path, 'id'));
  const acl: NetworkAcl = {
    id,
    vpcId: r.str(o, ['vpc', 'vpcId'], path, defVpc),
    vSwitchIds: r.strs(o, ['vswitches', 'vSwitchIds'], path),
    ingress: r
      .list(o.ingress, join(path, 'ingress'))
      .map((x, i) => aclEntry(r, x, id, 'in', region, i, `${join(path, 'ingress')}[${i}]`)),
    egress: r
      .list(o.egress, join(path, 'egress'))
      .map((x, i) => aclEntry(r, x, id, 'out', region, i, `${join(path, 'egress')}[${i}]`)),
  };
  const name = r.optStr(o, 'name', path);
  if (name) acl.name = name;
  return acl;
}

export function expandNatGateway(
  r: Reader,
  v: unknown,
  region: string,
  defVpc: string,
  path: string,
): NatGateway {
  const o = r.obj(v, path, [
    'id',
    'vpc',
    'vpcId',
    'status',
    'type',
    'networkType',
    'snatTables',
    'snatTableIds',
    'ips',
    'snat',
  ]);
  const id = r.id(r.str(o, 'id', path), 'ngw-', join(path, 'id'));
  const tables = r.strs(o, ['snatTables', 'snatTableIds'], path);
  if (!tables.length) tables.push(stableId('stb', region, `stb:${id}`));
  const snat = r.list(o.snat, join(path, 'snat')).map((x, i): SnatEntry => {
    const p = `${join(path, 'snat')}[${i}]`;
    const s = r.obj(x, p, [
      'id',
      'table',
      'tableId',
      'vswitch',
      'sourceVSwitchId',
      'cidr',
      'sourceCidr',
      'ip',
      'snatIp',
      'status',
    ]);
    const e: SnatEntry = {
      id: r.optStr(s, 'id', p) ?? stableId('snat', region, `${id}:${i}`),
      tableId: r.str(s, ['table', 'tableId'], p, tables[0]),
      snatIp: r.ip(r.str(s, ['ip', 'snatIp'], p), join(p, 'ip')),
      status: r.str(s, 'status', p, 'Available'),
    };
    const sw = r.optStr(s, ['vswitch', 'sourceVSwitchId'], p);
    if (sw) e.sourceVSwitchId = sw;
    const c = r.optStr(s, ['cidr', 'sourceCidr'], p);
    if (c) e.sourceCidr = r.cidr(c, join(p, 'cidr'));
    if (!sw && !c) r.fail(p, 'an SNAT entry needs a vswitch or a cidr');
    return e;
  });
  return {
    id,
    vpcId: r.str(o, ['vpc', 'vpcId'], path, defVpc),
    status: r.str(o, 'status', path, 'Available'),
    networkType: r.str(o, ['type', 'networkType'], path, 'internet'),
    snatTableIds: tables,
    ips: r.strs(o, 'ips', path).map((ip, i) => r.ip(ip, `${join(path, 'ips')}[${i}]`)),
    snat,
  };
}

export function expandLocks(r: Reader, v: unknown, path: string): OperationLock[] {
  return r.list(v, path).map((x, i) => {
    if (typeof x === 'string') return { reason: x };
    const o = r.obj(x, `${path}[${i}]`, ['reason', 'message']);
    const l: OperationLock = { reason: r.str(o, 'reason', `${path}[${i}]`) };
    const m = r.optStr(o, 'message', `${path}[${i}]`);
    if (m) l.message = m;
    return l;
  });
}

export function expandEip(r: Reader, v: unknown, path: string): Eip {
  const o = r.obj(v, path, [
    'id',
    'ip',
    'instance',
    'instanceId',
    'instanceType',
    'bandwidth',
    'status',
    'name',
    'chargeType',
    'businessStatus',
    'locks',
    'privateIp',
  ]);
  const instanceId = r.optStr(o, ['instance', 'instanceId'], path);
  const inferred = instanceId?.startsWith('ngw-')
    ? 'Nat'
    : instanceId?.startsWith('eni-')
      ? 'NetworkInterface'
      : 'EcsInstance';
  const e: Eip = {
    allocationId: r.id(r.str(o, 'id', path), 'eip-', join(path, 'id')),
    ip: r.ip(r.str(o, 'ip', path), join(path, 'ip')),
    status: r.str(o, 'status', path, instanceId ? 'InUse' : 'Available'),
    bandwidth: r.num(o, 'bandwidth', path, 5),
    chargeType: r.str(o, 'chargeType', path, 'PayByTraffic'),
    businessStatus: r.str(o, 'businessStatus', path, 'Normal'),
    locks: expandLocks(r, o.locks, join(path, 'locks')),
  };
  if (instanceId) {
    e.instanceId = instanceId;
    e.instanceType = r.str(o, 'instanceType', path, inferred);
  }
  const name = r.optStr(o, 'name', path);
  if (name) e.name = name;
  const pip = r.optStr(o, 'privateIp', path);
  if (pip) e.privateIp = r.ip(pip, join(path, 'privateIp'));
  return e;
}
