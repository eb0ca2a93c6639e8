import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STALE_TEMP_MS } from '../src/store.js';
import { bytes, rawConnect, readReply, scratchDir, send, startTestServer, statusOf, tempFiles, waitFor } from './helpers.js';

const HASH = '16064991454812508113';
// A broken server should fail a test, not hang the suite.
const T = { timeout: 10_000 };

test('PUT then GET returns the same bytes; HEAD gives the size; nothing but the entry is left', T, async () => {
  const s = await startTestServer();
  try {
    const body = bytes(300_000, 1);
    const put = await send(`${s.url}/v1/cache/${HASH}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(put.status, 200);
    const get = await send(`${s.url}/v1/cache/${HASH}`, { headers: { Accept: 'application/octet-stream' } });
    assert.equal(get.status, 200);
    assert.equal(get.headers['content-type'], 'application/octet-stream');
    assert.ok(get.body.equals(body), 'GET returns the bytes that were PUT');
    const head = await send(`${s.url}/v1/cache/${HASH}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(body.length));
    assert.deepEqual(await readdir(s.dir), [HASH]);
    assert.ok((await readFile(join(s.dir, HASH))).equals(body));
    // One line per request: method, hash, status, bytes, milliseconds.
    assert.match(s.logs[0], new RegExp(`^ring-cache: PUT ${HASH} 200 300000 B \\d+ ms$`));
    assert.match(s.logs[1], new RegExp(`^ring-cache: GET ${HASH} 200 300000 B \\d+ ms$`));
  } finally {
    await s.close();
  }
});

test('GET of a hash never stored is 404, and an empty entry round-trips', T, async () => {
  const s = await startTestServer();
  try {
    assert.equal((await send(`${s.url}/v1/cache/${HASH}`)).status, 404);
    assert.equal((await send(`${s.url}/v1/cache/${HASH}`, { method: 'HEAD' })).status, 404);
    assert.equal((await send(`${s.url}/v1/cache/empty`, { method: 'PUT', body: '' })).status, 200);
    const get = await send(`${s.url}/v1/cache/empty`);
    assert.equal(get.status, 200);
    assert.equal(get.body.length, 0);
  } finally {
    await s.close();
  }
});

test('a second PUT of a hash is 409 and leaves the first entry untouched', T, async () => {
  const s = await startTestServer();
  try {
    const first = bytes(1000, 2);
    assert.equal((await send(`${s.url}/v1/cache/${HASH}`, { method: 'PUT', body: first })).status, 200);
    const again = await send(`${s.url}/v1/cache/${HASH}`, { method: 'PUT', body: bytes(1000, 3) });
    assert.equal(again.status, 409);
    assert.ok((await send(`${s.url}/v1/cache/${HASH}`)).body.equals(first));
    assert.deepEqual(await readdir(s.dir), [HASH]);
  } finally {
    await s.close();
  }
});

test('tokens: without a valid one a GET finds nothing (404) and a PUT is forbidden (403); a read-only one may GET but a PUT is 403', T, async () => {
  const s = await startTestServer({ token: 'write-secret', readToken: 'read-secret' });
  const url = `${s.url}/v1/cache/${HASH}`;
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  try {
    for (const headers of [{}, bearer('wrong'), bearer('write-secre'), bearer('write-secret2'), { Authorization: 'Basic d3JpdGUtc2VjcmV0' }]) {
      for (const method of ['GET', 'PUT']) {
        const r = await send(url, { method, headers, body: method === 'PUT' ? 'x' : undefined });
        assert.equal(r.status, method === 'GET' ? 404 : 403, `${method} with ${JSON.stringify(headers)}`);
        assert.equal(r.headers['content-type'], 'text/plain');
        assert.match(r.body.toString(), /check NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN/);
      }
    }
    const ro = await send(url, { method: 'PUT', headers: bearer('read-secret'), body: 'x' });
    assert.equal(ro.status, 403);
    assert.equal(ro.headers['content-type'], 'text/plain');
    assert.deepEqual(await readdir(s.dir), [], 'a refused PUT stores nothing');
    assert.equal((await send(url, { headers: bearer('read-secret') })).status, 404);
    assert.equal((await send(url, { method: 'PUT', headers: { Authorization: 'bearer   write-secret' }, body: 'abc' })).status, 200);
    const got = await send(url, { headers: bearer('read-secret') });
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), 'abc');
    assert.equal((await send(url, { headers: bearer('write-secret') })).body.toString(), 'abc');
  } finally {
    await s.close();
  }
});

