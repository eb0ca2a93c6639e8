/**
 * PUT and GET throughput of ring-cache over loopback, for a few entry sizes; medians of several
 * rounds. Run: `cd packages/cache && node --import tsx bench/throughput.ts`.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCacheServer } from '../src/index.js';

const SIZES = [64 * 1024, 4 * 1024 ** 2, 64 * 1024 ** 2];
const ROUNDS = 5;

function exchange(url: string, method: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${method} ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = await mkdtemp(join(tmpdir(), 'ring-cache-bench-'));
const server = await startCacheServer({ dir, port: 0, log: () => {} });
try {
  for (const size of SIZES) {
    const body = Buffer.alloc(size, 7);
    const put: number[] = [];
    const get: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const url = `${server.url}/v1/cache/bench-${size}-${r}`;
      let t = performance.now();
      await exchange(url, 'PUT', body);
      put.push(performance.now() - t);
      t = performance.now();
      await exchange(url, 'GET');
      get.push(performance.now() - t);
    }
    const mb = size / 1024 ** 2;
    const rate = (ms: number) => (mb / (ms / 1000)).toFixed(0);
    console.log(
      `${(size / 1024).toFixed(0).padStart(6)} KiB  PUT ${median(put).toFixed(1).padStart(7)} ms (${rate(median(put))} MiB/s)` +
        `  GET ${median(get).toFixed(1).padStart(7)} ms (${rate(median(get))} MiB/s)`,
    );
  }
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
