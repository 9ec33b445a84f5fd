/**
 * The guest's part of a path: NIC and address, firewall (first packet, later packets, replies), tcp wrappers,
 * the listener and the service behind it, and the route back. Each hop says NOT_CHECKED when the guest could
 * not be seen — never OK.
 */
import type { Finding, GuestFacts, GuestService, Hop, Intent } from '../../model/index.js';
import { isLoopback } from '../../net/ip.js';
import { evaluateConnection, firewallHop } from '../evaluate/guest-firewall.js';
import { checkAddress, lookupRoute, returnPath, routeHop } from '../evaluate/guest-route.js';
import { type GuestEnd, intentPacket } from '../evaluate/packet.js';
import { findListener, listenerHop, type SocketIndex } from '../evaluate/sockets.js';
import {
  daemonForListener,
  evaluateTcpWrappers,
  libwrapOf,
  tcpWrappersHop,
} from '../evaluate/tcp-wrappers.js';
import { findingFrom, hopFrom, notChecked, ok } from './hop.js';

/** Services that would answer a port when they run (for SERVICE_DOWN when nothing listens). */
const PORT_SERVICES: Record<number, string[]> = {
  22: ['sshd', 'ssh'],
  80: ['nginx', 'httpd', 'apache2', 'caddy', 'openresty', 'tengine', 'lighttpd'],
  443: ['nginx', 'httpd', 'apache2', 'caddy', 'openresty', 'tengine', 'lighttpd'],
  8080: ['tomcat', 'tomcat9', 'jenkins'],
  3306: ['mysqld', 'mysql', 'mariadb'],
  5432: ['postgresql', 'postgres'],
  6379: ['redis', 'redis-server'],
  27017: ['mongod'],
  21: ['vsftpd', 'proftpd', 'pure-ftpd'],
  25: ['postfix', 'exim4', 'sendmail'],
  53: ['named', 'bind9', 'unbound', 'dnsmasq'],
};

export interface GuestCtx {
  guest: GuestFacts;
  /** The address the flow reaches in the guest (the instance's primary private address). */
  address: string;
  iface: string;
  sockets: SocketIndex;
  ephemeral?: [number, number];
  /** The VPC gateway the replies should use (vSwitch .253) when known. */
  gateway?: string;
}

export interface Segment {
  hops: Hop[];
  findings: Finding[];
}

function downServiceFor(port: number, services: GuestService[]): GuestService | undefined {
  const names = PORT_SERVICES[port] ?? [];
  return services.find(
    (s) =>
      names.includes(s.name) &&
      s.active !== 'active' &&
      s.active !== 'activating' &&
      s.active !== 'reloading',
  );
}

function guestEnd(ctx: GuestCtx): GuestEnd {
  const end: GuestEnd = { address: ctx.address, iface: ctx.iface };
  const locals = (ctx.guest.interfaces.value ?? []).flatMap((i) => i.addresses.map((a) => a.address));
  if (locals.length) end.localAddresses = locals;
  if (ctx.ephemeral) end.ephemeral = ctx.ephemeral;
  return end;
}

function nicHop(intent: Intent, ctx: GuestCtx, leg: Hop['leg']): Segment {
  const ifaces = ctx.guest.interfaces.value;
  if (!ifaces)
    return {
      hops: [
        notChecked('guest-nic', leg, 'guest', 'interfaces could not be read', {
          error: ctx.guest.interfaces.error,
        }),
      ],
      findings: [],
    };
  const c = checkAddress(ifaces, ctx.address);
  const d = {
    state: c.status === 'ok' ? 'OK' : 'BLOCKED',
    confidence: c.confidence,
    detail: c.detail,
    evidence: { resource: c.iface?.name, rule: c.address, iface: c.iface },
  } as const;
  const hop = hopFrom('guest-nic', leg, 'guest', d);
  const findings = c.code
    ? [
        findingFrom(intent, hop, c.code, {
          key: c.iface?.name ?? ctx.address,
          remedies:
            c.code === 'GUEST_NIC_DOWN' && c.iface
              ? [`guest-link-up:${c.iface.name}`]
              : ['guest-restart-network'],
        }),
      ]
    : [];
  return { hops: [hop], findings };
}

