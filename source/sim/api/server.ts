/**
 * The simulated region's HTTP front door: one node:http server for ECS, VPC, CMS and ActionTrail, told apart by
 * `x-acs-version`/`Version` and `x-acs-action`/`Action` as any endpoint given to `--endpoint` must be. It verifies
 * the caller's signature (V3 header or V2 query), applies the scenario's RAM denials and injected faults, and
 * answers in Alibaba's envelopes. Two unsigned helper routes serve the operator-side view: probe answers and
 * the echo of the operator's address (source/sim/advert.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { SIM_HEADER } from '../advert.js';
import { answerProbe } from '../probe.js';
import { ACL_WRITES } from './acl-write.js';
import { ACTIONTRAIL } from './actiontrail.js';
import { ASSISTANT } from './assistant.js';
import { CMS } from './cms.js';
import type { ApiCall, Handler, ProductName, SimContext } from './context.js';
import { ECS_READS } from './ecs.js';
import { ECS_WRITES } from './ecs-write.js';
import { VPC_WRITES } from './eip-write.js';
import { ApiError, RAM_DENIED_MESSAGE, THROTTLED_MESSAGE } from './errors.js';
import { defaultErrorFor, FaultInjector, PROXY_502_PAGE } from './faults.js';
import { requestId } from './format.js';
import { Params } from './params.js';
import { authenticate } from './verify.js';
import { VPC_READS } from './vpc.js';
import { settle } from './world-ops.js';

interface ProductDef {
  name: ProductName;
  /** RAM action prefix. */
  ram: string;
  /** Host part of HostId and of the trouble-shooting link. */
  host: string;
  actions: Record<string, Handler>;
}

export const PRODUCTS: Record<string, ProductDef> = {
  '2014-05-26': {
    name: 'Ecs',
    ram: 'ecs',
    host: 'ecs',
    actions: { ...ECS_READS, ...ECS_WRITES, ...ASSISTANT },
  },
  '2016-04-28': {
    name: 'Vpc',
    ram: 'vpc',
    host: 'vpc',
    actions: { ...VPC_READS, ...VPC_WRITES, ...ACL_WRITES },
  },
  '2019-01-01': { name: 'Cms', ram: 'cms', host: 'metrics', actions: CMS },
  '2020-07-06': { name: 'Actiontrail', ram: 'actiontrail', host: 'actiontrail', actions: ACTIONTRAIL },
};