test('an upload cut off before its Content-Length leaves no entry and no temp file', T, async () => {
  const s = await startTestServer();
  try {
    const socket = await rawConnect(s.url);
    const closed = once(socket, 'close');
    socket.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n`);
    socket.write(bytes(30_000, 4));
    await waitFor(async () => (await tempFiles(s.dir)).length === 1, 'the upload to reach its temp file');
    socket.destroy();
    await closed;
    await waitFor(() => s.logs.length === 1, 'the aborted upload to be logged');
    assert.match(s.logs[0], new RegExp(`^ring-cache: PUT ${HASH} aborted 0 B \\d+ ms$`));
    assert.deepEqual(await readdir(s.dir), []);
    assert.equal((await send(`${s.url}/v1/cache/${HASH}`)).status, 404);
  } finally {
    await s.close();
  }
});

test('of two concurrent PUTs of one hash exactly one is stored whole; the other is 409', T, async () => {
  const s = await startTestServer();
  try {
    const n = 200_000;
    const bodies = [bytes(n, 5), bytes(n, 6)];
    const sockets = await Promise.all(bodies.map(() => rawConnect(s.url)));
    const replies = sockets.map((socket) => readReply(socket, /\r\n\r\n[\s\S]*\n$/));
    sockets.forEach((socket, i) => {
      socket.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nContent-Length: ${n}\r\nConnection: close\r\n\r\n`);
      socket.write(bodies[i].subarray(0, n / 2));
    });
    // Both are past the existence check and streaming into their own temp files before either ends.
    await waitFor(async () => (await tempFiles(s.dir)).length === 2, 'both uploads to be under way');
    sockets.forEach((socket, i) => socket.write(bodies[i].subarray(n / 2)));
    const statuses = (await Promise.all(replies)).map(statusOf);
    assert.deepEqual([...statuses].sort(), [200, 409]);
    const winner = statuses.indexOf(200);
    assert.ok((await send(`${s.url}/v1/cache/${HASH}`)).body.equals(bodies[winner]), 'the stored entry is the winner’s body, whole');
    await waitFor(async () => (await tempFiles(s.dir)).length === 0, 'the loser’s temp file to be removed');
    assert.deepEqual(await readdir(s.dir), [HASH]);
    sockets.forEach((socket) => socket.destroy());
  } finally {
    await s.close();
  }
});

test('an entry over --max-bytes is 413 from its Content-Length, before any byte is read', T, async () => {
  const s = await startTestServer({ maxBytes: 1000 });
  try {
    assert.equal((await send(`${s.url}/v1/cache/fits`, { method: 'PUT', body: bytes(1000, 7) })).status, 200);
    // Headers only: the server must answer without waiting for a body that is never sent.
    const socket = await rawConnect(s.url);
    const reply = readReply(socket, /\r\n\r\n[\s\S]*\n$/);
    socket.write(`PUT /v1/cache/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n`);
    const raw = await reply;
    assert.equal(statusOf(raw), 413);
    assert.match(raw, /Connection: close/i);
    socket.destroy();
    assert.deepEqual(await readdir(s.dir), ['fits']);
  } finally {
    await s.close();
  }
});

