/**
 * Adam's elementwise update in the native addon (native/src/adam.h): the same float32 arithmetic as
 * the JavaScript loop of packages/train/src/optimizer.ts, so the two give the same bits (the train
 * package's tests hold them equal); the optimizer takes this one where the addon is built.
 */
import { nativeAddon } from './kernel/native.js';

/**
 * p, m, v ← one Adam step with gradient g, in place. `constants` are the step's float32 constants
 * [β1, 1 − β1, β2, 1 − β2, √(1 − β2^t), lr/(1 − β1^t), ε, clip scale, 1 − lr·wd]; g is multiplied by
 * the scale when `scaled`, p by the decay first when `decayed`.
 */
export type AdamElementwise = (p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, constants: Float32Array, scaled: boolean, decayed: boolean) => void;

/** The addon's Adam update, or null where the addon is unavailable (or predates it). */
export function nativeAdamUpdate(): AdamElementwise | null {
  return nativeAddon<{ adamUpdate?: AdamElementwise }>()?.adamUpdate ?? null;
}
