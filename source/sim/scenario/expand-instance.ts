/**
 * Authoring form → WorldInstance: the instance as ECS reports it (defaults for everything a scenario does not
 * care about), its Cloud Assistant agent, CloudMonitor series (a healthy default set, overridable per key)
 * and its guest.
 */
import { createHash } from 'node:crypto';
import type { Eni, VSwitch } from '../../model/index.js';
import { isoSeconds, stableId } from '../api/format.js';
import type { MetricSpec, WorldInstance } from '../world.js';
import { expandGuest, IMAGES } from './expand-guest.js';
import { expandLocks } from './expand-network.js';
import { type Doc, mergeDocs } from './merge.js';
import { join, type Reader } from './reader.js';

type Obj = Record<string, unknown>;

/** A healthy instance's CloudMonitor series; keys are metric names (`#variant` for several series of one). */
export const DEFAULT_METRICS: Doc = {
  CPUUtilization: { base: 12, jitter: 4, unit: '%' },
  memory_usedutilization: { base: 41, jitter: 2, unit: '%' },
  IntranetInRate: { base: 400_000, jitter: 100_000, unit: 'bit/s' },
  IntranetOutRate: { base: 350_000, jitter: 80_000, unit: 'bit/s' },
  VPC_PublicIP_InternetInRate: { base: 300_000, jitter: 60_000, unit: 'bit/s' },
  VPC_PublicIP_InternetOutRate: { base: 1_200_000, jitter: 300_000, unit: 'bit/s' },
  packetInDropRates: { base: 0, unit: 'count/s' },
  packetOutDropRates: { base: 0, unit: 'count/s' },
  'net_tcpconnection#established': { base: 120, jitter: 15, unit: 'count', dims: { state: 'ESTABLISHED' } },
  'net_tcpconnection#non_established': {
    base: 35,
    jitter: 6,
    unit: 'count',
    dims: { state: 'NON_ESTABLISHED' },
  },
  'net_tcpconnection#total': { base: 155, jitter: 18, unit: 'count', dims: { state: 'TCP_TOTAL' } },
};

