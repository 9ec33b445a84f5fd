import type { BuildOptions, Plugin } from 'esbuild';
export declare const inkFastTokenize: Plugin;
export declare const inkFastWidestLine: Plugin;
export declare const inkBoundedCaches: Plugin;
export declare const inkNoDevtools: Plugin;
export declare const inkBundlePlugins: Plugin[];
export declare const nodeBundleOptions: BuildOptions;
