/**
 * The simulated guest: defaults derived from the instance (its NIC, address, vSwitch gateway, image family),
 * merged with what the scenario states, then validated into a GuestWorld. `{{…}}` time templates in any
 * text of the guest (kernel log lines, …) are expanded here (see time.ts). The defaults: guest-defaults.ts.
 */
import type { GuestWorld } from '../world.js';
import { defaultGuest, type GuestBasis } from './guest-defaults.js';
import { mergeDocs } from './merge.js';
import { join, type Reader } from './reader.js';
import { expandTemplates } from './time.js';

export { ALIBABA_RESOLV_CONF, defaultGuest, type GuestBasis, IMAGES } from './guest-defaults.js';

type Obj = Record<string, unknown>;

const SERVICE_KEYS = [
  'name',
  'active',
  'sub',
  'result',
  'mainPid',
  'binary',
  'libwrap',
  'description',
  'listen',
  'configLine',
  'since',
  '$remove',
  '$before',
  '$first',
];

function service(r: Reader, v: unknown, path: string) {
  const o = r.obj(v, path, SERVICE_KEYS);
  const active = r.str(o, 'active', path, 'active');
  const s: GuestWorld['services'][number] = {
    name: r.str(o, 'name', path),
    active,
    sub: r.str(o, 'sub', path, active === 'active' ? 'running' : active === 'failed' ? 'failed' : 'dead'),
    result: r.str(o, 'result', path, 'success'),
  };
  if (o.mainPid !== undefined) s.mainPid = r.num(o, 'mainPid', path);
  for (const k of ['binary', 'description'] as const) {
    const x = r.optStr(o, k, path);
    if (x !== undefined) s[k] = x;
  }
  if (o.libwrap !== undefined) s.libwrap = r.bool(o, 'libwrap', path, false);
  if (o.listen !== undefined) s.listen = r.strs(o, 'listen', path);
  if (o.since !== undefined) s.since = r.iso(o.since, join(path, 'since'));
  if (o.configLine !== undefined) {
    const c = r.obj(o.configLine, join(path, 'configLine'), ['path', 'line', 'text']);
    s.configLine = {
      path: r.str(c, 'path', join(path, 'configLine')),
      line: r.num(c, 'line', join(path, 'configLine')),
      text: r.str(c, 'text', join(path, 'configLine')),
    };
  }
  return s;
}

const GUEST_KEYS = [
  'hostname',
  'os',
  'kernel',
  'interfaces',
  'routes',
  'firewall',
  'sockets',
  'connections',
  'services',
  'networkServices',
  'resolvConf',
  'dns',
  'hostsAllow',
  'hostsDeny',
  'conntrack',
  'kernelLog',
  'sysctls',
  'traffic',
  'missingTools',
  'locale',
  'deniedSections',
];

