/**
 * The ring readout's two passes (see ../ringReadout.ts) in a kernel. Why: the JS typed-array passes
 * cost ~25 ms of a seed-size training step; SIMD float64 lanes do the same arithmetic in a few.
 * Both implementations make the same float64 operations in the same order, so their results are
 * bit-identical (tested): the native one runs wherever the addon loads (on its threads, reading the
 * tensors in place), else the wasm one (on the main thread, on a copy in kernel memory past the
 * resident forward's buffers, so a pending fused backward still finds its saved states).
 */
import { kernelScratchStart } from './wasm.js';
import { heapView, kernelThreads, outputArray } from './op.js';
import { nativeReadout } from './native.js';
import { getRuntime } from './runtime.js';

/** Which kernel runs the readout. */
export type ReadoutKernel = 'native' | 'wasm';

/** The readout's kernel by default: native where the addon loads, else wasm. */
export function defaultReadoutKernel(): ReadoutKernel {
  return nativeReadout() ? 'native' : 'wasm';
}

const align = (bytes: number): number => Math.ceil((bytes + 16) / 16) * 16;

/** Byte offsets of the wasm readout's buffers: basis (2N f64), bump (rows×N), dy (3×rows), result (rows×N). */
function plan(rows: number, N: number): { cs: number; r: number; dy: number; out: number; end: number } {
  const cs = align(kernelScratchStart());
  const r = cs + align(16 * N);
  const dy = r + align(4 * rows * N);
  const out = dy + align(12 * rows);
  return { cs, r, dy, out, end: out + align(4 * rows * N) };
}

function prepare(r: Float32Array, rows: number, N: number, basis: Float64Array): { f32: Float32Array; at: ReturnType<typeof plan> } {
  const at = plan(rows, N);
  const rt = getRuntime();
  rt.ensureBytes(at.end);
  const buf = rt.memory.buffer;
  new Float64Array(buf, at.cs, 2 * N).set(basis);
  const f32 = new Float32Array(buf);
  f32.set(r, at.r >> 2);
  return { f32, at };
}

function native(): NonNullable<ReturnType<typeof nativeReadout>> {
  const n = nativeReadout();
  if (!n) throw new Error('ring readout: the native kernel is not available');
  return n;
}

/** X, Y, Σ|r| of each of `rows` rows of N (basis = cos φ then sin φ, 2N); returns 3×rows (a fresh array). */
export function kernelReadoutForward(r: Float32Array, rows: number, N: number, basis: Float64Array, kernel: ReadoutKernel = defaultReadoutKernel()): Float32Array {
  if (kernel === 'native') {
    const out = new Float32Array(3 * rows);
    native().readoutForward(r, rows, N, basis, out, kernelThreads());
    return out;
  }
  const { f32, at } = prepare(r, rows, N, basis);
  getRuntime().main.readoutForward(at.r, rows, N, at.cs, at.out);
  return f32.slice(at.out >> 2, (at.out >> 2) + 3 * rows);
}

/**
 * dr = dX·cos φ + dY·sin φ + dA·sign(r) per row (dy is 3×rows). On the tfjs wasm backend the result
 * is a reused buffer, valid until a kernel runs again (tfjs copies it into a tensor at once).
 */
export function kernelReadoutBackward(r: Float32Array, dy: Float32Array, rows: number, N: number, basis: Float64Array, kernel: ReadoutKernel = defaultReadoutKernel()): Float32Array {
  if (kernel === 'native') {
    const dr = outputArray(rows * N);
    native().readoutBackward(r, dy, rows, N, basis, dr, kernelThreads());
    return dr;
  }
  const { f32, at } = prepare(r, rows, N, basis);
  f32.set(dy, at.dy >> 2);
  getRuntime().main.readoutBackward(at.r, at.dy, rows, N, at.cs, at.out);
  const view = f32.subarray(at.out >> 2, (at.out >> 2) + rows * N);
  return heapView() ? view : view.slice();
}