export interface ApiServer {
  server: Server;
  host: string;
  port: number;
  /** `http://host:port`. */
  url: string;
  faults: FaultInjector;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError('InvalidParameter', 413, 'The request body is larger than 8 MB.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function flatten(q: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** A glob over RAM actions: `ecs:RunCommand`, `ecs:*`, `*`, `vpc:Describe*`. */
function denied(patterns: string[], ramAction: string): boolean {
  return patterns.some((p) => {
    const re = new RegExp(
      `^${p
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    return re.test(ramAction);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startApiServer(
  ctx: SimContext,
  opts: { host: string; port: number },
): Promise<ApiServer> {
  const faults = new FaultInjector(() => ctx.world.faults);

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    rid: string,
    type = 'application/json;charset=utf-8',
  ) => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'x-acs-request-id': rid,
      [SIM_HEADER]: ctx.world.name,
    });
    res.end(body);
  };

  const sendError = (res: ServerResponse, e: ApiError, rid: string, product?: ProductDef) => {
    const host = `${product?.host ?? 'ecs'}.${ctx.world.region}.aliyuncs.com`;
    const body = {
      RequestId: rid,
      HostId: host,
      Code: e.code,
      Message: e.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(e.code)}&product=${product?.name ?? 'Ecs'}&requestId=${rid}`,
      ...e.extra,
    };
    send(res, e.status, JSON.stringify(body), rid);
  };

  const special = (res: ServerResponse, url: URL, rid: string) => {
    settle(ctx);
    if (url.pathname === '/__netdoctor/echo') {
      send(res, 200, ctx.world.operator.ip, rid, 'text/plain; charset=utf-8');
      return;
    }
    if (url.pathname === '/__netdoctor/probe') {
      const q = url.searchParams;
      const kind = q.get('kind');
      const host = q.get('host') ?? '';
      const bad = (why: string) => send(res, 400, JSON.stringify({ error: why }), rid);
      if (kind === 'tcp') {
        const port = Number(q.get('port'));
        if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
          return bad('kind=tcp needs host= and port= (1–65535)');
        return send(res, 200, JSON.stringify(answerProbe(ctx.world, { kind, host, port }, ctx.now())), rid);
      }
      if (kind === 'ping') {
        if (!host) return bad('kind=ping needs host=');
        return send(res, 200, JSON.stringify(answerProbe(ctx.world, { kind, host }, ctx.now())), rid);
      }
      if (kind === 'dns') {
        const name = (q.get('name') ?? '').replace(/\.$/, '').toLowerCase();
        if (!name) return bad('kind=dns needs name=');
        const addresses = ctx.world.internet.dns[name] ?? [];
        const server = q.get('server') ?? undefined;
        const answer = {
          name,
          ...(server ? { server } : {}),
          ok: addresses.length > 0,
          addresses,
          ...(addresses.length ? {} : { error: 'NXDOMAIN' }),
          ms: 3,
        };
        return send(res, 200, JSON.stringify(answer), rid);
      }
      return bad('kind must be tcp, ping or dns');
    }
    send(res, 404, JSON.stringify({ error: `no such simulator route: ${url.pathname}` }), rid);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const rid = requestId();
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__netdoctor/')) return special(res, url, rid);
    let product: ProductDef | undefined;
    try {
      const raw = await readBody(req);
      const query = parseQuery(url.search.replace(/^\?/, ''));
      const ctype = String(req.headers['content-type'] ?? '');
      const form = ctype.includes('application/x-www-form-urlencoded')
        ? parseQuery(raw.toString('utf8'))
        : {};
      const flat = { ...flatten(query), ...flatten(form) };
      const action = String(req.headers['x-acs-action'] ?? flat.Action ?? '');
      const version = String(req.headers['x-acs-version'] ?? flat.Version ?? '');
      if (!action)
        throw new ApiError('MissingParameter', 400, 'The input parameter "Action" is not supplied.');
      product = PRODUCTS[version];
      if (!product)
        throw new ApiError(
          'InvalidVersion',
          400,
          `Specified parameter Version (${version || 'missing'}) is not valid: this endpoint serves ${Object.keys(PRODUCTS).join(', ')}.`,
        );
      const handler = product.actions[action];
      if (!handler)
        throw new ApiError(
          'InvalidAction.NotFound',
          404,
          `Specified api is not found, please check your url and method. (${product.name} ${version} ${action})`,
        );
      const accessKeyId = authenticate(ctx, req, { url, query, flat, raw });
      const ramAction = `${product.ram}:${action}`;
      if (denied(ctx.world.deny, ramAction))
        throw new ApiError('Forbidden.RAM', 403, RAM_DENIED_MESSAGE, {
          AccessDeniedDetail: {
            PolicyType: 'AccountLevelIdentityBasedPolicy',
            AuthPrincipalOwnerId: ctx.world.account.id,
            AuthPrincipalType: 'SubUser',
            AuthPrincipalDisplayName: ctx.world.account.userName ?? 'netdoctor',
            NoPermissionType: 'ImplicitDeny',
            AuthAction: ramAction,
            EncodedDiagnosticMessage: Buffer.from(`deny ${ramAction} for ${accessKeyId}`).toString('base64'),
          },
        });
      const wait = faults.latency(action);
      if (wait > 0) await sleep(wait);
      if (!faults.admit(action)) throw new ApiError('Throttling.User', 400, THROTTLED_MESSAGE);
      const fail = faults.failure(action);
      if (fail) {
        if (fail.body === 'reset') {
          req.socket.destroy();
          return;
        }
        const def = defaultErrorFor(fail.status);
        if (fail.body === 'html') return send(res, fail.status || 502, PROXY_502_PAGE, rid, 'text/html');
        if (fail.body === 'json-200')
          return send(
            res,
            200,
            JSON.stringify({
              RequestId: rid,
              Code: fail.code ?? def.code,
              Message: fail.message ?? def.message,
              Success: false,
            }),
            rid,
          );
        throw new ApiError(fail.code ?? def.code, fail.status, fail.message ?? def.message);
      }
      ctx.state.calls.set(action, (ctx.state.calls.get(action) ?? 0) + 1);
      settle(ctx);
      const call: ApiCall = {
        ctx,
        product: product.name,
        action,
        version,
        params: new Params(flat),
        requestId: rid,
        baseUrl: `http://${req.headers.host ?? `${opts.host}:${opts.port}`}`,
        userAgent: String(req.headers['user-agent'] ?? ''),
        accessKeyId,
      };
      const body = await handler(call);
      send(res, 200, JSON.stringify({ RequestId: rid, ...body }), rid);
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : new ApiError(
              'InternalError',
              500,
              `The simulator failed to answer: ${(err as Error)?.message ?? String(err)}`,
            );
      if (!res.headersSent && !res.destroyed) sendError(res, e, rid, product);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    host,
    port: addr.port,
    url: `http://${hostPart}:${addr.port}`,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
