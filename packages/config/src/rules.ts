/** The rules that tie fields together, which a per-field schema cannot say. */
import { invalid } from '@ring-attractor/common';
import type { FieldLabel } from './resolve.js';
import type { EvalSectionConfig, ModelConfig } from './sections.js';

/** debug_perfect freezes every matrix of a ring and has no gain nets: nothing to train. */
export function checkTraining(model: ModelConfig, label: FieldLabel = (k) => k): void {
  if (model.kind === 'ring' && model.init === 'debug_perfect') invalid(label('init'), 'random or perfect (debug_perfect has nothing to train)', model.init);
}

/** The drift horizons must increase, and the gain sweep must hold velocity 0 (an odd count). */
export function checkEval(e: Pick<EvalSectionConfig, 'drift_horizons' | 'gain_velocities'>, label: FieldLabel = (k) => k): void {
  for (let i = 1; i < e.drift_horizons.length; i++) {
    if (e.drift_horizons[i] <= e.drift_horizons[i - 1]) invalid(label('drift_horizons'), 'strictly increasing step counts', e.drift_horizons);
  }
  if (e.gain_velocities % 2 === 0) invalid(label('gain_velocities'), 'an odd integer (so 0 is one of the velocities)', e.gain_velocities);
}
