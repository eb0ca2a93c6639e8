/**
 * Initial weights (docs/model.md §2), drawn from one pure-rand stream seeded by `config.seed`, so a seed
 * fixes every value. Draw order: the N×N matrices in `parameterShapes` order (random init only),
 * then each gain net's `0.weight`, `0.bias`, `2.weight`, `2.bias`, channel by channel.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ModelConfig } from './config.js';
import { cosineMatrix } from './geometry.js';
import { actionChannelSide } from './actions.js';
import { parameterShapes, weightMatrixNames } from './names.js';

/** One named parameter value: row-major float32 data and its shape. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

export type Weights = Record<string, WeightTensor>;

type Rng = ReturnType<typeof xoroshiro128plus>;

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Standard normal by Box–Muller (both draws from the stream, one value kept, so order is simple). */
function normal(rng: Rng): number {
  const u1 = 1 - uniformFloat64(rng); // (0, 1]: log stays finite
  const u2 = uniformFloat64(rng);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function fill(n: number, draw: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

/** The perfect connectivity: Wo = cos Δ; left channels cos(Δ + π/4), right channels cos(Δ − π/4). */
function perfectMatrix(name: string, index: number, config: ModelConfig): Float32Array {
  if (name === 'Wo') return cosineMatrix(config.num_neurons, 0);
  const side = actionChannelSide(index - 1, config.action_dim);
  return cosineMatrix(config.num_neurons, side < 0 ? Math.PI / 4 : -Math.PI / 4);
}

/** Every parameter's initial value for `config` (random, perfect, or debug_perfect without gain nets). */
export function initialWeights(config: ModelConfig): Weights {
  const rng = xoroshiro128plus(config.seed | 0);
  const withGainNets = config.init !== 'debug_perfect';
  const shapes = parameterShapes(config.num_neurons, config.action_dim, config.hidden_gain_neurons, withGainNets);
  const matrices = new Set(weightMatrixNames(config.action_dim));
  const weights: Weights = {};
  const scale = 1 / Math.sqrt(config.num_neurons);
  let matrixIndex = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    let data: Float32Array;
    if (matrices.has(name)) {
      data = config.init === 'random'
        ? fill(size(shape), () => normal(rng) * scale)
        : perfectMatrix(name, matrixIndex, config);
      matrixIndex++;
    } else {
      // nn.Linear default: weight and bias ~ U(−1/√fan_in, 1/√fan_in); fan_in is 1 for layer 0, H for layer 2.
      const fanIn = name.includes('.0.') ? 1 : config.hidden_gain_neurons;
      const bound = 1 / Math.sqrt(fanIn);
      data = fill(size(shape), () => (2 * uniformFloat64(rng) - 1) * bound);
    }
    weights[name] = { shape: [...shape], data };
  }
  return weights;
}
