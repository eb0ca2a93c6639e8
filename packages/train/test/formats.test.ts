import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromIPC } from 'apache-arrow';
import { CONFIG_KEY, DATASET_KEY, metricsFromIpc, metricsToIpc, snapshotsFromIpc, snapshotsToIpc, type RunIdentity } from '../src/formats/index.js';

const id = (configJson: string): RunIdentity => ({ configJson, datasetSha256: 'ab'.repeat(32) });

test('metrics round-trip with the column types of docs/formats.md', () => {
  const rows = [1, 2, 3].map((s) => ({ step: s, loss_total: 1 / s, losses: { angle: 0.5 / s, bump: 0.25 }, grad_norm: s, ms: 12.5 * s }));
  const bytes = metricsToIpc(rows, ['angle', 'bump'], id('{"b":2}'));
  const t = tableFromIPC(bytes);
  assert.deepEqual(t.schema.fields.map((f) => [f.name, String(f.type)]), [
    ['step', 'Int32'], ['loss_total', 'Float32'], ['loss_angle', 'Float32'], ['loss_bump', 'Float32'], ['grad_norm', 'Float32'], ['ms', 'Float64'],
  ]);
  assert.equal(t.schema.metadata.get(CONFIG_KEY), '{"b":2}');
  assert.equal(t.schema.metadata.get(DATASET_KEY), 'ab'.repeat(32));
  const back = metricsFromIpc(bytes);
  assert.equal(back.length, 3);
  assert.equal(back[2].step, 3);
  assert.equal(back[2].ms, 37.5);
  assert.equal(back[1].loss_total, Math.fround(0.5));
  assert.deepEqual(back[1].losses, { angle: Math.fround(0.25), bump: 0.25 });
});

test("a baseline's metrics hold its own loss parts", () => {
  const rows = [{ step: 1, loss_total: 1, losses: { main: 0.5, smooth: 0.25, norm: 0.125, cumsum: 2 }, grad_norm: 1, ms: 1 }];
  const t = tableFromIPC(metricsToIpc(rows, ['main', 'smooth', 'norm', 'cumsum'], id('{}')));
  assert.deepEqual(t.schema.fields.map((f) => f.name), ['step', 'loss_total', 'loss_main', 'loss_smooth', 'loss_norm', 'loss_cumsum', 'grad_norm', 'ms']);
  assert.deepEqual(metricsFromIpc(metricsToIpc(rows, ['main', 'smooth', 'norm', 'cumsum'], id('{}')))[0].losses, rows[0].losses);
});

test('snapshots hold one N×N fixed-shape tensor per matrix and the config in the metadata', () => {
  const n = 3;
  const mk = (k: number) => Float32Array.from({ length: n * n }, (_, i) => i + k);
  const rows = [0, 10].map((step) => ({ step, loss_total: 1, losses: { angle: 2, bump: 3 }, weights: { Wo: mk(step), Wl: mk(step + 100), Wr: mk(step + 200) } }));
  const bytes = snapshotsToIpc(rows, ['angle', 'bump'], ['Wo', 'Wl', 'Wr'].map((name) => ({ name, shape: [n, n] })), id('{"a":1}'));
  const t = tableFromIPC(bytes);
  assert.equal(t.schema.metadata.get(CONFIG_KEY), '{"a":1}');
  assert.equal(String(t.schema.fields[4].type), 'FixedSizeList[9]<Float32>');
  // Arrow's canonical extension: pyarrow and polars read each row as a 3×3 array.
  assert.equal(t.schema.fields[4].metadata.get('ARROW:extension:name'), 'arrow.fixed_shape_tensor');
  assert.deepEqual(JSON.parse(t.schema.fields[4].metadata.get('ARROW:extension:metadata')!), { shape: [3, 3] });
  assert.deepEqual(t.schema.fields.map((f) => f.name), ['step', 'loss_total', 'loss_angle', 'loss_bump', 'Wo', 'Wl', 'Wr']);
  const back = snapshotsFromIpc(bytes, ['Wo', 'Wl', 'Wr']);
  assert.deepEqual(Array.from(back[1].weights.Wl), Array.from(mk(110)));
  assert.equal(back[1].step, 10);
});
