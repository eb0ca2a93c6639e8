#!/usr/bin/env node
// Bundles tfjs-core's gradient registrations into build/tfjs-core-<version>-gradients.cjs, part of the
// `model:build` target's output (src/gradients.ts says why the bundle exists and loads it).
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = require('@tensorflow/tfjs-core/package.json');
const out = join(root, 'build', `tfjs-core-${version}-gradients.cjs`);
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });
try {
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await esbuild.build({ entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', outfile: tmp, logLevel: 'silent' });
  renameSync(tmp, out);
} finally {
  rmSync(tmp, { force: true });
}
process.stderr.write(`tfjs gradients bundled: ${out}\n`);
