/**
 * The recurrence of docs/model.md §2 as one tfjs op whose forward and backward through time run in a fused
 * kernel (wasm.ts or native.ts; the contract of ../recurrence.ts). Both kernels keep the states of
 * their last forward for the backward; a backward whose forward was replaced by another recomputes it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import type { RecurrenceConstants, RecurrenceInputs } from '../recurrence.js';
import { MAX_THREADS } from './layout.js';

/** Options of the fused kernels. */
export interface KernelOptions {
  /** Threads splitting the batch (default: one per core); 1 runs on the calling thread only. */
  threads?: number;
  /**
   * Which entries of d(actions) the backward returns. 'all' (default): every entry, exactly.
   * 'nonzero': only where the action is nonzero, 0 elsewhere; the forward then multiplies
   * Wa[c] only into the rows whose action c is nonzero (on angular-velocity data at most one
   * channel per step, none on still steps), about halving its work. Every other gradient is
   * unchanged. Exact for the model's gated actions gain(x)·x of rectified data x: where x = 0
   * the gain net's gradient is multiplied by x = 0 and x itself needs none.
   */
  actionGrads?: 'all' | 'nonzero';
}

/** B, T, k, N of one call. */
export type Dims = [number, number, number, number];

/** Host copies (or views) of the four inputs. */
export interface InputData {
  actions: Float32Array;
  r0: Float32Array;
  Wo: Float32Array;
  Wa: Float32Array;
}

/** A fused kernel: runs a forward (keeping its states) and the backward of the kept forward. */
export interface Engine {
  /** Id of the op call whose states the kernel holds (0: none). */
  resident: number;
  /** Runs all T steps, writing the history (B×T×N) into `out`. */
  forward(data: InputData, dims: Dims, c: RecurrenceConstants, threads: number, sparse: boolean, out: Float32Array): void;
  /** Backward of the resident forward for history gradient dy: [dactions, dr0, dWo, dWa]. */
  backward(dy: Float32Array, dims: Dims): [Float32Array, Float32Array, Float32Array, Float32Array];
}

let configuredThreads: number | null = null;

/** Default thread count: one per core. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
}

/** The thread count calls use when they give none: the configured one, else one per core. */
export function kernelThreads(): number {
  return configuredThreads ?? defaultThreads();
}

/** Sets the thread count used when a call gives none (e.g. through the model's runRecurrence), for every fused kernel. */
export function configureKernels(opts: KernelOptions): void {
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new Error(`configureKernels: threads must be a positive integer (got ${opts.threads})`);
  }
  configuredThreads = opts.threads ?? null;
}

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: 'float32';
}
interface WasmBackendHeap {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object, force: boolean): boolean;
}

/** The tfjs wasm backend when it is the active one (its tensors can be read in place), else null. */
export function heapView(): WasmBackendHeap | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmBackendHeap>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as WasmBackendHeap) : null;
}

let reusable = new Float32Array(0);

/**
 * An array of n floats for a kernel to write a result into that tfjs then takes as a tensor's
 * values. On the wasm backend, which copies such arrays into its heap at once, one buffer is reused
 * (no fresh pages to fault in and zero per call); other backends keep the array, so it is new.
 */
export function outputArray(n: number): Float32Array {
  if (!heapView()) return new Float32Array(n);
  if (reusable.length < n) reusable = new Float32Array(n);
  return reusable.subarray(0, n);
}

/** A kernel's result: the array it writes, then the tensor holding it (or, on failure, nothing left behind). */
export interface KernelOutput {
  values: Float32Array;
  tensor(): tf.Tensor;
  discard(): void;
}

/**
 * A float32 result of `shape` for a kernel to write: on the wasm backend allocated in the backend's
 * heap and written in place (no copy of e.g. the 7 MB history into the heap afterwards); elsewhere
 * a fresh array that becomes the tensor's values. Allocate it before reading other tensors' heap
 * views: the allocation may grow the heap, which detaches views taken earlier.
 */
