/** Pure parser: ActionTrail (2020-07-06) LookupEvents → audit events. */
import type { AuditEvent } from '../../model/index.js';
import { obj, type Page, page, type Raw, str } from './util.js';

/** Resource ids netdoctor cares about, as they appear inside request parameters. */
const RESOURCE_ID = /^(i|sg|eip|vtb|nacl|vsw|vpc|eni|ngw|stb|rte|nae|sgr)-[0-9a-z]+$/i;

function jsonish(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

function collectIds(v: unknown, into: Set<string>, depth = 0): void {
  if (depth > 4) return;
  if (typeof v === 'string') {
    for (const part of v.split(/[\s,;"[\]]+/)) if (RESOURCE_ID.test(part)) into.add(part);
  } else if (Array.isArray(v)) for (const x of v) collectIds(x, into, depth + 1);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) collectIds(x, into, depth + 1);
}

export function parseEvent(raw: unknown): AuditEvent | undefined {
  const e = obj(jsonish(raw));
  const id = str(e.eventId);
  const time = Date.parse(String(e.eventTime ?? ''));
  if (!id || Number.isNaN(time)) return undefined;
  const who = obj(e.userIdentity);
  const params = obj(jsonish(e.requestParameters));
  const resources = new Set<string>();
  collectIds(jsonish(e.referencedResources), resources);
  collectIds(e.resourceName, resources);
  collectIds(params, resources);
  const ev: AuditEvent = {
    id,
    time,
    name: str(e.eventName) ?? '',
    service: str(e.serviceName) ?? str(e.eventSource) ?? '',
    user: str(who.userName) ?? str(who.principalId) ?? str(who.type) ?? 'unknown',
    resources: [...resources],
    params,
  };
  const set = (k: keyof AuditEvent, v: string | undefined) => {
    if (v !== undefined) (ev as unknown as Raw)[k] = v;
  };
  set('rw', str(e.eventRW));
  set('userType', str(who.type));
  set('sourceIp', str(e.sourceIpAddress));
  set('userAgent', str(e.userAgent));
  set('errorCode', str(e.errorCode));
  return ev;
}

export function parseLookupEvents(body: Raw): Page<AuditEvent> {
  const raw = Array.isArray(body.Events) ? body.Events : [];
  return page(
    body,
    raw.map(parseEvent).filter((x: AuditEvent | undefined): x is AuditEvent => !!x),
  );
}

/** Whether an event touched one of the ids (server-side ResourceName filters match on the same ids). */
export function eventTouches(ev: AuditEvent, ids: ReadonlySet<string>): boolean {
  return ev.resources.some((r) => ids.has(r));
}
