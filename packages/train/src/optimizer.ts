/**
 * PyTorch's Adam and clip_grad_norm_, in tfjs ops.
 *
 * Why not tf.train.adam: it keeps β^t as running float32 products in variables, which a checkpoint
 * cannot restore to the same bits, so a resumed run would drift from an uninterrupted one. Here the
 * only state is the integer step and the two moments, and the bias corrections are recomputed from
 * the step in float64, as torch.optim.Adam does (torch 1.13, foreach=False, amsgrad=False).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Adam's hyper-parameters. */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Adam state as plain arrays, for checkpoints. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** Adam over a fixed list of variables; moments live in tfjs variables of the same shapes. */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Number of updates applied so far (torch's `state['step']`). */
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  /** Creates zero moments for `params`. */
  constructor(
    private readonly params: readonly tf.Variable[],
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    // tidy frees the zeros the variables were copied from; variables themselves survive it.
    this.m = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
    this.v = tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
  }

  /** One update with `grads[i]` the gradient of `params[i]`. */
  apply(grads: readonly tf.Tensor[]): void {
    this.step += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const bc2 = 1 - Math.pow(this.beta2, this.step);
    const stepSize = this.lr / bc1;
    const bc2Sqrt = Math.sqrt(bc2);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.mul(g, g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        this.m[i].assign(m);
        this.v[i].assign(v);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  /** Copies the state out (moments as float32 arrays in parameter order). */
  getState(): AdamState {
    return {
      step: this.step,
      m: this.m.map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a)),
      v: this.v.map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a)),
    };
  }

  /** Restores a state saved by {@link getState}. */
  setState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) throw new Error('Adam state: wrong number of moments');
    this.step = state.step;
    tf.tidy(() => {
      state.m.forEach((a, i) => this.m[i].assign(tf.tensor(a, this.m[i].shape, 'float32')));
      state.v.forEach((a, i) => this.v[i].assign(tf.tensor(a, this.v[i].shape, 'float32')));
    });
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** Global L2 norm of all gradients, as torch computes it: the norm of the per-tensor norms. */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.stack(grads.map((g) => tf.sqrt(tf.sum(tf.square(g))))))))) as tf.Scalar;
}

/** torch's clip factor: `min(1, clip / (norm + 1e-6))`; 1 means the gradients are left alone. */
export function clipFactor(norm: number, clip: number): number {
  return Math.min(1, clip / (norm + 1e-6));
}

/** Gradients scaled by {@link clipFactor}; returns the inputs themselves when no scaling is needed. */
export function clipGradients(grads: readonly tf.Tensor[], norm: number, clip: number): tf.Tensor[] {
  const f = clipFactor(norm, clip);
  if (f >= 1) return [...grads];
  return grads.map((g) => tf.mul(g, f));
}
