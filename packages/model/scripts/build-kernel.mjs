#!/usr/bin/env node
// Compiles the wasm kernel (assembly/kernel.ts) into build/kernel.wasm (SIMD) and
// build/kernel-fma.wasm (SIMD + relaxed-SIMD fused multiply-adds), after writing the sources it
// imports from the kernel spec (assembly/generated/). The one definition of the build: the nx
// `build` target runs it, and the runtime runs it when a fresh clone has no build yet.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { assemblyScriptActivations, assemblyScriptLayout, writeGenerated } from './kernel-sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = ['--enable', 'simd', '--enable', 'threads', '--runtime', 'stub', '--importMemory', '--sharedMemory',
  '--initialMemory', '2', '--maximumMemory', '32768', '--noAssert', '--use', 'abort=', '-O3'];
const variants = { 'kernel.wasm': [], 'kernel-fma.wasm': ['--enable', 'relaxed-simd'] };
// The baselines' kernels (assembly/baselines.ts: the fused GRU and the dense ops), built the same two ways.
const sources = { 'kernel.ts': variants, 'baselines.ts': { 'baselines.wasm': [], 'baselines-fma.wasm': variants['kernel-fma.wasm'] } };

writeGenerated(join(root, 'assembly', 'generated', 'layout.ts'), assemblyScriptLayout());
writeGenerated(join(root, 'assembly', 'generated', 'activations.ts'), assemblyScriptActivations());
mkdirSync(join(root, 'build'), { recursive: true });
for (const [source, outputs] of Object.entries(sources)) for (const [name, extra] of Object.entries(outputs)) {
  const out = join(root, 'build', name);
  // Written under a temp name and renamed, so a concurrent reader never sees half a module.
  const tmp = `${out}.${process.pid}.tmp`;
  const { error, stderr } = await asc.main([join(root, 'assembly', source), ...common, ...extra, '-o', tmp], {});
  if (error) {
    rmSync(tmp, { force: true });
    process.stderr.write(stderr.toString());
    throw error;
  }
  renameSync(tmp, out);
}
process.stderr.write(`wasm kernel built: ${join(root, 'build')}\n`);