function firewallSegment(
  intent: Intent,
  ctx: GuestCtx,
  inbound: boolean,
): { forward: Segment; reply: Segment } {
  const fw = ctx.guest.firewall.value;
  const fwdHop = inbound ? 'guest-firewall-in' : 'guest-firewall-out';
  const retHop = inbound ? 'guest-firewall-out' : 'guest-firewall-in';
  if (!fw) {
    const why = `firewall rules could not be read${ctx.guest.firewall.error ? `: ${ctx.guest.firewall.error.message}` : ''}`;
    return {
      forward: { hops: [notChecked(fwdHop, 'forward', 'guest', why)], findings: [] },
      reply: { hops: [notChecked(retHop, 'return', 'guest', why)], findings: [] },
    };
  }
  const packet = intentPacket(intent, guestEnd(ctx));
  const conn = evaluateConnection(fw, packet);
  const f = hopFrom(fwdHop, 'forward', 'guest', firewallHop(conn.forward, inbound ? 'in' : 'out'));
  const r = hopFrom(retHop, 'return', 'guest', firewallHop(conn.reply, inbound ? 'out' : 'in'));
  const fwd = firewallHop(conn.forward, inbound ? 'in' : 'out');
  const ret = firewallHop(conn.reply, inbound ? 'out' : 'in');
  const fix = (v: typeof conn.forward) =>
    v.rule && 'line' in v.rule
      ? [`guest-fw-delete:${v.rule.table}:${v.rule.chain}:${v.rule.index}`]
      : v.rule && 'handle' in v.rule
        ? [`guest-nft-delete:${v.rule.family}:${v.rule.table}:${v.rule.chain}:${v.rule.handle}`]
        : [];
  return {
    forward: {
      hops: [f],
      findings:
        fwd.code && f.state !== 'OK'
          ? [findingFrom(intent, f, fwd.code, { remedies: fix(conn.forward) })]
          : [],
    },
    reply: {
      hops: [r],
      findings:
        ret.code && r.state !== 'OK' ? [findingFrom(intent, r, ret.code, { remedies: fix(conn.reply) })] : [],
    },
  };
}

/**
 * A full connection-tracking table drops new connections before any rule sees them: the inbound firewall hop is
 * blocked (likely: it depends on the moment) even when the rules accept.
 */
function conntrackOnPath(intent: Intent, ctx: GuestCtx, seg: Segment): void {
  const ct = ctx.guest.conntrack.value;
  const full = (ctx.guest.kernelLog.value ?? []).filter(
    (l) => l.kind === 'conntrack-full' || /nf_conntrack: table full/.test(l.text),
  );
  const ratio = ct && ct.max > 0 ? ct.count / ct.max : 0;
  const hop = seg.hops[0];
  if (!hop || hop.state === 'BLOCKED' || (ratio < 0.95 && full.length === 0)) return;
  hop.state = 'BLOCKED';
  hop.confidence = 'likely';
  hop.detail = `the connection-tracking table is ${ct ? `at ${ct.count}/${ct.max}` : 'full'}${full.length ? ` ("${full[full.length - 1].text}")` : ''}: new connections are dropped before the rules see them`;
  hop.evidence = { ...hop.evidence, conntrack: ct, lines: full.slice(-3).map((l) => l.text) };
  seg.findings.push(
    findingFrom(intent, hop, 'CONNTRACK_TABLE_FULL', { key: 'conntrack', remedies: ['guest-conntrack-max'] }),
  );
}

function routeBack(intent: Intent, ctx: GuestCtx, client: string): Segment {
  const routes = ctx.guest.routes.value;
  if (!routes)
    return { hops: [notChecked('guest-route', 'return', 'guest', 'routes could not be read')], findings: [] };
  const facts = {
    routes,
    rules: ctx.guest.policyRules.value,
    interfaces: ctx.guest.interfaces.value,
    sysctls: ctx.guest.sysctls.value,
  };
  const r = returnPath(facts, { client, local: ctx.address, arrivedOn: ctx.iface, gateway: ctx.gateway });
  const hop = hopFrom('guest-route', 'return', 'guest', routeHop(r));
  const findings =
    r.code && hop.state !== 'OK'
      ? [
          findingFrom(intent, hop, r.code, {
            key: r.code === 'GUEST_NIC_DOWN' ? r.dev : 'default',
            remedies:
              r.code === 'GUEST_DEFAULT_ROUTE_MISSING' && ctx.gateway
                ? [`guest-default-route:${ctx.gateway}:${ctx.iface}`]
                : [],
          }),
        ]
      : [];
  return { hops: [hop], findings };
}

