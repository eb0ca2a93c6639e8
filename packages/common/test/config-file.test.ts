import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, readJsonObject, yargsFail } from '../src/index.js';

test('readJsonObject returns the object and names the field on every failure', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
  const ok = join(dir, 'ok.json');
  await writeFile(ok, '{"a": 1}');
  assert.deepEqual(readJsonObject(ok), { a: 1 });
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{ nope');
  assert.throws(() => readJsonObject(broken, 'config'), (e: unknown) => e instanceof UsageError && /^config: expected a readable JSON file \(got ".*broken.json": /.test(e.message));
  assert.throws(() => readJsonObject(join(dir, 'missing.json')), (e: unknown) => /^--config: expected a readable JSON file \(got ".*missing.json": ENOENT\)$/.test((e as Error).message));
  const list = join(dir, 'list.json');
  await writeFile(list, '[1]');
  assert.throws(() => readJsonObject(list), (e: unknown) => (e as Error).message === '--config: expected a JSON object (got [1])');
});

test('yargsFail joins a yargs message into one line and passes real errors through', () => {
  const choices = 'Invalid values:\n  Argument: activation, Given: "x", Choices: "tanh", "relu"';
  assert.throws(() => yargsFail(choices, undefined), (e: unknown) => e instanceof UsageError && e.message === 'Invalid values: Argument: activation, Given: "x", Choices: "tanh", "relu"');
  const boom = new Error('boom');
  assert.throws(() => yargsFail(undefined, boom), (e: unknown) => e === boom);
});