function mac(id: string): string {
  const h = createHash('sha1').update(`mac:${id}`).digest();
  return `00:16:3e:${[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** The `.253` of a vSwitch CIDR: Alibaba's vSwitch gateway. */
export function vswitchGateway(cidr: string): string {
  const [addr, len] = cidr.split('/');
  const n = addr.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  const gw = n - (n % size) + size - 3;
  return [24, 16, 8, 0].map((s) => Math.floor(gw / 2 ** s) % 256).join('.');
}

function metrics(r: Reader, v: unknown, path: string): Record<string, MetricSpec> {
  const merged = mergeDocs(DEFAULT_METRICS, v ?? {}, path) as Obj;
  const out: Record<string, MetricSpec> = {};
  for (const [key, raw] of Object.entries(merged)) {
    if (raw === null) continue; // removed by the scenario
    const p = join(path, key);
    const o = r.obj(raw, p, ['base', 'jitter', 'steps', 'unit', 'dims']);
    const spec: MetricSpec = { base: r.num(o, 'base', p) };
    if (o.jitter !== undefined) spec.jitter = r.num(o, 'jitter', p);
    if (o.unit !== undefined) spec.unit = r.str(o, 'unit', p);
    if (o.dims !== undefined) {
      const d = r.obj(o.dims, join(p, 'dims'));
      spec.dims = Object.fromEntries(Object.entries(d).map(([k, x]) => [k, String(x)]));
    }
    if (o.steps !== undefined)
      spec.steps = r.list(o.steps, join(p, 'steps')).map((s, i) => {
        const sp = `${join(p, 'steps')}[${i}]`;
        const so = r.obj(s, sp, ['at', 'value']);
        return { at: r.offset(so.at, join(sp, 'at')), value: r.num(so, 'value', sp) };
      });
    out[key] = spec;
  }
  return out;
}

const INSTANCE_KEYS = [
  'id',
  'name',
  'vswitch',
  'vSwitchId',
  'zone',
  'zoneId',
  'ip',
  'privateIps',
  'sgs',
  'securityGroupIds',
  'status',
  'locks',
  'type',
  'instanceType',
  'cpu',
  'memory',
  'memoryMiB',
  'os',
  'osName',
  'osType',
  'publicIp',
  'publicIps',
  'bandwidthOut',
  'internetMaxBandwidthOut',
  'bandwidthIn',
  'internetMaxBandwidthIn',
  'chargeType',
  'internetChargeType',
  'created',
  'started',
  'expired',
  'hostName',
  'tags',
  'mac',
  'enis',
  'assistant',
  'sshUp',
  'metrics',
  'guest',
];

export function expandInstance(
  r: Reader,
  v: unknown,
  world: { region: string; vswitches: VSwitch[]; internetDns: Record<string, string[]> },
  path: string,
): WorldInstance {
  const o = r.obj(v, path, INSTANCE_KEYS);
  const id = r.id(r.str(o, 'id', path), 'i-', join(path, 'id'));
  const vswId = r.str(o, ['vswitch', 'vSwitchId'], path, world.vswitches[0]?.id ?? '');
  const vsw = world.vswitches.find((s) => s.id === vswId);
  if (!vsw) r.fail(join(path, 'vswitch'), `"${vswId}" is not a vSwitch of this scenario`);
  const ips = o.privateIps !== undefined ? r.strs(o, 'privateIps', path) : [r.str(o, 'ip', path)];
  for (const [i, ip] of ips.entries()) r.ip(ip, `${join(path, 'ip')}${ips.length > 1 ? `[${i}]` : ''}`);
  const sgs = r.strs(o, ['sgs', 'securityGroupIds'], path);
  if (!sgs.length) r.fail(join(path, 'sgs'), 'an instance belongs to at least one security group');
  const os = r.str(o, 'os', path, 'alinux3');
  const img = IMAGES[os];
  if (!img) r.fail(join(path, 'os'), `unknown image family "${os}" (${Object.keys(IMAGES).join(', ')})`);
  const publicIps = r.strs(o, ['publicIp', 'publicIps'], path).map((ip) => r.ip(ip, join(path, 'publicIp')));
  const m = r.optStr(o, 'mac', path) ?? mac(id);
  const primary: Eni = {
    id: stableId('eni', world.region, `eni:${id}`),
    type: 'Primary',
    mac: m,
    primaryIp: ips[0],
    privateIps: ips,
    vSwitchId: vsw.id,
    securityGroupIds: sgs,
  };
  const secondary = r.list(o.enis, join(path, 'enis')).map((x, i): Eni => {
    const p = `${join(path, 'enis')}[${i}]`;
    const e = r.obj(x, p, ['id', 'ip', 'ips', 'mac', 'vswitch', 'sgs']);
    const eips = e.ips !== undefined ? r.strs(e, 'ips', p) : [r.str(e, 'ip', p)];
    return {
      id: r.id(r.str(e, 'id', p), 'eni-', join(p, 'id')),
      type: 'Secondary',
      mac: r.str(e, 'mac', p, mac(`${id}:${i}`)),
      primaryIp: r.ip(eips[0], join(p, 'ip')),
      privateIps: eips,
      vSwitchId: r.str(e, 'vswitch', p, vsw.id),
      securityGroupIds: e.sgs !== undefined ? r.strs(e, 'sgs', p) : sgs,
    };
  });
  const a = r.obj(o.assistant ?? {}, join(path, 'assistant'), [
    'online',
    'version',
    'lastHeartbeat',
    'errorCode',
  ]);
  const assistant: WorldInstance['assistant'] = {
    online: r.bool(a, 'online', join(path, 'assistant'), true),
    version: r.str(a, 'version', join(path, 'assistant'), '2.2.0.106'),
  };
  if (a.lastHeartbeat !== undefined)
    assistant.lastHeartbeat = isoSeconds(r.time(a.lastHeartbeat, join(path, 'assistant.lastHeartbeat')));
  const ec = r.optStr(a, 'errorCode', join(path, 'assistant'));
  if (ec) assistant.errorCode = ec;
  const started = r.time(o.started ?? '-30d', join(path, 'started'));
  const inst: WorldInstance = {
    id,
    name: r.str(o, 'name', path, id),
    regionId: world.region,
    zoneId: r.str(o, ['zone', 'zoneId'], path, vsw.zoneId),
    status: r.oneOf(
      o,
      'status',
      path,
      ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'] as const,
      'Running',
    ),
    locks: expandLocks(r, o.locks, join(path, 'locks')),
    instanceType: r.str(o, ['type', 'instanceType'], path, 'ecs.g7.large'),
    cpu: r.num(o, 'cpu', path, 2),
    memoryMiB: r.num(o, ['memory', 'memoryMiB'], path, 8192),
    osName: r.str(o, 'osName', path, img.osName),
    osType: r.str(o, 'osType', path, 'linux'),
    chargeType: r.str(o, 'chargeType', path, 'PostPaid'),
    expiredTime: isoSeconds(r.time(o.expired ?? '2099-12-31T15:59:00Z', join(path, 'expired'))),
    creationTime: isoSeconds(r.time(o.created ?? '-180d', join(path, 'created'))),
    startTime: isoSeconds(started),
    networkType: 'vpc',
    vpcId: vsw.vpcId,
    vSwitchId: vsw.id,
    privateIps: ips,
    publicIps,
    internetMaxBandwidthOut: r.num(
      o,
      ['bandwidthOut', 'internetMaxBandwidthOut'],
      path,
      publicIps.length ? 5 : 0,
    ),
    internetMaxBandwidthIn: r.num(o, ['bandwidthIn', 'internetMaxBandwidthIn'], path, -1),
    internetChargeType: r.str(o, 'internetChargeType', path, 'PayByTraffic'),
    securityGroupIds: sgs,
    enis: [primary, ...secondary],
    hostName: r.str(o, 'hostName', path, `iZ${id.slice(2)}Z`),
    assistant,
    sshUp: r.bool(o, 'sshUp', path, true),
    metrics: metrics(r, o.metrics, join(path, 'metrics')),
  };
  if (o.tags !== undefined) {
    const t = r.obj(o.tags, join(path, 'tags'));
    inst.tags = Object.fromEntries(Object.entries(t).map(([k, x]) => [k, String(x)]));
  }
  if (o.guest !== undefined && o.guest !== false) {
    const [, len] = vsw.cidr.split('/');
    inst.guest = expandGuest(
      r,
      o.guest === true ? {} : o.guest,
      {
        instanceId: id,
        hostName: inst.hostName!,
        os,
        ip: ips[0],
        prefixLen: Number(len),
        gateway: vswitchGateway(vsw.cidr),
        vswitchCidr: vsw.cidr,
        mac: m,
        dns: world.internetDns,
        assistantVersion: assistant.version!,
      },
      started,
      join(path, 'guest'),
    );
  }
  return inst;
}
