/** Operator-side probes (tcp, ping, dns, traceroute), the operator's own address, and where probes go. */
export * from './dns.js';
export * from './me.js';
export * from './ping.js';
export * from './router.js';
export * from './tcp.js';
export * from './tools.js';
export * from './trace.js';
