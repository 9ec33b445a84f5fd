// Test network guard: tests may reach loopback and the 198.18.0.0/15 test hosts they build, nothing else.
// Loaded in-process by vitest (setup.ts) and into child processes through NODE_OPTIONS=--import.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

export function allowedAddress(host) {
  if (host === undefined || host === null || host === '' || host === 'localhost') return true;
  const h = String(host)
    .replace(/^\[|\]$/g, '')
    .replace(/^::ffff:/i, '');
  if (net.isIPv4(h)) {
    const [a, b] = h.split('.').map(Number);
    return a === 127 || (a === 198 && (b === 18 || b === 19)) || h === '0.0.0.0';
  }
  if (net.isIPv6(h)) return h === '::1' || h === '::';
  return false;
}

function refuse(what) {
  const err = new Error(
    `netdoctor test guard: refusing to contact ${what} (tests reach only loopback and 198.18.0.0/15)`,
  );
  err.code = 'ENETDOCTORGUARD';
  return err;
}

const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let opts = args[0];
  if (Array.isArray(opts)) opts = opts[0];
  if (typeof opts === 'object' && opts !== null) {
    if (opts.path === undefined && !allowedAddress(opts.host)) throw refuse(`${opts.host}:${opts.port}`);
  } else if (typeof opts === 'number' || (typeof opts === 'string' && /^\d+$/.test(opts))) {
    const host = typeof args[1] === 'string' ? args[1] : undefined;
    if (!allowedAddress(host)) throw refuse(`${host}:${opts}`);
  }
  return origConnect.apply(this, args);
};

const origLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!allowedAddress(hostname)) {
    const cb = rest[rest.length - 1];
    if (typeof cb === 'function') return process.nextTick(() => cb(refuse(`DNS lookup of ${hostname}`)));
    throw refuse(`DNS lookup of ${hostname}`);
  }
  return origLookup.call(this, hostname, ...rest);
};
const origPromLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromLookup(hostname, ...rest) {
  if (!allowedAddress(hostname)) throw refuse(`DNS lookup of ${hostname}`);
  return origPromLookup.call(this, hostname, ...rest);
};

// Resolver objects: only with servers on loopback / test hosts.
for (const R of [dns.Resolver, dns.promises.Resolver]) {
  for (const m of [
    'resolve',
    'resolve4',
    'resolve6',
    'resolveAny',
    'reverse',
    'resolveTxt',
    'resolveMx',
    'resolveNs',
    'resolveCname',
    'resolveSoa',
    'resolveSrv',
  ]) {
    const orig = R.prototype[m];
    if (typeof orig !== 'function') continue;
    R.prototype[m] = function guardedResolve(...args) {
      const servers = this.getServers();
      const bad = servers.find((s) => !allowedAddress(s.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')));
      if (bad) {
        const e = refuse(`DNS server ${bad}`);
        const cb = args[args.length - 1];
        if (typeof cb === 'function') return process.nextTick(() => cb(e));
        return Promise.reject(e);
      }
      return orig.apply(this, args);
    };
  }
}

const origSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(...args) {
  // send(msg, [offset, length,] port [, address] [, callback]) — find the address argument.
  const addr = args.find((a, i) => i > 0 && typeof a === 'string');
  if (addr !== undefined && !allowedAddress(addr)) throw refuse(`udp ${addr}`);
  return origSend.apply(this, args);
};
