/** The leaky ring attractor of docs/model.md §2 with k generalised action channels (k = 2 is the reference L/R model). */
import './gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { avToActions } from './actions.js';
import { resolveConfig, type ModelConfig, type ModelConfigInput } from './config.js';
import { gatedActions, type GainNetParams } from './gainNet.js';
import { checkFixedBuffers } from './fixedBuffers.js';
import { cosineMatrix, initialBump } from './geometry.js';
import { initialWeights, type Weights } from './init.js';
import { actionMatrixName, COSINE_FILTER_BUFFER, gainNetPrefix, parameterShapes } from './names.js';
import { cosineOutput } from './readout.js';
import { runRecurrence } from './recurrence.js';
import type { KernelOptions } from './kernel/op.js';
import { lossesOfVector, trainingLoss, type Losses } from './losses.js';
import { nativeTrainingLossVector } from './fusedTrainingLoss.js';

/**
 * Actions made from av are gain(x)·x of rectified x, so where x = 0 no gradient flows through them:
 * the fused kernel may then skip Wa[c]·r for rows whose action c is 0 (about half the forward).
 */
const FROM_AV: KernelOptions = { actionGrads: 'nonzero' };

/** What a forward pass returns: the cosine output and the bump history, both B×T×N. */
export type ForwardResult = {
  output: tf.Tensor3D;
  bump: tf.Tensor3D;
};

let instances = 0;

/**
 * tfjs keeps one global registry of variable names, so two live models cannot both own a variable
 * called `Wo`. Each instance prefixes its variables (`ring3/Wo`); `parameterName` strips it.
 */