export function kernelOutput(shape: number[]): KernelOutput {
  const heap = heapView();
  if (!heap || typeof heap.makeOutput !== 'function') {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    return { values, tensor: () => tf.tensor(values, shape, 'float32'), discard: () => {} };
  }
  const info = heap.makeOutput(shape, 'float32');
  return {
    values: heap.typedArrayFromHeap(info),
    tensor: () => tf.engine().makeTensorFromTensorInfo(info),
    discard: () => void heap.disposeData(info.dataId, true),
  };
}

/**
 * A tensor's values: on the wasm backend a view of its heap, saving a copy of e.g. the B×T×N
 * cotangent (the caller uses it before tfjs runs anything else), else dataSync.
 */
export function read(t: tf.Tensor): Float32Array {
  const heap = heapView();
  return heap ? heap.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

function checkShapes(inputs: RecurrenceInputs, who: string): Dims {
  const { actions, r0, Wo, Wa } = inputs;
  const [B, T, K] = actions.shape;
  const N = Wo.shape[0];
  const ok =
    actions.rank === 3 &&
    r0.rank === 2 &&
    Wo.rank === 2 &&
    Wa.rank === 3 &&
    Wo.shape[1] === N &&
    r0.shape[0] === B &&
    r0.shape[1] === N &&
    Wa.shape[0] === K &&
    Wa.shape[1] === N &&
    Wa.shape[2] === N;
  if (!ok) {
    throw new Error(`${who}: inconsistent shapes actions=${actions.shape} r0=${r0.shape} Wo=${Wo.shape} Wa=${Wa.shape}`);
  }
  for (const [name, t] of Object.entries(inputs) as [string, tf.Tensor][]) {
    if (t.dtype !== 'float32') throw new Error(`${who}: ${name} must be float32 (got ${t.dtype})`);
  }
  return [B, T, K, N];
}

let nextId = 1;

/** A new id for a forward whose states a kernel keeps (compared with Engine.resident). */
export function newCallId(): number {
  return nextId++;
}

/** Runs all T steps on `engine` as one differentiable tfjs op and returns the bump history (B×T×N). */
export function kernelRecurrence(engine: Engine, who: string, inputs: RecurrenceInputs, c: RecurrenceConstants, opts: KernelOptions = {}): tf.Tensor3D {
  const dims = checkShapes(inputs, who);
  const [B, T, K, N] = dims;
  const threads = opts.threads ?? kernelThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`${who}: threads must be a positive integer (got ${threads})`);
  }
  const actionGrads = opts.actionGrads ?? 'all';
  if (actionGrads !== 'all' && actionGrads !== 'nonzero') {
    throw new Error(`${who}: actionGrads must be 'all' or 'nonzero' (got ${String(actionGrads)})`);
  }
  const sparse = actionGrads === 'nonzero';
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [actions, r0, Wo, Wa] = args.slice(0, 4) as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    save([actions, r0, Wo, Wa]);
    const id = newCallId();
    const history = kernelOutput([B, T, N]);
    try {
      engine.forward({ actions: read(actions), r0: read(r0), Wo: read(Wo), Wa: read(Wa) }, dims, c, threads, sparse, history.values);
    } catch (err) {
      history.discard();
      throw err;
    }
    engine.resident = id;
    const value = history.tensor() as tf.Tensor3D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      // Another forward may have replaced this call's saved states: recompute them first.
      if (engine.resident !== id) {
        const [sa, sr, so, sw] = saved.map(read);
        engine.forward({ actions: sa, r0: sr, Wo: so, Wa: sw }, dims, c, threads, sparse, outputArray(B * T * N));
        engine.resident = id;
      }
      const [dA, dr0, dWo, dWa] = engine.backward(read(dy), dims);
      return [tf.tensor3d(dA, [B, T, K]), tf.tensor2d(dr0, [B, N]), tf.tensor2d(dWo, [N, N]), tf.tensor3d(dWa, [K, N, N])];
    };
    return { value, gradFunc };
  });
  return op(inputs.actions, inputs.r0, inputs.Wo, inputs.Wa) as tf.Tensor3D;
}
