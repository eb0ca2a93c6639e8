/**
 * What the metrics need from a model, and nothing more: run angular velocity from a start angle and
 * return decoded angles. The ring attractor implements it in ringAdapter.ts; a network without a
 * bump (GRU, transformer) returns its angle as `pv` and leaves `argmax` and `amplitude` out.
 */

import type { ModelKind } from '@ring-attractor/config';

/**
 * The decoders the metrics know: `pv`, the model's angle (a ring's population vector, a baseline's
 * atan2 of its (sin, cos) output), and `argmax`, the preferred angle of a ring's most active output.
 */
export type Decoder = 'pv' | 'argmax';

/** Every decoder, in the order tables list them. */
export const DECODERS: readonly Decoder[] = ['pv', 'argmax'];

/** One run's outputs, each B×T row-major; angles in radians in [0, 2π). */
export interface AdapterRun {
  pv: Float64Array;
  argmax?: Float64Array;
  /** Bump amplitude Σ_i |r_i| after each step (models with a bump only). */
  amplitude?: Float64Array;
}

/** A model as the metrics see it. */
export interface ModelAdapter {
  /** Which decoders `run` returns (`pv` always). */
  readonly decoders: readonly Decoder[];
  /** Whether `run` returns `amplitude`. */
  readonly hasBump: boolean;
  /** Runs B sequences of T steps of `av` (B×T row-major, rad/step), sequence b starting at angle `angle0[b]`. */
  run(av: Float32Array, angle0: Float32Array, batch: number, steps: number): Promise<AdapterRun>;
}

/**
 * What the metrics get from a model of each kind, as its adapter declares it: a ring's bump gives both
 * decoders and an amplitude; a GRU or transformer has no bump, only its own angle (`pv`). Figures and
 * reports read this to leave out what a kind does not have.
 */
export const KIND_OUTPUTS: Readonly<Record<ModelKind, Pick<ModelAdapter, 'decoders' | 'hasBump'>>> = {
  ring: { decoders: DECODERS, hasBump: true },
  gru: { decoders: ['pv'], hasBump: false },
  transformer: { decoders: ['pv'], hasBump: false },
};

const TWO_PI = 2 * Math.PI;

/** An angle in [0, 2π) from its sine and cosine: the decoder of networks that output (sin, cos). */
export function angleFromSinCos(sin: number, cos: number): number {
  const a = Math.atan2(sin, cos);
  return a < 0 ? a + TWO_PI : a;
}

/** Checks that a run returned what the adapter declares, with B·T values each; a broken adapter is a bug, said in a sentence. */
export function checkRun(adapter: ModelAdapter, run: AdapterRun, size: number): void {
  for (const d of adapter.decoders) {
    const values = run[d];
    if (!values || values.length !== size) throw new Error(`the model adapter returned ${values ? values.length : 'no'} ${d} angles for ${size} sequence-steps`);
  }
  if (adapter.hasBump && (!run.amplitude || run.amplitude.length !== size)) {
    throw new Error(`the model adapter returned ${run.amplitude ? run.amplitude.length : 'no'} amplitudes for ${size} sequence-steps`);
  }
}
