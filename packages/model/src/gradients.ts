/**
 * Registers tfjs-core's gradient functions, once per process.
 *
 * Why: `@tensorflow/tfjs-core`'s CommonJS entry (what Node loads, and what the cpu/wasm backends
 * require) registers no gradients; the union package `@tensorflow/tfjs` normally does it by
 * inlining `dist/register_all_gradients.js`. We load that ESM file instead, through a resolve hook
 * for its extensionless imports. The gradient and kernel registries and the engine are process
 * globals in tfjs, so the ESM copy's gradients apply to the CommonJS engine.
 * Import this module (index.ts does) before any tf.grad / tf.variableGrads.
 */
import { register } from 'node:module';

const FLAG = Symbol.for('ring-attractor.gradientsRegistered');
const globals = globalThis as unknown as Record<symbol, boolean>;

if (!globals[FLAG]) {
  globals[FLAG] = true;
  register('./tfjsEsmResolve.mjs', import.meta.url);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
}

