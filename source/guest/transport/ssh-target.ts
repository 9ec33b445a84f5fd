/** `[user@]host[:port]` as written on the command line, in ProxyJump, or as `ssh://user@host:port`. */

export interface SshEndpoint {
  host: string;
  user?: string;
  port?: number;
}

/**
 * Parses `[user@]host[:port]`, `[user@][v6addr]:port`, a bare IPv6 address, or `ssh://[user@]host[:port]`.
 * Returns undefined when the text is not one of those (empty host, bad port).
 */
export function parseJumpSpec(text: string): SshEndpoint | undefined {
  let s = text.trim();
  if (s.startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
  if (!s) return undefined;
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (!user) return undefined;
  }
  let host = s;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1];
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const [h, p] = s.split(':');
    host = h;
    if (!/^\d+$/.test(p)) return undefined;
    port = Number(p);
  }
  if (!host) return undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const ep: SshEndpoint = { host };
  if (user !== undefined) ep.user = user;
  if (port !== undefined) ep.port = port;
  return ep;
}

/** `user@host:port` for messages (IPv6 in brackets). */
export function formatEndpoint(ep: { host: string; user?: string; port?: number }): string {
  const h = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${ep.user ? `${ep.user}@` : ''}${h}${ep.port && ep.port !== 22 ? `:${ep.port}` : ''}`;
}
