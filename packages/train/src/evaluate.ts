/** The evaluations of docs/model.md §5 on a trained model: test-split error and loss, and the one-sequence trace. */
import * as tf from '@tensorflow/tfjs-core';
import { generateSequences, type Sequences, type SequenceParams } from '@ring-attractor/datagen';
import { LeakyRingAttractor, angleLoss, decodeArgmax, decodePopulationVector, initialBump } from '@ring-attractor/model';
import type { EvalTraceData } from './formats/index.js';

/** Test-split summary (eval.json fields). */
export interface TestMetrics {
  test_count: number;
  pv_deg: number;
  argmax_deg: number;
  angle_loss: number;
}

const DEG = 180 / Math.PI;
const TWO_PI = 2 * Math.PI;

function circularSum(decoded: ArrayLike<number>, angle: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < decoded.length; i++) {
    const d = Math.abs(decoded[i] - angle[i]) % TWO_PI;
    sum += Math.min(d, TWO_PI - d);
  }
  return sum;
}

/** First column (angle at t = 0) of a B×T row-major array. */
function firstColumn(angle: Float32Array, B: number, T: number): Float32Array {
  return Float32Array.from({ length: B }, (_, b) => angle[b * T]);
}

/**
 * Runs the model over the whole split in chunks, each sequence from the bump at its true angle[0]
 * (as in training), and averages in float64: error in degrees per decoder, and the angle loss.
 */
export function evaluateSplit(model: LeakyRingAttractor, split: Sequences, chunk: number): TestMetrics {
  const { count, seqLen: T } = split;
  const N = model.config.num_neurons;
  let pv = 0;
  let am = 0;
  let loss = 0;
  for (let start = 0; start < count; start += chunk) {
    const B = Math.min(chunk, count - start);
    const av = split.av.subarray(start * T, (start + B) * T);
    const angle = split.angle.subarray(start * T, (start + B) * T);
    const [pvDec, amDec, l] = tf.tidy(() => {
      const angleT = tf.tensor2d(angle, [B, T]);
      const r0 = initialBump(firstColumn(angle, B, T), N);
      const { output } = model.forward(tf.tensor2d(av, [B, T]), r0);
      return [decodePopulationVector(output), decodeArgmax(output), angleLoss(output, angleT)];
    });
    pv += circularSum(pvDec.dataSync(), angle);
    am += circularSum(amDec.dataSync(), angle);
    loss += l.dataSync()[0] * B;
    tf.dispose([pvDec, amDec, l]);
  }
  const n = count * T;
  return { test_count: count, pv_deg: (pv / n) * DEG, argmax_deg: (am / n) * DEG, angle_loss: loss / count };
}

/** The reference's evaluation sequence (docs/model.md §5.5): T = 200, zero padding 0.01, zero ratios [0.3], the dataset's max_av. */
export function evalSequenceParams(maxAv: number): SequenceParams {
  return { seq_len: 200, zero_padding_start_ratio: 0.01, zero_ratios_in_rest: [0.3], max_av: maxAv };
}

/**
 * The seed's evaluation plot data: one sequence run from the default bump at π, so the true angle is
 * shifted to start at π: (angle + π − angle[0]) mod 2π.
 */
export function evalTrace(model: LeakyRingAttractor, maxAv: number, seed: number): EvalTraceData {
  const seq = generateSequences(evalSequenceParams(maxAv), 1, seed);
  const T = seq.seqLen;
  const angle = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let a = (seq.angle[t] + Math.PI - seq.angle[0]) % TWO_PI;
    if (a < 0) a += TWO_PI;
    angle[t] = Math.fround(a) >= TWO_PI ? 0 : a;
  }
  const [out, bump, pv, am] = tf.tidy(() => {
    const r = model.forward(tf.tensor2d(seq.av, [1, T]));
    return [r.output, r.bump, decodePopulationVector(r.output), decodeArgmax(r.output)];
  });
  const trace: EvalTraceData = {
    av: Float32Array.from(seq.av),
    angle,
    decoded_pv: Float32Array.from(pv.dataSync()),
    decoded_argmax: Float32Array.from(am.dataSync()),
    output: Float32Array.from(out.dataSync()),
    bump: Float32Array.from(bump.dataSync()),
  };
  tf.dispose([out, bump, pv, am]);
  return trace;
}
