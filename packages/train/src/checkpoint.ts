/**
 * checkpoint.safetensors: everything a killed run needs to continue bit-for-bit — parameters, Adam
 * moments and step, the batch sampler's position and PRNG — and the checks that a resumed run is the
 * same run (config, dataset).
 */
import { invalid } from '@ring-attractor/common';
import { CONFIG_KEYS, type TrainConfig } from './config.js';
import type { AdamState } from './optimizer.js';

/** A named float32 tensor as stored in safetensors files. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** What a checkpoint holds, decoded. */
export interface TrainState {
  step: number;
  config: TrainConfig;
  seqLen: number;
  datasetSha256: string;
  /** Parameters by SPEC §6 name, in the model's order. */
  params: Record<string, NamedTensor>;
  adam: AdamState;
  /** The batch sampler's JSON state (its PRNG included): the only random draws after initialisation. */
  sampler: unknown;
  /** SPEC §4 sanity-check loss, so a resumed run need not recompute it. */
  sanityLoss: number;
  /** Recurrence kernel, its ISA path and thread count: a resumed run reuses them by default (same bits). */
  kernel: string;
  /** Absent in checkpoints written before kernels had ISA paths. */
  kernelIsa?: string;
  threads: number;
}

/** Tensors and string metadata, the shape of a safetensors file. */
export interface CheckpointFile {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

const FORMAT = 'ring-train-checkpoint/1';

/** Encodes a state as safetensors tensors (`<name>`, `adam.m.<name>`, `adam.v.<name>`) and metadata. */
export function encodeCheckpoint(state: TrainState): CheckpointFile {
  const tensors: Record<string, NamedTensor> = {};
  const names = Object.keys(state.params);
  for (const name of names) tensors[name] = state.params[name];
  names.forEach((name, i) => {
    tensors[`adam.m.${name}`] = { shape: state.params[name].shape, data: state.adam.m[i] };
  });
  names.forEach((name, i) => {
    tensors[`adam.v.${name}`] = { shape: state.params[name].shape, data: state.adam.v[i] };
  });
  return {
    tensors,
    metadata: {
      format: FORMAT,
      step: String(state.step),
      adam_step: String(state.adam.step),
      config: JSON.stringify(state.config),
      seq_len: String(state.seqLen),
      dataset_sha256: state.datasetSha256,
      parameters: JSON.stringify(names),
      sampler: JSON.stringify(state.sampler),
      sanity_loss: String(state.sanityLoss),
      kernel: state.kernel,
      ...(state.kernelIsa === undefined ? {} : { kernel_isa: state.kernelIsa }),
      threads: String(state.threads),
    },
  };
}

function bad(why: string): never {
  invalid('resume', 'a checkpoint.safetensors written by ring-train', why);
}

function intField(meta: Record<string, string>, key: string): number {
  const v = Number(meta[key]);
  if (meta[key] === undefined || !Number.isInteger(v) || v < 0) bad(`metadata ${key} = ${meta[key]}`);
  return v;
}

function jsonField(meta: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(meta[key] ?? '');
  } catch {
    bad(`metadata ${key} is not JSON`);
  }
}

/** Decodes a checkpoint file; a file that is not one of ours is bad input naming `resume`. */
export function decodeCheckpoint(file: CheckpointFile): TrainState {
  const meta = file.metadata ?? {};
  if (meta.format !== FORMAT) bad(`format ${meta.format}`);
  const names = jsonField(meta, 'parameters');
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) bad('metadata parameters');
  const get = (name: string): NamedTensor => file.tensors[name] ?? bad(`missing tensor ${name}`);
  const params: Record<string, NamedTensor> = {};
  for (const name of names as string[]) params[name] = get(name);
  const sanityLoss = Number(meta.sanity_loss);
  return {
    step: intField(meta, 'step'),
    config: jsonField(meta, 'config') as TrainConfig,
    seqLen: intField(meta, 'seq_len'),
    datasetSha256: meta.dataset_sha256 ?? bad('metadata dataset_sha256'),
    params,
    adam: {
      step: intField(meta, 'adam_step'),
      m: (names as string[]).map((n) => get(`adam.m.${n}`).data),
      v: (names as string[]).map((n) => get(`adam.v.${n}`).data),
    },
    sampler: jsonField(meta, 'sampler'),
    sanityLoss,
    kernel: meta.kernel ?? bad('metadata kernel'),
    ...(meta.kernel_isa === undefined ? {} : { kernelIsa: meta.kernel_isa }),
    threads: intField(meta, 'threads'),
  };
}

/** Options that may change between a run and its resumption: how long, and how often to record. */
const MAY_CHANGE: ReadonlySet<keyof TrainConfig> = new Set(['steps', 'snapshot_every', 'checkpoint_every']);

/**
 * Throws a UsageError naming the first field in which the resumed run differs from the checkpoint's:
 * the dataset's sequence length or hash, or any option that shapes the trajectory.
 */
export function checkResumable(state: TrainState, config: TrainConfig, seqLen: number, datasetSha256: string): void {
  if (state.seqLen !== seqLen) invalid('seq_len', `${state.seqLen}, the checkpoint's dataset sequence length`, seqLen);
  if (state.datasetSha256 !== datasetSha256) invalid('data', `the checkpoint's dataset (train.arrow sha256 ${state.datasetSha256})`, datasetSha256);
  for (const key of CONFIG_KEYS) {
    if (MAY_CHANGE.has(key)) continue;
    if (state.config[key] !== config[key]) invalid(key, `${JSON.stringify(state.config[key])} as in the checkpoint being resumed`, config[key]);
  }
  if (config.steps < state.step) invalid('steps', `>= ${state.step}, the checkpoint's step`, config.steps);
}
