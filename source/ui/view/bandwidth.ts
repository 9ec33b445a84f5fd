/**
 * Bandwidth panel: the 30-minute CloudMonitor window and the live guest counters, each scaled to the public
 * bandwidth cap (btop #1225: an honest scale, not autoscale), with drops, ping loss and failed probes drawn
 * as explicit marks so a flat line never hides loss (gping #114).
 */

import type { HistorySample } from '../../engine/session.js';
import type { MetricSeries, NetDevCounters } from '../../model/index.js';
import { bps, count } from './format.js';
import type { ChartBlock, PanelModel, Row, Span, ViewContext } from './types.js';

/** Public bandwidth cap in bits/s: the EIP's, else the instance's own public bandwidth; undefined when none. */
export function bandwidthCap(ctx: ViewContext): number | undefined {
  const inst = ctx.snapshot?.cloud?.instance.value;
  if (!inst) return undefined;
  const mbps = inst.eip?.bandwidth ?? (inst.publicIps.length ? inst.internetMaxBandwidthOut : undefined);
  return mbps ? mbps * 1e6 : undefined;
}

function metric(
  series: MetricSeries[],
  names: string[],
  dims?: Record<string, string>,
): MetricSeries | undefined {
  for (const n of names) {
    const m = series.find(
      (s) =>
        s.name === n &&
        (!dims || Object.entries(dims).every(([k, v]) => s.dims?.[k] === undefined || s.dims[k] === v)),
    );
    if (m) return m;
  }
  return undefined;
}

/** Per-interval rates from cumulative counters: bits/s for bytes, per-second for drops. */
export function counterRates(
  history: readonly HistorySample[],
  iface: string,
): { times: number[]; tx: number[]; rx: number[]; drops: number[] } {
  const out = { times: [] as number[], tx: [] as number[], rx: [] as number[], drops: [] as number[] };
  let prev: { at: number; c: NetDevCounters } | undefined;
  for (const h of history) {
    const c = h.netdev?.find((n) => n.iface === iface);
    if (!c) continue;
    if (prev && h.at > prev.at) {
      const dt = (h.at - prev.at) / 1000;
      // A counter that went backwards (reboot, NIC reset) restarts the series instead of plotting a negative rate.
      if (c.txBytes >= prev.c.txBytes && c.rxBytes >= prev.c.rxBytes) {
        out.times.push(h.at);
        out.tx.push(((c.txBytes - prev.c.txBytes) * 8) / dt);
        out.rx.push(((c.rxBytes - prev.c.rxBytes) * 8) / dt);
        out.drops.push(Math.max(0, c.rxDrop + c.txDrop - prev.c.rxDrop - prev.c.txDrop) / dt);
      }
    }
    prev = { at: h.at, c };
  }
  return out;
}

function peak(values: (number | undefined)[]): number {
  let m = 0;
  for (const v of values) if (v !== undefined && v > m) m = v;
  return m;
}

function rateSummary(values: (number | undefined)[], cap: number | undefined, tr: ViewContext['tr']): Span[] {
  const last = values[values.length - 1];
  const p = peak(values);
  const out: Span[] = [
    { text: tr.t('bw.now', { v: bps(last) }), tone: 'strong' },
    { text: ` · ${tr.t('bw.peak', { v: bps(p) })}`, tone: 'dim' },
  ];
  if (cap && p > cap) out.push({ text: ` · ✘ ${tr.t('bw.overCap')}`, tone: 'bad' });
  return out;
}

