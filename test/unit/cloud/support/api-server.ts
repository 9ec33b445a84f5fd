/**
 * A loopback HTTP server that speaks the Alibaba RPC protocol from the other side, for the cloud client's tests:
 * it verifies both signatures the SDK can produce (ACS3-HMAC-SHA256 and the classic HMAC-SHA1 RPC signature),
 * written here from the published algorithm (reference §1.2/§1.3), not from the SDK, then hands the decoded
 * call to a handler. Handlers answer with a body, a status, raw text (HTML pages) or a dropped connection.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ApiCall {
  action: string;
  version: string;
  params: Record<string, string>;
  signature: 'v3' | 'v2';
  accessKeyId: string;
  securityToken?: string;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface ApiReply {
  status?: number;
  /** JSON-serialised unless `raw` is given. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Destroy the socket without answering (ECONNRESET on the client). */
  reset?: boolean;
}

export type ApiHandler = (call: ApiCall, n: number) => ApiReply | Promise<ApiReply>;

export interface TestApi {
  endpoint: string;
  calls: ApiCall[];
  /** Highest number of requests in flight at once, per action prefix `product` is not known here: overall. */
  maxInFlight: number;
  close(): Promise<void>;
}

const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function verifyV3(req: IncomingMessage, url: URL, body: string, secret: string): string | undefined {
  const auth = String(req.headers.authorization ?? '');
  const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(auth);
  if (!m) return 'malformed Authorization header';
  const signed = m[2].split(';');
  const keys = [...url.searchParams.keys()].sort();
  const canonicalQuery = [...new Set(keys)]
    .map((k) => `${k}=${enc(url.searchParams.get(k) ?? '')}`)
    .join('&');
  const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
  const hashed = createHash('sha256').update(body).digest('hex');
  if (hashed !== req.headers['x-acs-content-sha256']) return 'body hash mismatch';
  const canonical = [req.method, '/', canonicalQuery, canonicalHeaders, signed.join(';'), hashed].join('\n');
  const sts = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  const want = createHmac('sha256', secret).update(sts).digest('hex');
  return want === m[3] ? undefined : 'signature mismatch (v3)';
}

function verifyV2(req: IncomingMessage, params: Record<string, string>, secret: string): string | undefined {
  const { Signature, ...rest } = params;
  if (!Signature) return 'no Signature parameter';
  const canonical = Object.keys(rest)
    .sort()
    .map((k) => `${enc(k)}=${enc(rest[k])}`)
    .join('&');
  const sts = `${req.method}&${enc('/')}&${enc(canonical)}`;
  const want = createHmac('sha1', `${secret}&`).update(sts).digest('base64');
  return want === Signature ? undefined : 'signature mismatch (v2)';
}

export async function startTestApi(opts: {
  accessKeyId: string;
  accessKeySecret: string;
  handler: ApiHandler;
}): Promise<TestApi> {
  const calls: ApiCall[] = [];
  let inFlight = 0;
  const sockets = new Set<Socket>();
  const api: TestApi = { endpoint: '', calls, maxInFlight: 0, close: async () => undefined };
  const send = (res: ServerResponse, r: ApiReply) => {
    const text = r.raw ?? JSON.stringify(r.body ?? {});
    res.writeHead(r.status ?? 200, {
      'content-type': r.contentType ?? (r.raw ? 'text/html' : 'application/json;charset=utf-8'),
      ...r.headers,
    });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      inFlight++;
      api.maxInFlight = Math.max(api.maxInFlight, inFlight);
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://x');
        const params: Record<string, string> = {};
        for (const [k, v] of url.searchParams) params[k] = v;
        for (const [k, v] of new URLSearchParams(body)) params[k] = v;
        const v2 = 'Signature' in params && 'SignatureMethod' in params;
        const accessKeyId = v2
          ? params.AccessKeyId
          : (/Credential=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '');
        const bad =
          accessKeyId !== opts.accessKeyId
            ? 'unknown key'
            : v2
              ? verifyV2(req, params, opts.accessKeySecret)
              : verifyV3(req, url, body, opts.accessKeySecret);
        if (bad) {
          const code = bad === 'unknown key' ? 'InvalidAccessKeyId.NotFound' : 'SignatureDoesNotMatch';
          send(res, {
            status: bad === 'unknown key' ? 404 : 400,
            body: { RequestId: 'SIG-1', Code: code, Message: `Specified signature is not matched (${bad}).` },
          });
          return;
        }
        const call: ApiCall = {
          action: v2 ? params.Action : String(req.headers['x-acs-action']),
          version: v2 ? params.Version : String(req.headers['x-acs-version']),
          params: Object.fromEntries(
            Object.entries(params).filter(
              ([k]) =>
                !v2 ||
                ![
                  'Action',
                  'Version',
                  'Format',
                  'Timestamp',
                  'SignatureNonce',
                  'SignatureMethod',
                  'SignatureVersion',
                  'AccessKeyId',
                  'Signature',
                  'SecurityToken',
                ].includes(k),
            ),
          ),
          signature: v2 ? 'v2' : 'v3',
          accessKeyId,
          securityToken: v2
            ? params.SecurityToken
            : (req.headers['x-acs-security-token'] as string | undefined),
          headers: req.headers,
          at: Date.now(),
        };
        calls.push(call);
        const reply = await opts.handler(call, calls.length);
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply.reset) {
          req.socket.destroy();
          return;
        }
        send(res, reply);
      } catch (e) {
        send(res, { status: 500, body: { Code: 'InternalError', Message: String(e) } });
      } finally {
        inFlight--;
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  api.endpoint = `http://127.0.0.1:${port}`;
  api.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return api;
}

/** The Alibaba error envelope. */
export function apiError(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): ApiReply {
  return {
    status,
    body: { RequestId: `REQ-${code}`, HostId: 'ecs.test', Code: code, Message: message, ...extra },
  };
}
