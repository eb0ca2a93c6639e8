import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describeFailure, writeFileAtomic } from '../src/index.js';

/** A real wasm trap: a module whose only function loads from far past its one page of memory. */
function wasmTrap(): unknown {
  // (module (memory 1) (func (export "f") (result i32) (i32.load (i32.const 1000000))))
  const bytes = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 5, 1, 1, 102, 0, 0, 10, 11, 1, 9, 0, 65, 192, 132, 61, 40, 2, 0, 11,
  ]);
  const wasm = (globalThis as unknown as { WebAssembly: { Instance: new (m: unknown) => { exports: { f(): number } }; Module: new (b: Uint8Array) => unknown } }).WebAssembly;
  try {
    new wasm.Instance(new wasm.Module(bytes)).exports.f();
  } catch (err) {
    return err;
  }
  throw new Error('no trap');
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('nothing thrown');
}

test('a wasm trap is a sentence naming the work, never "memory access out of bounds" alone', () => {
  const err = wasmTrap();
  assert.match((err as Error).message, /memory access out of bounds/);
  assert.match(describeFailure(err, 'training'), /^a WebAssembly module failed while training \(memory access out of bounds\); .*lower the batch size/);
  const emscripten = Object.assign(new Error('Aborted(). Build with -sASSERTIONS for more info.'));
  assert.equal(describeFailure(emscripten, 'evaluating').includes('Build with'), false);
  assert.match(describeFailure(emscripten, 'evaluating'), /^a WebAssembly module failed while evaluating \(Aborted\(\)\)/);
});

test('a failed allocation is "out of memory while …"', () => {
  const err = caught(() => new Float64Array(2 ** 40));
  assert.ok(err instanceof RangeError);
  assert.match(describeFailure(err, 'training'), /^out of memory while training \((Invalid typed array length|Array buffer allocation failed)[^)]*\): lower the batch size/);
});

test('a full disk is a sentence naming the work and the file being written', async () => {
  const raw = caught(() => writeFileSync('/dev/full', 'x'));
  assert.equal((raw as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.equal(describeFailure(raw, 'generating the dataset'), 'no space left on the device while generating the dataset [ENOSPC]');
  // writeFileAtomic's errors name the file it was writing, not its temp file.
  const err = await writeFileAtomic('/proc/version/x.json', '{}').catch((e: unknown) => e);
  assert.equal((err as NodeJS.ErrnoException).path, '/proc/version/x.json');
});

test('any other error is its own first line', () => {
  assert.equal(describeFailure(new Error('sanity check failed: angle loss 3 is not below 0.5\nmore'), 'training'), 'sanity check failed: angle loss 3 is not below 0.5');
});
