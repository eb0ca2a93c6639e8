/**
 * Arrow files appended one record batch at a time: the bytes of apache-arrow's own file writer for the
 * same batches, a mark that a reopened file is cut back to, and every damaged file named.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import {
  ArrowAppender,
  metricsBatch,
  metricsRows,
  metricsSchema,
  readBlocks,
  readFooter,
  scanAppended,
  snapshotsBatch,
  snapshotsSchema,
  type FileMark,
  type MetricsRow,
  type SnapshotRow,
} from '../src/formats/index.js';
import { removeTempDirs, tempDir } from './helpers.js';

after(removeTempDirs);

const identity = { configJson: '{"model":{"kind":"ring"},"train":{"steps":9}}', datasetSha256: 'cd'.repeat(32) };
const parts = ['angle', 'bump'];
const matrices = ['Wo', 'Wl', 'Wr'].map((name) => ({ name, shape: [3, 3] }));
const snapSchema = snapshotsSchema(parts, matrices, identity);
const metSchema = metricsSchema(parts, identity);

const snapshot = (step: number): SnapshotRow => ({
  step,
  loss_total: 1 / (step + 1),
  losses: { angle: step, bump: -step },
  weights: Object.fromEntries(matrices.map(({ name }, k) => [name, Float32Array.from({ length: 9 }, (_, i) => step * 100 + k * 10 + i)])),
});
const metric = (step: number): MetricsRow => ({ step, loss_total: step / 3, losses: { angle: step, bump: 2 * step }, grad_norm: 1 + step, ms: 0.5 * step });

const noError = (why: string): never => assert.fail(why);

test('an appended file is, byte for byte, what apache-arrow writes for the same batches', async () => {
  const path = join(await tempDir('append'), 'snapshots.arrow');
  const batches = [[0], [5], [10, 12]].map((steps) => snapshotsBatch(snapSchema, steps.map(snapshot)));
  const out = ArrowAppender.create(path, snapSchema, true);
  for (const b of batches) out.append(b);
  const mark = out.mark();
  out.finish();
  const bytes = readFileSync(path);
  assert.ok(bytes.equals(tableToIPC(new Table(snapSchema, batches), 'file')));
  // The mark: the bytes before the end-of-stream marker and footer, their rows and sha256.
  assert.equal(mark.rows, 4);
  assert.equal(mark.sha256, createHash('sha256').update(bytes.subarray(0, mark.bytes)).digest('hex'));
  assert.deepEqual(bytes.subarray(mark.bytes, mark.bytes + 8), Buffer.from([255, 255, 255, 255, 0, 0, 0, 0]));
  // Readers see the schema (tensor extension and run identity included) and every row.
  const t = tableFromIPC(bytes);
  assert.deepEqual(Array.from(t.getChild('step')!.toArray()), [0, 5, 10, 12]);
  assert.equal(t.schema.fields[4].metadata.get('ARROW:extension:name'), 'arrow.fixed_shape_tensor');
  const { schema, blocks } = readFooter(path, noError);
  assert.equal(schema.metadata.get('ring_attractor.config'), identity.configJson);
  assert.equal(blocks.length, 3);
  assert.deepEqual([...readBlocks(path, schema, blocks.slice(2))].map((b) => Array.from(b.getChild('step')!.toArray())), [[10, 12]]);
});

test('a file reopened at a mark drops what came after and ends as if never interrupted', async () => {
  const dir = await tempDir('reopen');
  const whole = join(dir, 'whole.arrow');
  const cut = join(dir, 'cut.arrow');
  const groups = [[1, 2, 3], [4, 5], [6], [7, 8, 9]].map((steps) => metricsBatch(metSchema, steps.map(metric)));
  const a = ArrowAppender.create(whole, metSchema, false);
  groups.forEach((g) => a.append(g));
  a.finish();

  const b = ArrowAppender.create(cut, metSchema, false);
  b.append(groups[0]);
  b.append(groups[1]);
  const mark = b.mark();
  b.append(metricsBatch(metSchema, [metric(6), metric(7)])); // steps to be redone
  b.close();
  writeFileSync(cut, Buffer.concat([readFileSync(cut), Buffer.from('a torn write')]));
  assert.equal(mark.sha256, undefined);

  const scanned = scanAppended(cut, mark, noError);
  assert.deepEqual(scanned.rows, [3, 2]);
  assert.deepEqual([...readBlocks(cut, metSchema, scanned.blocks)].flatMap((x) => metricsRows(x).map((r) => r.step)), [1, 2, 3, 4, 5]);
  const c = ArrowAppender.reopen(cut, metSchema, mark, scanned);
  c.append(groups[2]);
  c.append(groups[3]);
  c.finish();
  assert.ok(readFileSync(cut).equals(readFileSync(whole)));
});

test('a reopened file keeps its running digest', async () => {
  const dir = await tempDir('digest');
  const path = join(dir, 's.arrow');
  const a = ArrowAppender.create(path, snapSchema, true);
  a.append(snapshotsBatch(snapSchema, [snapshot(0)]));
  const first = a.mark();
  a.close();
  const b = ArrowAppender.reopen(path, snapSchema, first, scanAppended(path, first, noError));
  b.append(snapshotsBatch(snapSchema, [snapshot(1)]));
  const second = b.mark();
  b.close();
  assert.equal(second.sha256, createHash('sha256').update(readFileSync(path).subarray(0, second.bytes)).digest('hex'));
});

test('a file that is missing, short, damaged or holds other rows than its mark is refused with its reason', async () => {
  const dir = await tempDir('bad');
  const path = join(dir, 's.arrow');
  const write = (): FileMark => {
    const a = ArrowAppender.create(path, snapSchema, true);
    a.append(snapshotsBatch(snapSchema, [snapshot(0)]));
    a.append(snapshotsBatch(snapSchema, [snapshot(5)]));
    const m = a.mark();
    a.close();
    return m;
  };
  const reason = (mark: FileMark, file = path): string => {
    try {
      scanAppended(file, mark, (why) => {
        throw new Error(why);
      });
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };
  const mark = write();
  assert.equal(reason(mark), 'accepted');
  assert.equal(reason(mark, join(dir, 'nope.arrow')), 'missing');
  assert.match(reason({ ...mark, rows: 3 }), /^2 rows where the checkpoint recorded 3$/);
  truncateSync(path, mark.bytes - 1);
  assert.match(reason(mark), /^shorter than at the checkpoint \(\d+ of \d+ bytes\)$/);
  write();
  const bytes = readFileSync(path);
  bytes[bytes.length - 3] ^= 1; // in the last matrix's values: only the digest sees it
  writeFileSync(path, bytes);
  assert.match(reason(mark), /^damaged: its bytes do not match the sha256/);
  write();
  const header = readFileSync(path);
  header.fill(0x41, 12, 40); // the first message's header
  writeFileSync(path, header);
  assert.match(reason({ ...mark, sha256: undefined }), /^damaged: /);
  writeFileSync(path, Buffer.from('not an arrow file at all, not at all'));
  assert.match(reason({ bytes: 16, rows: 0 }), /^not an Arrow IPC file/);
});
