/**
 * The dense ops of ops.ts as tfjs ops whose forward and backward run in assembly/ops.ts, with the
 * rows (or sequences) split over the baselines kernel's threads. Each call copies its operands into
 * the kernel memory after whatever the kernel keeps resident, runs, and copies the results out:
 * nothing is kept between calls, so a backward re-reads its inputs from the tensors tfjs saved.
 * The transformer's encoder layer, whose activations stay in the kernel, is encoderLayer.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { read } from '../../kernel/op.js';
import type { DropoutSpec } from '../dropout.js';
import type { ActivationKind, DenseOps } from '../ops.js';
import * as k from './opsCall.js';
import { encoderLayer } from './encoderLayer.js';
import { normMlp } from './normMlp.js';
import { baselineKernel } from './runtime.js';

const { pad4, tensorAt, tensorRows, checkFloat } = k;

/** Buffers of one stateless call, after what the kernel keeps resident. */
function call(): k.Arena {
  return new k.Arena(baselineKernel.freeStart());
}

function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [N, K] = weight.shape;
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== K || bias.rank !== 1 || bias.shape[0] !== N) {
    throw new Error(`linear: x [${x.shape.join(', ')}], weight [${weight.shape.join(', ')}] and bias [${bias.shape.join(', ')}] do not fit`);
  }
  checkFloat('linear', [x, weight, bias]);
  const M = x.size / K;
  const NP = pad4(N), KP = pad4(K);
  const yShape = [...x.shape.slice(0, -1), N];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, ws, bs] = args as tf.Tensor[];
    (args[3] as tf.GradSaveFunc)([xs, ws]);
    const a = call();
    const X = a.take(M * KP), W = a.take(N * K), B = a.take(NP), Y = a.take(M * NP);
    const slices = a.slices(M, 1, k.linearScratch(N, K), 0, 0);
    const v = a.commit();
    k.writeRows(v.f32, X, read(xs), M, K, KP);
    v.f32.set(read(ws), W >> 2);
    k.writeRows(v.f32, B, read(bs), 1, N, NP);
    k.linearForward(v, slices, { M, N, K, X, W, B, Y });
    const value = tensorRows(v.f32, Y, M, N, NP, yShape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const g = call();
      const gX = g.take(M * KP), gW = g.take(N * K), DY = g.take(M * NP), DX = g.take(M * KP);
      const gs = g.slices(M, 1, k.linearScratch(N, K), NP * KP, NP);
      const u = g.commit();
      k.writeRows(u.f32, gX, read(saved[0]), M, K, KP);
      u.f32.set(read(saved[1]), gW >> 2);
      k.writeRows(u.f32, DY, read(dy), M, N, NP);
      k.linearBackward(u, gs, { M, N, K, X: gX, W: gW, DY, DX });
      return [
        tensorRows(u.f32, DX, M, K, KP, x.shape),
        tf.tensor(k.sumParts(u.f32, gs, 'part1', N, K, KP), [N, K], 'float32'),
        tf.tensor(k.sumParts(u.f32, gs, 'part2', 1, N, NP), [N], 'float32'),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, weight, bias);
}

function activation(x: tf.Tensor, kind: ActivationKind, drop: DropoutSpec | null): tf.Tensor {
  checkFloat('activation', [x]);
  const n = x.size;
  const nP = pad4(n);
  const gelu = kind === 'gelu';
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xs]);
    const a = call();
    const X = a.take(nP), Y = a.take(nP);
    const slices = a.slices(nP, 4, 0, 0, 0);
    const v = a.commit();
    k.writeRows(v.f32, X, read(xs), 1, n, nP);
    k.activationForward(v, slices, { gelu, X, Y, drop });
    const value = tensorAt(v.f32, Y, x.shape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const g = call();
      const gX = g.take(nP), DY = g.take(nP), DX = g.take(nP);
      const gs = g.slices(nP, 4, 0, 0, 0);
      const u = g.commit();
      k.writeRows(u.f32, gX, read(saved[0]), 1, n, nP);
      k.writeRows(u.f32, DY, read(dy), 1, n, nP);
      k.activationBackward(u, gs, { gelu, X: gX, DY, DX, drop });
      return tensorAt(u.f32, DX, x.shape);
    };
    return { value, gradFunc };
  });
  return op(x);
}

