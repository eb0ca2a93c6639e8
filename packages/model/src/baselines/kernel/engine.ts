/**
 * The boundary between the fused GRU op (fused.ts: tfjs tensors, customGrad) and an implementation
 * that runs the whole stack on host arrays. The wasm kernel (wasm.ts) is one; a native one can
 * implement the same interface and be passed to fusedGruStack.
 */
import type { DropoutSpec } from '../dropout.js';
import type { GruDims } from '../gruStack.js';

/** A call's inputs as row-major float32 arrays, in the shapes of the GruStackInputs contract. */
export interface GruHostInputs {
  dims: GruDims;
  x: Float32Array;
  h0: Float32Array;
  wIh: Float32Array[];
  wHh: Float32Array[];
  bIh: Float32Array[];
  bHh: Float32Array[];
  /** The (L−1)×B×T×H dropout mask between layers (see GruStackInputs), or null. */
  dropout: DropoutSpec | null;
}

/** Gradients of every differentiable input, in the inputs' shapes. */
export interface GruHostGradients {
  dx: Float32Array;
  dh0: Float32Array;
  wIh: Float32Array[];
  wHh: Float32Array[];
  bIh: Float32Array[];
  bHh: Float32Array[];
}

/** Runs a GRU stack forward and backward through time on host arrays. */
export interface GruEngine {
  readonly name: string;
  /** Runs call `id` forward, writing the last layer's states (B×T×H) into `out`. */
  forward(id: number, inputs: GruHostInputs, threads: number, out: Float32Array): void;
  /**
   * Gradients of call `id` for the output cotangent dOut (B×T×H). When the engine no longer holds
   * that call's forward state (another forward ran since), it calls `inputs()` and recomputes it.
   */
  backward(id: number, dOut: Float32Array, inputs: () => GruHostInputs, threads: number): GruHostGradients;
  /** Frees threads and memory; the next call starts afresh. */
  dispose(): void;
}