test('an upload without Content-Length is 411; a bad one is 400', T, async () => {
  const s = await startTestServer();
  try {
    const socket = await rawConnect(s.url);
    const reply = readReply(socket, /\r\n\r\n[\s\S]*\n$/);
    socket.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`);
    assert.equal(statusOf(await reply), 411);
    socket.destroy();
    const bad = await rawConnect(s.url);
    const badReply = readReply(bad, /\r\n\r\n[\s\S]*\n$/);
    bad.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nContent-Length: 5e3\r\n\r\nhello`);
    assert.equal(statusOf(await badReply), 400);
    bad.destroy();
    assert.deepEqual(await readdir(s.dir), []);
  } finally {
    await s.close();
  }
});

test('hashes that are not plain names are 400 and never touch a file outside the folder', T, async () => {
  const root = await scratchDir('ring-cache-root-');
  const dir = join(root, 'cache');
  await writeFile(join(root, 'secret'), 'outside');
  const s = await startTestServer({ dir });
  try {
    await writeFile(join(dir, '.hidden'), 'not an entry');
    for (const path of ['../secret', '..%2Fsecret', '%2e%2e%2fsecret', '..', '.', '.hidden', 'a/b', 'a%00b', '', 'x'.repeat(129), 'a b']) {
      for (const method of ['GET', 'PUT']) {
        const socket = await rawConnect(s.url);
        const reply = readReply(socket, /\r\n\r\n[\s\S]*\n$/);
        socket.write(`${method} /v1/cache/${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${method === 'PUT' ? 3 : 0}\r\n\r\n${method === 'PUT' ? 'bad' : ''}`);
        const raw = await reply;
        socket.destroy();
        // `a b` is not even a valid request line: the HTTP parser refuses it before the server sees it.
        assert.equal(statusOf(raw), 400, `${method} /v1/cache/${path}`);
      }
    }
    assert.equal(await readFile(join(root, 'secret'), 'utf8'), 'outside');
    assert.deepEqual((await readdir(root)).sort(), ['cache', 'secret']);
    assert.deepEqual(await readdir(dir), ['.hidden']);
    assert.equal((await send(`${s.url}/v1/cache/${'x'.repeat(128)}`)).status, 404, '128 characters is still a hash');
  } finally {
    await s.close();
  }
});

