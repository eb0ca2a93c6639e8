/**
 * Registers tfjs-core's gradient functions, once per process.
 *
 * Why: `@tensorflow/tfjs-core`'s CommonJS entry (what Node loads, and what the cpu/wasm backends
 * require) registers no gradients; the union package `@tensorflow/tfjs` does it by inlining
 * `dist/register_all_gradients.js`, an ESM tree of hundreds of extensionless imports that Node
 * cannot load as is. `model:build` bundles that file into one CommonJS file
 * (scripts/bundle-gradients.mjs), which loads in ~20 ms. The gradient registry and the engine are
 * process globals in tfjs, so the bundle's registrations apply to the CommonJS engine.
 * Import this module (index.ts does) before any tf.grad / tf.variableGrads. It never writes files.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
// First: the bundle carries its own copy of tfjs-core's classes, and whichever copy loads first creates
// the process-wide engine (and with it the Tensor class every tensor gets). It must be the real one.
import '@tensorflow/tfjs-core';

const FLAG = Symbol.for('ring-attractor.gradientsRegistered');
const globals = globalThis as unknown as Record<symbol, boolean>;
const require = createRequire(import.meta.url);

if (!globals[FLAG]) {
  const version = (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  const bundle = new URL(`../build/tfjs-core-${version}-gradients.cjs`, import.meta.url);
  if (!existsSync(bundle)) {
    throw new Error(`the model package is not built (no ${bundle.pathname}); run \`npm run build\` (or \`npx nx run model:build\`)`);
  }
  require(bundle.pathname);
  globals[FLAG] = true;
}
