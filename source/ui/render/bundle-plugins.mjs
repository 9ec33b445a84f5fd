// esbuild plugins for bundling the Ink app (plain JS so scripts/build.mjs can import it as well as the TS tools).
//  - inkFastTokenize: Ink's per-frame `@alcalzone/ansi-tokenize` import goes to ansi-tokenize-memo.ts, which
//    caches tokenised lines across frames (about half of a frame's CPU; see that file).
//  - inkFastWidestLine: the same for `widest-line`, which Ink calls on every text node of every frame
//    (widest-line-memo.ts).
//  - inkBoundedCaches: Ink keeps every text it ever measured or wrapped in two module-level caches that never
//    shrink; a live screen makes new texts every tick (ages, times), so memory would grow for as long as the
//    screen runs (measured: +7% RSS over 10 minutes). The same caches, cleared when they pass 500 entries (a frame has
//    at most a few dozen texts).
//  - inkNoDevtools: Ink imports react-devtools-core only when DEV=true and it is not installed; a bundle hoists
//    the import to the top and fails at start, so it becomes an empty module.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const MEMO = join(HERE, 'ansi-tokenize-memo.ts');
const WIDEST = join(HERE, 'widest-line-memo.ts');

export const inkFastTokenize = {
  name: 'ink-fast-tokenize',
  setup(build) {
    build.onResolve({ filter: /^@alcalzone\/ansi-tokenize$/ }, async (args) => {
      if (args.importer === MEMO || args.pluginData?.real) return undefined;
      if (!/[\\/]ink[\\/]build[\\/]output\.js$/.test(args.importer)) return undefined;
      return { path: MEMO };
    });
  },
};

export const inkFastWidestLine = {
  name: 'ink-fast-widest-line',
  setup(build) {
    build.onResolve({ filter: /^widest-line$/ }, (args) => {
      if (args.importer === WIDEST) return undefined;
      if (!/[\\/]ink[\\/]build[\\/](render-node-to-output|measure-text)\.js$/.test(args.importer))
        return undefined;
      return { path: WIDEST };
    });
  },
};

const BOUNDS = [
  {
    file: /[\\/]ink[\\/]build[\\/]measure-text\.js$/,
    from: 'cache.set(text, dimensions);',
    to: 'if (cache.size >= 500) cache.clear();\n    cache.set(text, dimensions);',
  },
  {
    file: /[\\/]ink[\\/]build[\\/]wrap-text\.js$/,
    from: 'cache[cacheKey] = wrappedText;',
    to: 'if (++cacheSize >= 500) { for (const k in cache) delete cache[k]; cacheSize = 0; }\n    cache[cacheKey] = wrappedText;',
    also: ['const cache = {};', 'const cache = {};\nlet cacheSize = 0;'],
  },
];

export const inkBoundedCaches = {
  name: 'ink-bounded-caches',
  setup(build) {
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/](measure-text|wrap-text)\.js$/ }, async (args) => {
      const b = BOUNDS.find((x) => x.file.test(args.path));
      let src = await readFile(args.path, 'utf8');
      // Ink is pinned (6.8.0); if an upgrade changes these lines, stop the build rather than ship the leak.
      if (!b || !src.includes(b.from) || (b.also && !src.includes(b.also[0])))
        throw new Error(
          `ink-bounded-caches: ${args.path} changed; re-check the cache bound for this Ink version`,
        );
      if (b.also) src = src.replace(b.also[0], b.also[1]);
      return { contents: src.replace(b.from, b.to), loader: 'js' };
    });
  },
};

export const inkNoDevtools = {
  name: 'ink-no-devtools',
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, () => ({
      path: 'react-devtools-core',
      namespace: 'ink-no-devtools',
    }));
    build.onLoad({ filter: /.*/, namespace: 'ink-no-devtools' }, () => ({
      contents: 'export default {};',
      loader: 'js',
    }));
  },
};

export const inkBundlePlugins = [inkFastTokenize, inkFastWidestLine, inkBoundedCaches, inkNoDevtools];

/**
 * The esbuild options every bundle of netdoctor's Ink code shares (dist/cli.js, the UI test fixture, the
 * benchmark's Ink hello-world, which must start the way dist/cli.js does to be a fair baseline).
 */
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  jsx: 'automatic',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __ndRequire } from 'node:module';\nconst require = __ndRequire(import.meta.url);",
  },
};