/** Validates the merged guest document and turns it into a GuestWorld. */
export function expandGuest(
  r: Reader,
  authored: unknown,
  basis: GuestBasis,
  boot: number,
  path: string,
): GuestWorld {
  const merged = mergeDocs(defaultGuest(basis), authored ?? {}, path) as Obj;
  const o = r.obj(expandAll(r, merged, boot, path), path, GUEST_KEYS);
  const list = <T>(k: string, f: (v: unknown, p: string) => T): T[] =>
    r.list(o[k], join(path, k)).map((x, i) => f(x, `${join(path, k)}[${i}]`));
  const fw = r.obj(o.firewall, join(path, 'firewall'), ['backend', 'iptables', 'ip6tables', 'nft']);
  const g: GuestWorld = {
    hostname: r.str(o, 'hostname', path),
    os: r.str(o, 'os', path),
    kernel: r.optStr(o, 'kernel', path),
    interfaces: list('interfaces', (v, p) => {
      const i = r.obj(v, p, [
        'name',
        'mac',
        'mtu',
        'up',
        'carrier',
        'addresses',
        'speedMbps',
        'configured',
        '$remove',
        '$before',
        '$first',
      ]);
      const spec: GuestWorld['interfaces'][number] = {
        name: r.str(i, 'name', p),
        up: r.bool(i, 'up', p, true),
        addresses: r.strs(i, 'addresses', p),
      };
      for (const [j, a] of spec.addresses.entries()) r.cidr(a, `${join(p, 'addresses')}[${j}]`);
      if (i.mac !== undefined) spec.mac = r.str(i, 'mac', p);
      if (i.mtu !== undefined) spec.mtu = r.num(i, 'mtu', p);
      if (i.carrier !== undefined) spec.carrier = r.bool(i, 'carrier', p, true);
      if (i.speedMbps !== undefined) spec.speedMbps = r.num(i, 'speedMbps', p);
      if (i.configured !== undefined)
        spec.configured = configuredSpec(r, i.configured, join(p, 'configured'));
      return spec;
    }),
    routes: list('routes', (v, p) => {
      const x = r.obj(v, p, ['dst', 'via', 'dev', 'proto', 'scope', 'metric', 'src', 'type', 'table']);
      const rt: GuestWorld['routes'][number] = { dst: r.str(x, 'dst', p) };
      if (rt.dst !== 'default') r.cidr(rt.dst, join(p, 'dst'));
      for (const k of ['via', 'dev', 'proto', 'scope', 'src', 'type', 'table'] as const) {
        const s = r.optStr(x, k, p);
        if (s !== undefined) rt[k] = s;
      }
      if (x.metric !== undefined) rt.metric = r.num(x, 'metric', p);
      return rt;
    }),
    firewall: {
      backend: r.oneOf(
        fw,
        'backend',
        join(path, 'firewall'),
        ['iptables-legacy', 'iptables-nft', 'nftables', 'none'] as const,
        'none',
      ),
    },
    sockets: list('sockets', (v, p) => {
      const s = r.obj(v, p, ['proto', 'local', 'peer', 'state', 'process', 'pid', 'fd']);
      const spec: GuestWorld['sockets'][number] = {
        proto: r.oneOf(s, 'proto', p, ['tcp', 'udp'] as const, 'tcp'),
        local: r.str(s, 'local', p),
        state: r.str(s, 'state', p, 'ESTAB'),
      };
      if (s.peer !== undefined) spec.peer = r.str(s, 'peer', p);
      if (s.process !== undefined) spec.process = r.str(s, 'process', p);
      if (s.pid !== undefined) spec.pid = r.num(s, 'pid', p);
      if (s.fd !== undefined) spec.fd = r.num(s, 'fd', p);
      return spec;
    }),
    services: list('services', (v, p) => service(r, v, p)),
    networkServices: list('networkServices', (v, p) => service(r, v, p)),
    resolvConf: r.str(o, 'resolvConf', path),
    dns: (() => {
      const d = r.obj(o.dns, join(path, 'dns'), ['reachable', 'answers', 'failure']);
      const answers = r.obj(d.answers ?? {}, join(path, 'dns.answers'));
      const out: GuestWorld['dns'] = {
        reachable: r.bool(d, 'reachable', join(path, 'dns'), true),
        answers: Object.fromEntries(
          present(answers).map(([k]) => [k, r.strs(answers, k, join(path, 'dns.answers'))]),
        ),
      };
      if (d.failure !== undefined && d.failure !== null)
        out.failure = r.oneOf(d, 'failure', join(path, 'dns'), ['NXDOMAIN', 'SERVFAIL', 'REFUSED'] as const);
      return out;
    })(),
    hostsAllow: r.str(o, 'hostsAllow', path, ''),
    hostsDeny: r.str(o, 'hostsDeny', path, ''),
    conntrack: (() => {
      const c = r.obj(o.conntrack, join(path, 'conntrack'), ['count', 'max']);
      return {
        count: r.num(c, 'count', join(path, 'conntrack')),
        max: r.num(c, 'max', join(path, 'conntrack')),
      };
    })(),
    kernelLog: r.strs(o, 'kernelLog', path),
    sysctls: Object.fromEntries(
      present(r.obj(o.sysctls ?? {}, join(path, 'sysctls'))).map(([k, v]) => [k, String(v)]),
    ),
    traffic: Object.fromEntries(
      present(r.obj(o.traffic ?? {}, join(path, 'traffic'))).map(([k, v]) => {
        const p = join(path, `traffic.${k}`);
        const t = r.obj(v, p, ['rxBps', 'txBps', 'rxDropPs', 'txDropPs']);
        const out: GuestWorld['traffic'][string] = {
          rxBps: r.num(t, 'rxBps', p),
          txBps: r.num(t, 'txBps', p),
        };
        if (t.rxDropPs !== undefined) out.rxDropPs = r.num(t, 'rxDropPs', p);
        if (t.txDropPs !== undefined) out.txDropPs = r.num(t, 'txDropPs', p);
        return [k, out];
      }),
    ),
  };
  for (const k of ['iptables', 'ip6tables'] as const) {
    const s = r.optStr(fw, k, join(path, 'firewall'));
    if (s !== undefined) g.firewall[k] = s;
  }
  if (fw.nft !== undefined) g.firewall.nft = fw.nft;
  if (o.connections !== undefined)
    g.connections = list('connections', (v, p) => {
      const c = r.obj(v, p, ['count', 'localPort', 'peer', 'state', 'process', 'pid']);
      const out: NonNullable<GuestWorld['connections']>[number] = { count: r.num(c, 'count', p) };
      // Inbound bulk sockets name the local port they arrive on; outbound ones the upstream they go to.
      if (c.peer !== undefined) {
        out.peer = r.str(c, 'peer', p);
        if (!/^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(out.peer))
          r.fail(join(p, 'peer'), `"${out.peer}" is not HOST:PORT (an IPv4 address, or [IPv6], and a port)`);
        if (c.localPort !== undefined)
          r.fail(
            join(p, 'localPort'),
            'give either peer (outbound: local ports come from the ephemeral range) or localPort (inbound), not both',
          );
      } else out.localPort = r.num(c, 'localPort', p);
      for (const k of ['state', 'process'] as const) {
        const s = r.optStr(c, k, p);
        if (s !== undefined) out[k] = s;
      }
      if (c.pid !== undefined) out.pid = r.num(c, 'pid', p);
      return out;
    });
  if (o.missingTools !== undefined) g.missingTools = r.strs(o, 'missingTools', path);
  if (o.deniedSections !== undefined) g.deniedSections = r.strs(o, 'deniedSections', path);
  if (o.locale !== undefined) g.locale = r.str(o, 'locale', path);
  return g;
}

