/**
 * CloudMonitor 2019-01-01 DescribeMetricList / DescribeMetricLast for namespace `acs_ecs_dashboard`. Series are
 * generated from each instance's MetricSpec and the clock, deterministically: the same (instance, metric,
 * timestamp) always gives the same value, so repeated calls and overlapping windows agree.
 * Quirks kept: `Datapoints` is a JSON string, `Code` the string "200", `Period` a string (reference §0.7).
 */
import { createHash } from 'node:crypto';
import type { MetricSpec, World, WorldInstance } from '../world.js';
import type { Handler } from './context.js';
import { ApiError } from './errors.js';
import { decodeToken, encodeToken } from './paging.js';
import { type Params, parseApiTime } from './params.js';
import { publicIpOf } from './world-ops.js';

export const NAMESPACE = 'acs_ecs_dashboard';
const PERIODS = [15, 60, 300, 900, 3600];
const MAX_WINDOW_MS = 31 * 86_400_000;

/** Deterministic noise in [-1, 1] for (seed, t). */
function noise(seed: string, t: number): number {
  const h = createHash('sha1').update(`${seed}:${t}`).digest();
  return (h.readUInt32BE(0) / 0xffffffff) * 2 - 1;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The series value at time `t` (epoch ms): base, the last step reached, plus jitter. */
export function metricValue(spec: MetricSpec, seed: string, t: number, epoch: number) {
  let v = spec.base;
  for (const s of [...(spec.steps ?? [])].sort((a, b) => a.at - b.at)) if (t >= epoch + s.at) v = s.value;
  const j = Math.abs(spec.jitter ?? 0);
  const pct = spec.unit === '%';
  const clamp = (x: number) => Math.max(0, pct ? Math.min(100, x) : x);
  const avg = clamp(v + j * noise(seed, t));
  const max = clamp(avg + j * 0.5 * Math.abs(noise(`${seed}/max`, t)));
  const min = clamp(avg - j * 0.5 * Math.abs(noise(`${seed}/min`, t)));
  return { Average: round2(avg), Maximum: round2(max), Minimum: round2(min) };
}

interface Series {
  inst: WorldInstance;
  key: string;
  spec: MetricSpec;
  dims: Record<string, string>;
}

function parseDimensions(p: Params): Record<string, string>[] {
  const raw = p.str('Dimensions');
  if (!raw) return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ApiError(
      'ParameterInvalid',
      400,
      'Dimensions must be a JSON string such as [{"instanceId":"i-xxx"}].',
    );
  }
  const list = Array.isArray(v) ? v : [v];
  if (list.length > 50) throw new ApiError('ParameterInvalid', 400, 'At most 50 dimension sets per call.');
  return list.map((o) =>
    Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, x]) => [k, String(x)])),
  );
}

function seriesFor(world: World, metric: string, wanted: Record<string, string>[]): Series[] {
  const out: Series[] = [];
  for (const inst of world.instances) {
    for (const [key, spec] of Object.entries(inst.metrics ?? {})) {
      if (key.split('#')[0] !== metric) continue;
      const dims: Record<string, string> = { ...(spec.dims ?? {}) };
      if (/^VPC_PublicIP_/.test(metric)) {
        // Public-IP metrics are keyed by the address: none while the instance has no public address.
        const ip = publicIpOf(world, inst);
        if (!ip) continue;
        dims.ip = ip;
      }
      const all: Record<string, string> = { instanceId: inst.id, ...dims };
      const hit =
        wanted.length === 0 || wanted.some((w) => Object.entries(w).every(([k, v]) => all[k] === v));
      if (hit) out.push({ inst, key, spec, dims });
    }
  }
  return out;
}

function window(p: Params, now: number, period: number) {
  const end = parseApiTime('EndTime', p.str('EndTime')) ?? now;
  const start = parseApiTime('StartTime', p.str('StartTime')) ?? end - 3600_000;
  if (start >= end) throw new ApiError('ParameterInvalid', 400, 'StartTime must be earlier than EndTime.');
  if (end - start > MAX_WINDOW_MS)
    throw new ApiError('ParameterInvalid', 400, 'The time window must not exceed 31 days.');
  // Left-open, right-closed, on period boundaries; never past the clock (no data from the future).
  const step = period * 1000;
  const last = Math.floor(Math.min(end, now) / step) * step;
  const first = Math.floor(start / step) * step + step;
  return { first, last, step };
}

function common(ctx: { world: World }, p: Params) {
  p.req('Namespace');
  p.req('MetricName');
  const period = Number(p.str('Period') ?? '60');
  if (!PERIODS.includes(period))
    throw new ApiError('ParameterInvalid', 400, `Period must be one of ${PERIODS.join(', ')} seconds.`);
  const series =
    p.str('Namespace') === NAMESPACE ? seriesFor(ctx.world, p.req('MetricName'), parseDimensions(p)) : [];
  return { period, series };
}

function point(world: World, s: Series, t: number) {
  return {
    timestamp: t,
    userId: world.account.id,
    instanceId: s.inst.id,
    ...s.dims,
    ...metricValue(s.spec, `${s.inst.id}/${s.key}`, t, world.epoch ?? 0),
  };
}

function body(period: number, points: unknown[], p: Params) {
  const length = p.int('Length', { def: 1000, min: 1, max: 1440 })!;
  const offset = p.has('NextToken') ? decodeToken('NextToken', p.req('NextToken')) : 0;
  const out: Record<string, unknown> = {
    Code: '200',
    Success: true,
    Message: '',
    Period: String(period),
    Datapoints: JSON.stringify(points.slice(offset, offset + length)),
  };
  if (offset + length < points.length) out.NextToken = encodeToken(offset + length);
  return out;
}

const DescribeMetricList: Handler = ({ ctx, params: p }) => {
  const { period, series } = common(ctx, p);
  const { first, last, step } = window(p, ctx.now(), period);
  const points: unknown[] = [];
  for (const s of series) for (let t = first; t <= last; t += step) points.push(point(ctx.world, s, t));
  return body(period, points, p);
};

const DescribeMetricLast: Handler = ({ ctx, params: p }) => {
  const { period, series } = common(ctx, p);
  const step = period * 1000;
  const end = parseApiTime('EndTime', p.str('EndTime')) ?? ctx.now();
  const t = Math.floor(Math.min(end, ctx.now()) / step) * step;
  return body(
    period,
    series.map((s) => point(ctx.world, s, t)),
    p,
  );
};

export const CMS: Record<string, Handler> = { DescribeMetricList, DescribeMetricLast };
