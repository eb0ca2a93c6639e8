/** The reference's evaluation plot data (docs/model.md §5.5): one TRACE_STEPS-long sequence run from the default bump at π. */
import * as tf from '@tensorflow/tfjs-core';
import { generateSequences, type SequenceParams } from '@ring-attractor/datagen';
import { decodeArgmax, decodePopulationVector, type LeakyRingAttractor } from '@ring-attractor/model';
import { TRACE_STEPS, type TraceData } from './trace.js';

const TWO_PI = 2 * Math.PI;

/** The reference's evaluation sequence: TRACE_STEPS long, zero padding 0.01, zero ratios [0.3], the dataset's max_av. */
export function traceSequenceParams(maxAv: number): SequenceParams {
  return { seq_len: TRACE_STEPS, zero_padding_start_ratio: 0.01, zero_ratios_in_rest: [0.3], max_av: maxAv };
}

/**
 * One sequence (drawn with `seed`) run from the default bump at π, so the true angle is shifted to
 * start at π: (angle + π − angle[0]) mod 2π; the decoded angles, cosine output and bump of every step.
 */
export function referenceTrace(model: LeakyRingAttractor, maxAv: number, seed: number): TraceData {
  const seq = generateSequences(traceSequenceParams(maxAv), 1, seed);
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
  const trace: TraceData = {
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
