/**
 * Choosing the baselines' kernel, as the ring's selectKernel does for the recurrence: the tfjs graph
 * on a GPU backend; on CPU backends the native addon where it is built and loads, else the wasm
 * kernel, with one line saying why. Results differ in the last bits between kernels, ISA paths and
 * thread counts (each is bit-for-bit reproducible), so callers that cache or resume key on
 * baselineKernelInfo().
 */
import * as tf from '@tensorflow/tfjs-core';
import { invalid } from '@ring-attractor/common';
import { nativeInfo, nativeUnavailableReason } from '../../kernel/native.js';
import { BASELINE_KERNELS, type BaselineKernel } from '../config.js';
import { baselineKernel } from './runtime.js';

/** The kernel, code path and thread count a baseline runs with. */
export interface BaselineKernelInfo {
  kernel: BaselineKernel;
  /** wasm: relaxed-simd (fused multiply-adds) or simd; native: the addon's ISA path (avx512, avx2, portable) + the wasm build of the dense layers; tfjs: the backend. */
  isa: string;
  /** Threads splitting the batch (1 for tfjs). */
  threads: number;
}

/** The fastest baselines kernel for a backend as named by selectBackend. */
export function defaultBaselineKernel(backend: string): BaselineKernel {
  if (backend === 'tfjs-node-gpu') return 'tfjs';
  return nativeUnavailableReason() === null ? 'native' : 'wasm';
}

/**
 * Resolves a kernel choice ('auto' or a kernel name) for a backend. `auto` takes defaultBaselineKernel
 * and logs one line with the choice and why the others were skipped; an explicit kernel that cannot
 * run here, or an unknown name, is bad input naming `kernel`.
 */
export function selectBaselineKernel(choice: string, backend: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): BaselineKernel {
  if (choice !== 'auto') {
    if (!BASELINE_KERNELS.includes(choice as BaselineKernel)) invalid('kernel', `one of auto, ${BASELINE_KERNELS.join(', ')}`, choice);
    const why = choice === 'native' ? nativeUnavailableReason() : null;
    if (why !== null) invalid('kernel', `an available kernel (native is ${why}; use auto or wasm)`, choice);
    return choice as BaselineKernel;
  }
  const kernel = defaultBaselineKernel(backend);
  if (kernel === 'tfjs') log(`baselines kernel: tfjs (skipped native and wasm: the ${backend} backend runs the tfjs graph faster)`);
  else if (kernel === 'native') log(`baselines kernel: native ${nativeInfo().isa} (skipped wasm and tfjs: slower on CPU backends)`);
  else log(`baselines kernel: wasm (skipped native: ${nativeUnavailableReason()}; tfjs: slower on CPU backends)`);
  return kernel;
}

/** The wasm module's build: relaxed-simd (fused multiply-adds) or simd. */
function wasmBuild(): string {
  baselineKernel.get();
  return baselineKernel.variant() === 'fma' ? 'relaxed-simd' : 'simd';
}

/** The code path and thread count of `kernel` now (the wasm kernel is instantiated to learn its build). */
export function baselineKernelInfo(kernel: BaselineKernel): BaselineKernelInfo {
  switch (kernel) {
    case 'native':
      // The GRU stack runs natively, the dense layers in wasm: both paths set the bits.
      return { kernel, isa: `${nativeInfo().isa}+${wasmBuild()}`, threads: baselineKernel.threads() };
    case 'wasm':
      return { kernel, isa: wasmBuild(), threads: baselineKernel.threads() };
    case 'tfjs':
      return { kernel, isa: tf.getBackend() ?? 'none', threads: 1 };
    default:
      throw new Error(`unknown baselines kernel ${JSON.stringify(kernel)} (expected one of ${BASELINE_KERNELS.join(', ')})`);
  }
}
