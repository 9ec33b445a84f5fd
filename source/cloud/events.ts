/**
 * ActionTrail changes of the last 30 days on the instance and the resources in front of it (security groups,
 * EIP, route table, network ACL). LookupEvents is limited to 2 calls/s, so calls are few and paced (the client
 * paces `actiontrail:LookupEvents`):
 *  - at once: one region-wide query for write events, and one for the instance itself;
 *  - when the region-wide page holds every write of the window (no NextToken), the other resources are
 *    answered from it locally, with no further call; otherwise each gets its own query as soon as its id is
 *    known.
 * Reads (including netdoctor's own Describe calls) are not changes and are dropped.
 */
import type { AuditEvent, SourceError } from '../model/index.js';
import type { CloudClient } from './client.js';
import { CloudError, toSourceError } from './errors.js';
import { pagesByToken } from './paginate.js';
import { eventTouches, parseLookupEvents } from './parse/actiontrail.js';

export const EVENT_WINDOW_MS = 30 * 24 * 3600_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Lookup {
  events: AuditEvent[];
  complete: boolean;
  call?: number;
}

export class EventCollector {
  private readonly broad: Promise<Lookup | undefined>;
  private readonly lookups: Promise<void>[] = [];
  private readonly requested = new Set<string>();
  private readonly events = new Map<string, AuditEvent>();
  private readonly ids = new Set<string>();
  private readonly errors: SourceError[] = [];
  private readonly calls: (number | undefined)[] = [];
  private succeeded = 0;
  /** LookupEvents is not permitted: further lookups would fail the same way (slowly, at 2 calls/s). */
  private denied = false;

  constructor(
    private readonly client: CloudClient,
    private readonly now: number,
    private readonly windowMs = EVENT_WINDOW_MS,
  ) {
    this.broad = this.lookup([{ Key: 'EventRW', Value: 'Write' }], 1).catch((e) => {
      const err = toSourceError(e, client.secrets());
      this.errors.push(err);
      this.denied = !!err.ramAction;
      return undefined;
    });
  }

  /** Ask for the events of these resources; `own` queries them at once instead of waiting for the region-wide page. */
  add(ids: (string | undefined)[], own = false): void {
    for (const id of ids) {
      if (!id || this.requested.has(id)) continue;
      this.requested.add(id);
      this.ids.add(id);
      this.lookups.push(this.forResource(id, own));
    }
  }

  private async forResource(id: string, own: boolean): Promise<void> {
    if (!own) {
      const b = await this.broad;
      if (b?.complete) return; // the region-wide page already holds every write of the window
      if (this.denied) return;
    }
    try {
      let r: Lookup;
      try {
        r = await this.lookup(
          [
            { Key: 'ResourceName', Value: id },
            { Key: 'EventRW', Value: 'Write' },
          ],
          4,
        );
      } catch (e) {
        // Not every attribute pair is accepted; the resource alone always is.
        if (!(e instanceof CloudError) || !/^Invalid/.test(e.code)) throw e;
        r = await this.lookup([{ Key: 'ResourceName', Value: id }], 4);
      }
      for (const ev of r.events) if (!ev.resources.includes(id)) ev.resources.push(id);
      this.keep(r.events);
    } catch (e) {
      this.errors.push(toSourceError(e, this.client.secrets()));
    }
  }

  private async lookup(attrs: { Key: string; Value: string }[], maxPages: number): Promise<Lookup> {
    const params: Record<string, unknown> = {
      StartTime: iso(this.now - this.windowMs),
      // The API takes whole seconds; rounding the end up keeps a change made in the last second in view.
      EndTime: iso(Math.ceil(this.now / 1000) * 1000),
    };
    attrs.forEach((a, i) => {
      params[`LookupAttribute.${i + 1}.Key`] = a.Key;
      params[`LookupAttribute.${i + 1}.Value`] = a.Value;
    });
    const p = await pagesByToken(this.client, 'actiontrail', 'LookupEvents', params, parseLookupEvents, {
      pageSize: 50,
      maxPages,
    });
    this.succeeded++;
    const call = this.client.latest(p.bodies);
    this.calls.push(call);
    return { events: p.items, complete: !p.truncated && !p.first.NextToken, call };
  }

  private keep(list: AuditEvent[]): void {
    for (const ev of list) {
      if (/^read$/i.test(ev.rw ?? '')) continue;
      const had = this.events.get(ev.id);
      if (had) had.resources = [...new Set([...had.resources, ...ev.resources])];
      else this.events.set(ev.id, ev);
    }
  }

  async result(): Promise<{ events?: AuditEvent[]; error?: SourceError; calls: (number | undefined)[] }> {
    const b = await this.broad;
    // Lookups may add more lookups only through add(), which callers finish before result().
    await Promise.all(this.lookups);
    if (b) this.keep(b.events.filter((ev) => eventTouches(ev, this.ids)));
    const events = [...this.events.values()].sort((x, y) => y.time - x.time);
    const out: { events?: AuditEvent[]; error?: SourceError; calls: (number | undefined)[] } = {
      events,
      calls: this.calls,
    };
    if (this.errors.length) {
      const first = this.errors[0];
      // Nothing could be read: no value, only the reason (an empty list would read as "no changes").
      if (this.succeeded === 0) out.events = undefined;
      out.error =
        this.succeeded === 0
          ? first
          : {
              ...first,
              message: `${first.message} (${this.errors.length} event lookup(s) failed; events shown may be incomplete)`,
            };
    }
    return out;
  }
}
