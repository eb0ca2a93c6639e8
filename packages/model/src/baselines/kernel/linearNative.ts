/**
 * The encoder layer's linear steps on the native addon (native/src/linear.h): the same buffers of the
 * baselines' kernel memory as the wasm steps (opsCall.ts' linearForward/linearBackward), computed
 * by the addon's threads on its ISA path. Where the padded widths are not multiples of that path's
 * vector width the addon declines and the wasm steps run.
 */
import * as k from './opsCall.js';
import { baselinesAddon } from './nativeAddon.js';
import { baselineKernel } from './runtime.js';

/** A linear step's buffers: byte offsets into the kernel memory (rows padded to multiples of 4). */
export interface LinearForwardArgs { M: number; N: number; K: number; X: number; W: number; B: number; Y: number }
export interface LinearBackwardArgs { M: number; N: number; K: number; X: number; W: number; DY: number; DX: number; acc?: boolean }

/** How an encoder layer runs its linear steps: forward into Y; backward into DX, returning [dW (N×K), db (N)]. */
export interface LinearSteps {
  forward(v: k.Views, rows: k.Slice[], d: LinearForwardArgs): void;
  backward(v: k.Views, rows: k.Slice[], d: LinearBackwardArgs): [Float32Array, Float32Array];
}

/** The wasm kernel's steps: the slices' partial weight gradients summed in slice order. */
export const wasmLinear: LinearSteps = {
  forward: (v, rows, d) => k.linearForward(v, rows, d),
  backward(v, rows, d) {
    k.linearBackward(v, rows, d);
    const NP = k.pad4(d.N), KP = k.pad4(d.K);
    return [k.sumParts(v.f32, rows, 'part1', d.N, d.K, KP), k.sumParts(v.f32, rows, 'part2', 1, d.N, NP)];
  },
};

const params = new Float64Array(14);

/** The native steps, falling back to the wasm ones where the addon declines the widths. */
export const nativeLinear: LinearSteps = {
  forward(v, rows, d) {
    params.set([0, d.M, d.N, d.K, k.pad4(d.N), k.pad4(d.K), baselineKernel.threads(), d.X >> 2, d.W >> 2, d.B >> 2, d.Y >> 2, -1, -1, 0]);
    if (!baselinesAddon().denseLinear(params, v.f32)) wasmLinear.forward(v, rows, d);
  },
  backward(v, rows, d) {
    const dw = new Float32Array(d.N * d.K), db = new Float32Array(d.N);
    params.set([1, d.M, d.N, d.K, k.pad4(d.N), k.pad4(d.K), baselineKernel.threads(), d.X >> 2, d.W >> 2, -1, -1, d.DY >> 2, d.DX === 0 ? -1 : d.DX >> 2, d.acc ? 1 : 0]);
    return baselinesAddon().denseLinear(params, v.f32, dw, db) ? [dw, db] : wasmLinear.backward(v, rows, d);
  },
};