export function parameterName(variableName: string): string {
  const slash = variableName.indexOf('/');
  return slash < 0 ? variableName : variableName.slice(slash + 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The model: parameters as tf.Variables named by docs/model.md §6, a forward pass, weight get/set. */
export class LeakyRingAttractor {
  readonly config: ModelConfig;
  private readonly variables = new Map<string, tf.Variable>();
  private readonly prefix: string;
  private disposed = false;

  constructor(config: ModelConfigInput = {}) {
    this.config = resolveConfig(config);
    this.prefix = `ring${instances++}`;
    const trainable = this.config.init !== 'debug_perfect';
    for (const [name, w] of Object.entries(initialWeights(this.config))) {
      const v = tf.tidy(() => tf.variable(tf.tensor(w.data, w.shape, 'float32'), trainable, `${this.prefix}/${name}`));
      this.variables.set(name, v);
    }
  }

  /** Parameter names and shapes of this model, in a fixed order. */
  parameterShapes(): Record<string, number[]> {
    const c = this.config;
    return parameterShapes(c.num_neurons, c.action_dim, c.hidden_gain_neurons, c.init !== 'debug_perfect');
  }

  /** The variables an optimizer should update (none for debug_perfect); `parameterName(v.name)` gives the state-dict name (docs/model.md §6). */
  trainableVariables(): tf.Variable[] {
    this.assertLive();
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /** Trainable variables keyed by state-dict name. */
  namedTrainableVariables(): Record<string, tf.Variable> {
    this.assertLive();
    const out: Record<string, tf.Variable> = {};
    for (const [name, v] of this.variables) if (v.trainable) out[name] = v;
    return out;
  }

  /** A copy of every parameter, keyed by state-dict name. */
  getWeights(): Weights {
    this.assertLive();
    const out: Weights = {};
    for (const [name, v] of this.variables) out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
    return out;
  }

  /**
   * The non-trainable state PyTorch keeps in its state dict: `W_delta7` (N×N cos(2π(i−j)/N)).
   * Saving `{...getWeights(), ...buffers()}` gives a file `load_state_dict` accepts with strict=True.
   */
  buffers(): Weights {
    const N = this.config.num_neurons;
    return { [COSINE_FILTER_BUFFER]: { shape: [N, N], data: cosineMatrix(N, 0) } };
  }

  /**
   * Replaces every parameter; checks all names and shapes first, so a bad set changes nothing.
   * A `W_delta7` entry (as in a PyTorch state dict) is accepted if it is this model's filter.
   */
  setWeights(weights: Weights): void {
    this.assertLive();
    // The N×N table is built only when a file carries it.
    if (COSINE_FILTER_BUFFER in weights) checkFixedBuffers(weights, this.buffers(), () => `cos(2π(i−j)/N) for N = ${this.config.num_neurons}`);
    const expected = this.parameterShapes();
    for (const [name, shape] of Object.entries(expected)) {
      const w = weights[name];
      if (w === undefined) throw new Error(`weights: missing tensor ${name} (expected shape [${shape.join(', ')}])`);
      if (!sameShape(w.shape, shape)) throw new Error(`weights: tensor ${name} has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (w.data.length !== n) throw new Error(`weights: tensor ${name} has ${w.data.length} values, expected ${n}`);
    }
    for (const name of Object.keys(weights)) {
      if (!(name in expected) && name !== COSINE_FILTER_BUFFER) throw new Error(`weights: unexpected tensor ${name} for this model (expected ${Object.keys(expected).join(', ')}, and optionally ${COSINE_FILTER_BUFFER})`);
    }
    for (const [name, v] of this.variables) {
      const w = weights[name];
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(w.data), w.shape, 'float32')));
    }
  }

  /** Forward from angular velocity av (B×T) with the config's action encoding; r0 defaults to the bump at π. */
  forward(av: tf.Tensor2D, r0?: tf.Tensor2D): ForwardResult {
    this.assertLive();
    if (av.rank !== 2) throw new Error(`forward: av must be B×T (got shape [${av.shape.join(', ')}])`);
    return tf.tidy(() => {
      const bump = this.bumpFromActions(avToActions(av, this.config.action_dim, this.config.max_av), r0, FROM_AV);
      return { output: cosineOutput(bump), bump };
    });
  }

  /** The bump history alone (B×T×N) from av (B×T): what `trainingLoss` needs, without the cosine output's cost. */
  forwardBump(av: tf.Tensor2D, r0?: tf.Tensor2D): tf.Tensor3D {
    this.assertLive();
    if (av.rank !== 2) throw new Error(`forwardBump: av must be B×T (got shape [${av.shape.join(', ')}])`);
    return tf.tidy(() => this.bumpFromActions(avToActions(av, this.config.action_dim, this.config.max_av), r0, FROM_AV));
  }

  /**
   * The training losses of av (B×T) against target angles (B×T) from r0 (default: the bump at π),
   * the value and gradients of trainingLoss(forwardBump(av, r0), angle, bumpWeight). On the native
   * kernel they are one fused op (fusedTrainingLoss.ts: no B×T×N tensor is made), else that composition.
   */
  trainingLoss(av: tf.Tensor2D, angle: tf.Tensor2D, r0?: tf.Tensor2D, bumpWeight = 0.2): Losses {
    this.assertLive();
    if (av.rank !== 2) throw new Error(`trainingLoss: av must be B×T (got shape [${av.shape.join(', ')}])`);
    if (angle.rank !== 2 || angle.shape[0] !== av.shape[0] || angle.shape[1] !== av.shape[1]) {
      throw new Error(`trainingLoss: angle must be ${av.shape[0]}×${av.shape[1]} (got shape [${angle.shape.join(', ')}])`);
    }
    const { num_neurons: N, action_dim: k } = this.config;
    const [B] = av.shape;
    if (r0 !== undefined && (r0.rank !== 2 || r0.shape[0] !== B || r0.shape[1] !== N)) {
      throw new Error(`trainingLoss: r0 must be ${B}×${N} (got shape [${r0.shape.join(', ')}])`);
    }
    if (this.config.kernel !== 'native' || this.config.init === 'debug_perfect') return trainingLoss(this.forwardBump(av, r0), angle, bumpWeight);
    return tf.tidy(() => {
      const x = avToActions(av, k, this.config.max_av).dataSync() as Float32Array;
      const inputs = {
        x,
        angle: angle.dataSync() as Float32Array,
        r0: r0 ?? initialBump(new Array<number>(B).fill(Math.PI), N),
        Wo: this.variable('Wo') as tf.Tensor2D,
        Wa: Array.from({ length: k }, (_, c) => this.variable(actionMatrixName(c, k)) as tf.Tensor2D),
        gains: Array.from({ length: k }, (_, c) => this.gainNet(c)),
      };
      const c = { J0: this.config.J0, J1: this.config.J1, alpha: this.config.alpha, activation: this.config.activation };
      return lossesOfVector(nativeTrainingLossVector(inputs, c, bumpWeight));
    });
  }

  /** Forward from raw rectified action signals (B×T×k); each channel is gated by its gain net (gain 1 in debug_perfect). */
  forwardActions(actions: tf.Tensor3D, r0?: tf.Tensor2D): ForwardResult {
    return tf.tidy(() => {
      const bump = this.bumpFromActions(actions, r0);
      return { output: cosineOutput(bump), bump };
    });
  }

  private bumpFromActions(actions: tf.Tensor3D, r0?: tf.Tensor2D, fused: KernelOptions = {}): tf.Tensor3D {
    this.assertLive();
    const { num_neurons: N, action_dim: k } = this.config;
    if (actions.rank !== 3 || actions.shape[2] !== k) throw new Error(`forwardActions: actions must be B×T×${k} (got shape [${actions.shape.join(', ')}])`);
    const [B] = actions.shape;
    if (r0 !== undefined && (r0.rank !== 2 || r0.shape[0] !== B || r0.shape[1] !== N)) {
      throw new Error(`forward: r0 must be ${B}×${N} (got shape [${r0.shape.join(', ')}])`);
    }
    return tf.tidy(() => {
      const start = r0 ?? initialBump(new Array<number>(B).fill(Math.PI), N);
      return runRecurrence(
        { actions: this.effectiveActions(actions), r0: start, Wo: this.variable('Wo') as tf.Tensor2D, Wa: this.actionMatrices() },
        { J0: this.config.J0, J1: this.config.J1, alpha: this.config.alpha, activation: this.config.activation },
        this.config.kernel,
        fused,
      );
    });
  }

  /** Frees the variables; the model is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.disposed = true;
  }

  private effectiveActions(actions: tf.Tensor3D): tf.Tensor3D {
    if (this.config.init === 'debug_perfect') return actions;
    const nets = Array.from({ length: this.config.action_dim }, (_, c) => this.gainNet(c));
    return gatedActions(actions, nets) as tf.Tensor3D;
  }

  private actionMatrices(): tf.Tensor3D {
    const k = this.config.action_dim;
    return tf.stack(Array.from({ length: k }, (_, c) => this.variable(actionMatrixName(c, k)))) as tf.Tensor3D;
  }

  private gainNet(channel: number): GainNetParams {
    const p = gainNetPrefix(channel, this.config.action_dim);
    return {
      w0: this.variable(`${p}.0.weight`) as tf.Tensor2D,
      b0: this.variable(`${p}.0.bias`) as tf.Tensor1D,
      w2: this.variable(`${p}.2.weight`) as tf.Tensor2D,
      b2: this.variable(`${p}.2.bias`) as tf.Tensor1D,
    };
  }

  private variable(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (v === undefined) throw new Error(`model has no parameter ${name}`);
    return v;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('LeakyRingAttractor: used after dispose()');
  }
}