/** Entries of a mapping without the ones a patch removed (null tombstones). */
function present(o: Obj): [string, unknown][] {
  return Object.entries(o).filter(([, v]) => v !== null && v !== undefined);
}

/** Expands `{{fmt:offset}}` in every string of a guest document. */
function expandAll(r: Reader, v: unknown, boot: number, path: string): unknown {
  if (typeof v === 'string') {
    const out = expandTemplates(v, r.epoch, boot);
    if (typeof out !== 'string') r.fail(path, out.error);
    return out;
  }
  if (Array.isArray(v)) return v.map((x, i) => expandAll(r, x, boot, `${path}[${i}]`));
  if (v && typeof v === 'object' && !(v instanceof Date))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandAll(r, x, boot, join(path, k))]));
  return v;
}

/** An interface's `configured` (world.ts GuestConfiguredSpec): what its network configuration gives it. */
function configuredSpec(
  r: Reader,
  v: unknown,
  p: string,
): NonNullable<GuestWorld['interfaces'][number]['configured']> {
  const c = r.obj(v, p, ['method', 'addresses', 'gateway', 'mac']);
  const method = r.str(c, 'method', p);
  if (method !== 'dhcp' && method !== 'static') r.fail(join(p, 'method'), `is ${method}: say dhcp or static`);
  const out: NonNullable<GuestWorld['interfaces'][number]['configured']> = {
    method,
    addresses: r.strs(c, 'addresses', p),
  };
  for (const [j, a] of out.addresses.entries()) r.cidr(a, `${join(p, 'addresses')}[${j}]`);
  if (c.gateway !== undefined) out.gateway = r.ip(r.str(c, 'gateway', p), join(p, 'gateway'));
  if (c.mac !== undefined) out.mac = r.str(c, 'mac', p);
  return out;
}
