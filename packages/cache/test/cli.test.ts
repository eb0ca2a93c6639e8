import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir, send, startTestServer } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/ring-cache.mjs', import.meta.url));
const T = { timeout: 60_000 };

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

// Servers a failed test did not get to stop.
const children = new Set<ChildProcess>();
after(() => children.forEach((child) => child.kill('SIGKILL')));

/** Starts the CLI and waits for the line that says where it listens. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /^ring-cache: listening on (http:\/\/\S+)$/m.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`ring-cache exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

test('--version prints the package version; -h lists the flags and the nx variables', T, async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const [version, help] = await Promise.all([run(['--version']), run(['-h'])]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${pkg.version}\n`);
  assert.equal(help.code, 0);
  for (const flag of ['--dir', '--port', '--host', '--token', '--read-token', '--max-bytes', '--quiet', 'NX_SELF_HOSTED_REMOTE_CACHE_SERVER']) {
    assert.ok(help.stdout.includes(flag), `help mentions ${flag}`);
  }
});

test('bad flags (or token variables): one line naming the flag, exit 2, nothing written', T, async () => {
  const dir = await scratchDir('ring-cache-cli-');
  const file = join(dir, 'a-file');
  await writeFile(file, '');
  const d = join(dir, 'cache');
  const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    [['--dir', d, '--port', 'abc'], /^error: --port: expected an integer in \[0, 65535\] \(got "abc"\)$/],
    [['--dir', d, '--port', '0', '--max-bytes', '1.5'], /^error: --max-bytes: expected an integer/],
    [['--dir', d, '--port', '0', '--bogus'], /^error: Unknown argument: bogus$/],
    [['--dir', join(file, 'cache'), '--port', '0'], /^error: --dir: expected a folder this user can write \(got ".*a-file\/cache": ENOTDIR\)$/],
    [['--dir', d, '--port', '0'], /^error: RING_CACHE_TOKEN: expected a non-empty token/, { RING_CACHE_TOKEN: '' }],
  ];
  const results = await Promise.all(cases.map(([args, , env]) => run(args, env)));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i][0].join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr.trim(), cases[i][1]);
  });
  assert.deepEqual((await readdir(dir)).sort(), ['a-file']);
});

test('a port already in use is exit 2 naming --port', T, async () => {
  const busy = await startTestServer();
  try {
    const r = await run(['--dir', busy.dir, '--port', String(busy.port)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), new RegExp(`^error: --port: expected a free port \\(got ${busy.port}: already in use on 127\\.0\\.0\\.1\\)$`));
  } finally {
    await busy.close();
  }
});

test('serves on the port it prints, takes tokens from the environment, logs, and exits 0 on SIGTERM', T, async () => {
  const dir = await scratchDir('ring-cache-cli-');
  const { child, url, stderr } = await serve(['--dir', dir, '--port', '0', '--token', 'w-secret'], { RING_CACHE_READ_TOKEN: 'r-secret' });
  const exited = once(child, 'exit');
  const entry = `${url}/v1/cache/42`;
  assert.equal((await send(entry, { method: 'PUT', body: 'payload', headers: { Authorization: 'Bearer w-secret' } })).status, 200);
  assert.equal((await send(entry, { method: 'PUT', body: 'other', headers: { Authorization: 'Bearer r-secret' } })).status, 403);
  const got = await send(entry, { headers: { Authorization: 'Bearer r-secret' } });
  assert.equal(got.status, 200);
  assert.equal(got.body.toString(), 'payload');
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(code, 0, stderr());
  assert.equal(signal, null);
  // A request is logged once its response has gone out, which may be after the signal arrived.
  const lines = stderr().trim().split('\n').map((l) => l.replace(/ \d+ ms$/, ' T ms')).sort();
  assert.deepEqual(lines, [
    'ring-cache: GET 42 200 7 B T ms',
    'ring-cache: PUT 42 200 7 B T ms',
    'ring-cache: PUT 42 403 0 B T ms',
    'ring-cache: SIGTERM, shutting down',
  ]);
  assert.deepEqual(await readdir(dir), ['42']);
});

test('--quiet logs no requests; SIGINT shuts down cleanly too', T, async () => {
  const dir = await scratchDir('ring-cache-cli-');
  const { child, url, stderr } = await serve(['--dir', dir, '--port', '0', '--quiet']);
  const exited = once(child, 'exit');
  assert.equal((await send(`${url}/v1/cache/42`)).status, 404);
  child.kill('SIGINT');
  const [code] = await exited;
  assert.equal(code, 0);
  assert.equal(stderr(), 'ring-cache: SIGINT, shutting down\n');
});
