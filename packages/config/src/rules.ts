/** The rules that tie fields together, which a per-field schema cannot say. */
import { invalid } from '@ring-attractor/common';
import type { FieldLabel } from './resolve.js';
import type { ModelConfig } from './sections.js';

/** debug_perfect freezes every matrix and has no gain nets: nothing to train. */
export function checkTraining(model: Pick<ModelConfig, 'init'>, label: FieldLabel = (k) => k): void {
  if (model.init === 'debug_perfect') invalid(label('init'), 'random or perfect (debug_perfect has nothing to train)', model.init);
}
