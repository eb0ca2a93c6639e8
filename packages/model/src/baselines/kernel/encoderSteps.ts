/**
 * How an encoder layer (encoderLayer.ts) runs its linear, activation and attention steps: on the
 * wasm kernel (opsCall.ts' commands), or on the native addon (native/src/linear.h) on the same
 * buffers of the baselines' kernel memory, computed by the addon's threads on its ISA path. Where a
 * padded width (or an activation's length) is not a multiple of that path's vector width the addon
 * declines a linear or activation step, writing nothing, and the wasm step runs; the attention
 * takes any shape.
 */
import { nativeMaskWords as maskWords, type DropoutSpec } from '../dropout.js';
import * as k from './opsCall.js';
import { baselinesAddon } from './nativeAddon.js';
import { baselineKernel } from './runtime.js';

/** A linear step's buffers: byte offsets into the kernel memory (rows padded to multiples of 4). */
export interface LinearForwardArgs { M: number; N: number; K: number; X: number; W: number; B: number; Y: number }
export interface LinearBackwardArgs { M: number; N: number; K: number; X: number; W: number; DY: number; DX: number; acc?: boolean }
/** An activation step over the floats of the slices' ranges (byte offsets into the kernel memory). */
export interface ActivationForwardArgs { gelu: boolean; X: number; Y: number; drop: DropoutSpec | null }
export interface ActivationBackwardArgs { gelu: boolean; X: number; DY: number; DX: number; drop: DropoutSpec | null }
/** An attention step over the sequences' slices (byte offsets into the kernel memory). */
export interface AttentionForwardArgs { S: number; D: number; nhead: number; QKV: number; OUT: number; drop: DropoutSpec | null }
export interface AttentionBackwardArgs { S: number; D: number; nhead: number; QKV: number; DOUT: number; DQKV: number; drop: DropoutSpec | null }

/**
 * The steps: linear forward into Y; linear backward into DX, returning [dW (N×K), db (N)]; activation
 * forward and backward; causal attention forward into OUT and backward into DQKV.
 */
export interface EncoderSteps {
  linearForward(v: k.Views, rows: k.Slice[], d: LinearForwardArgs): void;
  linearBackward(v: k.Views, rows: k.Slice[], d: LinearBackwardArgs): [Float32Array, Float32Array];
  activationForward(v: k.Views, elems: k.Slice[], d: ActivationForwardArgs): void;
  activationBackward(v: k.Views, elems: k.Slice[], d: ActivationBackwardArgs): void;
  attentionForward(v: k.Views, bySeq: k.Slice[], d: AttentionForwardArgs): void;
  attentionBackward(v: k.Views, bySeq: k.Slice[], d: AttentionBackwardArgs): void;
}

/** The wasm kernel's steps: the slices' partial weight gradients summed in slice order. */
export const wasmSteps: EncoderSteps = {
  linearForward: (v, rows, d) => k.linearForward(v, rows, d),
  linearBackward(v, rows, d) {
    k.linearBackward(v, rows, d);
    const NP = k.pad4(d.N), KP = k.pad4(d.K);
    return [k.sumParts(v.f32, rows, 'part1', d.N, d.K, KP), k.sumParts(v.f32, rows, 'part2', 1, d.N, NP)];
  },
  activationForward: (v, elems, d) => k.activationForward(v, elems, d),
  activationBackward: (v, elems, d) => k.activationBackward(v, elems, d),
  attentionForward: (v, bySeq, d) => k.attentionForward(v, bySeq, d),
  attentionBackward: (v, bySeq, d) => k.attentionBackward(v, bySeq, d),
};

const linearParams = new Float64Array(14);
const activationParams = new Float64Array(12);
const attentionParams = new Float64Array(14);
/** Units of the slices' ranges (floats of an activation, sequences of an attention: the slices cover [0, n) in order). */
const floats = (slices: k.Slice[]): number => slices[slices.length - 1].r1;

/** The native steps, each falling back to the wasm one where the addon declines. */
export const nativeSteps: EncoderSteps = {
  linearForward(v, rows, d) {
    linearParams.set([0, d.M, d.N, d.K, k.pad4(d.N), k.pad4(d.K), baselineKernel.threads(), d.X >> 2, d.W >> 2, d.B >> 2, d.Y >> 2, -1, -1, 0]);
    if (!baselinesAddon().denseLinear(linearParams, v.f32)) wasmSteps.linearForward(v, rows, d);
  },
  linearBackward(v, rows, d) {
    const dw = new Float32Array(d.N * d.K), db = new Float32Array(d.N);
    linearParams.set([1, d.M, d.N, d.K, k.pad4(d.N), k.pad4(d.K), baselineKernel.threads(), d.X >> 2, d.W >> 2, -1, -1, d.DY >> 2, d.DX === 0 ? -1 : d.DX >> 2, d.acc ? 1 : 0]);
    return baselinesAddon().denseLinear(linearParams, v.f32, dw, db) ? [dw, db] : wasmSteps.linearBackward(v, rows, d);
  },
  activationForward(v, elems, d) {
    activationParams.set([0, floats(elems), baselineKernel.threads(), d.gelu ? 1 : 0, d.X >> 2, d.Y >> 2, 0, 0, ...maskWords(d.drop)]);
    if (!baselinesAddon().denseActivation(activationParams, v.f32)) wasmSteps.activationForward(v, elems, d);
  },
  activationBackward(v, elems, d) {
    activationParams.set([1, floats(elems), baselineKernel.threads(), d.gelu ? 1 : 0, d.X >> 2, 0, d.DY >> 2, d.DX >> 2, ...maskWords(d.drop)]);
    if (!baselinesAddon().denseActivation(activationParams, v.f32)) wasmSteps.activationBackward(v, elems, d);
  },
  attentionForward(v, bySeq, d) {
    attentionParams.set([0, floats(bySeq), d.S, d.D, d.nhead, baselineKernel.threads(), d.QKV >> 2, d.OUT >> 2, 0, 0, ...maskWords(d.drop)]);
    baselinesAddon().denseAttention(attentionParams, v.f32);
  },
  attentionBackward(v, bySeq, d) {
    attentionParams.set([1, floats(bySeq), d.S, d.D, d.nhead, baselineKernel.threads(), d.QKV >> 2, 0, d.DOUT >> 2, d.DQKV >> 2, ...maskWords(d.drop)]);
    baselinesAddon().denseAttention(attentionParams, v.f32);
  },
};
