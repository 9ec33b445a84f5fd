/** Drill-downs into guest facts: a firewall rule, a socket and its process, a service, a guest route. */
import type { GuestService } from '../../model/index.js';
import { Lines } from './drill-rows.js';
import { hostPort, isoLocal } from './format.js';
import { guestRouteKey } from './routes.js';
import { socketKey } from './sockets.js';
import type { DrillView, ViewContext } from './types.js';

/** Lines of a raw tool output that mention every needle (for evidence next to a parsed fact). */
function rawLines(raw: string | undefined, needles: string[]): string[] {
  if (!raw) return [];
  return raw.split('\n').filter((line) => needles.every((n) => line.includes(n)));
}

export function iptRuleView(
  target: { family: 4 | 6; table: string; chain: string; index: number },
  ctx: ViewContext,
): DrillView | undefined {
  const fw = ctx.snapshot?.guest?.firewall;
  const rs = target.family === 4 ? fw?.value?.ipv4 : fw?.value?.ipv6;
  const chain = rs?.tables[target.table]?.chains[target.chain];
  const r = chain?.rules.find((x) => x.index === target.index);
  if (!rs || !chain || !r) return undefined;
  const l = new Lines().heading(
    `${fw?.value?.backend} · IPv${rs.family} · ${target.table}/${target.chain} (policy ${chain.policy ?? '-'})`,
  );
  l.kv('position', `${r.index} / ${chain.rules.length}`)
    .kv('target', r.target ?? '(none: counts only)', /DROP|REJECT/.test(r.target ?? '') ? 'bad' : undefined)
    .kv('counters', r.counters ? `${r.counters.packets} packets, ${r.counters.bytes} bytes` : undefined)
    .kv('not understood', r.unparsed?.join(' '), 'warn');
  l.blank()
    .heading(ctx.tr.t('drill.rawLines'))
    .raw([`iptables-save:${r.line}: ${r.raw}`]);
  return { title: `${target.chain} #${r.index}`, crumb: `${target.chain} #${r.index}`, rows: l.rows };
}

export function socketView(key: string, ctx: ViewContext): DrillView | undefined {
  const g = ctx.snapshot?.guest;
  const s = g?.sockets.value?.find((x) => socketKey(x) === key);
  if (!g || !s) return undefined;
  const t = ctx.tr.t;
  const local = hostPort(s.local.address, s.local.port);
  const peer = hostPort(s.peer.address, s.peer.port);
  const l = new Lines().heading(`${s.proto} ${s.state}`);
  l.kv('local', local + (s.local.iface ? `%${s.local.iface}` : ''))
    .kv('peer', peer)
    .kv(
      'family',
      `IPv${s.family}${s.v6only === undefined ? '' : s.v6only ? ' (v6only)' : ' (also serves IPv4)'}`,
    )
    .kv('recv-q / send-q', `${s.recvQ ?? '?'} / ${s.sendQ ?? '?'}`);
  if (s.processes.length) {
    l.blank().heading(t('drill.process'));
    for (const p of s.processes)
      l.text(`${p.name} pid ${p.pid}${p.fd === undefined ? '' : ` fd ${p.fd}`}`, undefined, {
        kind: 'process',
        pid: p.pid,
      });
  }
  const svc = serviceOf(
    s.processes.map((p) => p.pid),
    s.processes[0]?.name,
    g.services.value ?? [],
  );
  if (svc)
    l.blank()
      .heading(t('drill.service'))
      .text(`${svc.name}: ${svc.active}/${svc.sub ?? ''}`, undefined, { kind: 'service', name: svc.name });
  const lines = rawLines(g.sockets.raw, [`:${s.local.port}`, s.state]);
  const exact = lines.filter((x) => x.includes(s.peer.port ? `:${s.peer.port}` : ':*'));
  if (exact.length || lines.length)
    l.blank()
      .heading(t('drill.rawLines'))
      .raw(exact.length ? exact : lines.slice(0, 5));
  return { title: `${local} → ${peer}`, crumb: `${s.proto} ${local}`, rows: l.rows };
}

function serviceOf(
  pids: number[],
  name: string | undefined,
  services: GuestService[],
): GuestService | undefined {
  return (
    services.find((x) => x.mainPid !== undefined && pids.includes(x.mainPid)) ??
    services.find((x) => name !== undefined && (x.name === name || x.binary?.endsWith(`/${name}`)))
  );
}

