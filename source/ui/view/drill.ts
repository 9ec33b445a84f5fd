/** Resolves a drill target against the current data. Undefined when the item is gone (the caller keeps the last view). */
import { aclEntryView, eniView, eventView, sgRuleView, sourceView, vpcRouteView } from './drill-cloud.js';
import { guestRouteView, iptRuleView, processView, serviceView, socketView } from './drill-guest.js';
import { findingView, hopView, seriesView, timelineView } from './drill-verdict.js';
import { fixRunView, remediesView } from './fix.js';
import type { DrillTarget, DrillView, ViewContext } from './types.js';

export function resolveDrill(target: DrillTarget, ctx: ViewContext): DrillView | undefined {
  switch (target.kind) {
    case 'sg-rule':
      return sgRuleView(target.id, ctx);
    case 'acl-entry':
      return aclEntryView(target.id, ctx);
    case 'ipt-rule':
      return iptRuleView(target, ctx);
    case 'socket':
      return socketView(target.key, ctx);
    case 'process':
      return processView(target.pid, ctx);
    case 'service':
      return serviceView(target.name, ctx);
    case 'route':
      return target.table === 'vpc' ? vpcRouteView(target.key, ctx) : guestRouteView(target.key, ctx);
    case 'hop':
      return hopView(target, ctx);
    case 'finding':
      return findingView(target.id, ctx);
    case 'event':
      return eventView(target.id, ctx);
    case 'timeline':
      return timelineView(target.id, ctx);
    case 'eni':
      return eniView(target.id, ctx);
    case 'source':
      return sourceView(target.name, ctx);
    case 'series':
      return seriesView(target.key, ctx);
    case 'remedies':
      return remediesView(target.findingId, ctx);
    case 'fix-run':
      return fixRunView(target.run, ctx);
    case 'plan':
      // A plan row starts a fix (the dispatcher's job); it has no page of its own.
      return undefined;
  }
}

export function targetKey(t: DrillTarget): string {
  return JSON.stringify(t);
}
