/**
 * How much memory a training run needs, from its config and its dataset alone, so that a run too
 * large for the machine is refused before its first allocation with a line naming the fields that
 * make it large (not, minutes later, `memory access out of bounds` or `Invalid typed array length`).
 *
 * Each part is a count the config determines (parameters, B·T·N recurrence elements, B·T·k·H
 * gain-net elements, B·T·H·L GRU states, B·heads·T² attention scores, snapshot matrices) times the
 * bytes each element costs. The per-element costs of activations are not closed forms: they are
 * what tfjs's autodiff and the kernels keep alive, measured as peak RSS on the reference machine
 * (bench/memory-estimate.ts prints estimate against measurement; the estimate is meant to be within
 * 2× of it for runs large enough to matter).
 */
import { totalmem } from 'node:os';
import { UsageError } from '@ring-attractor/common';
import type { KernelName } from '@ring-attractor/model';
import { gruParameterShapes, parameterShapes, transformerParameterShapes } from '@ring-attractor/model';
import type { RunConfig } from './config.js';

/** Where a part lives: tfjs tensors (on the wasm backend, in its heap of at most 4 GiB), a fused kernel's memory, or plain JS arrays. */
export type MemoryPlace = 'tensors' | 'kernel' | 'host';

/** One part of the estimate. */
export interface MemoryPart {
  /** What it is, for the message: `recurrence activations`. */
  what: string;
  bytes: number;
  place: MemoryPlace;
  /** The config fields that make it large, with their values, for the message. */
  fields: Record<string, number>;
}

/** The estimate of one run: its parts and their total (the sanity check and training do not overlap). */
export interface MemoryEstimate {
  parts: MemoryPart[];
  total: number;
}

/** What the estimate needs of the dataset, and the fused kernels' thread count (each thread has its own scratch). */
export interface DataShape {
  seqLen: number;
  trainRows: number;
  threads?: number;
}

/** Node, tfjs, the kernels' modules and their fixed buffers (measured: 115–140 MB for a tiny run). */
const RUNTIME_BYTES = 160e6;
/**
 * Bytes per parameter: the variable, Adam's two moments, its gradient and the update (tfjs), and at
 * each checkpoint host copies of the three and their safetensors encoding.
 */
const BYTES_PER_PARAMETER = 4 * 5 + 4 * 3 * 2;
/** Bytes per dataset step held while the train split loads: the file's bytes and the av/angle arrays. */
const BYTES_PER_DATA_STEP = 8 * 2;

/**
 * Measured bytes per element of each activation count (peak RSS differences between runs that
 * change one count, with the other terms subtracted).
 */
export const BYTES_PER_ELEMENT = {
  /** The ring's recurrence per B·T·N, fused kernels: the kernel keeps (k+5) floats per element (wasm; the native one fewer), tfjs about 4. */
  ring: { native: (k: number) => 4 * (7 + k / 2), wasm: (k: number) => 4 * (k + 9) },
  /** The ring's recurrence as a tfjs graph: per B·T·N and per T·N² (each step's weight-gradient product), each times k+1 matrices. */
  ringTfjs: { perElement: 33, perWeight: 20 },
  /** The sanity check's forward pass of a 360-neuron ring, per B·T·360. */
  sanity: { native: 25, wasm: 40, tfjs: 92 },
  /** The gain nets per B·T·k·H: exact GELU's intermediates and softplus, kept by autodiff. */
  gainNet: 93,
  /** The GRU per B·T·H·L: the fused stack's gates and states, and the tfjs layers around it. */
  gru: 60,
  /**
   * The transformer per B·T·d·L and per B·T·ff·L (projections, norms, residuals); as a tfjs graph
   * also per B·heads·T²·L (scores, softmax and their gradients). The fused attention keeps no
   * scores: it recomputes them per sequence and head in a scratch of about 3·T² floats per thread.
   */
  transformer: { perToken: 60, perFeedforward: 16, perScore: 48, scratchPerThread: (T: number, headDim: number) => 4 * (3 * T * T + 6 * T * headDim) },
} as const;

/** The heaps with fixed ceilings: tfjs's wasm backend (4 GiB, a wasm32 memory) and the fused wasm kernels (2 GiB). */
export const HEAP_LIMITS = { tensorsOnWasmBackend: 4 * 2 ** 30, wasmKernel: 2 * 2 ** 30 } as const;

