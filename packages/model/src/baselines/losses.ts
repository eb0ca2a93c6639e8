/**
 * The baselines' losses on a (sin, cos) output, as the reference defines them:
 *   ρ = √(s² + c² + 1e-8), (ŝ, ĉ) = (s, c)/ρ, ψ = atan2(ŝ, ĉ), wrap(x) = atan2(sin x, cos x) (wrapToPi)
 *   main    = mean_{b,t} (ŝ − sin θ)² + (ĉ − cos θ)²
 *   smooth  = mean_{b,t<T−1} (wrap(ψ_{t+1} − ψ_t) − av_{t+1})²                (0 when T = 1)
 *   norm    = mean_{b,t} (ρ − 1)²
 *   cumsum  = mean_{b,t} wrap(ψ_t − θ_0 − Σ_{s≤t} av_s)²                     (0 when T = 1)
 * GRU (integration_aware_loss): total = main + 0.1·smooth, trained on the gradient of main.
 * Transformer (transformer_loss): total = main + 0.05·smooth + 0.1·norm + 0.3·cumsum, trained on total.
 *
 * One op computes all parts in float64 over B×T (a few dozen small tfjs kernels otherwise) and
 * carries each part's gradient: any entry of its output can be differentiated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { wrapToPi } from '@ring-attractor/common';
import { GRU_LOSS_WEIGHTS, TRANSFORMER_LOSS_WEIGHTS } from './config.js';

const EPS = 1e-8;

/** Weights of the parts in `total` (main has weight 1). */
export interface LossWeights {
  smooth: number;
  norm: number;
  cumsum: number;
}

/** The parts of the loss and their gradients, in float64. */
export interface LossParts {
  /** [total, main, smooth, norm, cumsum]. */
  values: Float64Array;
  /** d(part)/d(pred) for main, smooth, norm, cumsum; each B×T×2 like pred. */
  grads: [Float64Array, Float64Array, Float64Array, Float64Array];
}

/** Entry of each part in the op's output vector. */
export const PART = { total: 0, main: 1, smooth: 2, norm: 3, cumsum: 4 } as const;

/** Every part of the loss and its gradient for pred (B×T×2: sin, cos), target angles and av (B×T). */
export function lossParts(pred: ArrayLike<number>, angle: ArrayLike<number>, av: ArrayLike<number>, B: number, T: number, w: LossWeights): LossParts {
  const M = B * T;
  const Ms = B * (T - 1);
  const sn = new Float64Array(M);
  const cn = new Float64Array(M);
  const rho = new Float64Array(M);
  const psi = new Float64Array(M);
  for (let k = 0; k < M; k++) {
    const s = pred[2 * k];
    const c = pred[2 * k + 1];
    rho[k] = Math.sqrt(s * s + c * c + EPS);
    sn[k] = s / rho[k];
    cn[k] = c / rho[k];
    psi[k] = Math.atan2(sn[k], cn[k]);
  }
  // Gradients with respect to ŝ, ĉ (main) and ψ (smooth, cumsum); norm's goes to s, c directly.
  const gMainS = new Float64Array(M), gMainC = new Float64Array(M);
  const gSmoothPsi = new Float64Array(M), gCumsumPsi = new Float64Array(M);
  let main = 0, smooth = 0, norm = 0, cumsum = 0;
  for (let b = 0; b < B; b++) {
    const row = b * T;
    const theta0 = angle[row];
    let integrated = theta0;
    for (let t = 0; t < T; t++) {
      const k = row + t;
      const ds = sn[k] - Math.sin(angle[k]);
      const dc = cn[k] - Math.cos(angle[k]);
      main += ds * ds + dc * dc;
      gMainS[k] = (2 / M) * ds;
      gMainC[k] = (2 / M) * dc;
      norm += (rho[k] - 1) ** 2;
      if (T > 1) {
        integrated += av[k];
        const e = wrapToPi(psi[k] - integrated);
        cumsum += e * e;
        // d wrap(x)/dx = 1 wherever it is differentiable (PyTorch's atan2 gradient gives the same).
        gCumsumPsi[k] = (2 / M) * e;
        if (t + 1 < T) {
          const e1 = wrapToPi(psi[k + 1] - psi[k]) - av[k + 1];
          smooth += e1 * e1;
          gSmoothPsi[k + 1] += (2 / Ms) * e1;
          gSmoothPsi[k] -= (2 / Ms) * e1;
        }
      }
    }
  }
  main /= M;
  norm /= M;
  cumsum = T > 1 ? cumsum / M : 0;
  smooth = T > 1 ? smooth / Ms : 0;
  const [gMain, gSmooth, gNorm, gCumsum] = [new Float64Array(2 * M), new Float64Array(2 * M), new Float64Array(2 * M), new Float64Array(2 * M)];
  for (let k = 0; k < M; k++) {
    const s = pred[2 * k];
    const c = pred[2 * k + 1];
    const r = rho[k];
    const r3 = r * r * r;
    // Jacobian of (ŝ, ĉ) = (s, c)/ρ: d(ŝ, ĉ)/ds = (jss, jsc), d(ŝ, ĉ)/dc = (jsc, jcc).
    const jss = (c * c + EPS) / r3, jcc = (s * s + EPS) / r3, jsc = (-s * c) / r3;
    gMain[2 * k] = gMainS[k] * jss + gMainC[k] * jsc;
    gMain[2 * k + 1] = gMainS[k] * jsc + gMainC[k] * jcc;
    // Through ψ: dψ/dŝ = ĉ/(ŝ² + ĉ²), dψ/dĉ = −ŝ/(ŝ² + ĉ²).
    const q = sn[k] * sn[k] + cn[k] * cn[k];
    const ps = cn[k] / q, pc = -sn[k] / q;
    const dPsiDs = ps * jss + pc * jsc, dPsiDc = ps * jsc + pc * jcc;
    gSmooth[2 * k] = gSmoothPsi[k] * dPsiDs;
    gSmooth[2 * k + 1] = gSmoothPsi[k] * dPsiDc;
    gCumsum[2 * k] = gCumsumPsi[k] * dPsiDs;
    gCumsum[2 * k + 1] = gCumsumPsi[k] * dPsiDc;
    gNorm[2 * k] = ((2 / M) * (r - 1) * s) / r;
    gNorm[2 * k + 1] = ((2 / M) * (r - 1) * c) / r;
  }
  const grads: LossParts['grads'] = [gMain, gSmooth, gNorm, gCumsum];
  const total = main + w.smooth * smooth + w.norm * norm + w.cumsum * cumsum;
  return { values: Float64Array.of(total, main, smooth, norm, cumsum), grads };
}