function clientOf(intent: Intent): string {
  return intent.fromKind === 'internet' || !intent.from || intent.from === '0.0.0.0/0'
    ? 'internet'
    : intent.from;
}

/** Inbound: NIC → firewall → tcp wrappers → listener → service; return: firewall out → route back. */
export function guestInbound(intent: Intent, ctx: GuestCtx): { forward: Segment; ret: Segment } {
  const fwd: Segment = { hops: [], findings: [] };
  const ret: Segment = { hops: [], findings: [] };
  const add = (s: Segment, into: Segment) => {
    into.hops.push(...s.hops);
    into.findings.push(...s.findings);
  };
  add(nicHop(intent, ctx, 'forward'), fwd);
  const fw = firewallSegment(intent, ctx, true);
  conntrackOnPath(intent, ctx, fw.forward);
  add(fw.forward, fwd);

  const proto = intent.protocol === 'udp' ? 'udp' : 'tcp';
  const sockets = ctx.guest.sockets.value;
  const services = ctx.guest.services.value ?? [];
  if (intent.port === undefined || intent.protocol === 'icmp') {
    fwd.hops.push(ok('listener', 'forward', 'guest', 'ICMP is answered by the kernel'));
  } else if (!sockets) {
    fwd.hops.push(notChecked('tcp-wrappers', 'forward', 'guest', 'sockets could not be read'));
    fwd.hops.push(
      notChecked('listener', 'forward', 'guest', 'sockets could not be read', {
        error: ctx.guest.sockets.error,
      }),
    );
    fwd.hops.push(notChecked('service', 'forward', 'guest', 'sockets could not be read'));
  } else {
    const l = findListener(ctx.sockets, { proto, port: intent.port, dst: ctx.address, iif: ctx.iface });
    const lhop = hopFrom('listener', 'forward', 'guest', listenerHop(l));
    // tcp wrappers: only for a daemon that listens and links libwrap.
    if (l.status === 'listening' && l.processes[0] && ctx.guest.tcpWrappers.value) {
      const { daemon } = daemonForListener(l.processes[0].name, intent.port);
      const v = evaluateTcpWrappers(ctx.guest.tcpWrappers.value, {
        daemon,
        client: clientOf(intent),
        server: ctx.address,
        libwrap: libwrapOf(daemon, ctx.guest.tcpWrappers.value, services),
      });
      const d = tcpWrappersHop(v);
      const th = hopFrom('tcp-wrappers', 'forward', 'guest', d);
      fwd.hops.push(th);
      if (d.code && th.state !== 'OK') {
        // For one client (you), allow that client in hosts.allow; removing a `sshd: ALL` line would open it to all.
        const one = intent.fromKind === 'me' || intent.fromKind === 'cidr' ? intent.from : undefined;
        const remedies = one
          ? [`guest-hosts-allow:${daemon}:${one}`]
          : v.rule
            ? [`guest-hosts-deny-remove:${v.rule.file}:${v.rule.line}`]
            : [];
        fwd.findings.push(
          findingFrom(intent, th, d.code, { key: `${daemon}:${v.rule?.line ?? ''}`, remedies }),
        );
      }
    } else if (l.status === 'listening') {
      fwd.hops.push(
        notChecked(
          'tcp-wrappers',
          'forward',
          'guest',
          ctx.guest.tcpWrappers.error
            ? 'hosts.allow/deny could not be read'
            : 'no daemon name known for the listener',
        ),
      );
    } else {
      fwd.hops.push(
        notChecked(
          'tcp-wrappers',
          'forward',
          'guest',
          'no listener, so no daemon to apply hosts.allow/deny to',
        ),
      );
    }
    fwd.hops.push(lhop);
    const down = l.status === 'listening' ? undefined : downServiceFor(intent.port, services);
    if (down) {
      const shop: Hop = {
        hop: 'service',
        leg: 'forward',
        layer: 'guest',
        state: 'BLOCKED',
        confidence: 'certain',
        detail: `${down.name} ${down.active === 'failed' ? 'has failed' : `is ${down.active}`}${down.result && down.result !== 'success' ? ` (${down.result})` : ''}${down.since ? ` since ${down.since}` : ''}: nothing serves ${intent.protocol}/${intent.port}`,
        evidence: { resource: down.name, rule: down },
      };
      lhop.detail = `${lhop.detail} — ${down.name} ${down.active === 'failed' ? 'has failed' : `is ${down.active}`}`;
      fwd.hops.push(shop);
      fwd.findings.push(
        findingFrom(intent, shop, 'SERVICE_DOWN', {
          key: down.name,
          title: `${down.name} ${down.active === 'failed' ? 'has failed' : `is ${down.active}`}: nothing serves ${intent.protocol}/${intent.port}`,
          remedies: [`guest-restart-service:${down.name}`],
        }),
      );
    } else {
      if (l.code && lhop.state !== 'OK') {
        const cfg =
          l.code === 'SERVICE_LOOPBACK_ONLY' ? [`guest-show-bind:${intent.protocol}:${intent.port}`] : [];
        fwd.findings.push(
          findingFrom(intent, lhop, l.code, { key: `${proto}/${intent.port}`, remedies: cfg }),
        );
      }
      if (l.status === 'listening') {
        const p = l.processes[0];
        fwd.hops.push(
          ok(
            'service',
            'forward',
            'guest',
            p ? `${p.name} (pid ${p.pid}) is running and holds the socket` : 'a process holds the socket',
            { processes: l.processes },
          ),
        );
      } else {
        fwd.hops.push(notChecked('service', 'forward', 'guest', 'no listener: no service to check'));
      }
    }
  }
  add(fw.reply, ret);
  add(routeBack(intent, ctx, clientOf(intent)), ret);
  return { forward: fwd, ret };
}