function count(shapes: Record<string, number[]>): number {
  return Object.values(shapes).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
}

/** The number of trainable parameters of a model section (the model package's own shape lists). */
export function parameterCount(model: RunConfig['model']): number {
  switch (model.kind) {
    case 'ring':
      return count(parameterShapes(model.num_neurons, model.action_dim, model.hidden_gain_neurons, model.init !== 'debug_perfect'));
    case 'gru':
      return count(gruParameterShapes(model.hidden_size, model.num_layers));
    case 'transformer':
      return count(transformerParameterShapes(model));
  }
}

/** Estimates the peak memory of training `config` on a dataset of this shape with `kernel`. */
export function estimateTrainingMemory(config: RunConfig, data: DataShape, kernel: KernelName): MemoryEstimate {
  const { model, train } = config;
  const B = train.batch_size;
  const T = data.seqLen;
  const parts: MemoryPart[] = [
    { what: 'runtime', bytes: RUNTIME_BYTES, place: 'host', fields: {} },
    { what: 'the train split', bytes: BYTES_PER_DATA_STEP * data.trainRows * T, place: 'host', fields: { 'the dataset’s num_samples': data.trainRows, 'the dataset’s seq_len': T } },
  ];
  const P = parameterCount(model);
  const sizeFields: Record<string, number> =
    model.kind === 'ring'
      ? { num_neurons: model.num_neurons, action_dim: model.action_dim, hidden_gain_neurons: model.hidden_gain_neurons }
      : model.kind === 'gru'
        ? { hidden_size: model.hidden_size, num_layers: model.num_layers }
        : { d_model: model.d_model, num_layers: model.num_layers, dim_feedforward: model.dim_feedforward };
  parts.push({ what: `${P} parameters with Adam's moments`, bytes: BYTES_PER_PARAMETER * P, place: 'tensors', fields: sizeFields });

  // The training step's activations; the ring's sanity check runs before it and frees its memory.
  const step: MemoryPart[] = [];
  if (model.kind === 'ring') {
    const N = model.num_neurons;
    const k = model.action_dim;
    const H = model.hidden_gain_neurons;
    const btn = B * T * N;
    if (kernel === 'tfjs') {
      const c = BYTES_PER_ELEMENT.ringTfjs;
      step.push({ what: 'recurrence activations (tfjs graph)', bytes: (k + 1) * (c.perElement * btn + c.perWeight * T * N * N), place: 'tensors', fields: { batch_size: B, num_neurons: N, action_dim: k, 'the dataset’s seq_len': T } });
    } else {
      step.push({ what: 'recurrence activations (fused kernel)', bytes: BYTES_PER_ELEMENT.ring[kernel](k) * btn, place: 'kernel', fields: { batch_size: B, num_neurons: N, action_dim: k, 'the dataset’s seq_len': T } });
    }
    if (model.init !== 'debug_perfect') {
      step.push({ what: 'gain-net activations', bytes: BYTES_PER_ELEMENT.gainNet * B * T * k * H, place: 'tensors', fields: { batch_size: B, hidden_gain_neurons: H, action_dim: k, 'the dataset’s seq_len': T } });
    }
    // Snapshots are appended to snapshots.arrow as they are made (docs/formats.md §3.3): one is held
    // at a time, as its matrices and their encoded record batch.
    parts.push({ what: 'one weight snapshot being appended', bytes: 2 * (k + 1) * N * N * 4, place: 'host', fields: { num_neurons: N, action_dim: k } });
    const sanityRows = Math.min(B, data.trainRows);
    const sanity: MemoryPart = { what: 'the sanity check (360 neurons)', bytes: BYTES_PER_ELEMENT.sanity[kernel] * sanityRows * T * 360, place: kernel === 'tfjs' ? 'tensors' : 'kernel', fields: { batch_size: B, 'the dataset’s seq_len': T } };
    const stepBytes = step.reduce((n, p) => n + p.bytes, 0);
    if (sanity.bytes > stepBytes) step.splice(0, step.length, sanity);
  } else if (model.kind === 'gru') {
    const { hidden_size: H, num_layers: L } = model;
    step.push({ what: 'GRU activations', bytes: BYTES_PER_ELEMENT.gru * B * T * H * L, place: kernel === 'tfjs' ? 'tensors' : 'kernel', fields: { batch_size: B, hidden_size: H, num_layers: L, 'the dataset’s seq_len': T } });
  } else {
    const { d_model: d, nhead, num_layers: L, dim_feedforward: ff, max_seq_len: rows } = model;
    const c = BYTES_PER_ELEMENT.transformer;
    parts.push({ what: 'the positional table', bytes: 2 * 4 * rows * d, place: 'tensors', fields: { max_seq_len: rows, d_model: d } });
    if (kernel === 'tfjs') step.push({ what: 'attention scores', bytes: c.perScore * B * nhead * T * T * L, place: 'tensors', fields: { batch_size: B, nhead, num_layers: L, 'the dataset’s seq_len': T } });
    else step.push({ what: 'attention scratch', bytes: (data.threads ?? 1) * c.scratchPerThread(T, d / nhead), place: 'kernel', fields: { 'the dataset’s seq_len': T } });
    step.push({ what: 'transformer activations', bytes: (c.perToken * d + c.perFeedforward * ff) * B * T * L, place: 'tensors', fields: { batch_size: B, d_model: d, dim_feedforward: ff, num_layers: L, 'the dataset’s seq_len': T } });
  }
  parts.push(...step);
  return { parts, total: parts.reduce((n, p) => n + p.bytes, 0) };
}

