/**
 * The README's command-line reference cannot drift: its flag tables are the ones each CLI's spec
 * generates (scripts/flag-tables.ts, `npm run docs:flags`), and each CLI's `--help` offers exactly
 * the flags of its table, so the spec is what the CLI parses with. The CLIs run from dist/ (built
 * before this test by nx: they are devDependencies of this package).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datagenSection, evalSection, flagName, jsonSchemaOf, modelFlagsSchema, trainSection, vizSection } from '@ring-attractor/config';
import { blockProblems, cliDocs, generatedBlocks, readBlocks, spliceBlocks, type CliDoc } from '../scripts/flag-tables.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test("README.md's flag tables are the ones the CLIs' specs generate (regenerate: npm run docs:flags)", () => {
  const blocks = generatedBlocks();
  assert.equal(Object.keys(blocks).length, 7, Object.keys(blocks).join(', '));
  assert.deepEqual(blockProblems(readme, blocks), [], 'run npm run docs:flags');
});

test('a stale, missing or unknown table is reported naming its CLI, and splicing rewrites only the tables', () => {
  const blocks = { 'ring-a': '| a |', 'ring-b': '| b |' };
  const text = '# CLIs\n\n<!-- flags:ring-a -->\nold a\n<!-- /flags:ring-a -->\n\nkept\n\n<!-- flags:ring-b -->\n<!-- /flags:ring-b -->\n';
  const fresh = spliceBlocks(text, blocks);
  assert.equal(fresh, '# CLIs\n\n<!-- flags:ring-a -->\n| a |\n<!-- /flags:ring-a -->\n\nkept\n\n<!-- flags:ring-b -->\n| b |\n<!-- /flags:ring-b -->\n');
  assert.deepEqual(readBlocks(fresh), blocks);
  assert.deepEqual(blockProblems(fresh, blocks), []);
  assert.equal(spliceBlocks(fresh, blocks), fresh, 'splicing is idempotent');
  assert.deepEqual(blockProblems(fresh.replace('| a |', '| a, edited by hand |'), blocks), ['ring-a: its flag table differs from the one its spec generates']);
  assert.deepEqual(blockProblems(fresh, { ...blocks, 'ring-c': '| c |' }), ['ring-c: no <!-- flags:ring-c --> … <!-- /flags:ring-c --> block']);
  assert.deepEqual(blockProblems(fresh, { 'ring-a': '| a |' }), ['ring-b: a flag block for a CLI that does not exist']);
  assert.throws(() => spliceBlocks(fresh, { 'ring-c': '| c |' }), /^Error: ring-c: expected a <!-- flags:ring-c --> … <!-- \/flags:ring-c --> block/);
});

test('each stage table has a row for every field of every section the stage reads, under its config key', () => {
  const blocks = generatedBlocks();
  const keys = (schema: Parameters<typeof jsonSchemaOf>[0]) => Object.keys(jsonSchemaOf(schema).properties).filter((k) => k !== '$schema');
  const expectations: Record<string, [string, string[]][]> = {
    'ring-datagen': [['dataset', keys(datagenSection)]],
    'ring-train': [['model', Object.keys(modelFlagsSchema().properties)], ['train', keys(trainSection)]],
    // ring-eval takes dataset folders as --data; the section's datasets (project names) are the pipeline's.
    'ring-eval': [['eval', keys(evalSection).filter((k) => k !== 'datasets')]],
    'ring-viz': [['viz', keys(vizSection)]],
  };
  for (const [cli, sections] of Object.entries(expectations)) {
    for (const [section, fields] of sections) {
      assert.ok(fields.length > 0, `${cli}: ${section} has no fields`);
      for (const key of fields) assert.ok(blocks[cli].includes(`| \`--${flagName(key)}\` | \`${section}.${key}\` |`), `${cli}: no row for ${section}.${key}`);
    }
  }
});

/** The bin script of every CLI, from the workspaces' package.json files. */
function binOf(name: string): string {
  const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  for (const ws of workspaces) {
    const bin = (JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) as { bin?: Record<string, string> }).bin ?? {};
    if (bin[name]) return join(root, ws, bin[name]);
  }
  throw new Error(`no workspace package has a bin named ${name}`);
}

/** The flags `--help` lists: option lines start with `--name` or `-x, --name` at the left margin. */
function helpFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, | {4})--([A-Za-z0-9][A-Za-z0-9-]*)/gm)].map((m) => m[1]).sort();
}

/** The flags a CLI's table documents, per command (subcommand words before the first `<` or `[`). */
function tableFlags(doc: CliDoc): { words: string[]; flags: string[] }[] {
  return doc.commands.map((c) => ({
    words: c.usage.split(' ').slice(1).filter((w, i, all) => all.slice(0, i + 1).every((x) => /^[a-z]+$/.test(x))),
    flags: Object.entries(c.options).filter(([, o]) => !o.hidden).map(([name]) => name),
  }));
}

test("every CLI's --help offers exactly the flags of its table (plus --help and --version)", () => {
  for (const doc of cliDocs()) {
    for (const { words, flags } of tableFlags(doc)) {
      const help = execFileSync(process.execPath, [binOf(doc.name), ...words, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '120' } });
      assert.deepEqual(helpFlags(help), [...flags, 'help', 'version'].sort(), `${[doc.name, ...words].join(' ')} --help`);
    }
  }
});
