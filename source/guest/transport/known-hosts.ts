/**
 * known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): parse, verify a presented host key, fingerprint it
 * the way OpenSSH prints it, and append a newly accepted key. The checks run before any authentication
 * so a failed check never lets a credential reach the server.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { matchPatternList } from './ssh-config-syntax.js';

export interface HostKey {
  /** Key type as in the wire blob: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, … */
  type: string;
  /** The SSH wire-format public key blob. */
  blob: Buffer;
}

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated host patterns as written (absent for a hashed entry). */
  patterns?: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  key: HostKey;
  comment?: string;
}

export interface KnownHostsParse {
  entries: KnownHostEntry[];
  /** Lines that could not be read (kept for the message, never fatal). */
  invalid: { file: string; line: number; why: string }[];
}

export type HostKeyStatus = 'ok' | 'unknown' | 'changed' | 'revoked';

export interface HostKeyCheck {
  status: HostKeyStatus;
  /** The entry that vouches for (ok) or revokes (revoked) the key. */
  match?: KnownHostEntry;
  /** Entries of the same key type for this host holding a different key (changed). */
  conflicts: KnownHostEntry[];
  /** Key types known for this host other than the presented one (unknown with other types on file). */
  otherTypes: string[];
  /** A `@cert-authority` line covers this host (ssh2 does not verify host certificates; noted only). */
  certAuthority: boolean;
  fingerprint: string;
}

/** `SHA256:<base64 without padding>` of the key blob, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type stored in the first string of the wire blob. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  if (n > blob.length - 4 || n > 64) return 'unknown';
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** Parses `ssh-ed25519 AAAA… comment` (an OpenSSH public key line). */
export function parsePublicKey(text: string): HostKey | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2) return undefined;
  const blob = Buffer.from(parts[1], 'base64');
  if (blob.length < 8 || blob.toString('base64').replace(/=+$/, '') !== parts[1].replace(/=+$/, ''))
    return undefined;
  const type = keyTypeOfBlob(blob);
  if (type !== parts[0]) return undefined;
  return { type, blob };
}

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** A short label for a key type: ED25519, RSA, ECDSA (what OpenSSH's messages say). */
export function keyTypeLabel(type: string): string {
  if (type.includes('ed25519')) return 'ED25519';
  if (type.includes('ecdsa')) return 'ECDSA';
  if (type.includes('rsa')) return 'RSA';
  if (type.includes('dss')) return 'DSA';
  return type;
}

/** ssh-keyscan's `-t` name for a key type. */
export function keyscanType(type: string): string {
  if (type === 'ssh-ed25519') return 'ed25519';
  if (type.startsWith('ecdsa-')) return 'ecdsa';
  if (type === 'ssh-rsa') return 'rsa';
  return type;
}

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostsParse {
  const entries: KnownHostEntry[] = [];
  const invalid: KnownHostsParse['invalid'] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0].startsWith('@')) {
      const m = parts.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        invalid.push({ file, line: i + 1, why: `unknown marker ${m}` });
        continue;
      }
    }
    if (parts.length < 3) {
      invalid.push({ file, line: i + 1, why: 'expected: hosts keytype key' });
      continue;
    }
    const [hosts, type, b64, ...rest] = parts;
    const key = parsePublicKey(`${type} ${b64}`);
    if (!key) {
      invalid.push({ file, line: i + 1, why: `key of type ${type} does not decode` });
      continue;
    }
    const entry: KnownHostEntry = { file, line: i + 1, key };
    if (marker) entry.marker = marker;
    if (rest.length) entry.comment = rest.join(' ');
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
    if (hashed)
      entry.hashed = { salt: Buffer.from(hashed[1], 'base64'), hash: Buffer.from(hashed[2], 'base64') };
    else entry.patterns = hosts.split(',');
    entries.push(entry);
  }
  return { entries, invalid };
}

/** HMAC-SHA1 of the name keyed by the salt: how `HashKnownHosts yes` stores a host. */
export function hashHostName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

/** Does this entry name the host? `name` is what knownHostName() gives. A negated pattern vetoes. */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) return hashHostName(name, entry.hashed.salt).equals(entry.hashed.hash);
  return matchPatternList(name, entry.patterns ?? []);
}

/**
 * Verifies `key` for `name` against entries (all files, in order). Revoked wins over everything; a matching
 * key is ok; the same type with a different key is changed; otherwise unknown.
 */
export function verifyHostKey(entries: KnownHostEntry[], name: string, key: HostKey): HostKeyCheck {
  const fingerprint = fingerprintSha256(key.blob);
  const check: HostKeyCheck = {
    status: 'unknown',
    conflicts: [],
    otherTypes: [],
    certAuthority: false,
    fingerprint,
  };
  for (const e of entries) {
    if (e.marker === 'revoked' && e.key.blob.equals(key.blob)) {
      return { ...check, status: 'revoked', match: e };
    }
  }
  const mine = entries.filter((e) => e.marker !== 'revoked' && entryMatches(e, name));
  check.certAuthority = mine.some((e) => e.marker === 'cert-authority');
  const plain = mine.filter((e) => e.marker === undefined);
  const ok = plain.find((e) => e.key.type === key.type && e.key.blob.equals(key.blob));
  if (ok) return { ...check, status: 'ok', match: ok };
  check.conflicts = plain.filter((e) => e.key.type === key.type);
  if (check.conflicts.length) return { ...check, status: 'changed' };
  check.otherTypes = [...new Set(plain.map((e) => e.key.type))];
  return check;
}

/** Key types already on file for a host, so the client can prefer them in negotiation (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = entries.filter((e) => e.marker === undefined && entryMatches(e, name)).map((e) => e.key.type);
  return [...new Set(types)];
}

/** One known_hosts line for the key; hashed (`|1|salt|hash`) when asked, like `HashKnownHosts yes`. */
export function knownHostsLine(
  name: string,
  key: HostKey,
  opts: { hash?: boolean; salt?: Buffer } = {},
): string {
  let hostField = name;
  if (opts.hash) {
    const salt = opts.salt ?? randomBytes(20);
    hostField = `|1|${salt.toString('base64')}|${hashHostName(name, salt).toString('base64')}`;
  }
  return `${hostField} ${key.type} ${key.blob.toString('base64')}`;
}
