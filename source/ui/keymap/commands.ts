/**
 * Commands are data, keys are configuration: one table of every command with its default keys, the modes it
 * works in and whether it earns a place in the footer. The dispatcher, the help screen and the footer all read
 * this table (after user overrides), so a rebinding shows up everywhere at once.
 */
import type { MessageKey } from '../i18n/index.js';

export const MODES = ['normal', 'filter', 'command', 'help', 'drill', 'confirm'] as const;
export type Mode = (typeof MODES)[number];

export const COMMAND_IDS = [
  'quit',
  'interrupt',
  'help',
  'filter',
  'command',
  'open',
  'back',
  'down',
  'up',
  'top',
  'bottom',
  'pageDown',
  'pageUp',
  'nextPanel',
  'prevPanel',
  'panel1',
  'panel2',
  'panel3',
  'panel4',
  'panel5',
  'panel6',
  'panel7',
  'refresh',
  'freeze',
  'nextIntent',
  'prevIntent',
  'hopLeft',
  'hopRight',
  'hopOpen',
  'fix',
  'sort',
  'accept',
  'cancel',
  'complete',
  'deleteChar',
  'clearInput',
] as const;
export type CommandId = (typeof COMMAND_IDS)[number];

export interface Command {
  id: CommandId;
  description: MessageKey;
  keys: string[];
  modes: Mode[];
  /** Footer order (lower first); absent: help only. */
  footer?: number;
}

const NAV: Mode[] = ['normal', 'drill'];
const LISTS: Mode[] = ['normal', 'drill', 'help'];
const TEXT: Mode[] = ['filter', 'command', 'help', 'confirm'];
/** Lists, and the confirmation's preview (printable keys type there, so only ↑ ↓ PgUp PgDn scroll it). */
const SCROLL: Mode[] = [...LISTS, 'confirm'];

export const DEFAULT_COMMANDS: readonly Command[] = [
  { id: 'help', description: 'cmd.help', keys: ['?'], modes: NAV, footer: 0 },
  { id: 'filter', description: 'cmd.filter', keys: ['/'], modes: ['normal'], footer: 2 },
  { id: 'command', description: 'cmd.command', keys: [':'], modes: NAV, footer: 3 },
  { id: 'open', description: 'cmd.open', keys: ['enter'], modes: NAV, footer: 4 },
  { id: 'back', description: 'cmd.back', keys: ['escape'], modes: ['normal', 'drill', 'help'], footer: 5 },
  { id: 'down', description: 'cmd.down', keys: ['j', 'down'], modes: SCROLL, footer: 14 },
  { id: 'up', description: 'cmd.up', keys: ['k', 'up'], modes: SCROLL },
  { id: 'top', description: 'cmd.top', keys: ['g', 'home'], modes: NAV },
  { id: 'bottom', description: 'cmd.bottom', keys: ['G', 'end'], modes: NAV },
  { id: 'pageDown', description: 'cmd.pageDown', keys: ['pagedown', 'ctrl+d', 'ctrl+f'], modes: SCROLL },
  { id: 'pageUp', description: 'cmd.pageUp', keys: ['pageup', 'ctrl+u', 'ctrl+b'], modes: SCROLL },
  { id: 'nextPanel', description: 'cmd.nextPanel', keys: ['tab'], modes: ['normal'], footer: 11 },
  { id: 'prevPanel', description: 'cmd.prevPanel', keys: ['shift+tab'], modes: ['normal'] },
  { id: 'panel1', description: 'cmd.panel1', keys: ['1'], modes: NAV, footer: 10 },
  { id: 'panel2', description: 'cmd.panel2', keys: ['2'], modes: NAV },
  { id: 'panel3', description: 'cmd.panel3', keys: ['3'], modes: NAV },
  { id: 'panel4', description: 'cmd.panel4', keys: ['4'], modes: NAV },
  { id: 'panel5', description: 'cmd.panel5', keys: ['5'], modes: NAV },
  { id: 'panel6', description: 'cmd.panel6', keys: ['6'], modes: NAV },
  { id: 'panel7', description: 'cmd.panel7', keys: ['7'], modes: NAV },
  { id: 'nextIntent', description: 'cmd.nextIntent', keys: [']'], modes: NAV, footer: 6 },
  { id: 'prevIntent', description: 'cmd.prevIntent', keys: ['['], modes: NAV },
  { id: 'hopLeft', description: 'cmd.hopLeft', keys: ['left', 'h'], modes: NAV, footer: 7 },
  { id: 'hopRight', description: 'cmd.hopRight', keys: ['right', 'l'], modes: NAV },
  { id: 'hopOpen', description: 'cmd.hopOpen', keys: ['d'], modes: NAV, footer: 12 },
  // Only in a session that can fix (not --read-only): the App drops it otherwise, from help and footer too.
  { id: 'fix', description: 'cmd.fix', keys: ['x'], modes: NAV, footer: 1.5 },
  { id: 'sort', description: 'cmd.sort', keys: ['s'], modes: ['normal'], footer: 13 },
  { id: 'refresh', description: 'cmd.refresh', keys: ['r', 'ctrl+r'], modes: NAV, footer: 8 },
  { id: 'freeze', description: 'cmd.freeze', keys: ['f'], modes: NAV, footer: 9 },
  { id: 'quit', description: 'cmd.quit', keys: ['q'], modes: NAV, footer: 1 },
  { id: 'interrupt', description: 'cmd.quit', keys: ['ctrl+c'], modes: [...MODES] },
  {
    id: 'accept',
    description: 'cmd.accept',
    keys: ['enter'],
    modes: ['filter', 'command', 'confirm'],
    footer: 0,
  },
  {
    id: 'cancel',
    description: 'cmd.cancel',
    keys: ['escape'],
    modes: ['filter', 'command', 'confirm'],
    footer: 1,
  },
  { id: 'complete', description: 'cmd.complete', keys: ['tab'], modes: ['command'], footer: 2 },
  { id: 'deleteChar', description: 'cmd.deleteChar', keys: ['backspace'], modes: TEXT },
  {
    id: 'clearInput',
    description: 'cmd.clearInput',
    keys: ['ctrl+u'],
    modes: ['filter', 'command', 'confirm'],
    footer: 3,
  },
];
