/** The generated data against docs/model.md §1, re-derived from the files alone. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { CONFIG_METADATA_KEY, generateDataset, generateSequences, resolveDatagenConfig, type DatagenConfig } from '../src/index.js';
import { circDist, readRaw, tempDir, type RawSplit } from './helpers.js';

const TWO_PI = 2 * Math.PI;
// Float32 spacing near 2π is 4.8e-7; the stored angle is one rounding away from the exact sum.
const ANGLE_TOL = 2e-6;

/** Every docs/model.md §1 property of one split; returns how many rows used each ratio. */
function checkSplit(raw: RawSplit, cfg: DatagenConfig): Map<number, number> {
  const T = cfg.seq_len;
  const n0 = Math.floor(T * cfg.zero_padding_start_ratio);
  const m = T - n0;
  const countToRatio = new Map(cfg.zero_ratios_in_rest.map((z) => [m - Math.floor(m * z), z]));
  const used = new Map<number, number>(cfg.zero_ratios_in_rest.map((z) => [z, 0]));
  const quarters = [0, 0, 0, 0];
  for (let r = 0; r < raw.av.length; r++) {
    const av = raw.av[r];
    const angle = raw.angle[r];
    assert.equal(av.length, T);
    assert.equal(angle.length, T);
    for (let t = 0; t < n0; t++) assert.equal(av[t], 0, `row ${r}: leading step ${t} must be 0`);
    let nonZero = 0;
    for (let t = n0; t < T; t++) {
      if (av[t] !== 0) nonZero++;
      assert.ok(Math.abs(av[t]) <= cfg.max_av, `row ${r} t ${t}: |av| ${av[t]} > max_av`);
    }
    const z = countToRatio.get(nonZero);
    assert.ok(z !== undefined, `row ${r}: ${nonZero} non-zero steps matches no ratio's m − floor(m·z)`);
    used.set(z, used.get(z)! + 1);
    assert.ok(angle[0] >= 0 && angle[0] < TWO_PI, `row ${r}: θ0 ${angle[0]} outside [0, 2π)`);
    quarters[Math.floor(angle[0] / (TWO_PI / 4))]++;
    let sum = 0;
    for (let t = 0; t < T; t++) {
      assert.ok(angle[t] >= 0 && angle[t] < TWO_PI, `row ${r} t ${t}: angle outside [0, 2π)`);
      const expected = (((angle[0] + sum) % TWO_PI) + TWO_PI) % TWO_PI;
      assert.ok(circDist(angle[t], expected) <= ANGLE_TOL, `row ${r} t ${t}: angle ${angle[t]} vs Σ_{s<t} av ${expected}`);
      sum += av[t];
    }
  }
  for (const q of quarters) assert.ok(q >= raw.av.length * 0.15, `θ0 quarters ${quarters} not spread over [0, 2π)`);
  return used;
}

