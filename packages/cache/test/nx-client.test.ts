/**
 * The real nx client (its native HttpRemoteCache) against ring-cache: a task computed in one
 * throw-away workspace is restored from the server in a second one with an empty local cache.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir, startTestServer, type TestServer } from './helpers.js';

const repoNodeModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const nxPackageJson = createRequire(import.meta.url).resolve('nx/package.json');
const nxBin = join(dirname(nxPackageJson), (JSON.parse(readFileSync(nxPackageJson, 'utf8')) as { bin: { nx: string } }).bin.nx);

const WRITE = 'write-token-0123';
const READ = 'read-token-4567';
const T = { timeout: 120_000 };

/** What nx prints, in static output style, for a task whose outputs came from the remote cache. */
const REMOTE_HIT = /^> nx run probe:build {2}\[remote cache\]$/m;

// Writes 64 KiB that depend on every byte of input.txt, so a restored file can only be identical
// if it really is this task's output.
const MAKE = `const { createHash } = require('node:crypto');
const fs = require('node:fs');
let block = fs.readFileSync('probe/input.txt');
const parts = [];
for (let i = 0; i < 2048; i++) parts.push((block = createHash('sha256').update(block).digest()));
fs.mkdirSync('probe/out', { recursive: true });
fs.writeFileSync('probe/out/result.bin', Buffer.concat(parts));
console.log('made result.bin');
`;

/** Creates a minimal nx workspace with one cacheable task, `probe:build`, whose output depends on `input`. */
async function makeWorkspace(root: string, input: string): Promise<string> {
  await mkdir(join(root, 'probe'), { recursive: true });
  const nxJson = { neverConnectToCloud: true, analytics: false, useDaemonProcess: false, cacheDirectory: '.nx/cache' };
  await writeFile(join(root, 'nx.json'), JSON.stringify(nxJson, null, 2));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'ring-cache-probe', private: true }, null, 2));
  const project = {
    name: 'probe',
    targets: {
      build: {
        executor: 'nx:run-commands',
        cache: true,
        inputs: ['{projectRoot}/input.txt', '{projectRoot}/make.cjs'],
        outputs: ['{projectRoot}/out'],
        options: { command: 'node probe/make.cjs', cwd: '{workspaceRoot}' },
      },
    },
  };
  await writeFile(join(root, 'probe', 'project.json'), JSON.stringify(project, null, 2));
  await writeFile(join(root, 'probe', 'make.cjs'), MAKE);
  await writeFile(join(root, 'probe', 'input.txt'), input);
  await symlink(repoNodeModules, join(root, 'node_modules'), 'dir');
  return root;
}

interface NxRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `nx run probe:build` in `cwd` against `server` with `token`, in static output and no daemon. */
function runNx(cwd: string, server: string, token: string | undefined): Promise<NxRun> {
  // Outer nx variables (when this suite itself runs under nx) must not leak into the inner workspace.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NX_')));
  Object.assign(env, { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server });
  if (token !== undefined) env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN = token;
  return new Promise((resolve) => {
    // Asynchronous on purpose: the server answering nx runs in this very process.
    execFile(process.execPath, [nxBin, 'run', 'probe:build', '--outputStyle=static'], { cwd, env, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function show(run: NxRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startTestServer({ token: WRITE, readToken: READ });
  scratch = await scratchDir('ring-cache-nx-');
});

after(async () => {
  await server.close();
});

test('a task stored by one workspace is restored byte for byte, as [remote cache], in another', T, async () => {
  const first = await makeWorkspace(join(scratch, 'first'), 'shared input\n');
  const ran = await runNx(first, server.url, WRITE);
  assert.equal(ran.code, 0, show(ran));
  assert.match(ran.stdout, /made result\.bin/, 'the first workspace computes the task');
  assert.doesNotMatch(ran.stdout, /\[remote cache\]/);
  const entries = await readdir(server.dir);
  assert.equal(entries.length, 1, `one entry stored: ${entries.join(', ')}`);
  const hash = entries[0];
  // Exactly one lookup and one upload: nx retries a store it did not see succeed (e.g. a 202).
  assert.deepEqual(
    server.logs.map((l) => l.replace(/ \d+ B \d+ ms$/, '')),
    [`ring-cache: GET ${hash} 404`, `ring-cache: PUT ${hash} 200`],
  );
  // What nx uploads is a gzip stream (of a tar of the outputs, terminal output and exit code).
  assert.deepEqual([...(await readFile(join(server.dir, hash))).subarray(0, 2)], [0x1f, 0x8b]);

  const second = await makeWorkspace(join(scratch, 'second'), 'shared input\n');
  const restored = await runNx(second, server.url, READ);
  assert.equal(restored.code, 0, show(restored));
  assert.match(restored.stdout, REMOTE_HIT, show(restored));
  assert.match(restored.stdout, /Nx read the output from the cache instead of running the command for 1 out of 1 tasks/);
  const expected = await readFile(join(first, 'probe', 'out', 'result.bin'));
  assert.equal(expected.length, 65536);
  assert.ok((await readFile(join(second, 'probe', 'out', 'result.bin'))).equals(expected), 'restored output is byte-identical');
  assert.ok(server.logs.some((l) => l.startsWith(`ring-cache: GET ${hash} 200 `)), server.logs.join('\n'));
});

// Neither of these stores anything, so they may run side by side.
describe('tokens that cannot write', { concurrency: true }, () => {
  test('a read-only token computes a miss locally and finishes; its upload is refused silently', T, async () => {
    const before = await readdir(server.dir);
    const ws = await makeWorkspace(join(scratch, 'read-only'), 'an input nobody stored\n');
    const ran = await runNx(ws, server.url, READ);
    assert.equal(ran.code, 0, show(ran));
    assert.match(ran.stdout, /made result\.bin/);
    assert.ok(server.logs.some((l) => /^ring-cache: PUT \d+ 403 /.test(l)), server.logs.join('\n'));
    assert.deepEqual(await readdir(server.dir), before, 'nothing stored');
  });

  test('a wrong or missing token: nx computes locally and finishes; the server finds nothing for it and refuses its upload', T, async () => {
    const before = await readdir(server.dir);
    const cases = [
      ['wrong-token', 'not-the-token', 'the bearer token is not valid'],
      ['no-token', undefined, 'a bearer token is required'],
    ] as const;
    await Promise.all(
      cases.map(async ([name, token, why]) => {
        const ws = await makeWorkspace(join(scratch, name), `an input for ${name}\n`);
        const ran = await runNx(ws, server.url, token);
        assert.equal(ran.code, 0, show(ran));
        assert.match(ran.stdout, /made result\.bin/);
        assert.ok(server.logs.some((l) => new RegExp(`^ring-cache: GET \\d+ 404 0 B \\d+ ms \\(${why}\\)$`).test(l)), server.logs.join('\n'));
        assert.ok(server.logs.some((l) => new RegExp(`^ring-cache: PUT \\d+ 403 0 B \\d+ ms \\(${why}\\)$`).test(l)), server.logs.join('\n'));
      }),
    );
    assert.deepEqual(await readdir(server.dir), before, 'nothing stored');
});
});
