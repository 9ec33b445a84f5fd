/**
 * ActionTrail 2020-07-06 LookupEvents over the world's audit trail (authored incident events plus every write
 * made through the simulator). Events are objects with camelCase keys, newest first (reference §3).
 */
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../model/index.js';
import type { World } from '../world.js';
import type { Handler } from './context.js';
import { ApiError } from './errors.js';
import { isoSeconds } from './format.js';
import { decodeToken, encodeToken } from './paging.js';
import { parseApiTime } from './params.js';
import { eventSource } from './world-ops.js';

const RESOURCE_TYPES: [RegExp, string][] = [
  [/^i-/, 'ACS::ECS::Instance'],
  [/^sg-/, 'ACS::ECS::SecurityGroup'],
  [/^eni-/, 'ACS::ECS::NetworkInterface'],
  [/^eip-/, 'ACS::VPC::EIP'],
  [/^vtb-/, 'ACS::VPC::RouteTable'],
  [/^rte-/, 'ACS::VPC::RouteEntry'],
  [/^nacl-/, 'ACS::VPC::NetworkAcl'],
  [/^vsw-/, 'ACS::VPC::VSwitch'],
  [/^vpc-/, 'ACS::VPC::VPC'],
  [/^ngw-/, 'ACS::VPC::NatGateway'],
  [/^snat-/, 'ACS::VPC::SnatEntry'],
  [/^stb-/, 'ACS::VPC::SnatTable'],
];

export function resourceType(id: string): string {
  return RESOURCE_TYPES.find(([re]) => re.test(id))?.[1] ?? 'ACS::Unknown';
}

const API_VERSIONS: Record<string, string> = {
  ecs: '2014-05-26',
  vpc: '2016-04-28',
  cms: '2019-01-01',
  actiontrail: '2020-07-06',
};

function digits(seed: string, n: number): string {
  const h = createHash('sha1').update(seed).digest();
  let s = '';
  for (let i = 0; i < n; i++) s += String(h[i % h.length] % 10);
  return s;
}

function accessKeyFor(world: World, ev: AuditEvent): string {
  if (ev.user === world.account.userName) return world.account.accessKeyId;
  return `LTAI5t${createHash('sha1').update(ev.user).digest('base64url').slice(0, 18)}`;
}

export function renderEvent(world: World, ev: AuditEvent): Record<string, unknown> {
  const refs: Record<string, string[]> = {};
  for (const id of ev.resources) (refs[resourceType(id)] ??= []).push(id);
  const type = ev.userType ?? 'ram-user';
  const out: Record<string, unknown> = {
    eventId: ev.id,
    eventVersion: 1,
    eventName: ev.name,
    eventSource: eventSource(ev.service),
    eventTime: isoSeconds(ev.time),
    eventType: 'ApiCall',
    eventRW: ev.rw ?? 'Write',
    serviceName: ev.service,
    apiVersion: API_VERSIONS[ev.service.toLowerCase()] ?? '',
    acsRegion: world.region,
    isGlobal: false,
    requestId: ev.id,
    sourceIpAddress: ev.sourceIp ?? '',
    userAgent: ev.userAgent ?? '',
    requestParameters: { RegionId: world.region, ...ev.params },
    referencedResources: refs,
    additionalEventData: {},
    userIdentity: {
      type,
      accountId: world.account.id,
      principalId: type === 'root-account' ? world.account.id : digits(`principal:${ev.user}`, 16),
      userName: ev.user,
      accessKeyId: accessKeyFor(world, ev),
      sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: isoSeconds(ev.time) } },
    },
  };
  if (ev.errorCode) {
    out.errorCode = ev.errorCode;
    out.errorMessage = `The request failed with ${ev.errorCode}.`;
  }
  return out;
}

const LOOKUP_KEYS = [
  'ServiceName',
  'EventName',
  'User',
  'EventId',
  'ResourceType',
  'ResourceName',
  'EventRW',
  'EventAccessKeyId',
] as const;

function matches(world: World, ev: AuditEvent, key: string, value: string): boolean {
  switch (key) {
    case 'ServiceName':
      return ev.service.toLowerCase() === value.toLowerCase();
    case 'EventName':
      return ev.name === value;
    case 'User':
      return ev.user === value;
    case 'EventId':
      return ev.id === value;
    case 'ResourceType':
      return ev.resources.some((r) => resourceType(r) === value);
    case 'ResourceName':
      return ev.resources.includes(value);
    case 'EventRW':
      return value === 'All' || (ev.rw ?? 'Write') === value;
    case 'EventAccessKeyId':
      return accessKeyFor(world, ev) === value;
    default:
      return false;
  }
}

const LookupEvents: Handler = ({ ctx, params: p }) => {
  const { world } = ctx;
  const now = ctx.now();
  const end = parseApiTime('EndTime', p.str('EndTime')) ?? now;
  const start = parseApiTime('StartTime', p.str('StartTime')) ?? end - 7 * 86_400_000;
  if (start > end)
    throw new ApiError('InvalidParameterCombination', 400, 'StartTime must not be later than EndTime.');
  if (start < now - 90 * 86_400_000)
    throw new ApiError('InvalidParameterStartTime', 400, 'StartTime must be within the last 90 days.');
  const attrs = p.objects('LookupAttribute');
  if (attrs.length > 2)
    throw new ApiError('InvalidQueryParameter', 400, 'At most 2 LookupAttribute conditions are supported.');
  for (const a of attrs)
    if (!a.Key || !(LOOKUP_KEYS as readonly string[]).includes(a.Key))
      throw new ApiError(
        'InvalidQueryParameter',
        400,
        `LookupAttribute Key "${a.Key ?? ''}" is not supported: use one of ${LOOKUP_KEYS.join(', ')}.`,
      );
  const size = p.int('MaxResults', { def: 20, min: 1, max: 50 })!;
  const forward = (p.str('Direction') ?? 'BACKWARD').toUpperCase() === 'FORWARD';
  const list = world.events
    .filter((e) => e.time >= start && e.time <= end)
    .filter((e) => attrs.every((a) => matches(world, e, a.Key!, a.Value ?? '')))
    .sort((a, b) => (forward ? a.time - b.time : b.time - a.time));
  const offset = p.has('NextToken') ? decodeToken('NextToken', p.req('NextToken')) : 0;
  const page = list.slice(offset, offset + size);
  return {
    StartTime: isoSeconds(start),
    EndTime: isoSeconds(end),
    NextToken: offset + size < list.length ? encodeToken(offset + size) : '',
    Events: page.map((e) => renderEvent(world, e)),
  };
};

export const ACTIONTRAIL: Record<string, Handler> = { LookupEvents };
