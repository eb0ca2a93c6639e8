/**
 * checkpoint.safetensors: everything a killed run needs to continue bit-for-bit — parameters, Adam
 * moments and step, the batch sampler's position and PRNG, how far metrics.arrow and snapshots.arrow
 * are valid — and the checks that a resumed run is the same run (config, dataset, model) and that
 * the file is whole (every tensor's digest, verified by the safetensors reader; shapes; steps).
 */
import { UsageError, invalid } from '@ring-attractor/common';
import { TENSOR_SHA256_KEY } from '@ring-attractor/model/safetensors';
import type { RunConfig, TrainConfig } from './config.js';
import { CONFIG_KEY, DATASET_KEY, STEP_KEY } from './formats/names.js';
import type { FileMark } from './formats/index.js';
import type { AdamState } from './optimizer.js';
import type { RunFileMarks } from './runLog.js';

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
  /** How far metrics.arrow and snapshots.arrow were valid when the checkpoint was written. */
  files: RunFileMarks;
}

/** Tensors and string metadata, the shape of a safetensors file. */
export interface CheckpointFile {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

const FORMAT = 'ring-train-checkpoint/3';
/** The format before tensor digests and appended run files: refused (its Arrow files were rewritten whole, its tensors unchecked). */
const OLD_FORMAT = 'ring-train-checkpoint/2';

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
      [STEP_KEY]: String(state.step),
      adam_step: String(state.adam.step),
      [CONFIG_KEY]: JSON.stringify(state.config),
      seq_len: String(state.seqLen),
      [DATASET_KEY]: state.datasetSha256,
      parameters: JSON.stringify(names),
      sampler: JSON.stringify(state.sampler),
      ...(state.sanityLoss === undefined ? {} : { sanity_loss: String(state.sanityLoss) }),
      ...(state.random === undefined ? {} : { random: JSON.stringify(state.random) }),
      kernel: state.kernel,
      kernel_isa: state.kernelIsa,
      threads: String(state.threads),
      run_files: JSON.stringify(state.files),
    },
  };
}

/** A checkpoint's metadata read field by field; every problem is the one-line error naming the file. */
function reader(meta: Record<string, string>, source: string) {
  const bad = (why: string): never => {
    throw new UsageError(`resume: ${source}: ${why}`);
  };
  const int = (key: string): number => {
    const v = Number(meta[key]);
    if (meta[key] === undefined || !Number.isInteger(v) || v < 0) bad(`metadata ${key} = ${meta[key]}`);
    return v;
  };
  const json = (key: string): unknown => {
    try {
      return JSON.parse(meta[key] ?? '');
    } catch {
      bad(`metadata ${key} is not JSON`);
    }
  };
  return { bad, int, json };
}

/** A stored run config; checkpoints from before model kinds existed hold a ring without saying so. */
function withKind(config: unknown, bad: (why: string) => never): RunConfig {
  const c = config as RunConfig;
  if (typeof c !== 'object' || c === null || typeof c.model !== 'object' || typeof c.train !== 'object') bad(`metadata ${CONFIG_KEY}`);
  return c.model.kind === undefined ? { ...c, model: { kind: 'ring', ...(c.model as object) } as RunConfig['model'] } : c;
}

