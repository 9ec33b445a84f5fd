/**
 * Guest-side plans: the exact shell command, what the dead-man switch saves first, and the undo. Network changes
 * (firewall, links, routes, the network service) are lock-out capable: typed confirmation, dead-man switch.
 */
import type { IptRule, Plan, PlanStep } from '../../model/index.js';
import { type PlanContext, PlanError, shq, targetsOf } from './context.js';

const DEADMAN_S = 60;

function plan(ctx: PlanContext, id: string, title: string, summary: string, steps: PlanStep[]): Plan {
  const risk = steps.some((s) => s.risk === 'high')
    ? 'high'
    : steps.some((s) => s.risk === 'medium')
      ? 'medium'
      : 'low';
  return { id, title, summary, risk, ...targetsOf(ctx, id), steps };
}

/** `guest-restart-service:<name>` — a dead service restarted (its sockets come back). */
export function restartServicePlan(ctx: PlanContext, id: string, name: string): Plan {
  const svc = [
    ...(ctx.snapshot.guest?.services.value ?? []),
    ...(ctx.snapshot.guest?.networkServices.value ?? []),
  ].find((s) => s.name === name);
  const network = /^(NetworkManager|systemd-networkd|network|networking)$/.test(name);
  const why = svc
    ? `${name} is ${svc.active}${svc.result && svc.result !== 'success' ? ` (${svc.result})` : ''}`
    : `${name} is not running`;
  return plan(
    ctx,
    id,
    `Restart ${name}`,
    `${why}; restarting it brings back what it serves.${svc?.result === 'oom-kill' ? ' It was killed for memory: watch its memory after the restart.' : ''}`,
    [
      {
        id: 'restart',
        title: `systemctl restart ${name}`,
        kind: 'guest',
        command: `systemctl restart ${shq(name)} || service ${shq(name)} restart`,
        risk: network ? 'high' : 'low',
        lockout: network,
        ...(network ? { deadmanSeconds: DEADMAN_S, saves: ['links', 'routes'] as const } : {}),
      } as PlanStep,
    ],
  );
}

function ruleSpec(r: IptRule): string {
  return r.raw
    .replace(/^\[\d+:\d+\]\s*/, '')
    .replace(/^-A\s+\S+\s*/, '')
    .trim();
}

function findIptRule(ctx: PlanContext, table: string, chain: string, index: number): IptRule | undefined {
  const fw = ctx.snapshot.guest?.firewall.value;
  for (const rs of [fw?.ipv4, fw?.ipv6]) {
    const r = rs?.tables[table]?.chains[chain]?.rules.find((x) => x.index === index);
    if (r) return r;
  }
  return undefined;
}

/** `guest-fw-delete:<table>:<chain>:<index>` — delete the iptables rule that drops the flow, under the dead-man switch. */
export function iptablesDeletePlan(
  ctx: PlanContext,
  id: string,
  table: string,
  chain: string,
  index: number,
): Plan {
  const r = findIptRule(ctx, table, chain, index);
  if (!r)
    throw new PlanError(
      `rule ${index} of ${table}/${chain} is not in the collected firewall any more (refresh)`,
    );
  const spec = ruleSpec(r);
  const rules = ctx.snapshot.guest?.firewall.value?.ipv4?.tables[table]?.chains[chain]?.rules ?? [];
  const before = rules.map((x) => `${x.index}: -A ${chain} ${ruleSpec(x)}`);
  const after = rules.filter((x) => x.index !== index).map((x, i) => `${i + 1}: -A ${chain} ${ruleSpec(x)}`);
  return plan(
    ctx,
    id,
    `Delete firewall rule ${index} of ${chain} (${r.target ?? 'rule'})`,
    `Line ${r.line} of iptables-save (${spec}) decides the flow. Deleting it runs under a dead-man switch: if netdoctor cannot reconnect within ${DEADMAN_S} s, the guest restores the previous rules by itself.`,
    [
      {
        id: 'delete-rule',
        title: `iptables -t ${table} -D ${chain} ${spec}`,
        kind: 'guest',
        command: `iptables -t ${table} -D ${chain} ${spec}`,
        diff: { before, after },
        risk: 'medium',
        lockout: true,
        deadmanSeconds: DEADMAN_S,
        saves: ['iptables'],
        undo: {
          title: `Put the rule back at position ${index}`,
          command: `iptables -t ${table} -I ${chain} ${index} ${spec}`,
        },
      },
    ],
  );
}

