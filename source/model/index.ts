export * from './cloud.js';
export * from './common.js';
export * from './guest.js';
export * from './intent.js';
export * from './probe.js';
export * from './remedy.js';
export * from './snapshot.js';
export * from './verdict.js';
