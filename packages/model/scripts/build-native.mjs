#!/usr/bin/env node
// Builds the native kernel (native/src) into native/build/ring_native.node: one object per ISA path,
// each compiled with its own instruction-set flags, linked with the addon that picks a path this CPU
// supports when it loads. The nx target `model:build-native` runs it (never an install script).
// Where it cannot build (no C++ compiler, no Node headers, an unsupported platform) it says why in
// one line and exits 0 with no addon, and the runtime uses the wasm kernel.
//
//   node scripts/build-native.mjs              build
//   node scripts/build-native.mjs --print-id   print the compiler's identity (part of nx's cache key)
// Environment: CXX (default g++), NODE_API_HEADERS (a folder holding node_api.h).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cppActivations, cppLayout, writeGenerated } from './kernel-sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'src');
const out = join(root, 'native', 'build');
const addon = join(out, 'ring_native.node');
const CXX = process.env.CXX || 'g++';

/** Objects of the addon: the boundary (baseline ISA), then one per ISA path with its flags. */
const X86 = process.arch === 'x64';
const UNITS = [
  { file: 'addon.cpp', flags: [] },
  { file: 'isa_portable.cpp', flags: [] },
  { file: 'isa_wide16.cpp', flags: [] },
  { file: 'gain.cpp', flags: [] },
  { file: 'adam.cpp', flags: ['-fno-math-errno'] },
  ...(X86 ? [{ file: 'isa_avx2.cpp', flags: ['-mavx2', '-mfma'] }, { file: 'isa_avx512.cpp', flags: ['-mavx512f', '-mavx2', '-mfma', '-Wno-maybe-uninitialized'] }] : []),
];

function compilerId() {
  const r = spawnSync(CXX, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout ? r.stdout.split('\n')[0].trim() : null;
}

/** Says why there is no native kernel, in one line, and leaves no addon behind (exit 0). */
function skip(reason) {
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(`native kernel: not built (${reason}); the wasm kernel will be used\n`);
  process.exit(0);
}

function nodeHeaders() {
  const candidates = [process.env.NODE_API_HEADERS, join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h'))) ?? null;
}

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(CXX, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ ok: false, stderr: String(err) }));
    child.on('close', (code) => resolve({ ok: code === 0, stderr }));
  });
}

/** Runs the jobs, at most `limit` at a time; returns their results in order. */
async function pooled(jobs, limit) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

if (process.argv.includes('--print-id')) {
  process.stdout.write(`${compilerId() ?? 'none'} ${process.platform}-${process.arch}\n`);
  process.exit(0);
}
if (process.platform === 'win32') skip('building with MSVC is not supported');
const id = compilerId();
if (!id) skip(`no C++ compiler: \`${CXX} --version\` did not run`);
const headers = nodeHeaders();
if (!headers) skip("Node's headers (node_api.h) not found; set NODE_API_HEADERS");

const generated = join(out, 'generated');
writeGenerated(join(generated, 'layout.h'), cppLayout());
writeGenerated(join(generated, 'activations.h'), cppActivations());
const objDir = join(out, `obj.${process.pid}.tmp`);
mkdirSync(objDir, { recursive: true });
// -Wno-psabi: wide16 passes 64-byte vectors between inlined functions (no ABI boundary is crossed).
const common = ['-std=c++17', '-O3', '-fPIC', '-fvisibility=hidden', '-ffp-contract=off', '-pthread', '-Wall', '-Wextra', '-Wno-psabi', '-I', out, '-I', headers];
try {
  const results = await pooled(
    UNITS.map((u) => () => run([...common, ...u.flags, '-c', join(src, u.file), '-o', join(objDir, `${u.file}.o`)])),
    Math.max(1, availableParallelism()),
  );
  const failed = results.findIndex((r) => !r.ok);
  if (failed >= 0) {
    process.stderr.write(results[failed].stderr);
    throw new Error(`native kernel: compiling ${UNITS[failed].file} failed (see above)`);
  }
  for (const r of results) if (r.stderr) process.stderr.write(r.stderr);
  // Linked under a temp name and renamed, so a concurrent reader never loads half a library.
  const tmp = `${addon}.${process.pid}.tmp`;
  const link = await run(['-shared', '-pthread', ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []), '-o', tmp, ...UNITS.map((u) => join(objDir, `${u.file}.o`))]);
  if (!link.ok) {
    rmSync(tmp, { force: true });
    process.stderr.write(link.stderr);
    throw new Error('native kernel: linking failed (see above)');
  }
  renameSync(tmp, addon);
} finally {
  rmSync(objDir, { recursive: true, force: true });
}
process.stderr.write(`native kernel built: ${addon} (${id})\n`);