/** The memory a run may use: RING_MEMORY_LIMIT_MB if set, else 90% of the machine's (os.totalmem(): the rest is the system's). */
export function memoryLimit(env: NodeJS.ProcessEnv = process.env): { bytes: number; source: string } {
  const raw = env.RING_MEMORY_LIMIT_MB;
  if (raw !== undefined && raw !== '') {
    const mb = Number(raw);
    if (!Number.isFinite(mb) || mb <= 0) throw new UsageError(`RING_MEMORY_LIMIT_MB: expected a positive number of megabytes (got ${JSON.stringify(raw)})`);
    return { bytes: mb * 1e6, source: 'RING_MEMORY_LIMIT_MB' };
  }
  return { bytes: 0.9 * totalmem(), source: `90% of this machine's ${gib(totalmem())}` };
}

/** Bytes as GiB for messages. */
export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;
}

/** `--batch-size 128`, or `the dataset’s seq_len 120` for what no flag sets. */
function describeFields(fields: Record<string, number>): string {
  return Object.entries(fields)
    .map(([k, v]) => (k.startsWith('the ') ? `${k} ${v}` : `--${k.replace(/_/g, '-')} ${v}`))
    .join(', ');
}

function refuse(largest: MemoryPart, need: string, limit: string): never {
  throw new UsageError(`${describeFields(largest.fields)}: ${need}, more than ${limit}; make one of them smaller`);
}

/**
 * Refuses, naming the fields of its largest part, a run whose estimate passes the memory limit; on
 * the wasm backend also one whose tensors pass that backend's 4 GiB heap, and with the wasm kernel
 * one whose kernel memory passes the kernel's 2 GiB.
 */
export function checkTrainingMemory(est: MemoryEstimate, backend: string, kernel: KernelName, limit = memoryLimit()): void {
  const byPlace = (place: MemoryPlace) => est.parts.filter((p) => p.place === place);
  const largest = (parts: MemoryPart[]) => parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const sum = (parts: MemoryPart[]) => parts.reduce((n, p) => n + p.bytes, 0);
  if (est.total > limit.bytes) {
    const big = largest(est.parts);
    refuse(big, `training needs about ${gib(est.total)} (${big.what}: ${gib(big.bytes)})`, `the limit of ${gib(limit.bytes)} (${limit.source})`);
  }
  const tensors = byPlace('tensors');
  if (backend === 'wasm' && tensors.length > 0 && sum(tensors) > HEAP_LIMITS.tensorsOnWasmBackend) {
    const big = largest(tensors);
    refuse(big, `its tensors need about ${gib(sum(tensors))} (${big.what}: ${gib(big.bytes)})`, `the ${gib(HEAP_LIMITS.tensorsOnWasmBackend)} heap of the wasm backend`);
  }
  const kernelParts = byPlace('kernel');
  if (kernel === 'wasm' && kernelParts.length > 0 && sum(kernelParts) > HEAP_LIMITS.wasmKernel) {
    const big = largest(kernelParts);
    refuse(big, `the wasm kernel needs about ${gib(sum(kernelParts))} (${big.what})`, `its ${gib(HEAP_LIMITS.wasmKernel)} memory (--kernel native has no such limit)`);
  }
}