export function processView(pid: number, ctx: ViewContext): DrillView | undefined {
  const g = ctx.snapshot?.guest;
  if (!g) return undefined;
  const socks = (g.sockets.value ?? []).filter((s) => s.processes.some((p) => p.pid === pid));
  const name = socks[0]?.processes.find((p) => p.pid === pid)?.name;
  const svc = serviceOf([pid], name, g.services.value ?? []);
  if (!socks.length && !svc) return undefined;
  const t = ctx.tr.t;
  const l = new Lines().heading(`${name ?? svc?.name ?? '?'} (pid ${pid})`);
  if (svc)
    l.text(`${t('drill.service')}: ${svc.name} ${svc.active}/${svc.sub ?? ''}`, undefined, {
      kind: 'service',
      name: svc.name,
    });
  l.blank().heading(`${t('panel.sockets')} (${socks.length})`);
  for (const s of socks.slice(0, 200))
    l.text(
      `${s.proto} ${s.state} ${hostPort(s.local.address, s.local.port)} → ${hostPort(s.peer.address, s.peer.port)}`,
      undefined,
      {
        kind: 'socket',
        key: socketKey(s),
      },
    );
  return { title: `pid ${pid}`, crumb: `${name ?? ''} ${pid}`.trim(), rows: l.rows };
}

export function serviceView(name: string, ctx: ViewContext): DrillView | undefined {
  const g = ctx.snapshot?.guest;
  const all = [...(g?.services.value ?? []), ...(g?.networkServices.value ?? [])];
  const s = all.find((x) => x.name === name);
  if (!g || !s) return undefined;
  const bad = s.active === 'failed' || s.active === 'inactive';
  const l = new Lines().heading(`${s.unit ?? s.name}${s.description ? ` — ${s.description}` : ''}`);
  l.kv('active', `${s.active}${s.sub ? ` (${s.sub})` : ''}`, bad ? 'bad' : 'ok')
    .kv('result', s.result, s.result && s.result !== 'success' ? 'bad' : undefined)
    .kv('main pid', s.mainPid === undefined ? undefined : String(s.mainPid))
    .kv('exit status', s.execMainStatus === undefined ? undefined : String(s.execMainStatus))
    .kv('since', isoLocal(s.since))
    .kv('binary', s.binary)
    .kv(
      'libwrap',
      s.libwrap === undefined
        ? undefined
        : s.libwrap
          ? 'yes: hosts.allow/deny apply'
          : 'no: hosts.allow/deny do not apply',
    )
    .kv('read with', s.via);
  const status = statusBlock(g.services.raw, name);
  if (status.length) l.blank().heading(ctx.tr.t('drill.rawLines')).raw(status);
  const klog = (g.kernelLog.value ?? []).filter(
    (k) => k.text.includes(`(${name})`) || k.text.includes(` ${name} `),
  );
  if (klog.length)
    l.blank()
      .heading('kernel log')
      .raw(klog.map((k) => `[${k.time ?? ''}] ${k.text}`));
  return { title: s.name, crumb: s.name, rows: l.rows };
}

/** The `systemctl status` block of one unit inside a raw output holding several (blocks start at column 0). */
function statusBlock(raw: string | undefined, name: string): string[] {
  if (!raw) return [];
  const lines = raw.split('\n');
  const start = lines.findIndex((l) => /^\S/.test(l) && l.includes(` ${name}.service`));
  if (start < 0) return [];
  let end = start + 1;
  while (end < lines.length && !/^\S/.test(lines[end])) end++;
  return lines.slice(start, end);
}

export function guestRouteView(key: string, ctx: ViewContext): DrillView | undefined {
  const g = ctx.snapshot?.guest;
  const r = g?.routes.value?.find((x) => guestRouteKey(x) === key);
  if (!g || !r) return undefined;
  const l = new Lines().heading(`table ${r.table}`).object(r);
  const lines = rawLines(g.routes.raw, [r.dst]);
  if (lines.length) l.blank().heading(ctx.tr.t('drill.rawLines')).raw(lines);
  return { title: r.dst, crumb: r.dst, rows: l.rows };
}
