/** The reference baselines' golden vectors (fixtures/baselines/*.json): their shape, and a model built from one. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CausalTransformer, GruIntegrator, type BaselineKernel, type Weights } from '../src/index.js';
import type { Json } from './golden.js';

export const BASELINES_DIR = join(import.meta.dirname, 'fixtures', 'baselines');

export interface BaselineGolden {
  name: string;
  model: 'gru' | 'transformer';
  config: Record<string, number | string> & { batch: number; seq_len: number; grads_of: 'loss_main' | 'loss_total' };
  params: Record<string, Json>;
  inputs: { av: Json; angle: Json; initial_angle: Json };
  outputs: { output: Json } & Record<string, number | Json>;
  grads: Record<string, Json>;
}

/** Every baseline golden file name of `kind`, sorted. */
export function baselineFiles(kind: 'gru' | 'transformer'): string[] {
  return readdirSync(BASELINES_DIR).filter((f) => f.startsWith(`${kind}_`) && f.endsWith('.json')).sort();
}

/** Parses one baseline golden file. */
export function readBaseline(file: string): BaselineGolden {
  return JSON.parse(readFileSync(join(BASELINES_DIR, file), 'utf8')) as BaselineGolden;
}

/** The golden parameters as model weights. */
export function goldenWeights(g: BaselineGolden): Weights {
  const w: Weights = {};
  for (const [name, p] of Object.entries(g.params)) w[name] = { shape: p.shape, data: Float32Array.from(p.data) };
  return w;
}

/** The GRU of a golden case, parameters loaded, on `kernel`. */
export function goldenGru(g: BaselineGolden, kernel: BaselineKernel): GruIntegrator {
  const model = new GruIntegrator({ hidden_size: Number(g.config.hidden_size), num_layers: Number(g.config.num_layers), dropout: Number(g.config.dropout), kernel });
  model.setWeights(goldenWeights(g));
  return model;
}

/** The transformer of a golden case, parameters loaded, on `kernel`. */
export function goldenTransformer(g: BaselineGolden, kernel: BaselineKernel): CausalTransformer {
  const model = new CausalTransformer({
    d_model: Number(g.config.d_model),
    nhead: Number(g.config.nhead),
    num_layers: Number(g.config.num_layers),
    dim_feedforward: Number(g.config.dim_feedforward),
    dropout: Number(g.config.dropout),
    kernel,
  });
  model.setWeights(goldenWeights(g));
  return model;
}