/** Outbound: firewall out → route out → NIC; return: firewall in. */
export function guestOutbound(
  intent: Intent,
  ctx: GuestCtx,
  dst: string,
): { forward: Segment; ret: Segment } {
  const fwd: Segment = { hops: [], findings: [] };
  const ret: Segment = { hops: [], findings: [] };
  const fw = firewallSegment(intent, ctx, false);
  fwd.hops.push(...fw.forward.hops);
  fwd.findings.push(...fw.forward.findings);
  const routes = ctx.guest.routes.value;
  if (!routes) fwd.hops.push(notChecked('guest-route', 'forward', 'guest', 'routes could not be read'));
  else {
    const r = lookupRoute(
      {
        routes,
        rules: ctx.guest.policyRules.value,
        interfaces: ctx.guest.interfaces.value,
        sysctls: ctx.guest.sysctls.value,
      },
      { dst, iif: 'lo' },
    );
    const hop = hopFrom('guest-route', 'forward', 'guest', routeHop(r));
    fwd.hops.push(hop);
    if (r.code && hop.state !== 'OK')
      fwd.findings.push(
        findingFrom(intent, hop, r.code, {
          key: r.code === 'GUEST_NIC_DOWN' ? r.dev : 'default',
          remedies:
            r.code === 'GUEST_DEFAULT_ROUTE_MISSING' && ctx.gateway
              ? [`guest-default-route:${ctx.gateway}:${ctx.iface}`]
              : [],
        }),
      );
  }
  const nic = nicHop(intent, ctx, 'forward');
  fwd.hops.push(...nic.hops);
  fwd.findings.push(...nic.findings);
  ret.hops.push(...fw.reply.hops);
  ret.findings.push(...fw.reply.findings);
  return { forward: fwd, ret };
}

/** Every guest hop NOT_CHECKED, with why (no transport, or the instance is not running). */
export function guestUnseen(inbound: boolean, why: string): { forward: Segment; ret: Segment } {
  const f = inbound
    ? (['guest-nic', 'guest-firewall-in', 'tcp-wrappers', 'listener', 'service'] as const)
    : (['guest-firewall-out', 'guest-route', 'guest-nic'] as const);
  const r = inbound ? (['guest-firewall-out', 'guest-route'] as const) : (['guest-firewall-in'] as const);
  return {
    forward: { hops: f.map((h) => notChecked(h, 'forward', 'guest', why)), findings: [] },
    ret: { hops: r.map((h) => notChecked(h, 'return', 'guest', why)), findings: [] },
  };
}

export { isLoopback };
