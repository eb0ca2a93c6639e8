/**
 * One training step (docs/model.md §4): the loss of a batch, its gradients, the global norm and its clip,
 * and Adam's (AdamW's) update. The CLI's loop, the benchmarks and the tests all call this one function.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyModel } from '@ring-attractor/model';
import type { RunConfig } from './config.js';
import { objectiveOf, type Objective } from './objective.js';
import { Adam, clipFactor, globalNormHost } from './optimizer.js';

/** What a step changes: the model's parameters and the optimizer's state. */
export interface TrainingState {
  config: RunConfig;
  model: AnyModel;
  objective: Objective;
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
  /** Each of the objective's parts, by name. */
  losses: Record<string, number>;
  grad_norm: number;
}

/** A training state for `model` under `config`: Adam (AdamW when weight_decay > 0) over its trainable variables, from zero moments. */
export function createTrainingState(config: RunConfig, model: AnyModel): TrainingState {
  const named = model.namedTrainableVariables();
  const names = Object.keys(named);
  const variables = names.map((n) => named[n]);
  const optimizer = new Adam(variables, { lr: config.train.lr, weightDecay: config.train.weight_decay });
  return { config, model, objective: objectiveOf(model, config.train), variables, names, optimizer };
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
 * One step on `batch` (B×T, each sequence starting from its true angle[0]); `step` is only for
 * messages. Throws naming the step when the loss, the gradient or an updated parameter is not finite.
 */
export function trainStep(state: TrainingState, batch: Batch, step: number): StepResult {
  const { variables: vars, config, objective } = state;
  const T = batch.seqLen;
  const B = batch.av.length / T;
  let kept: tf.Scalar[] = [];
  const { losses, grads } = tf.tidy(() => {
    const av = tf.tensor2d(batch.av, [B, T]);
    const angle = tf.tensor2d(batch.angle, [B, T]);
    const start = Float32Array.from({ length: B }, (_, b) => batch.angle[b * T]);
    const { value, grads } = tf.variableGrads(() => {
      const l = objective.losses(av, angle, start);
      kept = [tf.keep(l.total), ...l.parts.map((p) => tf.keep(p))];
      return l.objective;
    }, vars);
    return { losses: tf.stack([value, ...kept]), grads: vars.map((v) => grads[v.name]) };
  });
  const [, total, ...parts] = losses.dataSync();
  const gradNorm = globalNormHost(grads);
  tf.dispose([losses, ...kept]);
  try {
    if (![total, ...parts].every(Number.isFinite)) throw new Error(`non-finite loss at step ${step}`);
    if (!Number.isFinite(gradNorm)) throw new Error(`non-finite gradient at step ${step}`);
    // Clipping is Adam's scale argument: the scaled gradients never become tensors.
    state.optimizer.apply(grads, clipFactor(gradNorm, config.train.clip));
  } finally {
    tf.dispose(grads);
  }
  // The loss alone is not enough: a kernel may map a NaN weight to finite activity.
  const bad = firstNonFinite(vars);
  if (bad >= 0) throw new Error(`non-finite parameter ${state.names[bad]} at step ${step}`);
  return { loss_total: total, losses: Object.fromEntries(objective.parts.map((p, i) => [p, parts[i]])), grad_norm: gradNorm };
}
