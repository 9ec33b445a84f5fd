/**
 * The effective keymap: the default Command table with the user's overrides applied, indexed by mode and key.
 * Overrides come from `~/.config/netdoctor/keys.json` (or `--keymap FILE`):
 *
 *   { "quit": ["q", "ctrl+q"], "down": "j", "hopOpen": ["e"] }     (or the same under "bindings")
 *
 * A command's list replaces its default keys. A key taken from another command in the same mode moves to the
 * overriding command (with a warning). Problems are warnings, never fatal: a broken file must not lock anyone out.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_IDS, type Command, type CommandId, DEFAULT_COMMANDS, type Mode } from './commands.js';
import { normalizeBinding } from './keys.js';

export interface Keymap {
  commands: Command[];
  lookup(mode: Mode, key: string): CommandId | undefined;
  keysOf(id: CommandId): string[];
}

export function buildKeymap(overrides: Partial<Record<CommandId, string[]>> = {}): {
  keymap: Keymap;
  warnings: string[];
} {
  const warnings: string[] = [];
  const commands: Command[] = DEFAULT_COMMANDS.map((c) => ({ ...c, keys: [...(overrides[c.id] ?? c.keys)] }));
  // A user key wins over a default one: strip it from other commands that share a mode.
  for (const id of Object.keys(overrides) as CommandId[]) {
    const owner = commands.find((c) => c.id === id);
    if (!owner) continue;
    for (const other of commands) {
      if (other === owner || !other.modes.some((m) => owner.modes.includes(m))) continue;
      const taken = other.keys.filter((k) => owner.keys.includes(k));
      if (!taken.length) continue;
      if (overrides[other.id]) {
        warnings.push(`"${taken.join('", "')}" is bound to both ${id} and ${other.id}; ${id} wins`);
      } else {
        warnings.push(`"${taken.join('", "')}" moved from ${other.id} to ${id}`);
      }
      other.keys = other.keys.filter((k) => !taken.includes(k));
    }
  }
  // Ctrl-C always quits, whatever the file says: nobody should be locked inside the screen.
  const intr = commands.find((c) => c.id === 'interrupt');
  if (intr && !intr.keys.includes('ctrl+c')) intr.keys.push('ctrl+c');
  const index = new Map<string, CommandId>();
  for (const c of commands) {
    for (const m of c.modes)
      for (const k of c.keys) if (!index.has(`${m} ${k}`)) index.set(`${m} ${k}`, c.id);
  }
  // Where text is typed, the editing keys win over list keys that share them (Ctrl-U clears, not pages up).
  for (const c of commands.filter((x) => TEXT_EDIT.includes(x.id)))
    for (const m of c.modes) for (const k of c.keys) index.set(`${m} ${k}`, c.id);
  const keymap: Keymap = {
    commands,
    lookup: (mode, key) => index.get(`${mode} ${key}`),
    keysOf: (id) => commands.find((c) => c.id === id)?.keys ?? [],
  };
  return { keymap, warnings };
}

const TEXT_EDIT: CommandId[] = ['accept', 'cancel', 'deleteChar', 'clearInput'];

/** The same keymap without some commands (the fix key in a read-only session): gone from keys, help and footer. */
export function withoutCommands(k: Keymap, ids: readonly CommandId[]): Keymap {
  if (!ids.some((id) => k.commands.some((c) => c.id === id))) return k;
  return {
    commands: k.commands.filter((c) => !ids.includes(c.id)),
    lookup: (mode, key) => {
      const id = k.lookup(mode, key);
      return id && ids.includes(id) ? undefined : id;
    },
    keysOf: (id) => (ids.includes(id) ? [] : k.keysOf(id)),
  };
}

/** Reads and validates an override file. Missing default file: no overrides, no warning. */
export function loadKeymap(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
): { keymap: Keymap; warnings: string[] } {
  const path =
    file ?? join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'netdoctor', 'keys.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!file && code === 'ENOENT') return buildKeymap();
    const r = buildKeymap();
    r.warnings.unshift(`cannot read ${path} (${code ?? String(e)}): using the default keys`);
    return r;
  }
  const { overrides, warnings } = parseOverrides(text, path);
  const r = buildKeymap(overrides);
  r.warnings.unshift(...warnings);
  return r;
}

export function parseOverrides(
  text: string,
  path = 'keys.json',
): {
  overrides: Partial<Record<CommandId, string[]>>;
  warnings: string[];
} {
  const warnings: string[] = [];
  const overrides: Partial<Record<CommandId, string[]>> = {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    warnings.push(`${path} is not valid JSON (${(e as Error).message}): using the default keys`);
    return { overrides, warnings };
  }
  const obj = (json as { bindings?: unknown })?.bindings ?? json;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    warnings.push(`${path} must hold an object of command → keys: using the default keys`);
    return { overrides, warnings };
  }
  for (const [id, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!(COMMAND_IDS as readonly string[]).includes(id)) {
      warnings.push(`unknown command "${id}" in ${path} (known: ${COMMAND_IDS.join(', ')})`);
      continue;
    }
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
    if (!list?.every((k) => typeof k === 'string')) {
      warnings.push(`${id}: expected a key or a list of keys`);
      continue;
    }
    const keys: string[] = [];
    for (const k of list as string[]) {
      const n = normalizeBinding(k);
      if (n) keys.push(n);
      else
        warnings.push(`${id}: cannot read key "${k}" (try "x", "ctrl+x", "enter", "esc", "tab", "pagedown")`);
    }
    if (keys.length) overrides[id as CommandId] = keys;
  }
  return { overrides, warnings };
}