function addNorm(x: tf.Tensor, y: tf.Tensor | null, gamma: tf.Tensor, beta: tf.Tensor, drop: DropoutSpec | null): tf.Tensor {
  const D = x.shape[x.rank - 1];
  const sameShape = y === null || (y.rank === x.rank && y.shape.every((s, i) => s === x.shape[i]));
  if (!sameShape || gamma.rank !== 1 || gamma.shape[0] !== D || beta.rank !== 1 || beta.shape[0] !== D) {
    throw new Error(`addNorm: x [${x.shape.join(', ')}], y [${y?.shape.join(', ') ?? ''}], gamma and beta do not fit`);
  }
  checkFloat('addNorm', y === null ? [x, gamma, beta] : [x, y, gamma, beta]);
  const M = x.size / D;
  const DP = pad4(D);
  const withY = y !== null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const ts = args.slice(0, withY ? 4 : 3) as tf.Tensor[];
    (args[ts.length] as tf.GradSaveFunc)(ts);
    const [xs, ys] = [ts[0], withY ? ts[1] : null];
    const [gs, bs] = ts.slice(withY ? 2 : 1);
    const a = call();
    const X = a.take(M * DP), Y = withY ? a.take(M * DP) : 0, G = a.take(DP), BETA = a.take(DP), OUT = a.take(M * DP);
    const slices = a.slices(M, 1, 0, 0, 0);
    const v = a.commit();
    k.writeRows(v.f32, X, read(xs), M, D, DP);
    if (ys) k.writeRows(v.f32, Y, read(ys), M, D, DP);
    k.writeRows(v.f32, G, read(gs), 1, D, DP);
    k.writeRows(v.f32, BETA, read(bs), 1, D, DP);
    k.normForward(v, slices, { D, X, Y, G, BETA, OUT, drop });
    const value = tensorRows(v.f32, OUT, M, D, DP, x.shape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const g = call();
      const gX = g.take(M * DP), gY = withY ? g.take(M * DP) : 0, gG = g.take(DP), DOUT = g.take(M * DP), DX = g.take(M * DP), DY = withY ? g.take(M * DP) : 0;
      const ss = g.slices(M, 1, 0, DP, DP);
      const u = g.commit();
      k.writeRows(u.f32, gX, read(saved[0]), M, D, DP);
      if (withY) k.writeRows(u.f32, gY, read(saved[1]), M, D, DP);
      k.writeRows(u.f32, gG, read(saved[withY ? 2 : 1]), 1, D, DP);
      k.writeRows(u.f32, DOUT, read(dy), M, D, DP);
      k.normBackward(u, ss, { D, X: gX, Y: gY, G: gG, DOUT, DX, DY, drop });
      const grads = [tensorRows(u.f32, DX, M, D, DP, x.shape)];
      if (withY) grads.push(tensorRows(u.f32, DY, M, D, DP, x.shape));
      grads.push(tf.tensor(k.sumParts(u.f32, ss, 'part1', 1, D, DP), [D], 'float32'), tf.tensor(k.sumParts(u.f32, ss, 'part2', 1, D, DP), [D], 'float32'));
      return grads;
    };
    return { value, gradFunc };
  });
  return withY ? op(x, y as tf.Tensor, gamma, beta) : op(x, gamma, beta);
}

function attention(qkv: tf.Tensor3D, nhead: number, drop: DropoutSpec | null): tf.Tensor3D {
  const [B, S, D3] = qkv.shape;
  const D = D3 / 3;
  if (qkv.rank !== 3 || D3 % 3 !== 0 || D % nhead !== 0) throw new Error(`attention: qkv must be B×S×3d with d a multiple of nhead = ${nhead} (got [${qkv.shape.join(', ')}])`);
  checkFloat('attention', [qkv]);
  const scratch = k.attentionScratch(S, D / nhead);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xs]);
    const a = call();
    const QKV = a.take(B * S * D3), OUT = a.take(B * S * D);
    const slices = a.slices(B, 1, scratch, 0, 0);
    const v = a.commit();
    v.f32.set(read(xs), QKV >> 2);
    k.attentionForward(v, slices, { S, D, nhead, QKV, OUT, drop });
    const value = tensorAt(v.f32, OUT, [B, S, D]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => {
      const g = call();
      const gQKV = g.take(B * S * D3), DOUT = g.take(B * S * D), DQKV = g.take(B * S * D3);
      const gs = g.slices(B, 1, scratch, 0, 0);
      const u = g.commit();
      u.f32.set(read(saved[0]), gQKV >> 2);
      u.f32.set(read(dy), DOUT >> 2);
      k.attentionBackward(u, gs, { S, D, nhead, QKV: gQKV, DOUT, DQKV, drop });
      return tensorAt(u.f32, DQKV, [B, S, D3]);
    };
    return { value, gradFunc };
  });
  return op(qkv) as tf.Tensor3D;
}

/** The fused wasm implementation of the dense ops. */
export const fusedOps: DenseOps = { linear, activation, addNorm, attention, encoderLayer, normMlp };
