/**
 * checkpoint.safetensors: everything a killed run needs to continue bit-for-bit — parameters, Adam
 * moments and step, the batch sampler's position and PRNG — and the checks that a resumed run is the
 * same run (config, dataset).
 */
import { invalid } from '@ring-attractor/common';
import type { RunConfig, TrainConfig } from './config.js';
import { CONFIG_KEY } from './formats/names.js';
import type { AdamState } from './optimizer.js';

/** A named float32 tensor as stored in safetensors files. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** What a checkpoint holds, decoded. */
export interface CheckpointState {
  step: number;
  config: RunConfig;
  seqLen: number;
  datasetSha256: string;
  /** Parameters by state-dict name (docs/model.md §6), in the model's order. */
  params: Record<string, NamedTensor>;
  adam: AdamState;
  /** The batch sampler's JSON state (its PRNG included): the only random draws after initialisation. */
  sampler: unknown;
  /** A ring's sanity-check loss (docs/model.md §4.2), so a resumed run need not recompute it; undefined for the baselines. */
  sanityLoss: number | undefined;
  /** The model's own random state (the baselines' dropout stream), or undefined. */
  random: unknown;
  /** Recurrence kernel, its ISA path and thread count: a resumed run reuses them by default (same bits). */
  kernel: string;
  kernelIsa: string;
  threads: number;
}

/** Tensors and string metadata, the shape of a safetensors file. */
export interface CheckpointFile {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

const FORMAT = 'ring-train-checkpoint/2';

/** Encodes a state as safetensors tensors (`<name>`, `adam.m.<name>`, `adam.v.<name>`) and metadata. */
export function encodeCheckpoint(state: CheckpointState): CheckpointFile {
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
      [CONFIG_KEY]: JSON.stringify(state.config),
      seq_len: String(state.seqLen),
      dataset_sha256: state.datasetSha256,
      parameters: JSON.stringify(names),
      sampler: JSON.stringify(state.sampler),
      ...(state.sanityLoss === undefined ? {} : { sanity_loss: String(state.sanityLoss) }),
      ...(state.random === undefined ? {} : { random: JSON.stringify(state.random) }),
      kernel: state.kernel,
      kernel_isa: state.kernelIsa,
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

/** A stored run config; checkpoints from before model kinds existed hold a ring without saying so. */
function withKind(config: unknown): RunConfig {
  const c = config as RunConfig;
  if (typeof c !== 'object' || c === null || typeof c.model !== 'object' || typeof c.train !== 'object') bad(`metadata ${CONFIG_KEY}`);
  return c.model.kind === undefined ? { ...c, model: { kind: 'ring', ...(c.model as object) } as RunConfig['model'] } : c;
}

/** Decodes a checkpoint file; a file that is not one of ours is bad input naming `resume`. */
export function decodeCheckpoint(file: CheckpointFile): CheckpointState {
  const meta = file.metadata ?? {};
  if (meta.format !== FORMAT) bad(`format ${meta.format}`);
  const names = jsonField(meta, 'parameters');
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) bad('metadata parameters');
  const get = (name: string): NamedTensor => file.tensors[name] ?? bad(`missing tensor ${name}`);
  const params: Record<string, NamedTensor> = {};
  for (const name of names as string[]) params[name] = get(name);
  const sanityLoss = meta.sanity_loss === undefined ? undefined : Number(meta.sanity_loss);
  if (sanityLoss !== undefined && !Number.isFinite(sanityLoss)) bad(`metadata sanity_loss = ${meta.sanity_loss}`);
  return {
    step: intField(meta, 'step'),
    config: withKind(jsonField(meta, CONFIG_KEY)),
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
    random: meta.random === undefined ? undefined : jsonField(meta, 'random'),
    kernel: meta.kernel ?? bad('metadata kernel'),
    kernelIsa: meta.kernel_isa ?? bad('metadata kernel_isa'),
    threads: intField(meta, 'threads'),
  };
}

/** Options that may change between a run and its resumption: how long, and how often to record. */
const MAY_CHANGE: ReadonlySet<keyof TrainConfig> = new Set(['steps', 'snapshot_every', 'checkpoint_every']);

/**
 * Throws a UsageError naming the first field in which the resumed run differs from the checkpoint's:
 * the dataset's sequence length or hash, or any option that shapes the trajectory.
 */
export function checkResumable(state: CheckpointState, config: RunConfig, seqLen: number, datasetSha256: string): void {
  if (state.seqLen !== seqLen) invalid('seq_len', `${state.seqLen}, the checkpoint's dataset sequence length`, seqLen);
  if (state.datasetSha256 !== datasetSha256) invalid('data', `the checkpoint's dataset (train.arrow sha256 ${state.datasetSha256})`, datasetSha256);
  for (const section of ['model', 'train'] as const) {
    const saved = state.config[section] as Record<string, unknown>;
    const now = config[section] as Record<string, unknown>;
    // Every key of either side: a field the other kind lacks differs too (kind first, so that is what the message names).
    for (const key of new Set([...Object.keys(now), ...Object.keys(saved)])) {
      if (section === 'train' && MAY_CHANGE.has(key as keyof TrainConfig)) continue;
      if (JSON.stringify(saved[key]) !== JSON.stringify(now[key])) invalid(key, `${JSON.stringify(saved[key])} as in the checkpoint being resumed`, now[key]);
    }
  }
  if (config.train.steps < state.step) invalid('steps', `>= ${state.step}, the checkpoint's step`, config.train.steps);
}
