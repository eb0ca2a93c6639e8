/** One call for both kernels' teardown, and the names of the wasm kernel from when it was the only one ('fused'). */
import { configureKernels, type KernelOptions } from './op.js';
import { disposeWasmKernel, wasmKernelMemoryBytes, wasmRecurrence } from './wasm.js';
import { disposeNativeKernel } from './native.js';

/** Stops every fused kernel's threads and frees their memory (a process or test runner then exits cleanly). */
export function disposeKernels(): void {
  disposeWasmKernel();
  disposeNativeKernel();
}

/** @deprecated the wasm kernel's former name: wasmRecurrence. */
export const fusedRecurrence = wasmRecurrence;
/** @deprecated configureKernels (it configures every fused kernel). */
export const configureFusedKernel = configureKernels;
/** @deprecated disposeKernels (or disposeWasmKernel). */
export const disposeFusedKernel = disposeKernels;
/** @deprecated wasmKernelMemoryBytes. */
export const fusedKernelMemoryBytes = wasmKernelMemoryBytes;
/** @deprecated KernelOptions. */
export type FusedOptions = KernelOptions;
