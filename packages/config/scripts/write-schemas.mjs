#!/usr/bin/env node
// Writes the JSON Schema files every config.json points at (pipelines/schema/*.schema.json) from the
// section declarations; test/schemaFiles.test.ts fails when they are out of date. Needs the built package.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaFiles } from '../dist/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
for (const [path, text] of Object.entries(schemaFiles())) {
  writeFileSync(join(root, path), text);
  process.stderr.write(`wrote ${path}\n`);
}
