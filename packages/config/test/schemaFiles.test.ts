import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveExperiment, schemaFiles } from '../src/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('the committed JSON Schema files are the ones the sections generate (regenerate: npm run schemas)', () => {
  for (const [path, text] of Object.entries(schemaFiles())) {
    assert.equal(readFileSync(join(root, path), 'utf8'), text, `${path} is out of date: run npm run schemas`);
  }
});

test('every shipped config.json points at its schema and passes it', () => {
  for (const kind of ['datasets', 'experiments']) {
    for (const name of readdirSync(join(root, 'pipelines', kind))) {
      const file = JSON.parse(readFileSync(join(root, 'pipelines', kind, name, 'config.json'), 'utf8'));
      assert.equal(file.$schema, `../../schema/${kind === 'datasets' ? 'dataset' : 'experiment'}.schema.json`, `${kind}/${name}`);
      if (kind === 'experiments') resolveExperiment(file, `${kind}/${name}`);
    }
  }
});
