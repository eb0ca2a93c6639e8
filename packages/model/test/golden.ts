/** The reference's golden vectors (fixtures/golden/*.json): their shape, and a model built from one. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LeakyRingAttractor, type Activation, type KernelName, type Weights } from '../src/index.js';

export const GOLDEN_DIR = join(import.meta.dirname, 'fixtures', 'golden');

/** Tolerances of docs/golden-vectors.md: outputs and losses 1e-4 relative (1e-5 absolute near 0), gradients 1e-3. */
export const OUT_RTOL = 1e-4;
export const OUT_ATOL = 1e-5;
export const GRAD_RTOL = 1e-3;

export interface Json { shape: number[]; data: number[] }
export interface Golden {
  config: { num_neurons: number; activation: Activation; initialization: 'random' | 'perfect' | 'debug_perfect'; hidden_gain_neurons: number; alpha: number; J0: number; J1: number; bump_loss_weight: number };
  params: Record<string, Json>;
  inputs: { av: Json; angle: Json; r_init: Json | null };
  outputs: { output: Json; bump: Json; decoded_pv: Json; loss_main: number; loss_bump: number; loss_total: number };
  grads: Record<string, Json>;
}

/** Every golden file name, sorted: new cases are picked up without code changes. */
export function goldenFiles(): string[] {
  return readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort();
}

/** Parses one golden file. */
export function readGolden(file: string): Golden {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as Golden;
}

/** A golden tensor as a float32 tfjs tensor. */
export function toTensor(j: Json): tf.Tensor {
  return tf.tensor(j.data, j.shape, 'float32');
}

/** The model of a golden case, with its parameters loaded, on `kernel`. */
export function goldenModel(g: Golden, kernel: KernelName): LeakyRingAttractor {
  const model = new LeakyRingAttractor({
    num_neurons: g.config.num_neurons,
    activation: g.config.activation,
    init: g.config.initialization,
    hidden_gain_neurons: g.config.hidden_gain_neurons,
    alpha: g.config.alpha,
    J0: g.config.J0,
    J1: g.config.J1,
    kernel,
  });
  const weights: Weights = {};
  for (const [name, p] of Object.entries(g.params)) weights[name] = { shape: p.shape, data: Float32Array.from(p.data) };
  model.setWeights(weights);
  return model;
}
