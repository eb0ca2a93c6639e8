/**
 * Every fused-kernel code path this machine can run, for tests that must hold on each: the wasm
 * kernel, and the native kernel on every ISA path this CPU supports (avx512 where present, avx2,
 * portable, and wide16, the AVX-512 shapes on generic vectors). The native ones are absent where
 * its addon is not built; the test that says why is in nativeBuild.test.ts.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { RecurrenceConstants, RecurrenceInputs } from '../src/recurrence.js';
import { nativeInfo, nativeRecurrence, nativeUnavailableReason, setNativeIsa, wasmRecurrence, type KernelOptions } from '../src/kernel/index.js';

/** One code path of a fused kernel. */
export interface KernelVariant {
  /** e.g. 'wasm', 'native avx2'. */
  label: string;
  kernel: 'wasm' | 'native';
  /** The native ISA path (null for wasm). */
  isa: string | null;
  /** Runs the recurrence on this path. */
  run(inputs: RecurrenceInputs, c: RecurrenceConstants, opts?: KernelOptions): tf.Tensor3D;
  /** Makes this path the one the model's kernel uses (for tests that go through the model). */
  select(): void;
}

/** The native ISA paths this CPU runs (none where the addon is unavailable). */
export const NATIVE_ISAS: string[] = nativeUnavailableReason() === null ? nativeInfo().supported : [];
const BEST_ISA = NATIVE_ISAS.length ? nativeInfo().best : null;

function native(isa: string): KernelVariant {
  return {
    label: `native ${isa}`,
    kernel: 'native',
    isa,
    select: () => setNativeIsa(isa),
    run(inputs, c, opts) {
      setNativeIsa(isa);
      return nativeRecurrence(inputs, c, opts);
    },
  };
}

/** wasm, then native on each supported ISA path. */
export const KERNEL_VARIANTS: KernelVariant[] = [
  { label: 'wasm', kernel: 'wasm', isa: null, select: () => {}, run: (inputs, c, opts) => wasmRecurrence(inputs, c, opts) },
  ...NATIVE_ISAS.map(native),
];

/** Puts the native kernel back on its default path (after tests that switched it). */
export function restoreNativeIsa(): void {
  if (BEST_ISA) setNativeIsa(BEST_ISA);
}
