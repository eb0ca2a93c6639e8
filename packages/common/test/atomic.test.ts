import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { join } from 'node:path';
import { createAtomicWriteStream, writeFileAtomic } from '../src/index.js';

test('writeFileAtomic leaves only the final file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  await writeFileAtomic(join(dir, 'a.txt'), 'hello');
  assert.deepEqual(await readdir(dir), ['a.txt']);
  assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'hello');
});

test('an aborted atomic stream leaves nothing behind, a committed one appears whole', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  const a = createAtomicWriteStream(join(dir, 'gone.bin'));
  a.stream.write('partial');
  await once(a.stream, 'open');
  assert.equal((await readdir(dir)).length, 1, 'the temp file exists while writing');
  await a.abort();
  assert.deepEqual(await readdir(dir), []);
  const b = createAtomicWriteStream(join(dir, 'kept.bin'));
  b.stream.write('whole');
  await b.commit();
  assert.deepEqual(await readdir(dir), ['kept.bin']);
  assert.equal(await readFile(join(dir, 'kept.bin'), 'utf8'), 'whole');
});

test('writeFileAtomic into a missing folder fails and writes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.txt'), 'x'));
  assert.deepEqual(await readdir(dir), []);
});
