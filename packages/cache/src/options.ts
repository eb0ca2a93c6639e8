import { invalid } from '@ring-attractor/common';

/** Largest entry stored by default: 2 GiB, well above any artifact this project caches. */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/** An upload that sends nothing for this long is cut off, so a stalled client cannot pin a temp file. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/** How {@link startCacheServer} is configured; errors name the matching `ring-cache` flag. */
export interface CacheServerOptions {
  /** Folder holding one file per entry; created if missing. */
  dir: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to bind (default 127.0.0.1, i.e. this machine only). */
  host?: string;
  /** Bearer token that may read and write; without it (and `readToken`) the cache is open. */
  token?: string;
  /** Bearer token that may only read; needs `token`. */
  readToken?: string;
  /** Largest entry in bytes (default {@link DEFAULT_MAX_BYTES}). */
  maxBytes?: number;
  /** Receives one line per request; default writes to stderr. */
  log?: (line: string) => void;
  /** Idle time after which a connection is dropped (default {@link DEFAULT_IDLE_TIMEOUT_MS}). */
  idleTimeoutMs?: number;
}

/** {@link CacheServerOptions} checked, with defaults filled in. */
export type ResolvedOptions = Required<Omit<CacheServerOptions, 'token' | 'readToken'>> & Pick<CacheServerOptions, 'token' | 'readToken'>;

// A token travels in an HTTP header: visible ASCII only, and no spaces to confuse the Bearer split.
const TOKEN = /^[\x21-\x7e]+$/;

/** Throws a UsageError naming `field` unless `value` (when given) can be a bearer token. */
export function checkToken(field: string, value: string | undefined): void {
  if (value !== undefined && !TOKEN.test(value)) invalid(field, 'a non-empty token of visible ASCII characters without spaces');
}

/** Validates `opts` (throwing a one-line UsageError naming the flag) and fills in defaults. */
export function resolveOptions(opts: CacheServerOptions): ResolvedOptions {
  if (typeof opts.dir !== 'string' || opts.dir.trim() === '') invalid('--dir', 'a folder path', opts.dir);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) invalid('--port', 'an integer in [0, 65535]', opts.port);
  const host = opts.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.trim() === '') invalid('--host', 'an address or host name', host);
  checkToken('--token', opts.token);
  checkToken('--read-token', opts.readToken);
  if (opts.readToken !== undefined && opts.token === undefined) invalid('--read-token', 'to be given together with --token (the token that may write)');
  if (opts.readToken !== undefined && opts.readToken === opts.token) invalid('--read-token', 'a different token from --token');
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) invalid('--max-bytes', 'a positive integer number of bytes', opts.maxBytes);
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 1) invalid('idleTimeoutMs', 'a positive integer', opts.idleTimeoutMs);
  return {
    dir: opts.dir,
    port: opts.port,
    host,
    token: opts.token,
    readToken: opts.readToken,
    maxBytes,
    idleTimeoutMs,
    log: opts.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}