describe('docs/model.md §1 data (seed defaults, 3000 rows)', () => {
  const { dir, cleanup } = tempDir();
  const cfg = resolveDatagenConfig({ num_samples: 3000, test_samples: 600, seed: 11 });
  let train: RawSplit;
  let test_: RawSplit;
  before(async () => {
    await generateDataset(cfg, dir);
    train = readRaw(join(dir, 'train.arrow'));
    test_ = readRaw(join(dir, 'test.arrow'));
  });
  after(cleanup);

  test('row counts, list sizes and the config in the schema metadata', () => {
    assert.equal(train.av.length, 3000);
    assert.equal(test_.av.length, 600);
    assert.deepEqual(train.listSizes, [120, 120]);
    assert.deepEqual(JSON.parse(train.metadata.get(CONFIG_METADATA_KEY)!), cfg);
    assert.deepEqual(JSON.parse(test_.metadata.get(CONFIG_METADATA_KEY)!), cfg);
  });

  test('train split: zeros, non-zero counts, |av| bound, integrated angle, θ0 spread', () => {
    const used = checkSplit(train, cfg);
    // m = 108: counts 87, 54, 22; each ratio drawn with probability 1/3.
    for (const [z, n] of used) assert.ok(n > 3000 * 0.27 && n < 3000 * 0.4, `ratio ${z} used ${n} times of 3000`);
  });

  test('test split satisfies the same properties', () => {
    const used = checkSplit(test_, cfg);
    for (const [z, n] of used) assert.ok(n > 0, `ratio ${z} never used in the test split`);
  });

  test('non-zero av: both signs, spread to max_av, every position of the rest used', () => {
    const T = 120;
    const hits = new Int32Array(T);
    let pos = 0;
    let neg = 0;
    let maxAbs = 0;
    let sum = 0;
    let n = 0;
    for (const row of train.av) {
      for (let t = 0; t < T; t++) {
        const v = row[t];
        if (v === 0) continue;
        hits[t]++;
        if (v > 0) pos++;
        else neg++;
        maxAbs = Math.max(maxAbs, Math.abs(v));
        sum += v;
        n++;
      }
    }
    for (let t = 12; t < T; t++) assert.ok(hits[t] > 3000 * 0.4, `position ${t} chosen only ${hits[t]} times`);
    assert.ok(Math.abs(pos - neg) < 0.02 * n, `signs unbalanced: ${pos} positive, ${neg} negative`);
    assert.ok(maxAbs > 0.999 * cfg.max_av, `max |av| ${maxAbs} far below max_av`);
    // Uniform(−a, a) has mean 0 and standard error a/√(3n).
    assert.ok(Math.abs(sum / n) < 5 * (cfg.max_av / Math.sqrt(3 * n)), `mean av ${sum / n} not ≈ 0`);
  });
});

describe('docs/model.md §1 edge parameters', () => {
  test('T=200, zero padding 0.01, ratios [0.3] (the evaluation sequence), in a file', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cfg = resolveDatagenConfig({ num_samples: 400, test_samples: 8, seq_len: 200, zero_padding_start_ratio: 0.01, zero_ratios_in_rest: [0.3], seed: 5 });
      await generateDataset(cfg, dir);
      const raw = readRaw(join(dir, 'train.arrow'));
      // n0 = 2, m = 198, floor(198·0.3) = 59 ⇒ exactly 139 non-zero steps in every row.
      for (const row of raw.av) assert.equal(row.reduce((c, v) => c + (v !== 0 ? 1 : 0), 0), 139);
      checkSplit(raw, cfg);
    } finally {
      cleanup();
    }
  });

  test('zero ratio 0 and no padding: every step non-zero; small batches across batch boundaries', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cfg = resolveDatagenConfig({ num_samples: 250, test_samples: 3, seq_len: 7, zero_padding_start_ratio: 0, zero_ratios_in_rest: [0], max_av: 2, seed: 9 });
      await generateDataset(cfg, dir, { batchRows: 16 });
      const raw = readRaw(join(dir, 'train.arrow'));
      assert.equal(raw.av.length, 250);
      for (const row of raw.av) assert.ok(row.every((v) => v !== 0));
      checkSplit(raw, cfg);
    } finally {
      cleanup();
    }
  });

  test('generateSequences returns the first train rows of the same seed', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const params = { seq_len: 200, zero_padding_start_ratio: 0.01, zero_ratios_in_rest: [0.3], max_av: 0.1 * Math.PI };
      const cfg = resolveDatagenConfig({ ...params, num_samples: 20, test_samples: 1, seed: 77 });
      await generateDataset(cfg, dir, { batchRows: 7 });
      const raw = readRaw(join(dir, 'train.arrow'));
      const mem = generateSequences(params, 5, 77);
      assert.equal(mem.count, 5);
      assert.equal(mem.seqLen, 200);
      for (let r = 0; r < 5; r++) {
        assert.deepEqual(mem.av.subarray(r * 200, (r + 1) * 200), raw.av[r]);
        assert.deepEqual(mem.angle.subarray(r * 200, (r + 1) * 200), raw.angle[r]);
      }
    } finally {
      cleanup();
    }
  });
});
