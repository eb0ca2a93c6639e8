/** The fused recurrence kernels (AssemblyScript → wasm, and a native C++ addon), each wrapped as one tfjs op, and how to pick one. */
export { configureKernels, kernelThreads, type KernelOptions } from './op.js';
export { wasmRecurrence, disposeWasmKernel, wasmKernelMemoryBytes } from './wasm.js';
export {
  nativeRecurrence,
  disposeNativeKernel,
  nativeKernelMemoryBytes,
  nativeInfo,
  setNativeIsa,
  nativeUnavailableReason,
  NATIVE_ISA_ENV,
  NATIVE_ADDON_ENV,
  nativeAddonPath,
  nativeAdamUpdate,
  nativeFmaPeak,
  type NativeInfo,
} from './native.js';
export { selectKernel, parseKernelChoice, kernelInfo, type KernelChoice, type KernelInfo } from './select.js';
export { disposeKernels } from './dispose.js';
