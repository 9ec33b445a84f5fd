/**
 * Every failure of a cloud call becomes a CloudError that says what happened, what it means and what to do
 * next — naming the credential source for key errors and the exact RAM action for permission errors. Messages
 * pass through `redact` so an AccessKey secret or STS token can never leak into a screen, log or report.
 */
import type { SourceError } from '../model/index.js';
import { PRODUCT_INFO, type Product } from './endpoints.js';

export interface CloudErrorInit {
  code: string;
  message: string;
  status?: number;
  requestId?: string;
  hint?: string;
  ramAction?: string;
  retryable?: boolean;
  product?: Product;
  action?: string;
  /** Alibaba's troubleshooting link (`Recommend`), when the gateway gave one. */
  recommend?: string;
}

export class CloudError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly hint?: string;
  readonly ramAction?: string;
  readonly retryable: boolean;
  readonly product?: Product;
  readonly action?: string;
  readonly recommend?: string;

  constructor(init: CloudErrorInit) {
    super(init.message);
    this.name = 'CloudError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.hint = init.hint;
    this.ramAction = init.ramAction;
    this.retryable = init.retryable ?? false;
    this.product = init.product;
    this.action = init.action;
    this.recommend = init.recommend;
  }

  toSourceError(): SourceError {
    const e: SourceError = { code: this.code, message: this.message };
    if (this.hint) e.hint = this.hint;
    if (this.ramAction) e.ramAction = this.ramAction;
    return e;
  }
}

export function isCloudError(e: unknown): e is CloudError {
  return e instanceof CloudError;
}

/** Any thrown value as a SourceError safe to show. */
export function toSourceError(e: unknown, secrets: readonly string[] = []): SourceError {
  if (e instanceof CloudError) return e.toSourceError();
  const err = e as { code?: unknown; message?: unknown };
  return {
    code: typeof err?.code === 'string' ? err.code : 'ERROR',
    message: redact(String(err?.message ?? e), secrets),
  };
}

/** Context a call failed in: used to word the guidance. */
export interface ErrorContext {
  product: Product;
  action: string;
  region: string;
  /** `env`, `cli_profile:default`, `profile:default`, `explicit`, `ecs_ram_role`, … */
  credentialSource: string;
  /** Masked AccessKey ID (`LTAI…9xYz`), when known. */
  accessKeyHint?: string;
  /** Endpoint host the call went to. */
  endpoint: string;
  /** Values that must never appear in a message (secret, token). */
  secrets: readonly string[];
  write: boolean;
}

export function ramActionOf(product: Product, action: string): string {
  return `${PRODUCT_INFO[product].ramPrefix}:${action}`;
}

export function maskKeyId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (id.length <= 8) return `${id.slice(0, 2)}…`;
  return `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/**
 * Removes secrets from text: the given values, anything after `server string to sign is:` (the gateway echoes
 * the signed parameters, which include an STS token under the v2 signature), and `Signature=`/`SecurityToken=`
 * query values.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/\s*server string to sign is:.*$/is, ' (string to sign withheld)');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  out = out.replace(
    /((?:SecurityToken|Signature|AccessKeySecret|access_key_secret|sts_token)[=:"\s]+)[^&\s"',}]+/gi,
    '$1***',
  );
  return out;
}

const THROTTLE_RE = /^(Throttling|Rejected\.Throttling|ServiceUnavailable|Throttling\..*)$/;

export function isThrottleCode(code: string | undefined): boolean {
  return !!code && /^(Throttling|Rejected\.Throttling)/.test(code);
}

function credentialFix(ctx: ErrorContext): string {
  const src = ctx.credentialSource;
  const key = ctx.accessKeyHint ? ` (AccessKey ID ${ctx.accessKeyHint})` : '';
  if (src === 'env')
    return `The key${key} came from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET): export a valid pair, or unset them to fall back to ~/.aliyun/config.json.`;
  if (src.startsWith('cli_profile:')) {
    const p = src.slice('cli_profile:'.length);
    return `The key${key} came from profile "${p}" in ~/.aliyun/config.json: run \`aliyun configure --profile ${p}\` to store a valid pair, or choose another profile with --profile.`;
  }
  if (src.startsWith('profile:')) {
    const p = src.slice('profile:'.length);
    return `The key${key} came from section [${p}] of ~/.alibabacloud/credentials: fix access_key_id/access_key_secret there, or choose another profile with --profile.`;
  }
  if (src === 'explicit')
    return `The key${key} was passed explicitly to netdoctor: check the values given (for the simulator, use the pair printed by \`netdoctor sim\`).`;
  if (src === 'ecs_ram_role')
    return `The key came from the RAM role of this ECS instance (metadata service): check the role attached to the instance, or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET.`;
  if (src === 'oidc_role_arn')
    return `The key came from OIDC role assumption (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_*): check the role and token file.`;
  if (src === 'credentials_uri')
    return `The key came from ALIBABA_CLOUD_CREDENTIALS_URI: check what that endpoint returns.`;
  return `The key${key} came from ${src}: check it, or pass --profile to pick another one.`;
}

