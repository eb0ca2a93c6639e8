/** openDataset/loadSplit: round trip, and rejection of damaged, foreign or mismatched folders. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Field, FixedSizeList, Float32, Float64, Schema, Table, makeData, tableToIPC, RecordBatch, Struct } from 'apache-arrow';
import { DatasetError, generateDataset, loadSplit, openDataset, resolveDatagenConfig } from '../src/index.js';
import { readRaw, tempDir } from './helpers.js';

const cfg = resolveDatagenConfig({ num_samples: 300, test_samples: 40, seq_len: 24, seed: 2 });

/** Rewrites the manifest so it vouches for `file` as it now is (to reach the checks after the hash). */
function revouch(dir: string, file: string): void {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const bytes = readFileSync(join(dir, file));
  manifest.files[file].sha256 = createHash('sha256').update(bytes).digest('hex');
  manifest.files[file].bytes = bytes.length;
  writeFileSync(path, JSON.stringify(manifest));
}

/** An Arrow IPC file with the given columns of `rows` lists of `size` values of `type`. */
function arrowFile(columns: string[], rows: number, size: number, type: Float32 | Float64 = new Float32()): Uint8Array {
  const fields = columns.map((c) => new Field(c, new FixedSizeList(size, new Field('item', type, false)), false));
  const schema = new Schema(fields);
  const values = type instanceof Float64 ? new Float64Array(rows * size) : new Float32Array(rows * size);
  const children = fields.map((f) =>
    makeData({ type: f.type, length: rows, nullCount: 0, child: makeData({ type, length: rows * size, nullCount: 0, data: values }) }),
  );
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }));
  return tableToIPC(new Table([batch]), 'file');
}

async function rejects(dir: string, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(openDataset(dir), (err: Error) => {
    assert.ok(err instanceof DatasetError, `expected DatasetError, got ${err}`);
    assert.ok(err.message.includes(file), `message does not name ${file}: ${err.message}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'message must be one line');
    return true;
  });
}

describe('dataset reader', () => {
  const { dir: base, cleanup } = tempDir();
  const good = join(base, 'good');
  let n = 0;
  /** A fresh copy of the good dataset to damage. */
  const copy = (): string => {
    const d = join(base, `copy${n++}`);
    cpSync(good, d, { recursive: true });
    return d;
  };
  before(() => generateDataset(cfg, good));
  after(cleanup);

  test('round trip: openDataset + loadSplit give the rows apache-arrow reads, row-major', async () => {
    const ds = await openDataset(good);
    assert.deepEqual(ds.config, cfg);
    assert.equal(ds.seqLen, 24);
    assert.equal(ds.manifest.generator, '@ring-attractor/datagen');
    for (const split of ['train', 'test'] as const) {
      const loaded = await loadSplit(ds, split);
      const raw = readRaw(join(good, `${split}.arrow`));
      assert.equal(loaded.count, split === 'train' ? 300 : 40);
      assert.equal(loaded.seqLen, 24);
      assert.equal(loaded.av.length, loaded.count * 24);
      for (let r = 0; r < loaded.count; r++) {
        assert.deepEqual(loaded.av.subarray(r * 24, (r + 1) * 24), raw.av[r]);
        assert.deepEqual(loaded.angle.subarray(r * 24, (r + 1) * 24), raw.angle[r]);
      }
    }
  });

  test('missing or unparsable manifest', async () => {
    const d = copy();
    rmSync(join(d, 'manifest.json'));
    await rejects(d, 'manifest.json', /cannot read the dataset manifest/);
    writeFileSync(join(d, 'manifest.json'), '{ not json');
    await rejects(d, 'manifest.json', /not valid JSON/);
    writeFileSync(join(d, 'manifest.json'), JSON.stringify({ files: {}, config: cfg }));
    await rejects(d, 'manifest.json', /train\.arrow/);
  });

  test('missing data file', async () => {
    const d = copy();
    rmSync(join(d, 'test.arrow'));
    await rejects(d, 'test.arrow', /missing/);
  });

  test('truncated file', async () => {
    const d = copy();
    const size = readFileSync(join(d, 'train.arrow')).length;
    truncateSync(join(d, 'train.arrow'), Math.floor(size / 2));
    await rejects(d, 'train.arrow', /truncated/);
  });

  test('foreign (non-Arrow) file, even with a manifest that vouches for it', async () => {
    const d = copy();
    writeFileSync(join(d, 'test.arrow'), 'av,angle\n0.1,0.2\n'.repeat(50));
    revouch(d, 'test.arrow');
    await rejects(d, 'test.arrow', /not an Arrow IPC file/);
  });

  test('sha256 mismatch (one byte changed, size and magic intact)', async () => {
    const d = copy();
    const bytes = readFileSync(join(d, 'train.arrow'));
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(join(d, 'train.arrow'), bytes);
    await rejects(d, 'train.arrow', /sha256 mismatch/);
  });

  test('wrong columns, wrong list size, wrong value type', async () => {
    const cases: [Uint8Array, RegExp][] = [
      [arrowFile(['x', 'angle'], 40, 24), /expected columns av, angle \(got x, angle\)/],
      [arrowFile(['av'], 40, 24), /expected columns av, angle \(got av\)/],
      [arrowFile(['av', 'angle'], 40, 5), /column av: expected FixedSizeList<Float32>\[24\]/],
      [arrowFile(['av', 'angle'], 40, 24, new Float64()), /column av: expected FixedSizeList<Float32>\[24\]/],
    ];
    for (const [bytes, pattern] of cases) {
      const d = copy();
      writeFileSync(join(d, 'test.arrow'), bytes);
      revouch(d, 'test.arrow');
      await rejects(d, 'test.arrow', pattern);
    }
  });

  test('right columns without our config metadata are rejected', async () => {
    const d = copy();
    writeFileSync(join(d, 'test.arrow'), arrowFile(['av', 'angle'], 40, 24));
    revouch(d, 'test.arrow');
    await rejects(d, 'test.arrow', /disagrees with the manifest's config/);
  });

  test('loadSplit re-checks the hash of what it reads', async () => {
    const d = copy();
    const ds = await openDataset(d);
    const bytes = readFileSync(join(d, 'train.arrow'));
    bytes[100] ^= 1;
    writeFileSync(join(d, 'train.arrow'), bytes);
    await assert.rejects(loadSplit(ds, 'train'), /train\.arrow: sha256 mismatch/);
  });

  test('a split that cannot be read whole is an error naming the file, not a bare Node error', async () => {
    const d = copy();
    const ds = await openDataset(d);
    // Sparse: 3 GB without using the disk, past what one read can return.
    truncateSync(join(d, 'train.arrow'), 3e9);
    await assert.rejects(loadSplit(ds, 'train'), (err: unknown) => err instanceof DatasetError && /^.*train\.arrow: cannot read the split \(.*greater than 2 GiB.*\)/.test((err as Error).message));
  });
});

