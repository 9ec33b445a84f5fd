/**
 * The `:` command line: a small table of verbs with aliases, completion over verbs and intent specs, and
 * execution into a result the dispatcher turns into actions and effects.
 */
import type { Intent } from '../../model/index.js';
import type { MessageKey } from '../i18n/index.js';
import type { PanelId } from '../view/types.js';
import { intentSpec, parseIntent } from './intent-parse.js';

export interface LineVerb {
  name: string;
  aliases: string[];
  description: MessageKey;
  panel?: PanelId;
}

export const LINE_VERBS: readonly LineVerb[] = [
  { name: 'instance', aliases: ['inst', 'i', 'ecs'], description: 'cl.instance', panel: 'instance' },
  {
    name: 'sg',
    aliases: ['security', 'sec', 'acl', 'fw', 'firewall'],
    description: 'cl.sg',
    panel: 'security',
  },
  {
    name: 'sockets',
    aliases: ['sock', 'ss', 'netstat', 'listen'],
    description: 'cl.sockets',
    panel: 'sockets',
  },
  { name: 'routes', aliases: ['route', 'rt'], description: 'cl.routes', panel: 'routes' },
  {
    name: 'bandwidth',
    aliases: ['bw', 'traffic', 'metrics'],
    description: 'cl.bandwidth',
    panel: 'bandwidth',
  },
  { name: 'findings', aliases: ['find', 'problems'], description: 'cl.findings', panel: 'findings' },
  { name: 'events', aliases: ['ev', 'audit', 'timeline'], description: 'cl.events', panel: 'events' },
  { name: 'intent', aliases: ['in'], description: 'cl.intent' },
  { name: 'refresh', aliases: ['r', 'reload'], description: 'cl.refresh' },
  { name: 'freeze', aliases: ['pause'], description: 'cl.freeze' },
  { name: 'lang', aliases: ['language'], description: 'cl.lang' },
  { name: 'help', aliases: ['h', '?'], description: 'cl.help' },
  { name: 'quit', aliases: ['q', 'q!', 'exit'], description: 'cl.quit' },
];

export type LineResult =
  | { kind: 'panel'; panel: PanelId }
  | { kind: 'intent'; intent: Intent; existingIndex: number }
  | { kind: 'refresh' }
  | { kind: 'freeze' }
  | { kind: 'lang'; lang: 'en' | 'zh' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'none' }
  | { kind: 'error'; key: MessageKey; params: Record<string, string> };

function findVerb(word: string): LineVerb | undefined {
  const w = word.toLowerCase();
  return LINE_VERBS.find((v) => v.name === w || v.aliases.includes(w));
}

export function runLine(line: string, ctx: { intents: Intent[]; egressIp?: string }): LineResult {
  const text = line.trim().replace(/^:/, '');
  if (!text) return { kind: 'none' };
  const [word, ...rest] = text.split(/\s+/);
  const verb = findVerb(word);
  if (!verb) return { kind: 'error', key: 'status.unknownCommand', params: { cmd: word } };
  if (verb.panel) return { kind: 'panel', panel: verb.panel };
  const arg = rest.join(' ');
  switch (verb.name) {
    case 'intent': {
      if (/^\d+$/.test(arg) && Number(arg) >= 1 && Number(arg) <= ctx.intents.length) {
        const i = Number(arg) - 1;
        return { kind: 'intent', intent: ctx.intents[i], existingIndex: i };
      }
      const byId = ctx.intents.findIndex((i) => i.id === arg);
      if (byId >= 0) return { kind: 'intent', intent: ctx.intents[byId], existingIndex: byId };
      const p = parseIntent(arg, { egressIp: ctx.egressIp });
      if (!p.ok) return { kind: 'error', key: 'status.badIntent', params: { text: `${arg}: ${p.error}` } };
      const existing = ctx.intents.findIndex((i) => i.id === p.intent.id);
      return {
        kind: 'intent',
        intent: existing >= 0 ? ctx.intents[existing] : p.intent,
        existingIndex: existing,
      };
    }
    case 'refresh':
      return { kind: 'refresh' };
    case 'freeze':
      return { kind: 'freeze' };
    case 'lang':
      return arg === 'zh' || arg === 'en'
        ? { kind: 'lang', lang: arg }
        : { kind: 'error', key: 'status.unknownCommand', params: { cmd: `lang ${arg}` } };
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit' };
  }
  return { kind: 'none' };
}

const INTENT_TEMPLATES = [
  'tcp/22 from me',
  'tcp/443 from internet',
  'tcp/80 from internet',
  'out tcp/443 to internet',
  'dns',
];

/** Completions for what is typed so far: whole lines, so Tab can replace the input. */
export function complete(input: string, intents: Intent[]): string[] {
  const text = input.replace(/^:/, '');
  const sp = text.indexOf(' ');
  if (sp < 0) {
    const w = text.toLowerCase();
    const names = LINE_VERBS.flatMap((v) => [v.name, ...v.aliases.filter((a) => a.length > 2)]);
    return names.filter((n) => n.startsWith(w)).map((n) => (n === 'intent' || n === 'lang' ? `${n} ` : n));
  }
  const verb = findVerb(text.slice(0, sp));
  const arg = text.slice(sp + 1).toLowerCase();
  if (verb?.name === 'lang') return ['en', 'zh'].filter((l) => l.startsWith(arg)).map((l) => `lang ${l}`);
  if (verb?.name !== 'intent') return [];
  const specs = [...new Set([...intents.map(intentSpec), ...INTENT_TEMPLATES])];
  return specs.filter((s) => s.startsWith(arg)).map((s) => `intent ${s}`);
}