function checkShapes(pred: tf.Tensor, angle: tf.Tensor, av: tf.Tensor): [number, number] {
  if (pred.rank !== 3 || pred.shape[2] !== 2) throw new Error(`loss: output must be B×T×2 (got shape [${pred.shape.join(', ')}])`);
  const [B, T] = pred.shape;
  for (const [name, t] of [['angle', angle], ['av', av]] as const) {
    if (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== T) throw new Error(`loss: ${name} must be ${B}×${T} (got shape [${t.shape.join(', ')}])`);
  }
  return [B, T];
}

/** [total, main, smooth, norm, cumsum] as one differentiable op (gradients flow to pred only). */
export function sinCosLossVector(pred: tf.Tensor3D, angle: tf.Tensor2D, av: tf.Tensor2D, w: LossWeights): tf.Tensor1D {
  const [B, T] = checkShapes(pred, angle, av);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, theta, v] = args.slice(0, 3) as tf.Tensor[];
    const parts = lossParts(p.dataSync(), theta.dataSync(), v.dataSync(), B, T, w);
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const [gTotal, gMain, gSmooth, gNorm, gCumsum] = dy.dataSync();
      const coef = [gTotal + gMain, gTotal * w.smooth + gSmooth, gTotal * w.norm + gNorm, gTotal * w.cumsum + gCumsum];
      const g = new Float32Array(2 * B * T);
      for (let i = 0; i < g.length; i++) {
        g[i] = coef[0] * parts.grads[0][i] + coef[1] * parts.grads[1][i] + coef[2] * parts.grads[2][i] + coef[3] * parts.grads[3][i];
      }
      // Target angles and velocities are data: no gradient flows to them.
      return [tf.tensor3d(g, [B, T, 2]), tf.zeros([B, T]), tf.zeros([B, T])];
    };
    return { value: tf.tensor1d(Float32Array.from(parts.values)), gradFunc };
  });
  return op(pred, angle, av) as tf.Tensor1D;
}

function pick(v: tf.Tensor1D, k: number): tf.Scalar {
  return tf.reshape(tf.slice(v, [k], [1]), []) as tf.Scalar;
}

/** The GRU's loss: reported parts, and `objective`, the one the reference differentiates (main). */
export interface GruLosses {
  total: tf.Scalar;
  main: tf.Scalar;
  smooth: tf.Scalar;
  objective: tf.Scalar;
}

/** The transformer's loss: reported parts, and `objective` (total, as the reference trains). */
export interface TransformerLosses {
  total: tf.Scalar;
  main: tf.Scalar;
  smooth: tf.Scalar;
  norm: tf.Scalar;
  cumsum: tf.Scalar;
  objective: tf.Scalar;
}

/** integration_aware_loss with lambda_smooth 0.1; output B×T×2, angle and av B×T. */
export function integrationAwareLoss(output: tf.Tensor3D, angle: tf.Tensor2D, av: tf.Tensor2D): GruLosses {
  return tf.tidy(() => {
    const v = sinCosLossVector(output, angle, av, { smooth: GRU_LOSS_WEIGHTS.lambda_smooth, norm: 0, cumsum: 0 });
    const main = pick(v, PART.main);
    return { total: pick(v, PART.total), main, smooth: pick(v, PART.smooth), objective: main };
  });
}

/** transformer_loss with lambda_smooth 0.05, lambda_norm 0.1, lambda_cumsum 0.3; output B×T×2, angle and av B×T. */
export function transformerLoss(output: tf.Tensor3D, angle: tf.Tensor2D, av: tf.Tensor2D): TransformerLosses {
  return tf.tidy(() => {
    const { lambda_smooth: smooth, lambda_norm: norm, lambda_cumsum: cumsum } = TRANSFORMER_LOSS_WEIGHTS;
    const v = sinCosLossVector(output, angle, av, { smooth, norm, cumsum });
    const total = pick(v, PART.total);
    return { total, main: pick(v, PART.main), smooth: pick(v, PART.smooth), norm: pick(v, PART.norm), cumsum: pick(v, PART.cumsum), objective: total };
  });
}

/** The angle a (sin, cos) output encodes, atan2(sin, cos) mapped to [0, 2π); output B×T×2 → B×T. */
export function decodeSinCos(output: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [s, c] = tf.split(output, 2, 2);
    const theta = tf.squeeze(tf.atan2(s, c), [2]);
    // atan2 is in (−π, π]; shift the negative half up (mod would round −1e-9 + 2π to 2π itself).
    return tf.where(tf.less(theta, 0), tf.add(theta, 2 * Math.PI), theta) as tf.Tensor2D;
  });
}
