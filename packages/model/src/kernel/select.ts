/**
 * Choosing the recurrence kernel, and saying which code path runs it. Results differ in the last
 * bits between kernels, ISA paths and thread counts (each is bit-for-bit reproducible), so callers
 * that cache or resume results key them on kernelInfo().
 */
import * as tf from '@tensorflow/tfjs-core';
import { invalid } from '@ring-attractor/common';
import { KERNEL_NAMES, defaultKernel, kernelByName, type KernelName } from '../recurrence.js';
import { nativeInfo, nativeUnavailableReason } from './native.js';
import { kernelThreads } from './op.js';
import { getRuntime, kernelVariant } from './runtime.js';

/** What may be asked for: a kernel, or 'auto'. */
export type KernelChoice = 'auto' | KernelName;

/** The kernel and the code path that runs a model's recurrence. */
export interface KernelInfo {
  kernel: KernelName;
  /** native: avx512 | avx2 | portable; wasm: relaxed-simd (fused multiply-adds) | simd; tfjs: the tfjs backend. */
  isa: string;
  /** Threads splitting the batch (the fused kernels; 1 for tfjs). */
  threads: number;
}

/** A kernel choice from user input; anything else is bad input naming `kernel`. */
export function parseKernelChoice(choice: string): 'auto' | KernelName {
  if (choice === 'auto') return choice;
  return kernelByName(choice) ?? invalid('kernel', `one of auto, ${KERNEL_NAMES.join(', ')}`, choice);
}

/**
 * Resolves a kernel choice for a backend (as named by selectBackend). `auto` takes the fastest
 * available (native, then wasm, on CPU backends; the tfjs graph on tfjs-node-gpu) and logs one line
 * with the choice and why the others were skipped. An explicit kernel that cannot run is bad input.
 */
export function selectKernel(choice: string, backend: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): KernelName {
  const parsed = parseKernelChoice(choice);
  if (parsed !== 'auto') {
    const kernel = parsed;
    const why = kernel === 'native' ? nativeUnavailableReason() : null;
    if (why !== null) invalid('kernel', `an available kernel (native is ${why}; use --kernel auto or wasm)`, choice);
    return kernel;
  }
  const kernel = defaultKernel(backend);
  if (kernel === 'tfjs') log(`kernel: tfjs (skipped native and wasm: the ${backend} backend runs the tfjs graph faster)`);
  else if (kernel === 'native') log(`kernel: native ${nativeInfo().isa} (skipped wasm and tfjs: slower on CPU backends)`);
  else log(`kernel: wasm (skipped native: ${nativeUnavailableReason()}; tfjs: slower on CPU backends)`);
  return kernel;
}

/** The kernel, ISA path and thread count a recurrence on `kernel` runs with now. */
export function kernelInfo(kernel: KernelName): KernelInfo {
  switch (kernelByName(kernel)) {
    case 'native':
      return { kernel: 'native', isa: nativeInfo().isa, threads: kernelThreads() };
    case 'wasm':
      getRuntime();
      return { kernel: 'wasm', isa: kernelVariant() === 'fma' ? 'relaxed-simd' : 'simd', threads: kernelThreads() };
    case 'tfjs':
      return { kernel: 'tfjs', isa: tf.getBackend() ?? 'none', threads: 1 };
    default:
      throw new Error(`unknown recurrence kernel ${JSON.stringify(kernel)} (expected one of ${KERNEL_NAMES.join(', ')})`);
  }
}
