/**
 * Registers tfjs-core's gradient functions, once per process.
 *
 * Why: `@tensorflow/tfjs-core`'s CommonJS entry (what Node loads, and what the cpu/wasm backends
 * require) registers no gradients; the union package `@tensorflow/tfjs` does it by inlining
 * `dist/register_all_gradients.js`, an ESM tree of hundreds of extensionless imports that Node
 * cannot load as is. We bundle that file once with esbuild into a single CommonJS file (about
 * 0.3 s, cached next to the fused kernel's wasm) and load it in ~20 ms. The gradient registry and
 * the engine are process globals in tfjs, so the bundle's registrations apply to the CommonJS engine.
 * Import this module (index.ts does) before any tf.grad / tf.variableGrads.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FLAG = Symbol.for('ring-attractor.gradientsRegistered');
const globals = globalThis as unknown as Record<symbol, boolean>;
const require = createRequire(import.meta.url);

async function bundleGradients(): Promise<string> {
  const version = (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  const name = `tfjs-core-${version}-gradients.cjs`;
  const candidates = [join(dirname(fileURLToPath(import.meta.url)), '..', 'build'), join(tmpdir(), 'ring-attractor')];
  for (const dir of candidates) if (existsSync(join(dir, name))) return join(dir, name);
  const esbuild = await import('esbuild');
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  let lastError: unknown;
  for (const dir of candidates) {
    const out = join(dir, name);
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true });
      await esbuild.build({ entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', outfile: tmp, logLevel: 'silent' });
      renameSync(tmp, out);
      return out;
    } catch (err) {
      rmSync(tmp, { force: true });
      lastError = err;
    }
  }
  throw new Error(`cannot bundle tfjs gradients into ${candidates.join(' or ')}: ${(lastError as Error).message}`);
}

if (!globals[FLAG]) {
  globals[FLAG] = true;
  require(await bundleGradients());
}