/** `guest-nft-delete:<family>:<table>:<chain>:<handle>`. */
export function nftDeletePlan(
  ctx: PlanContext,
  id: string,
  family: string,
  table: string,
  chain: string,
  handle: number,
): Plan {
  return plan(
    ctx,
    id,
    `Delete nftables rule handle ${handle} in ${family} ${table} ${chain}`,
    `That rule decides the flow. The whole ruleset is saved first and restored by the guest if netdoctor cannot reconnect within ${DEADMAN_S} s.`,
    [
      {
        id: 'delete-nft-rule',
        title: `nft delete rule ${family} ${table} ${chain} handle ${handle}`,
        kind: 'guest',
        command: `nft delete rule ${family} ${table} ${chain} handle ${handle}`,
        risk: 'medium',
        lockout: true,
        deadmanSeconds: DEADMAN_S,
        saves: ['nft'],
      },
    ],
  );
}

/** `guest-link-up:<iface>`. */
export function linkUpPlan(ctx: PlanContext, id: string, iface: string): Plan {
  return plan(
    ctx,
    id,
    `Bring ${iface} up`,
    `${iface} is down. Bringing it up runs under a dead-man switch (the seed runbook bounces NICs over SSH; this one undoes itself if it cuts you off).`,
    [
      {
        id: 'link-up',
        title: `ip link set dev ${iface} up`,
        kind: 'guest',
        command: `ip link set dev ${shq(iface)} up`,
        risk: 'medium',
        lockout: true,
        deadmanSeconds: DEADMAN_S,
        saves: ['links', 'routes'],
      },
    ],
  );
}