function fileMark(value: unknown, key: string, digest: boolean, bad: (why: string) => never): FileMark {
  const m = value as Partial<FileMark> | undefined;
  const count = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  if (typeof m !== 'object' || m === null || !count(m.bytes) || !count(m.rows) || (digest && !/^[0-9a-f]{64}$/.test(String(m.sha256)))) {
    bad(`metadata run_files.${key} = ${JSON.stringify(value)}`);
  }
  return { bytes: m.bytes!, rows: m.rows!, ...(digest ? { sha256: m.sha256 } : {}) };
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Decodes a checkpoint file (its tensor digests already verified by the safetensors reader); a file
 * that is not a whole checkpoint of this format is bad input naming `source`.
 */
export function decodeCheckpoint(file: CheckpointFile, source = 'checkpoint.safetensors'): CheckpointState {
  const meta = file.metadata ?? {};
  const { bad, int, json } = reader(meta, source);
  if (meta.format === OLD_FORMAT) bad(`written by an older ring-train (${OLD_FORMAT}: no tensor digests); start the run afresh with --overwrite`);
  if (meta.format !== FORMAT) bad(`not a checkpoint written by ring-train (format ${JSON.stringify(meta.format)}, expected ${FORMAT})`);
  if (meta[TENSOR_SHA256_KEY] === undefined) bad(`no tensor digests (metadata ${TENSOR_SHA256_KEY}), so its tensors cannot be checked`);
  const names = json('parameters');
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) bad('metadata parameters');
  const get = (name: string): NamedTensor => file.tensors[name] ?? bad(`missing tensor ${name}`);
  const params: Record<string, NamedTensor> = {};
  const moment = (kind: 'm' | 'v', name: string): Float32Array => {
    const t = get(`adam.${kind}.${name}`);
    if (!sameShape(t.shape, params[name].shape)) bad(`tensor adam.${kind}.${name} has shape [${t.shape.join(', ')}], its parameter ${name} [${params[name].shape.join(', ')}]`);
    return t.data;
  };
  for (const name of names as string[]) params[name] = get(name);
  const expected = new Set((names as string[]).flatMap((n) => [n, `adam.m.${n}`, `adam.v.${n}`]));
  for (const name of Object.keys(file.tensors)) if (!expected.has(name)) bad(`unexpected tensor ${name}`);
  const sanityLoss = meta.sanity_loss === undefined ? undefined : Number(meta.sanity_loss);
  if (sanityLoss !== undefined && !Number.isFinite(sanityLoss)) bad(`metadata sanity_loss = ${meta.sanity_loss}`);
  const step = int(STEP_KEY);
  const adamStep = int('adam_step');
  // One Adam update per step: a checkpoint whose two counts differ is not one moment of one run.
  if (adamStep !== step) bad(`metadata adam_step = ${adamStep} but step = ${step}`);
  const files = json('run_files') as Record<string, unknown> | null;
  const marks = { metrics: fileMark(files?.metrics, 'metrics', false, bad), snapshots: fileMark(files?.snapshots, 'snapshots', true, bad) };
  if (marks.metrics.rows !== step) bad(`metadata run_files.metrics has ${marks.metrics.rows} rows for step ${step}`);
  return {
    step,
    config: withKind(json(CONFIG_KEY), bad),
    seqLen: int('seq_len'),
    datasetSha256: meta[DATASET_KEY] ?? bad(`metadata ${DATASET_KEY}`),
    params,
    adam: {
      step: adamStep,
      m: (names as string[]).map((n) => moment('m', n)),
      v: (names as string[]).map((n) => moment('v', n)),
    },
    sampler: json('sampler'),
    sanityLoss,
    random: meta.random === undefined ? undefined : json('random'),
    kernel: meta.kernel ?? bad('metadata kernel'),
    kernelIsa: meta.kernel_isa ?? bad('metadata kernel_isa'),
    threads: int('threads'),
    files: marks,
  };
}

/**
 * Throws the one-line error naming the first parameter of the checkpoint that the model being resumed
 * lacks, has under another name or position, or has in another shape (its Adam moments were checked
 * against it on decoding).
 */
export function checkCheckpointModel(state: CheckpointState, model: { names: readonly string[]; shapes: readonly (readonly number[])[] }, source: string): void {
  const saved = Object.keys(state.params);
  const bad = (why: string): never => {
    throw new UsageError(`resume: ${source}: ${why}`);
  };
  model.names.forEach((name, i) => {
    if (saved[i] !== name) bad(saved.includes(name) ? `parameter ${name} is at position ${saved.indexOf(name)}, the model's is ${i}` : `no parameter ${name} (this model has ${model.names.join(', ')})`);
    const shape = state.params[name].shape;
    if (!sameShape(shape, model.shapes[i])) bad(`tensor ${name} has shape [${shape.join(', ')}], this model's [${model.shapes[i].join(', ')}]`);
  });
  if (saved.length !== model.names.length) bad(`parameter ${saved[model.names.length]} is not one of this model's`);
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
