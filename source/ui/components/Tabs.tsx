/** The tab strip: 1–7 with the panel names, the active one inverted, and ✘ where the selected path breaks. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { HopId, PathVerdict, Verdict } from '../../model/index.js';
import type { Translator } from '../i18n/index.js';
import { useTheme } from '../render/theme.js';
import { width } from '../text/width.js';
import { PANELS, type PanelId } from '../view/types.js';

const PANEL_HOPS: Partial<Record<PanelId, HopId[]>> = {
  instance: ['instance', 'public-ip', 'internet-egress'],
  security: [
    'sg-in',
    'sg-out',
    'nacl-in',
    'nacl-out',
    'guest-firewall-in',
    'guest-firewall-out',
    'tcp-wrappers',
  ],
  sockets: ['listener', 'service'],
  routes: ['vpc-route', 'guest-route', 'guest-nic'],
};

export function tabBadge(
  panel: PanelId,
  path: PathVerdict | undefined,
  verdict: Verdict | undefined,
): string {
  if (panel === 'findings') {
    const n = verdict?.findings.length ?? 0;
    return n ? String(n) : '';
  }
  const hops = PANEL_HOPS[panel];
  if (!hops || !path) return '';
  return path.path.some((h) => h.state === 'BLOCKED' && hops.includes(h.hop)) ? '✘' : '';
}

export interface TabsProps {
  tr: Translator;
  active: PanelId;
  path?: PathVerdict;
  verdict?: Verdict;
  width: number;
}

export const Tabs = memo(function Tabs({ tr, active, path, verdict, width: w }: TabsProps) {
  const theme = useTheme();
  const items = PANELS.map((p, i) => ({
    p,
    n: i + 1,
    name: tr.t(`panel.${p}`),
    badge: tabBadge(p, path, verdict),
  }));
  const label = (x: (typeof items)[number], withName: boolean) =>
    `${x.n}${withName ? ` ${x.name}` : ''}${x.badge === '✘' ? '✘' : x.badge ? ` ${x.badge}` : ''}`;
  // One space between tabs, one of padding around the active one; narrow terminals keep only its name.
  const full = items.reduce((s, x) => s + width(label(x, true)) + 1, 2);
  const compact = full > w;
  const critical = verdict?.findings.some((f) => f.severity === 'critical');
  return (
    <Box width={w}>
      <Text wrap="truncate-end">
        {items.map((x, i) => {
          const on = x.p === active;
          const text = `${x.n}${compact && !on ? '' : ` ${x.name}`}`;
          const badgeTone = x.badge === '✘' || (x.p === 'findings' && critical) ? 'bad' : 'dim';
          const badge = x.badge === '✘' ? '✘' : x.badge ? ` ${x.badge}` : '';
          return (
            <Text key={x.p}>
              {i ? ' ' : ''}
              <Text inverse={on} bold={on}>
                {on ? ` ${text}` : text}
                {badge ? <Text {...theme.style(badgeTone, true)}>{badge}</Text> : null}
                {on ? ' ' : ''}
              </Text>
            </Text>
          );
        })}
      </Text>
    </Box>
  );
});
