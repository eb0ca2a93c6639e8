/** Backend selection on this machine: wasm and cpu installed, tfjs-node(-gpu) absent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters as stripAnsi } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '@ring-attractor/common';
import { selectBackend } from '../src/index.js';

const require = createRequire(import.meta.url);
const nativeInstalled = (name: string): boolean => {
  try {
    require.resolve(`@tensorflow/${name}`);
    return true;
  } catch {
    return false;
  }
};

test('this machine has no native tfjs backends (the tests below assume it)', () => {
  assert.equal(nativeInstalled('tfjs-node-gpu'), false);
  assert.equal(nativeInstalled('tfjs-node'), false);
});

test('auto picks wasm and logs one line saying why the native backends were skipped', async () => {
  const lines: string[] = [];
  assert.equal(await selectBackend('auto', (l) => lines.push(l)), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(lines.length, 1);
  assert.equal(lines[0], 'backend: wasm (skipped tfjs-node-gpu: not installed; tfjs-node: not installed)');
});

test('an explicit request for a missing backend is a clear usage error', async () => {
  for (const name of ['tfjs-node', 'tfjs-node-gpu'] as const) {
    await assert.rejects(selectBackend(name), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, new RegExp(`^backend: expected an available backend: ${name} failed to load \\(not installed; install @tensorflow/${name} or use --backend auto\\)`));
      return true;
    });
  }
  await assert.rejects(selectBackend('gpu' as never), /^UsageError: backend: expected one of auto, tfjs-node-gpu, tfjs-node, wasm, cpu \(got "gpu"\)/);
});

test('explicit cpu and wasm switch the current backend and compute', async () => {
  for (const name of ['cpu', 'wasm'] as const) {
    assert.equal(await selectBackend(name), name);
    assert.equal(tf.getBackend(), name);
    assert.deepEqual(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()), [11]);
  }
});

test('wasm finds its binaries when run from another working directory', () => {
  const tsx = pathToFileURL(require.resolve('tsx')).href.replace(/cjs\/index\.cjs$|dist\/.*$/, 'dist/esm/index.mjs');
  const index = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href;
  const core = pathToFileURL(require.resolve('@tensorflow/tfjs-core')).href;
  const script = `const m = await import(${JSON.stringify(index)}); const name = await m.selectBackend('wasm');
    const tf = await import(${JSON.stringify(core)}); console.log(name, tf.getBackend(), tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]);`;
  // nx sets FORCE_COLOR, which makes the child's console.log colour the number (and beats NO_COLOR).
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const out = execFileSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env,
  });
  assert.equal(stripAnsi(out).trim(), 'wasm wasm 5');
});