interface SdkErrorLike {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  data?: Record<string, any>;
  accessDeniedDetail?: Record<string, any>;
}

function serverMessage(e: SdkErrorLike): string {
  const m = e.data?.Message ?? e.data?.message;
  if (typeof m === 'string' && m) return m;
  return String(e.message ?? '');
}

/** Turns anything the SDK (or Node) throws into a CloudError with guidance. */
export function fromSdkError(raw: unknown, ctx: ErrorContext): CloudError {
  if (raw instanceof CloudError) return raw;
  const e = (raw ?? {}) as SdkErrorLike;
  const what = `${ramActionOf(ctx.product, ctx.action)} on ${ctx.endpoint}`;
  const safe = (s: string) => redact(s, ctx.secrets);

  // HTML (or any non-JSON) error body: the SDK tries JSON.parse and throws a bare SyntaxError.
  if (e.name === 'SyntaxError') {
    return new CloudError({
      code: 'BAD_RESPONSE',
      message: `${what} answered with a page that is not an API response (not JSON).`,
      hint: 'Something between netdoctor and the API (a proxy, gateway or captive portal) returned an error page, usually a 502/503. It was retried; check HTTPS_PROXY/--endpoint and try again shortly.',
      retryable: !ctx.write,
      product: ctx.product,
      action: ctx.action,
    });
  }

  if (e.name === 'RequestTimeoutError' || /ReadTimeout|ConnectTimeout/.test(String(e.message))) {
    const connect = /Connect/i.test(String(e.message));
    return new CloudError({
      code: connect ? 'CONNECT_TIMEOUT' : 'READ_TIMEOUT',
      message: `${what} timed out (${connect ? 'no connection' : 'no answer'} in time).`,
      hint: connect
        ? `The endpoint ${ctx.endpoint} could not be reached: check the network, a proxy (HTTPS_PROXY), or --endpoint.`
        : 'The API accepted the connection but did not answer in time; netdoctor retried reads. Try again, or raise the timeout.',
      // A read that timed out may be retried; a write may have happened, so it is not repeated blindly.
      retryable: !ctx.write,
      product: ctx.product,
      action: ctx.action,
    });
  }

  const code = typeof e.code === 'string' && e.code && e.code !== 'undefined' ? e.code : 'ERROR';
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;

  if (/^E[A-Z]+$/.test(code) && status === undefined) return networkError(code, e, ctx, what);

  const requestId = (e.data?.RequestId ?? e.data?.requestId) as string | undefined;
  const recommend = typeof e.data?.Recommend === 'string' ? (e.data.Recommend as string) : undefined;
  const msg = safe(serverMessage(e));
  const base: CloudErrorInit = {
    code,
    status,
    requestId,
    recommend,
    product: ctx.product,
    action: ctx.action,
    message: `${ramActionOf(ctx.product, ctx.action)} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${msg}`,
  };
  return new CloudError({ ...base, ...guidance(code, status, e, ctx) });
}

function networkError(code: string, e: SdkErrorLike, ctx: ErrorContext, what: string): CloudError {
  const transient = ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN'].includes(code);
  const hints: Record<string, string> = {
    ECONNREFUSED: `Nothing accepts connections at ${ctx.endpoint}. If you passed --endpoint, is that server (e.g. \`netdoctor sim\`) running?`,
    ENOTFOUND: `The host ${ctx.endpoint} does not resolve: check DNS, the region (--region ${ctx.region}) or --endpoint.`,
    EAI_AGAIN: `DNS lookup of ${ctx.endpoint} failed for now: check the resolver and retry.`,
    ECONNRESET:
      'The connection was reset mid-call (a proxy, NAT or the server closed it); netdoctor retried reads.',
    ETIMEDOUT: `The connection to ${ctx.endpoint} timed out: check the network path or proxy.`,
    ENETDOCTORGUARD: 'The test network guard refused this destination (tests may reach only loopback).',
  };
  return new CloudError({
    code,
    message: `${what} failed: ${redact(String(e.message ?? code), ctx.secrets)
      .replace(/(POST|GET) https?:\/\/\S+ failed\.?$/, '')
      .trim()}`,
    hint: hints[code] ?? `A network error (${code}) stopped the call to ${ctx.endpoint}.`,
    retryable: transient && !ctx.write,
    product: ctx.product,
    action: ctx.action,
  });
}

