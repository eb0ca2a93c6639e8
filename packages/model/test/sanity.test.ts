/** docs/model.md §4's sanity check: debug_perfect, N = 360, gelu, one batch of seed-default data → angle loss < 0.5. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { SANITY_MAX_ANGLE_LOSS, sanityCheck } from '../src/index.js';
import { tf, useWasm } from './helpers.js';

await useWasm();

test('sanity check passes on one batch (B=128, T=120) of seed-default data', () => {
  // The first 128 train rows of the default dataset (seed 0), exactly as ring-datagen writes them.
  const seqs = generateSequences(DEFAULT_DATAGEN_CONFIG, 128, 0);
  const av = tf.tensor2d(seqs.av, [128, 120]);
  const angle = tf.tensor2d(seqs.angle, [128, 120]);
  const loss = sanityCheck(av, angle);
  assert.ok(Number.isFinite(loss), `loss ${loss}`);
  assert.ok(loss < SANITY_MAX_ANGLE_LOSS, `angle loss ${loss} should be below ${SANITY_MAX_ANGLE_LOSS}`);
  console.log(`sanity angle loss ${loss.toFixed(4)}`);
  // The check is not vacuous: fed sign-flipped velocities, the model turns the wrong way
  // (on 16 sequences, to keep the suite fast: one full batch at N = 360 costs seconds on wasm).
  const few = (x: tf.Tensor2D): tf.Tensor2D => tf.slice(x, [0, 0], [16, -1]);
  const flipped = sanityCheck(tf.neg(few(av)) as tf.Tensor2D, few(angle));
  assert.ok(flipped > loss * 2, `flipped-velocity loss ${flipped} should be far worse than ${loss}`);
});
