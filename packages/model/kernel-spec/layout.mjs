// The fused kernels' shared contract, declared once. The build (scripts/kernel-sources.mjs) turns it
// into the AssemblyScript constants (assembly/generated/layout.ts) and the C++ header of the native
// kernel (native/build/generated/layout.h); src/kernel/layout.ts and src/kernel/worker.mjs import it
// as it is. Word indices are positions in the lists below: add a word at the end of its list.

/** Byte offset of the parameter block in the wasm kernel's shared memory. */
export const PARAMS_BYTE = 1024;
/** First byte of the wasm kernel's buffers: after the parameter block and the module's static data. */
export const HEAP_START = 65536;
/** Most threads (batch slices) a call may use. */
export const MAX_THREADS = 64;
/** Word index in the parameter block where the per-thread table starts (after PARAMS). */
export const THREAD_TABLE = 32;

/**
 * Words of the parameter block: [name, type, meaning]. Types: i32, f32, and ptr (a byte offset into
 * the wasm kernel's memory; the native kernel owns its buffers and reads only the i32 and f32 words).
 */
export const PARAMS = /** @type {const} */ ([
  ['B', 'i32', 'batch size'],
  ['T', 'i32', 'steps'],
  ['N', 'i32', 'neurons'],
  ['K', 'i32', 'action channels k'],
  ['NP', 'i32', 'N padded to a multiple of 4 (wasm)'],
  ['MP', 'i32', '(k+1)·NP (wasm)'],
  ['ACT', 'i32', 'activation code: index in ACTIVATIONS'],
  ['SPARSE', 'i32', "1: action gradients only where the action is nonzero (actionGrads 'nonzero')"],
  ['J0', 'f32', 'global inhibition'],
  ['J1', 'f32', 'weight of the maintenance term'],
  ['ALPHA', 'f32', 'leak rate dt/tau'],
  ['W', 'ptr', '(k+1)Np × Np: row m = c·Np + i holds W_c[i, :], zero padded'],
  ['WT', 'ptr', 'N × (k+1)Np: its transpose'],
  ['ACTIONS', 'ptr', 'B×T×k actions'],
  ['R0', 'ptr', 'B×N initial state'],
  ['H', 'ptr', 'B×T×N history out'],
  ['DH', 'ptr', 'B×T×N history gradient in'],
  ['DA', 'ptr', 'B×T×k actions gradient out'],
  ['DR0', 'ptr', 'B×N r0 gradient out'],
]);

/** Words of one thread's entry in the wasm kernel's thread table: its batch range and private buffers. */
export const THREAD_WORDS = /** @type {const} */ ([
  ['b0', 'i32', 'first sequence of the slice'],
  ['b1', 'i32', 'one past its last'],
  ['R', 'ptr', '(T+1)×Bs×Np states'],
  ['P', 'ptr', 'T×Bs×Mp per-step products'],
  ['DR', 'ptr', 'Bs×Np state gradient'],
  ['DPRE', 'ptr', 'Bs×Np pre-activation gradient'],
  ['DW', 'ptr', 'Mp×Np weight-gradient partial'],
  ['DPT', 'ptr', 'Np×Bs transpose scratch'],
  ['CP', 'ptr', 'Bs×Np compacted dP rows of one action channel'],
  ['CR', 'ptr', 'Bs×Np compacted state rows'],
  ['CDR', 'ptr', 'Bs×Np compacted state-gradient rows'],
  ['IDX', 'ptr', 'Bs i32 row indices of the compacted rows'],
  ['FD', 'ptr', "T×Bs×Np F′(pre), saved by the forward for the backward"],
]);

/** Activations by code (the ACT word). */
export const ACTIVATIONS = /** @type {const} */ (['tanh', 'relu', 'gelu']);

/** Words of the wasm kernel's worker control block (an Int32Array shared with every worker). */
export const CONTROL = /** @type {const} */ (['GEN', 'CMD', 'DONE', 'FAILED', 'ACTIVE']);

/** Commands a worker runs (the CMD word). */
export const COMMANDS = /** @type {const} */ ({ FORWARD: 1, BACKWARD: 2, EXIT: 3 });
