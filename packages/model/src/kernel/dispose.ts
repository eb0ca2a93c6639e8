/** One call for every fused kernel's teardown. */
import { disposeWasmKernel } from './wasm.js';
import { disposeNativeKernel } from './native.js';
import { disposeBaselineKernel } from '../baselines/kernel/fusedGru.js';

/** Stops every fused kernel's threads (the ring's and the baselines') and frees their memory (a process or test runner then exits cleanly). */
export function disposeKernels(): void {
  disposeWasmKernel();
  disposeNativeKernel();
  disposeBaselineKernel();
}
