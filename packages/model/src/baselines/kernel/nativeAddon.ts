/**
 * The baselines' functions of the native addon (native/src/gru_exports.inc, head_exports.inc,
 * linear_exports.inc): the fused GRU stack and the norm-MLP head, each keeping one call's forward
 * state for its backward, and the transformer's linear, activation and attention steps on the wasm
 * kernel's memory.
 */
import { nativeAddon, nativeUnavailableReason } from '../../kernel/native.js';

/** What the addon exports for the baselines. */
export interface BaselinesAddon {
  /** params: [id, B, T, I, H, L, threads, masked, key, threshold, scale]. */
  gruForward(params: Float64Array, x: Float32Array, h0: Float32Array, wIh: Float32Array[], wHh: Float32Array[], bIh: Float32Array[], bHh: Float32Array[], out: Float32Array): void;
  /** false (nothing written) when call id's forward state is no longer held. */
  gruBackward(id: number, dout: Float32Array, dx: Float32Array, dh0: Float32Array, dWih: Float32Array[], dWhh: Float32Array[], dbih: Float32Array[], dbhh: Float32Array[]): boolean;
  /** params: [id, M, H, F, O, threads, eps, masked, key, threshold, scale]. */
  headForward(params: Float64Array, x: Float32Array, g: Float32Array, b: Float32Array, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, y: Float32Array): void;
  /** false (nothing written) when call id's forward state is no longer held. */
  headBackward(id: number, dy: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array, dw1: Float32Array, db1: Float32Array, dw2: Float32Array, db2: Float32Array): boolean;
  /**
   * params: [backward, M, N, K, NP, KP, threads, x, w, b, y, dy, dx, acc] (buffers as float offsets into
   * memory, −1: none). The forward writes y; the backward writes (or, with acc, adds to) dx, and dw, db.
   * false (nothing written) when NP or KP is not a multiple of the addon's vector width.
   */
  denseLinear(params: Float64Array, memory: Float32Array, dw?: Float32Array, db?: Float32Array): boolean;
  /**
   * params: [backward, n, threads, gelu, x, y, dy, dx, masked, key, threshold, scale] (buffers as float
   * offsets into memory). The forward writes y = F(x)·mask, the backward dx = dy·mask·F′(x); false
   * (nothing written) when n is not a multiple of the addon's vector width.
   */
  denseActivation(params: Float64Array, memory: Float32Array): boolean;
  /**
   * params: [backward, B, S, D, nhead, threads, qkv, out, dout, dqkv, masked, key, threshold, scale]
   * (buffers as float offsets into memory): causal self-attention's forward into out or backward into dqkv.
   */
  denseAttention(params: Float64Array, memory: Float32Array): void;
  /** Frees the GRU's, the head's and the linear layers' memory. */
  baselinesRelease(): void;
  /** Bytes of the GRU's, the head's and the linear layers' memory. */
  baselinesMemoryBytes(): number;
}

/** The addon's baselines functions; throws naming the reason where the addon is unavailable or predates them. */
export function baselinesAddon(): BaselinesAddon {
  const a = nativeAddon<Partial<BaselinesAddon>>();
  if (!a) throw new Error(`native baselines kernel: the native addon is ${nativeUnavailableReason()}`);
  if (typeof a.gruForward !== 'function' || typeof a.headForward !== 'function') {
    throw new Error('native baselines kernel: the loaded addon predates the baselines; rebuild it (npx nx run model:build-native)');
  }
  return a as BaselinesAddon;
}

/** The addon where it is loaded and has the baselines' functions, else null (nothing to release or count). */
export function loadedBaselinesAddon(): BaselinesAddon | null {
  const a = nativeAddon<Partial<BaselinesAddon>>();
  return a && typeof a.baselinesRelease === 'function' ? (a as BaselinesAddon) : null;
}