test('other paths are 404 and other methods 405', T, async () => {
  const s = await startTestServer();
  try {
    assert.equal((await send(`${s.url}/`)).status, 404);
    assert.equal((await send(`${s.url}/v1/cachefoo`)).status, 404);
    assert.equal((await send(`${s.url}/v2/cache/${HASH}`)).status, 404);
    const del = await send(`${s.url}/v1/cache/${HASH}`, { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.equal(del.headers.allow, 'GET, HEAD, PUT');
  } finally {
    await s.close();
  }
});

test('Expect: 100-continue: a refused upload is answered before its body, an accepted one gets 100 first', T, async () => {
  const s = await startTestServer();
  try {
    assert.equal((await send(`${s.url}/v1/cache/${HASH}`, { method: 'PUT', body: 'first' })).status, 200);
    const refused = await rawConnect(s.url);
    const refusedReply = readReply(refused, /\r\n\r\n[\s\S]*\n$/);
    refused.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n`);
    const raw = await refusedReply;
    assert.equal(statusOf(raw), 409);
    assert.doesNotMatch(raw, /100 Continue/);
    refused.destroy();

    const accepted = await rawConnect(s.url);
    const acceptedReply = readReply(accepted, /HTTP\/1\.1 200[\s\S]*\r\n\r\n/);
    accepted.write(`PUT /v1/cache/other HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n`);
    await waitFor(() => accepted.bytesRead > 0, 'the 100 Continue');
    accepted.write('second');
    const raw2 = await acceptedReply;
    assert.match(raw2, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    accepted.destroy();
    assert.equal((await send(`${s.url}/v1/cache/other`)).body.toString(), 'second');
  } finally {
    await s.close();
  }
});

/** A pid that was just used by a process which has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

test('on start, temp files of dead processes and old ones are removed; live ones and entries stay', T, async () => {
  const dir = await scratchDir('ring-cache-');
  const dead = await deadPid();
  const old = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
  await writeFile(join(dir, `.tmp-${dead}-00ff`), 'dead process');
  await writeFile(join(dir, `.tmp-${process.pid}-0aaa`), 'live process, long silent');
  await utimes(join(dir, `.tmp-${process.pid}-0aaa`), old, old);
  await writeFile(join(dir, `.tmp-${process.pid}-0bbb`), 'live process, writing now');
  await writeFile(join(dir, HASH), 'an entry');
  await writeFile(join(dir, '.tmp-notes'), 'not ours');
  await mkdir(join(dir, 'sub'));
  const s = await startTestServer({ dir });
  try {
    assert.deepEqual((await readdir(dir)).sort(), [`.tmp-${process.pid}-0bbb`, '.tmp-notes', HASH, 'sub'].sort());
  } finally {
    await s.close();
  }
});

test('close() cuts off an upload still running after the grace period and removes its temp file', T, async () => {
  const s = await startTestServer();
  const socket = await rawConnect(s.url);
  socket.on('error', () => {});
  socket.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`);
  socket.write(bytes(10, 8));
  await waitFor(async () => (await tempFiles(s.dir)).length === 1, 'the upload to start');
  await s.close(50);
  assert.deepEqual(await readdir(s.dir), []);
  assert.match(s.logs.at(-1) ?? '', new RegExp(`^ring-cache: PUT ${HASH} aborted`));
  socket.destroy();
});

test('a silent client is cut off after the idle timeout and its temp file removed', T, async () => {
  const s = await startTestServer({ idleTimeoutMs: 200 });
  try {
    const socket = await rawConnect(s.url);
    const closed = once(socket, 'close');
    socket.write(`PUT /v1/cache/${HASH} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`);
    socket.write(bytes(10, 9));
    await closed;
    await waitFor(async () => (await readdir(s.dir)).length === 0, 'the temp file to be removed');
  } finally {
    await s.close();
  }
});

test('startCacheServer refuses bad options with one line naming the flag', T, async () => {
  const dir = await scratchDir('ring-cache-');
  const { startCacheServer } = await import('../src/index.js');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ dir, port: -1 }, /^--port: expected an integer in \[0, 65535\]/],
    [{ dir, port: 0, maxBytes: 0 }, /^--max-bytes: expected a positive integer/],
    [{ dir, port: 0, readToken: 'r' }, /^--read-token: expected to be given together with --token/],
    [{ dir, port: 0, token: 't', readToken: 't' }, /^--read-token: expected a different token/],
    [{ dir, port: 0, token: 'has space' }, /^--token: expected a non-empty token/],
    [{ dir, port: 0, token: '' }, /^--token: expected a non-empty token/],
    [{ dir: '', port: 0 }, /^--dir: expected a folder path/],
  ];
  for (const [opts, message] of cases) {
    await assert.rejects(startCacheServer(opts as never), (err: Error) => err.name === 'UsageError' && message.test(err.message));
  }
  // The folder is created if missing.
  const nested = join(dir, 'a', 'b');
  const s = await startCacheServer({ dir: nested, port: 0, log: () => {} });
  await s.close();
  assert.deepEqual(await readdir(dirname(nested)), ['b']);
});

test('a failing disk is a 500 with the cause in the server log only, never a half-written entry', T, async () => {
  const s = await startTestServer();
  try {
    await rm(s.dir, { recursive: true });
    const put = await send(`${s.url}/v1/cache/${HASH}`, { method: 'PUT', body: 'lost' });
    assert.equal(put.status, 500);
    assert.equal(put.body.toString(), 'ring-cache: internal error, see the server log\n');
    assert.match(s.logs[0], new RegExp(`^ring-cache: internal error on PUT ${HASH}: ENOENT`));
    assert.match(s.logs[1], new RegExp(`^ring-cache: PUT ${HASH} 500 0 B \\d+ ms$`));
    assert.equal((await send(`${s.url}/v1/cache/${HASH}`)).status, 404);
  } finally {
    await s.close();
  }
});
