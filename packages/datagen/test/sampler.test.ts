/** BatchSampler: permutation passes, straddling batches, exact state round trip, gather. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchSampler, generateSequences } from '../src/index.js';

test('every index exactly once per pass, when batches divide the pool', () => {
  const s = new BatchSampler(96, 8, 3);
  for (let pass = 0; pass < 3; pass++) {
    const seen = new Int32Array(96);
    for (let b = 0; b < 12; b++) for (const i of s.next()) seen[i]++;
    assert.ok(seen.every((n) => n === 1), `pass ${pass}: counts ${[...seen]}`);
  }
});

test('passes are reshuffled, and batches straddling the pool end take the rest then the new pass', () => {
  const s = new BatchSampler(10, 4, 8);
  const stream: number[] = [];
  for (let b = 0; b < 15; b++) stream.push(...s.next());
  // 60 draws = 6 whole passes of 10, consecutive in the stream.
  const passes = [];
  for (let p = 0; p < 6; p++) {
    const pass = stream.slice(p * 10, p * 10 + 10);
    assert.deepEqual([...pass].sort((x, y) => x - y), [...Array(10).keys()]);
    passes.push(pass.join(','));
  }
  assert.ok(new Set(passes).size > 1, 'every pass had the same order');
  assert.notDeepEqual(passes[0].split(',').map(Number), [...Array(10).keys()], 'first pass not shuffled');
});

test('batch larger than the pool still visits each index once per pass', () => {
  const s = new BatchSampler(3, 7, 1);
  const draws = [...s.next(), ...s.next(), ...s.next()];
  for (let p = 0; p < 7; p++) assert.deepEqual(draws.slice(p * 3, p * 3 + 3).sort(), [0, 1, 2]);
});

test('state survives JSON and continues the exact same batch sequence', () => {
  const a = new BatchSampler(50, 7, 42);
  for (let i = 0; i < 11; i++) a.next(); // mid-pass, after one reshuffle
  const state = JSON.parse(JSON.stringify(a.getState()));
  const b = BatchSampler.fromState(state);
  for (let i = 0; i < 40; i++) assert.deepEqual(b.next(), a.next(), `batch ${i} after resume`);
  assert.deepEqual(b.getState(), a.getState());
  assert.throws(() => BatchSampler.fromState({ kind: 'nope' }), /not a BatchSampler state/);
});

test('different seeds give different orders; same seed the same', () => {
  assert.deepEqual(new BatchSampler(100, 100, 5).next(), new BatchSampler(100, 100, 5).next());
  assert.notDeepEqual(new BatchSampler(100, 100, 5).next(), new BatchSampler(100, 100, 6).next());
});

test('gather copies the indexed rows', () => {
  const seqs = generateSequences({ seq_len: 9, zero_padding_start_ratio: 0.1, zero_ratios_in_rest: [0.5], max_av: 1 }, 6, 2);
  const s = new BatchSampler(6, 3, 0);
  const idx = Int32Array.of(5, 0, 5);
  const { av, angle } = s.gather(seqs, idx);
  assert.equal(av.length, 27);
  for (let b = 0; b < 3; b++) {
    assert.deepEqual(av.subarray(b * 9, b * 9 + 9), seqs.av.subarray(idx[b] * 9, idx[b] * 9 + 9));
    assert.deepEqual(angle.subarray(b * 9, b * 9 + 9), seqs.angle.subarray(idx[b] * 9, idx[b] * 9 + 9));
  }
  assert.throws(() => s.gather(seqs, [6]), RangeError);
});
