/**
 * `me`: the operator's egress address as the internet sees it — what `--from me` and "open 22 to my
 * address" mean. Given (`--me 1.2.3.4`) wins; against the simulator the advertised echo endpoint answers;
 * otherwise an echo endpoint (NETDOCTOR_ECHO_URL, else public defaults) is asked over HTTPS. The result is
 * always an OperatorInfo, with an error saying why when the address could not be had.
 */
import net from 'node:net';
import type { OperatorInfo } from '../model/index.js';
import { unmapV4 } from '../net/ip.js';
import type { SimAdvert } from '../sim/advert.js';

/** Public echo endpoints that answer a bare IP as text; asked in order until one answers. */
export const DEFAULT_ECHO_URLS = ['https://api.ipify.org', 'https://checkip.amazonaws.com'];
export const ECHO_URL_ENV = 'NETDOCTOR_ECHO_URL';

export interface FindMeOptions {
  /** `--me`: taken as is when it is an IP address. */
  given?: string;
  /** An echo endpoint to ask instead of NETDOCTOR_ECHO_URL and the defaults. */
  echoUrl?: string;
  /** The simulated region's advertisement: its echo endpoint answers for the scenario's operator. */
  sim?: SimAdvert;
  /** Whole budget, all endpoints included (default 4000 ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const MAX_BODY = 4096;

/** Reads an echo endpoint's body: a bare IP as text, or JSON with `ip` (ipify), `origin` (httpbin), `query`, `address`. Pure. */
export function parseEchoBody(body: string): string | undefined {
  const t = body.trim();
  const candidates: unknown[] = [];
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as Record<string, unknown>;
      candidates.push(j.ip, j.origin, j.query, j.address, j.ip_addr);
    } catch {
      return undefined;
    }
  } else {
    candidates.push(t.split(/\s+/)[0]);
  }
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    // httpbin's origin may list proxies: "a, b"; the first is the client.
    const ip = unmapV4(c.split(',')[0].trim());
    if (net.isIP(ip)) return ip;
  }
  return undefined;
}

/** The URL without user:password@ or a query string, safe to show as the source. */
export function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= MAX_BODY) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY);
}

/** GETs one echo endpoint; the address or a reason. */
export async function askEcho(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ ip?: string; why?: string }> {
  const signals = [AbortSignal.timeout(Math.max(1, timeoutMs))];
  if (signal) signals.push(signal);
  const headers: Record<string, string> = {
    accept: 'text/plain, application/json;q=0.9',
    'user-agent': 'netdoctor',
  };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { why: `the echo URL is not a URL` };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return { why: `${safeUrl(url)} is not an http(s) URL` };
  // fetch refuses URLs with credentials: send them as Basic auth instead (a private echo behind a password).
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const pass = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  try {
    const res = await fetch(target, { signal: AbortSignal.any(signals), headers, redirect: 'follow' });
    const body = await readLimited(res);
    if (!res.ok) return { why: `${safeUrl(url)} answered HTTP ${res.status}` };
    const ip = parseEchoBody(body);
    if (!ip) return { why: `${safeUrl(url)} did not answer with an IP address` };
    return { ip };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError')
      return { why: `${safeUrl(url)} gave no answer within ${timeoutMs} ms` };
    const code = err.cause?.code ?? err.cause?.message ?? err.message;
    return { why: `${safeUrl(url)} could not be reached (${code})` };
  }
}

/** Finds the operator's egress address; never throws. */
export async function findMyAddress(opts: FindMeOptions = {}): Promise<OperatorInfo> {
  if (opts.given !== undefined) {
    const ip = unmapV4(opts.given.trim().replace(/^\[|\]$/g, ''));
    if (net.isIP(ip)) return { egressIp: ip, source: 'given' };
    return {
      source: 'given',
      error: {
        code: 'BAD_ADDRESS',
        message: `--me "${opts.given}" is not an IP address.`,
        hint: 'Give your public egress address, e.g. --me 203.0.113.7, or leave --me out to look it up.',
      },
    };
  }
  const timeoutMs = Math.max(1, opts.timeoutMs ?? 4000);
  if (opts.sim) {
    const r = await askEcho(opts.sim.echoUrl, timeoutMs, opts.signal);
    if (r.ip) return { egressIp: r.ip, source: 'sim' };
    return {
      source: 'unknown',
      error: {
        code: 'ECHO_FAILED',
        message: `The simulated region's echo endpoint failed: ${r.why}.`,
        hint: 'The simulator may have stopped; restart it, or give the address with --me.',
      },
    };
  }
  const env = opts.env ?? process.env;
  const urls = opts.echoUrl ? [opts.echoUrl] : env[ECHO_URL_ENV] ? [env[ECHO_URL_ENV]!] : DEFAULT_ECHO_URLS;
  const deadline = performance.now() + timeoutMs;
  const why: string[] = [];
  for (const url of urls) {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0 || opts.signal?.aborted) break;
    const r = await askEcho(url, left, opts.signal);
    if (r.ip) return { egressIp: r.ip, source: `echo:${safeUrl(url)}` };
    why.push(r.why!);
  }
  return {
    source: 'unknown',
    error: {
      code: 'ECHO_FAILED',
      message: `Your egress address could not be found: ${why.join('; ') || 'no time left to ask'}.`,
      hint: `Intents "from me" cannot be checked exactly without it. Give it with --me YOUR.IP, or point ${ECHO_URL_ENV} at an endpoint that answers your IP as text.`,
    },
  };
}
