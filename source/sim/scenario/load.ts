/**
 * Loading scenarios: a name (`storefront` → scenarios/storefront.yaml) or a file path; `extends:` chains merged
 * base-first; the fleet generator; then expansion into a World with relative times resolved against `now`.
 * Synchronous on purpose: `netdoctor scenarios` lists them without an event loop turn per file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { FindingCode } from '../../model/index.js';
import type { World } from '../world.js';
import { expandWorld } from './expand-world.js';
import { generateFleet } from './fleet.js';
import { type Doc, MergeError, mergeDocs } from './merge.js';
import { Reader, ScenarioError } from './reader.js';

export { ScenarioError } from './reader.js';

/**
 * Where the built-in scenarios live. In the source tree this module is source/sim/scenario/load.ts and the files
 * are in source/sim/scenarios/; in the bundle this code is inside dist/cli.js and the build copies them to
 * dist/scenarios/. Try both (and NETDOCTOR_SCENARIOS when set).
 */
export function scenarioDirs(): string[] {
  const candidates = [
    process.env.NETDOCTOR_SCENARIOS,
    fileURLToPath(new URL('../scenarios/', import.meta.url)),
    fileURLToPath(new URL('./scenarios/', import.meta.url)),
  ].filter((d): d is string => !!d);
  return candidates.filter((d) => existsSync(d) && statSync(d).isDirectory());
}

/** How a file is named in messages: relative to the working directory when it is inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || /\.ya?ml$/i.test(s);
}

/** The file a scenario name or path refers to; throws a ScenarioError listing the known names otherwise. */
export function resolveScenario(nameOrPath: string, relativeTo?: string): string {
  if (looksLikePath(nameOrPath)) {
    const p = isAbsolute(nameOrPath) ? nameOrPath : resolve(relativeTo ?? process.cwd(), nameOrPath);
    if (existsSync(p)) return p;
    throw new ScenarioError(nameOrPath, '', 'no such file');
  }
  const dirs = relativeTo ? [relativeTo, ...scenarioDirs()] : scenarioDirs();
  for (const d of dirs)
    for (const ext of ['.yaml', '.yml']) {
      const p = join(d, `${nameOrPath}${ext}`);
      if (existsSync(p)) return p;
    }
  const known = listScenarioNames();
  throw new ScenarioError(
    nameOrPath,
    '',
    `no built-in scenario has this name${known.length ? ` (known: ${known.join(', ')})` : ''}; give a name from \`netdoctor scenarios\` or a path to a .yaml file`,
  );
}

/** Parsed files, by path: YAML parsing dominates loading, and every scenario re-reads its base. */
const parsed = new Map<string, { stamp: string; doc: Doc }>();

function readDoc(file: string): Doc {
  let stamp = '';
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    // readFileSync below reports it
  }
  const hit = parsed.get(file);
  if (hit && hit.stamp === stamp) return structuredClone(hit.doc);
  const doc = parseFile(file);
  parsed.set(file, { stamp, doc });
  return structuredClone(doc);
}

function parseFile(file: string): Doc {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(displayPath(file), '', `cannot read it: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    if (e instanceof YAMLParseError)
      throw new ScenarioError(displayPath(file), '', `YAML syntax: ${e.message.split('\n')[0]}`);
    throw e;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ScenarioError(
      displayPath(file),
      '',
      'a scenario file must hold a mapping (name: …, instances: …)',
    );
  return doc as Doc;
}

/** Reads a file and everything it extends, merged base-first. */
function readMerged(file: string, chain: string[] = []): Doc {
  if (chain.includes(file))
    throw new ScenarioError(
      displayPath(file),
      'extends',
      `circular extends: ${[...chain, file].map((f) => basename(f)).join(' → ')}`,
    );
  const doc = readDoc(file);
  const base = doc.extends;
  if (base === undefined) return doc;
  if (typeof base !== 'string')
    throw new ScenarioError(displayPath(file), 'extends', 'must be a scenario name or a file path');
  let baseFile: string;
  try {
    baseFile = resolveScenario(base, dirname(file));
  } catch (e) {
    if (e instanceof ScenarioError)
      throw new ScenarioError(displayPath(file), 'extends', `"${base}": ${e.problem}`);
    throw e;
  }
  const { extends: _e, ...patch } = doc;
  // What a scenario is about (name, title, story, expectations) is its own, never inherited from the base.
  const merged = readMerged(baseFile, [...chain, file]);
  for (const k of ['name', 'title', 'description', 'expect']) delete merged[k];
  try {
    return mergeDocs(merged, patch) as Doc;
  } catch (e) {
    if (e instanceof MergeError) throw new ScenarioError(displayPath(file), '', e.message);
    throw e;
  }
}

export interface LoadOptions {
  /** Epoch ms the scenario's relative times resolve against (default: Date.now()). */
  now?: number;
  /** A last patch merged onto the document (same rules as `extends`), e.g. `{faults: {latencyMs: 50}}`. */
  overrides?: Doc;
}

/** Loads a built-in scenario by name, or a scenario file by path, into a fresh World. */
export function loadScenario(nameOrPath: string, opts: LoadOptions = {}): World {
  const file = resolveScenario(nameOrPath);
  let doc = readMerged(file);
  if (opts.overrides) doc = mergeDocs(doc, opts.overrides) as Doc;
  const r = new Reader(displayPath(file), opts.now ?? Date.now());
  doc = generateFleet(r, doc);
  const world = expandWorld(r, doc, basename(file).replace(/\.ya?ml$/i, ''));
  world.file = file;
  return world;
}

function listScenarioNames(): string[] {
  const names = new Set<string>();
  for (const d of scenarioDirs())
    for (const f of readdirSync(d)) if (/\.ya?ml$/i.test(f)) names.add(f.replace(/\.ya?ml$/i, ''));
  return [...names].sort();
}

export interface ScenarioSummary {
  name: string;
  title: string;
  codes: FindingCode[];
  description?: string;
  /** Set when the file does not load; the listing still shows it. */
  error?: string;
}

/**
 * Every built-in scenario, the default demo (`storefront`) first, then by name. Reads the merged documents
 * only (no expansion), so that listing stays fast; `loadScenario` validates a scenario fully when it is used.
 */
export function listScenarios(): ScenarioSummary[] {
  const out: ScenarioSummary[] = [];
  for (const name of listScenarioNames()) {
    try {
      const file = resolveScenario(name);
      const doc = readMerged(file);
      const expect = (doc.expect ?? {}) as { codes?: unknown };
      const s: ScenarioSummary = {
        name: typeof doc.name === 'string' ? doc.name : name,
        title: typeof doc.title === 'string' ? doc.title : '',
        codes: Array.isArray(expect.codes) ? (expect.codes.map(String) as FindingCode[]) : [],
      };
      if (typeof doc.description === 'string') s.description = doc.description.trim();
      if (!s.title) s.error = `scenario ${displayPath(file)}: title: is required`;
      out.push(s);
    } catch (e) {
      out.push({ name, title: '', codes: [], error: (e as Error).message });
    }
  }
  return out.sort((a, b) =>
    a.name === 'storefront' ? -1 : b.name === 'storefront' ? 1 : a.name.localeCompare(b.name),
  );
}
