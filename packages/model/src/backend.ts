/**
 * Picks the tfjs backend. `auto` tries, in order, tfjs-node-gpu, tfjs-node (optional native
 * packages, usually absent), wasm, cpu, and logs one line to stderr saying what it got and why
 * the earlier ones were skipped. An explicit request for a backend that cannot load is an error.
 */
import './gradients.js';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { invalid } from '@ring-attractor/common';

export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/** The order `auto` tries. */
export const BACKEND_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);

/** Imports a package by a non-literal name, so TypeScript does not demand the optional ones be installed. */
async function importOptional(pkg: string): Promise<unknown> {
  return import(pkg);
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  return String(e?.message ?? err).split('\n')[0];
}

async function activate(tfName: string): Promise<void> {
  if (!(await tf.setBackend(tfName))) throw new Error(`tfjs could not initialise backend '${tfName}'`);
  await tf.ready();
}

/** Loads one backend and makes it current; throws with the reason when it cannot. */
async function load(name: BackendName): Promise<void> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      // Both register the native backend under tfjs's name 'tensorflow'.
      await importOptional(`@tensorflow/${name}`);
      return activate('tensorflow');
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The .wasm binaries sit next to the package's main file; a file-path prefix works from any cwd.
      wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
      return activate('wasm');
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return activate('cpu');
  }
}

/** Makes the chosen backend current and returns its name; `auto` takes the first that loads. */
export async function selectBackend(choice: BackendChoice = 'auto', log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BackendName> {
  if (choice !== 'auto') {
    if (!BACKEND_ORDER.includes(choice)) invalid('backend', `one of auto, ${BACKEND_ORDER.join(', ')}`, choice);
    try {
      await load(choice);
    } catch (err) {
      const hint = choice.startsWith('tfjs-node') ? `; install @tensorflow/${choice} or use --backend auto` : '';
      invalid('backend', `an available backend: ${choice} failed to load (${reason(err)}${hint})`, choice);
    }
    return choice;
  }
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      await load(name);
      log(`backend: ${name}${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}`);
      return name;
    } catch (err) {
      skipped.push(`${name}: ${reason(err)}`);
    }
  }
  throw new Error(`no tfjs backend could be loaded (${skipped.join('; ')})`);
}
