/** Pure parser: CloudMonitor (2019-01-01) DescribeMetricList/DescribeMetricLast → metric series. */
import type { MetricPoint, MetricSeries } from '../../model/index.js';
import { num, type Raw, str } from './util.js';

/** Units of the acs_ecs_dashboard metrics netdoctor reads (CloudMonitor bodies carry no unit). */
export const METRIC_UNITS: Record<string, string> = {
  CPUUtilization: '%',
  memory_usedutilization: '%',
  VPC_PublicIP_InternetInRate: 'bit/s',
  VPC_PublicIP_InternetOutRate: 'bit/s',
  InternetInRate: 'bit/s',
  InternetOutRate: 'bit/s',
  IntranetInRate: 'bit/s',
  IntranetOutRate: 'bit/s',
  InternetOutRate_Percent: '%',
  net_tcpconnection: 'count',
  packetInDropRates: 'packets/s',
  packetOutDropRates: 'packets/s',
};

/** Keys of a datapoint that are values or identity, not dimensions that split a series. */
const VALUE_KEYS = new Set([
  'timestamp',
  'Average',
  'Maximum',
  'Minimum',
  'Sum',
  'Value',
  'SampleCount',
  '_count',
]);
const IDENTITY_KEYS = new Set(['userId', 'instanceId']);

/** `Datapoints` is a JSON string in real bodies; accept an already-parsed array too. */
export function datapoints(body: Raw): Raw[] {
  const d = body.Datapoints;
  if (Array.isArray(d)) return d as Raw[];
  if (typeof d === 'string' && d.trim()) {
    const parsed = JSON.parse(d) as unknown;
    return Array.isArray(parsed) ? (parsed as Raw[]) : [];
  }
  return [];
}

/**
 * Groups datapoints into one series per extra dimension (`state` for net_tcpconnection, `ip` for public
 * rates, `device` for agent NIC metrics), points sorted by time.
 */
export function parseMetricList(
  body: Raw,
  metricName: string,
  unit = METRIC_UNITS[metricName] ?? '',
): MetricSeries[] {
  const groups = new Map<string, MetricSeries>();
  for (const p of datapoints(body)) {
    const t = num(p.timestamp);
    const avg = num(p.Average) ?? num(p.Value) ?? num(p.Sum) ?? num(p.Maximum);
    if (t === undefined || avg === undefined) continue;
    const dims: Record<string, string> = {};
    for (const [k, v] of Object.entries(p))
      if (!VALUE_KEYS.has(k) && !IDENTITY_KEYS.has(k) && str(v) !== undefined) dims[k] = String(v);
    const key = JSON.stringify([str(p.instanceId) ?? '', Object.entries(dims).sort()]);
    let s = groups.get(key);
    if (!s) {
      s = { name: metricName, unit, points: [] };
      if (Object.keys(dims).length) s.dims = dims;
      groups.set(key, s);
    }
    const point: MetricPoint = { t, avg };
    const max = num(p.Maximum);
    const min = num(p.Minimum);
    if (max !== undefined) point.max = max;
    if (min !== undefined) point.min = min;
    s.points.push(point);
  }
  const out = [...groups.values()];
  for (const s of out) s.points.sort((a, b) => a.t - b.t);
  return out;
}