function guidance(
  code: string,
  status: number | undefined,
  e: SdkErrorLike,
  ctx: ErrorContext,
): Partial<CloudErrorInit> {
  const ram = ramActionOf(ctx.product, ctx.action);
  if (
    /^InvalidAccessKeyId/.test(code) ||
    code === 'Forbidden.AccessKeyDisabled' ||
    code === 'InvalidAccessKey'
  ) {
    const disabled = code === 'Forbidden.AccessKeyDisabled' || /Inactive/.test(code);
    return {
      hint: `${disabled ? 'This AccessKey is disabled.' : 'Alibaba Cloud does not know this AccessKey ID.'} ${credentialFix(ctx)}`,
    };
  }
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature' || code === 'InvalidSignature')
    return {
      hint: `The AccessKey secret does not match the AccessKey ID. ${credentialFix(ctx)}`,
    };
  if (/^(IllegalTimestamp|InvalidTimeStamp|SignatureNonceUsed)/.test(code))
    return {
      hint: "The request's clock or nonce was rejected: this machine's clock is probably off. Sync it (chrony/ntp: `timedatectl set-ntp true`) and retry.",
      retryable: code === 'SignatureNonceUsed',
    };
  if (/^InvalidSecurityToken/.test(code) || code === 'SecurityTokenExpired')
    return { hint: `The STS token is expired or malformed. ${credentialFix(ctx)}` };
  if (
    /^Forbidden(\.RAM|\.Unauthorized|\.SubUser|\.NotSupportRAM)?$/.test(code) ||
    /NoPermission$/.test(code) ||
    code === 'AccessForbidden' ||
    code === 'NoPermission' ||
    (status === 403 && /permission|not authorized|forbidden/i.test(serverMessage(e)))
  ) {
    const detail = e.accessDeniedDetail ?? e.data?.AccessDeniedDetail;
    const authAction = typeof detail?.AuthAction === 'string' && detail.AuthAction ? detail.AuthAction : ram;
    const explicit = detail?.NoPermissionType === 'ExplicitDeny';
    const who = detail?.AuthPrincipalDisplayName ? ` (${detail.AuthPrincipalDisplayName})` : '';
    return {
      ramAction: authAction,
      hint: explicit
        ? `An explicit Deny in a ${detail?.PolicyType ?? 'RAM'} policy blocks ${authAction} for this identity${who}; granting it will not help — remove or narrow that Deny statement.`
        : `The RAM identity${who} lacks permission ${authAction}. Grant it (docs/ram-policy.json is the minimal read-only policy netdoctor needs; attach it in the RAM console or with \`aliyun ram AttachPolicyToUser\`). Other checks continue without it.`,
    };
  }
  if (isThrottleCode(code))
    return {
      retryable: true,
      hint: `The API rate-limited ${ram} (${code}); netdoctor backed off and retried. If it persists, other tools are using the same account's quota.`,
    };
  if (code === 'ServiceUnavailable' || code === 'InternalError' || (status !== undefined && status >= 500))
    return {
      retryable: !ctx.write || code === 'ServiceUnavailable',
      hint: `Alibaba Cloud reported a temporary server-side failure (${code}); netdoctor retried. Try again shortly.`,
    };
  if (/^InvalidRegionId/.test(code) || code === 'InvalidRegion')
    return {
      hint: `Region "${ctx.region}" is not valid for ${ctx.product.toUpperCase()}: pass --region (e.g. cn-hangzhou) or set region_id in your aliyun profile.`,
    };
  if (/NotFound$/.test(code))
    return {
      hint: `The resource was not found in region ${ctx.region}: check the id, and that --region is where it lives.`,
    };
  if (code === 'IncorrectInstanceStatus' || code === 'IncorrectEipStatus')
    return {
      hint: 'The resource is in a state that does not allow this operation now; wait for it to settle and retry.',
    };
  if (code === 'OperationConflict' || code === 'LastTokenProcessing' || code === 'TaskConflict')
    return {
      retryable: true,
      hint: 'Another operation on the same resource is in progress; retry in a few seconds.',
    };
  if (code === 'InvalidCredentials')
    return {
      hint: 'No credentials were found. Set ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET, or run `aliyun configure`, or pass --profile.',
    };
  return {
    retryable: THROTTLE_RE.test(code),
    hint: e.data?.Recommend ? `Alibaba's troubleshooting page: ${e.data.Recommend}` : undefined,
  };
}
