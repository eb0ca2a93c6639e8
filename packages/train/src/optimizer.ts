/**
 * PyTorch's Adam and clip_grad_norm_ (Adam's update on host arrays, see the class).
 *
 * Why not tf.train.adam: it keeps β^t as running float32 products in variables, which a checkpoint
 * cannot restore to the same bits, so a resumed run would drift from an uninterrupted one. Here the
 * only state is the integer step and the two moments, and the bias corrections are recomputed from
 * the step in float64, as torch.optim.Adam does (torch 1.13, foreach=False, amsgrad=False).
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeAdamUpdate } from '@ring-attractor/model';

/** Adam's hyper-parameters. */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay as torch.optim.AdamW applies it (p ← p·(1 − lr·wd) before the update); 0 (default) is Adam. */
  weightDecay?: number;
}

/** Adam state as plain arrays, for checkpoints. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** The elementwise update, in the native addon where it loads (packages/model/native/src/adam.h: the same float32 operations, so the same bytes). */
type Update = (p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, hyper: Float32Array, scaled: boolean, decayed: boolean) => void;

/** Slots of Update's float32 hyper-parameter array (the order of packages/model/native/src/adam.h's Hyper). */
const H = { B1: 0, C1: 1, B2: 2, C2: 3, BC2_SQRT: 4, STEP_SIZE: 5, EPS: 6, SCALE: 7, DECAY: 8, COUNT: 9 } as const;

/**
 * The update in JS: every operation rounded to float32 (Math.fround), as torch's float32 ops round
 * them, constants included. A double operation on two float32 values rounded once to float32 is the
 * float32 operation itself, which is why the native update gives the same bytes.
 */
export const adamUpdateJs: Update = (p, g, m, v, h, scaled, decayed) => {
  const f = Math.fround;
  const b1 = h[H.B1], c1 = h[H.C1], b2 = h[H.B2], c2 = h[H.C2], bc2Sqrt = h[H.BC2_SQRT], stepSize = h[H.STEP_SIZE], eps = h[H.EPS], s = h[H.SCALE], decay = h[H.DECAY];
  for (let k = 0; k < p.length; k++) {
    if (decayed) p[k] = f(p[k] * decay);
    const gk = scaled ? f(g[k] * s) : g[k];
    m[k] = f(f(m[k] * b1) + f(gk * c1));
    v[k] = f(f(v[k] * b2) + f(f(gk * gk) * c2));
    const denom = f(f(f(Math.sqrt(v[k])) / bc2Sqrt) + eps);
    p[k] = f(p[k] - f(f(m[k] / denom) * stepSize));
  }
};

/**
 * The float32 hyper-parameters of update `step` (1-based) with clip scale `scale`, in Update's
 * order; the bias corrections come from the step in float64, as torch computes them.
 */
export function adamHyper(o: { beta1: number; beta2: number; lr: number; eps: number; weightDecay: number }, step: number, scale: number): Float32Array {
  const hyper = new Float32Array(H.COUNT);
  hyper[H.B1] = o.beta1;
  hyper[H.C1] = 1 - o.beta1;
  hyper[H.B2] = o.beta2;
  hyper[H.C2] = 1 - o.beta2;
  hyper[H.BC2_SQRT] = Math.sqrt(1 - Math.pow(o.beta2, step));
  hyper[H.STEP_SIZE] = o.lr / (1 - Math.pow(o.beta1, step));
  hyper[H.EPS] = o.eps;
  hyper[H.SCALE] = scale;
  hyper[H.DECAY] = 1 - o.lr * o.weightDecay;
  return hyper;
}

/**
 * Adam over a fixed list of variables. The moments live in host Float32Arrays and the update runs
 * elementwise on them (native where the addon loads, else adamUpdateJs): for these few small
 * tensors, one read and one write per parameter beat a dozen tfjs kernels each.
 */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Number of updates applied so far (torch's `state['step']`). */
  step = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  /** Creates zero moments for `params`. */
  constructor(
    private readonly params: readonly tf.Variable[],
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  /**
   * One update with `grads[i]` the gradient of `params[i]`, each first multiplied by `scale` (clipping;
   * 1 leaves it alone). `update` is the elementwise update (tests pass adamUpdateJs to compare).
   */
  apply(grads: readonly tf.Tensor[], scale = 1, update: Update = nativeAdamUpdate() ?? adamUpdateJs): void {
    if (grads.length !== this.params.length) throw new Error(`Adam: ${grads.length} gradients for ${this.params.length} parameters`);
    this.step += 1;
    const hyper = adamHyper(this, this.step, scale);
    this.params.forEach((param, i) => {
      const p = Float32Array.from(param.dataSync() as Float32Array);
      update(p, grads[i].dataSync() as Float32Array, this.m[i], this.v[i], hyper, scale !== 1, this.weightDecay !== 0);
      tf.tidy(() => param.assign(tf.tensor(p, param.shape, 'float32')));
    });
  }

  /** Copies the state out (moments as float32 arrays in parameter order). */
  getState(): AdamState {
    return { step: this.step, m: this.m.map((a) => Float32Array.from(a)), v: this.v.map((a) => Float32Array.from(a)) };
  }

  /** Restores a state saved by {@link getState}. */
  setState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) throw new Error('Adam state: wrong number of moments');
    state.m.forEach((a, i) => {
      if (a.length !== this.m[i].length) throw new Error(`Adam state: moment ${i} has ${a.length} values, expected ${this.m[i].length}`);
    });
    state.v.forEach((a, i) => {
      if (a.length !== this.v[i].length) throw new Error(`Adam state: moment ${i} has ${a.length} values, expected ${this.v[i].length}`);
    });
    this.step = state.step;
    state.m.forEach((a, i) => this.m[i].set(a));
    state.v.forEach((a, i) => this.v[i].set(a));
  }
}

/** Global L2 norm of all gradients, as torch computes it: the norm of the per-tensor norms. */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.stack(grads.map((g) => tf.sqrt(tf.sum(tf.square(g))))))))) as tf.Scalar;
}

/**
 * The same global L2 norm from the gradients' host copies, in float64 (one read per tensor instead of
 * ~3 kernels each); what the train loop uses.
 */
export function globalNormHost(grads: readonly tf.Tensor[]): number {
  let sum = 0;
  for (const g of grads) {
    const a = g.dataSync() as Float32Array;
    let s = 0;
    for (let k = 0; k < a.length; k++) s += a[k] * a[k];
    sum += s;
  }
  return Math.sqrt(sum);
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
