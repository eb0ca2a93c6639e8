/**
 * The GRU engine of the native addon (native/src/gru.h): the same contract and arithmetic as the
 * wasm engine (gruWasm.ts), in C++ on the addon's ISA path (avx512, avx2, portable; RING_NATIVE_ISA
 * forces one) and thread pool. The addon reads the inputs in place, packs the weights itself, makes
 * the dropout mask from its key and keeps one call's forward state for its backward; the weight
 * gradients are summed per slice, then across slices in slice order (reproducible for a thread count).
 */
import { outputArray } from '../../kernel/op.js';
import { nativeMaskWords } from '../dropout.js';
import type { GruEngine, GruHostGradients, GruHostInputs } from './engine.js';
import { baselinesAddon, loadedBaselinesAddon } from './nativeAddon.js';

/** The native GRU engine (one per process: the addon holds one call's forward state). */
export class NativeGruEngine implements GruEngine {
  readonly name = 'native';
  private readonly params = new Float64Array(11);
  // The call whose forward state the addon holds, as far as this engine knows.
  private resident: { id: number; dims: GruHostInputs['dims'] } | null = null;

  forward(id: number, inputs: GruHostInputs, threads: number, out: Float32Array): void {
    this.run(id, inputs, threads, out);
  }

  backward(id: number, dOut: Float32Array, inputs: () => GruHostInputs, threads: number): GruHostGradients {
    const a = baselinesAddon();
    // The addon holds one call's forward state; another forward since means recomputing this one's.
    let dims = this.resident?.id === id ? this.resident.dims : null;
    if (dims === null) {
      const inp = inputs();
      this.run(id, inp, threads, outputArray(inp.dims.B * inp.dims.T * inp.dims.H));
      dims = inp.dims;
    }
    const { B, T, I, H, L } = dims;
    const g: GruHostGradients = {
      dx: new Float32Array(B * T * I),
      dh0: new Float32Array(L * B * H),
      wIh: Array.from({ length: L }, (_, k) => new Float32Array(3 * H * (k === 0 ? I : H))),
      wHh: Array.from({ length: L }, () => new Float32Array(3 * H * H)),
      bIh: Array.from({ length: L }, () => new Float32Array(3 * H)),
      bHh: Array.from({ length: L }, () => new Float32Array(3 * H)),
    };
    const call = (): boolean => a.gruBackward(id, dOut, g.dx, g.dh0, g.wIh, g.wHh, g.bIh, g.bHh);
    if (!call()) {
      // Released since (disposeBaselineKernel, disposeNativeKernel): recompute, then it must pair.
      const inp = inputs();
      this.run(id, inp, threads, outputArray(B * T * H));
      if (!call()) throw new Error(`native GRU: the forward state of call ${id} was lost right after it was recomputed`);
    }
    return g;
  }

  /** Frees the addon's baselines memory (the GRU's and the head's). */
  dispose(): void {
    loadedBaselinesAddon()?.baselinesRelease();
    this.resident = null;
  }

  private run(id: number, inp: GruHostInputs, threads: number, out: Float32Array): void {
    const { B, T, I, H, L } = inp.dims;
    this.params.set([id, B, T, I, H, L, threads, ...nativeMaskWords(inp.dropout ?? null)]);
    this.resident = null;
    baselinesAddon().gruForward(this.params, inp.x, inp.h0, inp.wIh, inp.wHh, inp.bIh, inp.bHh, out);
    this.resident = { id, dims: inp.dims };
  }
}

/** The process's native GRU engine. */
export const nativeGruEngine = new NativeGruEngine();
