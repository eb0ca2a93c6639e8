/**
 * One training step (docs/model.md §4): the loss of a batch, its gradients, the global norm and its clip,
 * and Adam's update. The CLI's loop, the benchmarks and the tests all call this one function.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LeakyRingAttractor, initialBump } from '@ring-attractor/model';
import type { RunConfig } from './config.js';
import { Adam, clipFactor, globalNormHost } from './optimizer.js';

/** What a step changes: the model's parameters and the optimizer's state. */
export interface TrainingState {
  config: RunConfig;
  model: LeakyRingAttractor;
  optimizer: Adam;
  /** The trainable variables in a fixed order, and their state-dict names. */
  variables: tf.Variable[];
  names: string[];
}

/** A batch: sequences of `seqLen` steps, row-major (av[b·T + t]). */
export interface Batch {
  av: Float32Array;
  angle: Float32Array;
  seqLen: number;
}

/** What one step measured, before its update. */
export interface StepResult {
  loss_total: number;
  loss_angle: number;
  loss_bump: number;
  grad_norm: number;
}

/** A training state for `model` under `config`: Adam over its trainable variables, from zero moments. */
export function createTrainingState(config: RunConfig, model: LeakyRingAttractor): TrainingState {
  const named = model.namedTrainableVariables();
  const names = Object.keys(named);
  const variables = names.map((n) => named[n]);
  return { config, model, variables, names, optimizer: new Adam(variables, { lr: config.train.lr }) };
}

/** Whether every value is finite (a plain loop: `every(Number.isFinite)` costs ~5× as much per step). */
function allFinite(a: Float32Array): boolean {
  for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) return false;
  return true;
}

/** Index of the first variable holding a NaN or ±Inf, or −1. */
function firstNonFinite(vars: readonly tf.Variable[]): number {
  // Host reads of these few small tensors cost less than an isFinite/all kernel pair each.
  return vars.findIndex((v) => !allFinite(v.dataSync() as Float32Array));
}

/**
 * One step on `batch` (B×T, each sequence starting from the bump at its true angle[0]); `step` is only
 * for messages. Throws naming the step when the loss, the gradient or an updated parameter is not finite.
 */
export function trainStep(state: TrainingState, batch: Batch, step: number): StepResult {
  const { model, variables: vars, config } = state;
  const N = model.config.num_neurons;
  const T = batch.seqLen;
  const B = batch.av.length / T;
  let parts: tf.Scalar[] = [];
  const { losses, grads } = tf.tidy(() => {
    const av = tf.tensor2d(batch.av, [B, T]);
    const angle = tf.tensor2d(batch.angle, [B, T]);
    const r0 = initialBump(Float32Array.from({ length: B }, (_, b) => batch.angle[b * T]), N);
    const { value, grads } = tf.variableGrads(() => {
      // totalLoss's values and gradients, without computing (and differentiating) the cosine output.
      const l = model.trainingLoss(av, angle, r0, config.train.bump_weight);
      parts = [tf.keep(l.angle), tf.keep(l.bump)];
      return l.total;
    }, vars);
    return { losses: tf.stack([value, ...parts]), grads: vars.map((v) => grads[v.name]) };
  });
  const [lossTotal, lossAngle, lossBump] = losses.dataSync();
  const gradNorm = globalNormHost(grads);
  tf.dispose([losses, ...parts]);
  try {
    if (!Number.isFinite(lossTotal) || !Number.isFinite(lossAngle) || !Number.isFinite(lossBump)) throw new Error(`non-finite loss at step ${step}`);
    if (!Number.isFinite(gradNorm)) throw new Error(`non-finite gradient at step ${step}`);
    // Clipping is Adam's scale argument: the scaled gradients never become tensors.
    state.optimizer.apply(grads, clipFactor(gradNorm, config.train.clip));
  } finally {
    tf.dispose(grads);
  }
  // The loss alone is not enough: a kernel may map a NaN weight to finite activity.
  const bad = firstNonFinite(vars);
  if (bad >= 0) throw new Error(`non-finite parameter ${state.names[bad]} at step ${step}`);
  return { loss_total: lossTotal, loss_angle: lossAngle, loss_bump: lossBump, grad_norm: gradNorm };
}
