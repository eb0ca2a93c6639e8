import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { createAuthorizer, type Access } from './auth.js';
import { isValidHash } from './hash.js';
import { resolveOptions, type CacheServerOptions, type ResolvedOptions } from './options.js';
import { CacheStore, STALE_TEMP_MS } from './store.js';

/** A running cache server. */
export interface CacheServer {
  /** Base URL to put in `NX_SELF_HOSTED_REMOTE_CACHE_SERVER`, e.g. `http://127.0.0.1:4567`. */
  url: string;
  /** The port actually bound (the free one picked when asked for port 0). */
  port: number;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then cuts the rest off. */
  close(graceMs?: number): Promise<void>;
}

const PREFIX = '/v1/cache/';

/** How one request ended, for the log line. */
interface Outcome {
  status: number | 'aborted';
  bytes: number;
  /** Why, when the status alone would mislead whoever reads the log. */
  note?: string;
}

/** Text shown in a log line for what the client sent: quoted and cut short if it is not a plain hash. */
function shown(text: string): string {
  return isValidHash(text) ? text : JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Sends a plain-text reply (nx prints the text of a 401 to its user). */
function reply(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): Outcome {
  const body = `${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
  return { status, bytes: 0 };
}

/** Starts a server implementing nx's self-hosted remote cache API over the folder `opts.dir`. */
export async function startCacheServer(options: CacheServerOptions): Promise<CacheServer> {
  const opts = resolveOptions(options);
  const store = await CacheStore.open(opts.dir);
  const authorize = createAuthorizer(opts);
  const inFlight = new Set<Promise<void>>();

  const server = createServer((req, res) => track(req, res, false));
  // Answering `Expect: 100-continue` ourselves lets a refused upload be refused before its body is sent.
  server.on('checkContinue', (req, res) => track(req, res, true));
  // A cache entry may be large and a link slow: no limit on a whole request, only on silence.
  server.requestTimeout = 0;
  server.setTimeout(opts.idleTimeoutMs);

  function track(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    const started = performance.now();
    const path = (req.url ?? '').split('?')[0];
    const what = path.startsWith(PREFIX) ? shown(path.slice(PREFIX.length)) : shown(path);
    const done: Promise<void> = handle(req, res, expectsContinue, opts, store, authorize)
      .catch((err: unknown): Outcome => {
        const why = err instanceof Error ? err.message : String(err);
        if (req.destroyed || res.destroyed) return { status: 'aborted', bytes: 0 };
        opts.log(`ring-cache: internal error on ${req.method} ${what}: ${why}`);
        if (res.headersSent) {
          res.destroy();
          return { status: 'aborted', bytes: 0 };
        }
        // The cause (a full disk, a permission) is for the server's log, not for every client.
        return reply(res, 500, 'ring-cache: internal error, see the server log', { Connection: 'close' });
      })
      .then((outcome) => {
        const ms = (performance.now() - started).toFixed(0);
        opts.log(`ring-cache: ${req.method} ${what} ${outcome.status} ${outcome.bytes} B ${ms} ms${outcome.note ? ` (${outcome.note})` : ''}`);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }

  const sweep = setInterval(() => {
    store.removeStaleTemps().catch((err: Error) => opts.log(`ring-cache: could not sweep temp files: ${err.message}`));
  }, STALE_TEMP_MS);
  sweep.unref();

  server.listen(opts.port, opts.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    clearInterval(sweep);
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close(graceMs = 5000) {
      closing ??= (async () => {
        clearInterval(sweep);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
        await Promise.race([Promise.all(inFlight), grace]);
        clearTimeout(timer);
        // Cut-off uploads throw inside their handlers, which remove their temp files before settling.
        server.closeAllConnections();
        await Promise.all(inFlight);
        await stopped;
      })();
      return closing;
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue: boolean,
  opts: ResolvedOptions,
  store: CacheStore,
  authorize: ReturnType<typeof createAuthorizer>,
): Promise<Outcome> {
  const path = (req.url ?? '').split('?')[0];
  if (!path.startsWith(PREFIX)) return reply(res, 404, `ring-cache: nothing here; entries live under ${PREFIX}{hash}`);
  const method = req.method ?? '';
  const needs: Access | undefined = method === 'GET' || method === 'HEAD' ? 'read' : method === 'PUT' ? 'write' : undefined;
  if (needs === undefined) return reply(res, 405, `ring-cache: method ${method} not allowed`, { Allow: 'GET, HEAD, PUT' });

  // A refused upload is answered without reading its body. Its body is then drained to keep the
  // connection usable, unless it was never going to be sent (100-continue) or is too large to bother.
  const declared = method === 'PUT' ? parseLength(req.headers['content-length']) : undefined;
  const refuse = (status: number, message: string, headers: Record<string, string> = {}): Outcome => {
    const drain = method !== 'PUT' || (!expectsContinue && declared !== undefined && declared <= opts.maxBytes);
    return reply(res, status, message, drain ? headers : { ...headers, Connection: 'close' });
  };

  const auth = authorize(req.headers.authorization);
  if (!auth.ok) {
    // A request without a valid token has no access: its reads find nothing (404) and its writes are
    // forbidden (403). Not 401: nx 24 stops the whole run on a 401, and on any GET answer but 200 or
    // 404, while a misconfigured client should still finish its work by computing locally. It also
    // keeps which hashes exist from anyone without a token. The log line says why.
    const why = auth.reason === 'missing' ? 'a bearer token is required' : 'the bearer token is not valid';
    const text = `${why}; check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN`;
    if (needs === 'read') return { ...reply(res, 404, `ring-cache: no entry is readable without a valid token (${text})`), note: why };
    return { ...refuse(403, `ring-cache: no upload without a valid token (${text})`), note: why };
  }
  if (needs === 'write' && auth.access !== 'write') return refuse(403, 'ring-cache: this token may only read from the cache');

  const hash = path.slice(PREFIX.length);
  if (!isValidHash(hash)) return refuse(400, 'ring-cache: a hash is 1 to 128 letters, digits, "_" or "-"');

  if (method !== 'PUT') return serveEntry(res, store, hash, method === 'HEAD');
  if (declared === undefined) {
    const got = req.headers['content-length'];
    return got === undefined
      ? refuse(411, 'ring-cache: an upload needs a Content-Length header')
      : refuse(400, `ring-cache: Content-Length must be a whole number of bytes (got ${JSON.stringify(got)})`);
  }
  if (declared > opts.maxBytes) return refuse(413, `ring-cache: an entry may be at most ${opts.maxBytes} bytes (this one is ${declared})`);
  if (await store.has(hash)) return refuse(409, EXISTS);
  if (expectsContinue) res.writeContinue();
  return storeUpload(req, res, store, hash, declared, opts.maxBytes);
}

const EXISTS = 'ring-cache: an entry for this hash exists and cannot be overwritten';

/** Answers a GET (or HEAD) of `hash`. */
async function serveEntry(res: ServerResponse, store: CacheStore, hash: string, headOnly: boolean): Promise<Outcome> {
  const entry = await store.read(hash);
  if (entry === null) return reply(res, 404, 'ring-cache: no entry for this hash');
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': entry.size });
  if (headOnly) {
    entry.stream.destroy();
    res.end();
    return { status: 200, bytes: 0 };
  }
  let sent = 0;
  entry.stream.on('data', (chunk: Buffer | string) => (sent += chunk.length));
  try {
    await pipeline(entry.stream, res);
  } catch {
    // A client may hang up as soon as it has every byte, before the response reports 'finish'.
    if (sent !== entry.size) return { status: 'aborted', bytes: sent };
  }
  return { status: 200, bytes: entry.size };
}

/** Stores the body of an accepted PUT of `hash` and answers it. */
async function storeUpload(req: IncomingMessage, res: ServerResponse, store: CacheStore, hash: string, declared: number, maxBytes: number): Promise<Outcome> {
  const result = await store.write(hash, req, declared, maxBytes);
  switch (result.status) {
    case 'stored':
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return { status: 200, bytes: result.bytes };
    case 'exists':
      return reply(res, 409, EXISTS);
    // The last two need a client sending more than its Content-Length, which node's parser does
    // not let through; they stay as the store's own guarantee.
    case 'too-large':
      return reply(res, 413, `ring-cache: an entry may be at most ${maxBytes} bytes`, { Connection: 'close' });
    case 'short':
      return reply(res, 400, `ring-cache: the body was ${result.bytes} bytes, not the ${declared} of its Content-Length`, { Connection: 'close' });
  }
}

/** The value of a Content-Length header, or undefined if it is absent or not a byte count. */
function parseLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header)) return undefined;
  return Number(header);
}
