/**
 * Every GRU engine path this machine can run, for tests that must hold on each: the wasm engine,
 * and the native engine on every ISA path this CPU supports (see kernelVariants.ts; none where the
 * addon is not built, which nativeBuild.test.ts covers).
 */
import type { BaselineKernel } from '../src/index.js';
import type { GruEngine } from '../src/baselines/kernel/engine.js';
import { nativeGruEngine } from '../src/baselines/kernel/gruNative.js';
import { setNativeIsa } from '../src/kernel/index.js';
import { NATIVE_ISAS } from './kernelVariants.js';

/** One GRU engine path. */
export interface GruVariant {
  /** e.g. 'wasm', 'native avx2'. */
  label: string;
  kernel: Exclude<BaselineKernel, 'tfjs'>;
  /** The engine to hand fusedGruStack (undefined: its default, the wasm engine). */
  engine: GruEngine | undefined;
  /** Makes this path the one the kernel runs on (the native ISA path). */
  select(): void;
}

/** wasm, then native on each supported ISA path. */
export const GRU_VARIANTS: GruVariant[] = [
  { label: 'wasm', kernel: 'wasm', engine: undefined, select: () => {} },
  ...NATIVE_ISAS.map((isa): GruVariant => ({ label: `native ${isa}`, kernel: 'native', engine: nativeGruEngine, select: () => setNativeIsa(isa) })),
];