export function buildBandwidth(ctx: ViewContext): PanelModel {
  const { tr } = ctx;
  const t = tr.t;
  const cap = bandwidthCap(ctx);
  const capLabel = cap ? t('bw.cap', { cap: bps(cap) }) : t('bw.noCap');
  const series = ctx.snapshot?.cloud?.metrics.value ?? [];
  const eip = ctx.snapshot?.cloud?.instance.value?.eip?.ip;
  const charts: ChartBlock[] = [];

  const rate = (key: string, title: string, names: string[]) => {
    const m = metric(series, names, eip ? { ip: eip } : undefined);
    const values = m?.points.map((p) => p.avg) ?? [];
    charts.push({
      key,
      title,
      values,
      times: m?.points.map((p) => p.t) ?? [],
      scale: cap ?? Math.max(1, peak(values)),
      scaleLabel: capLabel,
      unit: 'bps',
      summary: values.length ? rateSummary(values, cap, tr) : [{ text: t('bw.noData'), tone: 'dim' }],
      target: { kind: 'series', key },
    });
  };
  rate('cms-out', t('bw.publicOut'), ['VPC_PublicIP_InternetOutRate', 'InternetOutRate']);
  rate('cms-in', t('bw.publicIn'), ['VPC_PublicIP_InternetInRate', 'InternetInRate']);

  const nics = ctx.snapshot?.guest?.netdev.value ?? [];
  const iface =
    nics.find((n) => n.iface === 'eth0')?.iface ?? nics.find((n) => n.iface !== 'lo')?.iface ?? 'eth0';
  const live = counterRates(ctx.history, iface);
  for (const [key, title, values] of [
    ['live-tx', t('bw.liveTx', { iface }), live.tx],
    ['live-rx', t('bw.liveRx', { iface }), live.rx],
  ] as const) {
    charts.push({
      key,
      title,
      values: [...values],
      times: live.times,
      scale: cap ?? Math.max(1, peak([...values])),
      scaleLabel: capLabel,
      unit: 'bps',
      summary: values.length ? rateSummary([...values], cap, tr) : [{ text: t('bw.noData'), tone: 'dim' }],
      target: { kind: 'series', key },
    });
  }

  const conns = metric(series, ['net_tcpconnection'], { state: 'ESTABLISHED' });
  if (conns) {
    const values = conns.points.map((p) => p.avg);
    charts.push({
      key: 'cms-conns',
      title: t('bw.conns'),
      values,
      times: conns.points.map((p) => p.t),
      scale: Math.max(1, peak(values)),
      scaleLabel: `max ${count(peak(values))}`,
      unit: 'count',
      summary: [
        { text: t('bw.now', { v: count(values[values.length - 1]) }), tone: 'strong' },
        { text: ` · ${t('bw.peak', { v: count(peak(values)) })}`, tone: 'dim' },
      ],
      target: { kind: 'series', key: 'cms-conns' },
    });
  }

  // Trouble rows: one mark per sample, so loss is visible even when the rate line looks calm.
  const marks = (key: string, title: string, times: number[], bad: (boolean | undefined)[], now: Span[]) =>
    charts.push({
      key,
      title,
      values: [],
      times,
      marks: bad,
      scale: 1,
      scaleLabel: '',
      unit: 'count',
      marksOnly: true,
      summary: now,
      target: { kind: 'series', key },
    });
  const drops = metric(series, ['packetInDropRates']);
  if (drops) {
    const last = drops.points[drops.points.length - 1]?.avg;
    marks(
      'cms-drops',
      t('bw.cmsDrops'),
      drops.points.map((p) => p.t),
      drops.points.map((p) => p.avg > 0),
      [{ text: `${count(last)}/s`, tone: last ? 'bad' : 'ok' }],
    );
  }
  const lastDrop = live.drops[live.drops.length - 1];
  marks(
    'nic-drops',
    t('bw.nicDrops', { iface }),
    live.times,
    live.drops.map((d) => d > 0),
    live.drops.length
      ? [{ text: `${count(lastDrop)}/s`, tone: lastDrop ? 'bad' : 'ok' }]
      : [{ text: t('bw.noData'), tone: 'dim' }],
  );
  for (const host of new Set(ctx.history.flatMap((h) => h.ping?.map((p) => p.host) ?? []))) {
    const samples = ctx.history.filter((h) => h.ping?.some((p) => p.host === host));
    const loss = samples.map((h) => h.ping?.find((p) => p.host === host)?.lossPct ?? 0);
    const last = loss[loss.length - 1];
    marks(
      `ping:${host}`,
      t('bw.pingLoss', { host }),
      samples.map((h) => h.at),
      loss.map((l) => l > 0),
      [{ text: `${last}%`, tone: last ? 'bad' : 'ok' }],
    );
  }
  const probes = new Map<string, { host: string; port: number }>();
  for (const h of ctx.history) for (const p of h.tcp ?? []) probes.set(`${p.host}:${p.port}`, p);
  for (const [id, p] of probes) {
    const samples = ctx.history.filter((h) => h.tcp?.some((x) => `${x.host}:${x.port}` === id));
    const outcomes = samples.map((h) => h.tcp?.find((x) => `${x.host}:${x.port}` === id)?.outcome);
    const last = outcomes[outcomes.length - 1];
    marks(
      `tcp:${id}`,
      t('bw.tcpProbe', { host: p.host, port: p.port }),
      samples.map((h) => h.at),
      outcomes.map((o) => o !== 'delivered'),
      [{ text: `${last === 'delivered' ? '✔' : '✘'} ${last}`, tone: last === 'delivered' ? 'ok' : 'bad' }],
    );
  }

  const rows: Row[] = charts.map((c) => ({ key: c.key, cells: [c.title], target: c.target }));
  return {
    id: 'bandwidth',
    title: t('bw.title', { cap: cap ? bps(cap) : '—' }),
    sources: ['cloud', 'counters', 'probes'],
    columns: [{ id: 'chart', title: '', width: 0, flex: 1 }],
    rows,
    charts,
  };
}