/** `guest-default-route:<gw>:<dev>`. */
export function defaultRoutePlan(ctx: PlanContext, id: string, gw: string, dev: string): Plan {
  return plan(
    ctx,
    id,
    `Restore the default route via ${gw} dev ${dev}`,
    `Without a default route replies to clients outside the vSwitch and all outbound traffic have nowhere to go. ${gw} is the vSwitch gateway.`,
    [
      {
        id: 'route-add',
        title: `ip route add default via ${gw} dev ${dev}`,
        kind: 'guest',
        command: `ip route add default via ${gw} dev ${shq(dev)}`,
        diff: {
          before: (ctx.snapshot.guest?.routes.value ?? [])
            .filter((r) => r.family === 4 && r.table === 'main')
            .map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`),
          after: [`default via ${gw} dev ${dev}`],
        },
        risk: 'medium',
        lockout: true,
        deadmanSeconds: DEADMAN_S,
        saves: ['routes'],
        undo: {
          title: 'Remove the added default route',
          command: `ip route del default via ${gw} dev ${shq(dev)}`,
        },
      },
    ],
  );
}

/** `guest-resolv-conf` — Alibaba Cloud's VPC resolvers, keeping search/options. */
export function resolvConfPlan(ctx: PlanContext, id: string): Plan {
  const r = ctx.snapshot.guest?.resolv.value;
  const keep = [
    ...(r?.search.length ? [`search ${r.search.join(' ')}`] : []),
    ...(r?.options.length ? [`options ${r.options.join(' ')}`] : []),
  ];
  const content = ['nameserver 100.100.2.136', 'nameserver 100.100.2.138', ...keep];
  const before = [...(r?.nameservers ?? []).map((n) => `nameserver ${n}`), ...keep];
  return plan(
    ctx,
    id,
    'Point /etc/resolv.conf at the VPC resolvers',
    'Alibaba Cloud VPC resolvers 100.100.2.136 and .138 answer every instance without internet access. The old file is saved and restored by the guest if something goes wrong.',
    [
      {
        id: 'write-resolv',
        title: 'rewrite /etc/resolv.conf',
        kind: 'guest',
        command: `cat > /etc/resolv.conf <<'EOF'\n${content.join('\n')}\nEOF`,
        diff: { before, after: content },
        risk: 'medium',
        lockout: false,
        deadmanSeconds: DEADMAN_S,
        saves: ['file:/etc/resolv.conf'],
      },
    ],
  );
}

/** `guest-restart-network` — the address is missing: restart whatever manages the NIC. */
export function restartNetworkPlan(ctx: PlanContext, id: string): Plan {
  return plan(
    ctx,
    id,
    'Restart the network service',
    'The instance address is missing from its interface; restarting the network service re-runs DHCP/static configuration. Interfaces and routes are saved and restored by the guest if netdoctor cannot reconnect.',
    [
      {
        id: 'restart-network',
        title: 'restart NetworkManager / systemd-networkd / network',
        kind: 'guest',
        command:
          'systemctl restart NetworkManager || systemctl restart systemd-networkd || service network restart || systemctl restart networking',
        risk: 'high',
        lockout: true,
        deadmanSeconds: DEADMAN_S,
        saves: ['links', 'routes'],
      },
    ],
  );
}

/** `guest-hosts-deny-remove:<file>:<line>` — comment the line out (reversible). */
export function hostsDenyPlan(ctx: PlanContext, id: string, file: string, line: number): Plan {
  const path = `/etc/${file}`;
  const tw = ctx.snapshot.guest?.tcpWrappers.value;
  const rule = [...(tw?.deny ?? []), ...(tw?.allow ?? [])].find((r) => r.file === file && r.line === line);
  return plan(
    ctx,
    id,
    `Comment out line ${line} of ${path}`,
    `${rule ? `"${rule.raw}"` : `Line ${line}`} refuses the client before the daemon answers.`,
    [
      {
        id: 'comment-line',
        title: `sed -i '${line}s/^/#/' ${path}`,
        kind: 'guest',
        command: `sed -i '${line}s/^/#/' ${path}`,
        diff: { before: rule ? [rule.raw] : [], after: rule ? [`#${rule.raw}`] : [] },
        risk: 'low',
        lockout: false,
        undo: { title: 'Restore the line', command: `sed -i '${line}s/^#//' ${path}` },
      },
    ],
  );
}

/** `guest-hosts-allow:<daemon>:<cidr>` — let exactly this client in, before hosts.deny is read. */
export function hostsAllowPlan(ctx: PlanContext, id: string, daemon: string, cidr: string): Plan {
  const client = cidr.replace(/\/(32|128)$/, '');
  const line = `${daemon}: ${client}`;
  return plan(
    ctx,
    id,
    `Allow ${client} for ${daemon} in /etc/hosts.allow`,
    `hosts.allow is read before hosts.deny: one line for exactly this client lets it in and keeps the deny rule for everyone else. Remove the line by hand when it is no longer needed.`,
    [
      {
        id: 'append-allow',
        title: `echo '${line}' >> /etc/hosts.allow`,
        kind: 'guest',
        command: `echo ${shq(line)} >> /etc/hosts.allow`,
        diff: {
          before: (ctx.snapshot.guest?.tcpWrappers.value?.allow ?? []).map((r) => r.raw),
          after: [...(ctx.snapshot.guest?.tcpWrappers.value?.allow ?? []).map((r) => r.raw), line],
        },
        risk: 'low',
        lockout: false,
      },
    ],
  );
}

/** `guest-conntrack-max` — double the table. */
export function conntrackPlan(ctx: PlanContext, id: string): Plan {
  const ct = ctx.snapshot.guest?.conntrack.value;
  const max = ct?.max ?? 65536;
  const next = Math.max(262144, max * 2);
  return plan(
    ctx,
    id,
    `Raise nf_conntrack_max from ${max} to ${next}`,
    'A full connection-tracking table drops new connections. Doubling it costs ~300 bytes of kernel memory per entry; make it permanent in /etc/sysctl.d/ once confirmed.',
    [
      {
        id: 'sysctl',
        title: `sysctl -w net.netfilter.nf_conntrack_max=${next}`,
        kind: 'guest',
        command: `sysctl -w net.netfilter.nf_conntrack_max=${next}`,
        risk: 'low',
        lockout: false,
        undo: { title: `Back to ${max}`, command: `sysctl -w net.netfilter.nf_conntrack_max=${max}` },
      },
    ],
  );
}

/** `guest-port-range` — widen the ephemeral range and reuse TIME-WAIT for outgoing connections. */
export function portRangePlan(ctx: PlanContext, id: string): Plan {
  const old = ctx.snapshot.guest?.sysctls.value?.['net.ipv4.ip_local_port_range'] ?? '32768 60999';
  const reuse = ctx.snapshot.guest?.sysctls.value?.['net.ipv4.tcp_tw_reuse'] ?? '2';
  return plan(
    ctx,
    id,
    'Widen the local port range',
    `ip_local_port_range is ${old}: outgoing connections to one destination run out of ports. 1024–65000 and tcp_tw_reuse=1 give ~2x headroom; the lasting fix is connection pooling in the application.`,
    [
      {
        id: 'sysctl',
        title: 'sysctl -w net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1',
        kind: 'guest',
        command: `sysctl -w 'net.ipv4.ip_local_port_range=1024 65000' && sysctl -w net.ipv4.tcp_tw_reuse=1`,
        risk: 'low',
        lockout: false,
        undo: {
          title: 'Back to the previous values',
          command: `sysctl -w ${shq(`net.ipv4.ip_local_port_range=${old}`)} && sysctl -w net.ipv4.tcp_tw_reuse=${reuse}`,
        },
      },
    ],
  );
}

/** `guest-show-bind:<proto>:<port>` — a loopback-only listener: show where it is configured, never edit it. */
export function showBindPlan(ctx: PlanContext, id: string, proto: string, port: number): Plan {
  const sock = ctx.snapshot.guest?.sockets.value?.find((s) =>
    s.state === 'LISTEN' || s.state === 'UNCONN' ? s.proto === proto && s.local.port === port : false,
  );
  const proc = sock?.processes[0];
  const addr = sock ? `${sock.local.address}:${port}` : `127.0.0.1:${port}`;
  return plan(
    ctx,
    id,
    `Make ${proc?.name ?? 'the service'} listen on the instance address, not ${addr}`,
    `${proc?.name ?? 'The service'} (pid ${proc?.pid ?? '?'}) listens on ${addr}: only the machine itself can reach it. The bind address is in its configuration; netdoctor shows the line and leaves the edit to you.`,
    [
      {
        id: 'config',
        title: `Change the bind address of ${proc?.name ?? 'the service'} and restart it`,
        kind: 'manual',
        risk: 'medium',
        lockout: false,
        instructions: [
          `Find the line that binds ${addr} (below) and change it to 0.0.0.0:${port} (or the instance's private address).`,
          `Then restart it: systemctl restart ${proc?.name ?? 'SERVICE'}, and run netdoctor again.`,
        ],
        lookup: `grep -rnE '(127\\.0\\.0\\.1|localhost)[:" ]+${port}\\b|(listen|bind|bind-address|host)[ =:"]+(127\\.0\\.0\\.1|localhost)' /etc${proc ? ` /proc/${proc.pid}/cmdline` : ''} 2>/dev/null`,
      },
    ],
  );
}
