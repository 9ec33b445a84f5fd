/**
 * Scrubs secrets from anything the remediation side writes or shows: the audit log, previews, results and
 * error details. Known secret values (the AccessKey secret, an STS token, the simulator's guest password) are
 * passed in; on top of that, anything shaped like a secret is masked — PEM private keys, `Authorization`
 * headers, `password=…`-style pairs, STS tokens, Alibaba-style 30-character AccessKey secrets, URL
 * passwords — and object fields whose name says they hold one. Over-masking is acceptable; a leak is not.
 */

export const REDACTED = '***';

/** Field names (lower-cased, without `_`, `-`, `.`) whose value is always a secret. */
const SECRET_FIELDS = new Set([
  'accesskeysecret',
  'secretaccesskey',
  'secret',
  'secretkey',
  'clientsecret',
  'securitytoken',
  'ststoken',
  'sessiontoken',
  'token',
  'accesstoken',
  'refreshtoken',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'privatekey',
  'authorization',
  'apikey',
  'signature',
  'cookie',
]);

export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase().replace(/[-_.\s]/g, ''));
}

const NAME =
  '(?:access[_-]?key[_-]?secret|accesskeysecret|secret[_-]?access[_-]?key|client[_-]?secret|secret[_-]?key|secret|security[_-]?token|sts[_-]?token|session[_-]?token|access[_-]?token|refresh[_-]?token|password|passwd|pwd|passphrase|private[_-]?key|api[_-]?key|signature)';

// `name=value`, `name: value`, `"name": "value"`, `name='a b'`: keep the name, mask the value.
const PAIR_RE = new RegExp(
  `(["']?\\b${NAME}\\b["']?[ \\t]*[:=][ \\t]*)(?:"((?:[^"\\\\]|\\\\.)*)"|'([^']*)'|([^\\s"'&,;}\\]]+))`,
  'gi',
);
// `--password X`, `--access-key-secret=X`, `-p` is too ambiguous to touch.
const FLAG_RE = new RegExp(`(--${NAME}(?:[ =]))(\\S+)`, 'gi');
const PEM_RE = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const AUTH_HEADER_RE = /(\bauthorization["']?\s*[:=]\s*["']?)[^\r\n"']+/gi;
const STS_RE = /\bCAIS[A-Za-z0-9+/=_-]{40,}/g;
const URL_PASSWORD_RE = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;
const AK_SECRET_RE = /\b[A-Za-z0-9]{30}\b/g;

function looksLikeAkSecret(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s);
}

/** Masks secrets in free text. `secrets`: exact values to remove wherever they appear (4+ characters). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const known = [...secrets]
    .filter((s) => typeof s === 'string' && s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const s of known) out = out.split(s).join(REDACTED);
  out = out.replace(
    PEM_RE,
    (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY----- ${REDACTED} -----END ${kind}PRIVATE KEY-----`,
  );
  out = out.replace(AUTH_HEADER_RE, `$1${REDACTED}`);
  out = out.replace(PAIR_RE, (_m, head: string, dq?: string, sq?: string, bare?: string) => {
    const v = dq ?? sq ?? bare ?? '';
    if (v === REDACTED || v === '') return _m;
    if (dq !== undefined) return `${head}"${REDACTED}"`;
    if (sq !== undefined) return `${head}'${REDACTED}'`;
    return `${head}${REDACTED}`;
  });
  out = out.replace(FLAG_RE, `$1${REDACTED}`);
  out = out.replace(STS_RE, REDACTED);
  out = out.replace(URL_PASSWORD_RE, `$1${REDACTED}@`);
  out = out.replace(AK_SECRET_RE, (m) => (looksLikeAkSecret(m) ? REDACTED : m));
  return out;
}

/**
 * A deep copy of `value` with every secret masked: string leaves through redactText, fields named like a
 * secret replaced whole. Binary data is summarised, cycles are cut, functions dropped.
 */
export function redactValue<T>(value: T, secrets: readonly string[] = []): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, key?: string): unknown => {
    if (key !== undefined && isSecretField(key) && v !== undefined && v !== null && v !== '') return REDACTED;
    if (typeof v === 'string') return redactText(v, secrets);
    if (v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v;
    if (v instanceof Date) return v.toISOString();
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return `[${(v as Uint8Array).byteLength} bytes]`;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    if (v instanceof Error) {
      const e: Record<string, unknown> = { name: v.name, message: redactText(v.message, secrets) };
      for (const [k, x] of Object.entries(v)) e[k] = walk(x, k);
      return e;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v instanceof Map) return walk(Object.fromEntries(v));
    if (v instanceof Set) return walk([...v]);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = walk(x, k);
      if (r !== undefined) out[k] = r;
    }
    return out;
  };
  return walk(value) as T;
}
