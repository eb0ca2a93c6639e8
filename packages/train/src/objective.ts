/**
 * What training asks of a model, whatever its kind: the loss to differentiate and the parts to report
 * (docs/model.md §3 for the ring, docs/baselines.md for the GRU and transformer), the matrices a
 * snapshot records, and any random state besides the batch sampler's (the baselines' dropout masks).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CausalTransformer, GruIntegrator, LeakyRingAttractor, initialBump, weightMatrixNames, type AnyModel } from '@ring-attractor/model';
import type { TrainConfig } from './config.js';
import type { MatrixColumn } from './formats/index.js';

/** The losses of one batch, inside a gradient tape. */
export interface BatchLosses {
  /** What the gradient is of (the reference differentiates the GRU's main loss, the others' total). */
  objective: tf.Scalar;
  /** The reported total. */
  total: tf.Scalar;
  /** One scalar per {@link Objective.parts} name. */
  parts: tf.Scalar[];
}

/** A model seen by the training loop. */
export interface Objective {
  /** Names of the reported loss parts, in column order (metrics.arrow's loss_<part>). */
  readonly parts: readonly string[];
  /** The losses of a batch: av and angle B×T, each sequence starting at its true angle[0]. */
  losses(av: tf.Tensor2D, angle: tf.Tensor2D, startAngles: Float32Array): BatchLosses;
  /** The matrices snapshots.arrow records: a ring's weight matrices; none for the baselines, whose parameters are not a picture. */
  readonly matrices: readonly MatrixColumn[];
  /** Copies of the matrices, by name. */
  snapshot(): Record<string, Float32Array>;
  /** Random state a resumed run must restore (JSON), or undefined when the model has none. */
  randomState(): unknown;
  /** Restores {@link randomState}'s value. */
  setRandomState(state: unknown): void;
}

function ringObjective(model: LeakyRingAttractor, train: TrainConfig): Objective {
  const names = weightMatrixNames(model.config.action_dim);
  const N = model.config.num_neurons;
  return {
    parts: ['angle', 'bump'],
    losses(av, angle, startAngles) {
      // The training loss's values and gradients, without computing (and differentiating) the cosine output;
      // one native op on the native kernel (docs/kernels.md).
      const l = model.trainingLoss(av, angle, initialBump(startAngles, N), train.bump_weight);
      return { objective: l.total, total: l.total, parts: [l.angle, l.bump] };
    },
    matrices: names.map((name) => ({ name, shape: [N, N] })),
    snapshot() {
      const w = model.getWeights();
      return Object.fromEntries(names.map((n) => [n, w[n].data]));
    },
    randomState: () => undefined,
    setRandomState: () => undefined,
  };
}

function baselineObjective(model: GruIntegrator | CausalTransformer): Objective {
  const gru = model instanceof GruIntegrator;
  return {
    parts: gru ? ['main', 'smooth'] : ['main', 'smooth', 'norm', 'cumsum'],
    losses(av, angle, startAngles) {
      // Training mode: dropout masks come from the model's seeded stream, one draw per mask.
      const out = model.forward(av, tf.tensor1d(startAngles), { training: true });
      if (model instanceof CausalTransformer) {
        const l = model.loss(out, angle, av);
        return { objective: l.objective, total: l.total, parts: [l.main, l.smooth, l.norm, l.cumsum] };
      }
      const l = model.loss(out, angle, av);
      return { objective: l.objective, total: l.total, parts: [l.main, l.smooth] };
    },
    matrices: [],
    snapshot: () => ({}),
    randomState: () => ({ dropout: model.dropoutState() }),
    setRandomState(state) {
      const s = (state as { dropout?: unknown } | undefined)?.dropout;
      if (!Array.isArray(s)) throw new Error('expected the dropout stream state');
      model.setDropoutState(s as number[]);
    },
  };
}

/** The training view of `model` under the train section `train`. */
export function objectiveOf(model: AnyModel, train: TrainConfig): Objective {
  return model instanceof LeakyRingAttractor ? ringObjective(model, train) : baselineObjective(model);
}
