import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCacheServer, type CacheServer, type CacheServerOptions } from '../src/index.js';

const scratch: string[] = [];
process.once('exit', () => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A new temp folder, removed when the test process exits. */
export async function scratchDir(label = 'ring-cache-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), label));
  scratch.push(dir);
  return dir;
}

/** A server on a fresh temp folder and a free port, with its log lines collected. */
export interface TestServer extends CacheServer {
  dir: string;
  logs: string[];
}

/** Starts a server for a test on a new temp folder (unless `dir` is given). */
export async function startTestServer(opts: Partial<CacheServerOptions> = {}): Promise<TestServer> {
  const dir = opts.dir ?? (await scratchDir());
  const logs: string[] = [];
  const server = await startCacheServer({ port: 0, ...opts, dir, log: (line) => logs.push(line) });
  return { ...server, dir, logs };
}

/** A finished HTTP exchange. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request (a fresh connection each time) and reads the whole reply. */
export async function send(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<Reply> {
  const u = new URL(url);
  const req = request({
    host: u.hostname,
    port: u.port,
    method: opts.method ?? 'GET',
    path: opts.path ?? u.pathname,
    headers: opts.headers,
    agent: false,
  });
  req.end(opts.body);
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
}

/** Opens a raw TCP connection to the server, for requests no well-behaved client would send. */
export async function rawConnect(url: string): Promise<Socket> {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  await once(socket, 'connect');
  return socket;
}

/** Reads from `socket` until it closes, or until `until` matches what arrived so far. */
export async function readReply(socket: Socket, until?: RegExp): Promise<string> {
  let text = '';
  return new Promise((resolve) => {
    const done = () => resolve(text);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (until?.test(text)) {
        socket.off('close', done);
        resolve(text);
      }
    });
    socket.once('close', done);
  });
}

/** The status code of a raw HTTP reply's first status line. */
export function statusOf(raw: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}

/** Names in `dir` that are upload temp files. */
export async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('.tmp-'));
}

/** Polls `check` every 10 ms until it holds; fails after `ms`. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `n` bytes that differ from one `seed` to another, so a mix-up of two bodies shows. */
export function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
