/**
 * CloudMonitor metrics of one instance for the last 30 minutes at 60 s: CPU, memory (agent), public and
 * private in/out rate, TCP connections by state (agent), packet drops. One DescribeMetricList per metric,
 * all in parallel; a metric that fails leaves the others standing.
 */
import type { MetricSeries, SourceError } from '../model/index.js';
import type { CloudClient } from './client.js';
import { toSourceError } from './errors.js';
import { pagesByToken } from './paginate.js';
import { parseMetricList } from './parse/cms.js';
import { page, type Raw } from './parse/util.js';

export const ECS_METRICS = [
  'CPUUtilization',
  'memory_usedutilization',
  'VPC_PublicIP_InternetInRate',
  'VPC_PublicIP_InternetOutRate',
  'IntranetInRate',
  'IntranetOutRate',
  'net_tcpconnection',
  'packetInDropRates',
  'packetOutDropRates',
] as const;

export const METRIC_WINDOW_MS = 30 * 60_000;

export interface MetricsResult {
  series: MetricSeries[];
  /** Metrics that could not be read, with why. */
  errors: { metric: string; error: SourceError }[];
  calls: (number | undefined)[];
}

export async function instanceMetrics(
  client: CloudClient,
  instanceId: string,
  now: number,
  metrics: readonly string[] = ECS_METRICS,
): Promise<MetricsResult> {
  const out: MetricsResult = { series: [], errors: [], calls: [] };
  const start = now - METRIC_WINDOW_MS;
  await Promise.all(
    metrics.map(async (metric) => {
      try {
        const p = await pagesByToken(
          client,
          'cms',
          'DescribeMetricList',
          {
            Namespace: 'acs_ecs_dashboard',
            MetricName: metric,
            Period: '60',
            StartTime: String(start),
            EndTime: String(now),
            Dimensions: JSON.stringify([{ instanceId }]),
          },
          // Keep whole bodies per page; the datapoints are parsed together below.
          (body: Raw) => page(body, [body]),
          { pageSize: 1440, sizeParam: 'Length', maxPages: 5 },
        );
        const points = p.items.flatMap((b) => {
          const d = b.Datapoints;
          if (Array.isArray(d)) return d;
          if (typeof d === 'string' && d.trim()) return JSON.parse(d) as unknown[];
          return [];
        });
        out.series.push(...parseMetricList({ Datapoints: points }, metric));
        out.calls.push(client.latest(p.bodies));
      } catch (e) {
        out.errors.push({ metric, error: toSourceError(e, client.secrets()) });
      }
    }),
  );
  // Stable order: as requested, then by dimension.
  out.series.sort(
    (a, b) =>
      metrics.indexOf(a.name) - metrics.indexOf(b.name) ||
      JSON.stringify(a.dims ?? {}).localeCompare(JSON.stringify(b.dims ?? {})),
  );
  return out;
}
