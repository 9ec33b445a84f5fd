// Bundles cli.tsx into dist/cli.js: one file starts in ~0.3 s where the unbundled graph takes ~0.9 s.
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  inkBoundedCaches,
  inkFastTokenize,
  inkFastWidestLine,
  nodeBundleOptions,
} from '../source/ui/render/bundle-plugins.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  ...nodeBundleOptions,
  entryPoints: [join(root, 'cli.tsx')],
  outdir: dist,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  // Commands and Ink's devtools load lazily: `check` never parses the UI, and react-devtools-core is never needed.
  splitting: true,
  // Ink's per-frame text tokenising and measuring memoised, its text caches bounded (source/ui/render/bundle-plugins.mjs):
  // about half of a live frame's CPU, and RSS flat on a long run.
  plugins: [inkFastTokenize, inkFastWidestLine, inkBoundedCaches],
  // ssh2 loads an optional native binding by relative path; keep it (and its optional deps) in node_modules.
  external: ['ssh2', 'cpu-features', 'node-pty', '@xterm/headless', 'react-devtools-core'],
});
await cp(join(root, 'source/sim/scenarios'), join(dist, 'scenarios'), { recursive: true }).catch((e) => {
  if (e.code !== 'ENOENT') throw e;
});
