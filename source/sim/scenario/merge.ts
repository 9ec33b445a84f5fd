/**
 * `extends:` patches. A scenario file is merged onto its base document (both still in authoring form):
 * - objects merge key by key, recursively;
 * - arrays whose patch elements all carry an `id` (or a `name`) merge element by element on that key:
 *   a matching element is merged into, a new one is appended (or placed with `$before: KEY` / `$first: true`),
 *   and `{id: KEY, $remove: true}` deletes one;
 * - `events` is an audit trail: patch events are added to the base's (an `id` still patches or removes one);
 * - any other array replaces the base array, as do `{$replace: [...]}` and scalars;
 * - `null` deletes the key. It stays in the merged document as a tombstone, so that a later layer (the
 *   defaults an instance or guest is merged onto) deletes it too; readers treat null as absent.
 */

export type Doc = Record<string, unknown>;

function isObj(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Lists whose items are records of what happened, not named things: patches append to them. */
const APPEND_LISTS = new Set(['events']);

function keyOf(v: unknown, append: boolean): string | undefined {
  if (!isObj(v)) return undefined;
  if (typeof v.id === 'string') return `id:${v.id}`;
  if (!append && typeof v.name === 'string') return `name:${v.name}`;
  return undefined;
}

export class MergeError extends Error {}

function mergeArrays(base: unknown[], patch: unknown[], path: string, append: boolean): unknown[] {
  const out = [...base];
  for (const [i, p] of patch.entries()) {
    const k = keyOf(p, append);
    const at = k === undefined ? -1 : out.findIndex((b) => keyOf(b, append) === k);
    const { $remove, $before, $first, ...rest } = p as Doc;
    if ($remove) {
      if (at < 0)
        throw new MergeError(
          `${path}[${i}]: $remove names ${(k ?? 'an item without id').replace(':', ' ')}, which the base does not have`,
        );
      out.splice(at, 1);
      continue;
    }
    if (at >= 0) {
      out[at] = mergeDocs(out[at], rest, `${path}[${i}]`);
      continue;
    }
    if ($first) out.unshift(rest);
    else if (typeof $before === 'string') {
      const j = out.findIndex((b) => isObj(b) && (b.id === $before || b.name === $before));
      if (j < 0)
        throw new MergeError(`${path}[${i}]: $before names "${$before}", which the base does not have`);
      out.splice(j, 0, rest);
    } else out.push(rest);
  }
  return out;
}

/** Merges `patch` onto `base` (neither is modified). */
export function mergeDocs(base: unknown, patch: unknown, path = ''): unknown {
  if (isObj(patch) && Array.isArray(patch.$replace)) return stripDirectives(patch.$replace);
  if (Array.isArray(patch)) {
    const append = APPEND_LISTS.has(path);
    if (
      Array.isArray(base) &&
      patch.length > 0 &&
      (append || patch.every((p) => keyOf(p, false) !== undefined))
    )
      return mergeArrays(base, patch, path, append);
    return stripDirectives(patch);
  }
  if (isObj(patch)) {
    const out: Doc = isObj(base) ? { ...base } : {};
    for (const [k, v] of Object.entries(patch))
      out[k] = v === null ? null : mergeDocs(out[k], v, path ? `${path}.${k}` : k);
    return out;
  }
  return patch;
}

/** Directives in an array that replaces (or starts) a list mean nothing: drop them, keep removals out. */
function stripDirectives(list: unknown[]): unknown[] {
  return list
    .filter((x) => !(isObj(x) && x.$remove))
    .map((x) => {
      if (!isObj(x)) return x;
      const { $before: _b, $first: _f, ...rest } = x;
      return rest;
    });
}
