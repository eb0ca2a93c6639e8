/**
 * The reference's causal-transformer baseline (CausalTransformer): the initial angle's (sin, cos)
 * embedded as a first token, one token per angular-velocity step, the sinusoidal table added,
 * post-norm encoder layers (self-attention under one causal mask, then a GELU feed-forward, each
 * added back and layer-normed), a final LayerNorm and Linear(d, 2) on the velocity tokens.
 * The dense layers run through ops.ts (the tfjs graph, or the fused wasm ops: config.kernel).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkFixedBuffers } from '../fixedBuffers.js';
import type { Weights } from '../init.js';
import { resolveTransformerConfig, type TransformerConfig } from './config.js';
import { DropoutStream } from './dropout.js';
import type { ForwardOptions } from './gru.js';
import { decodeSinCos, transformerLoss, type TransformerLosses } from './losses.js';
import { denseOps } from './ops.js';
import { ParameterSet } from './parameters.js';
import { positionalTable } from './positional.js';
import { stream, uniformSymmetric, xavierUniform } from './random.js';

/** State-dict name of the positional table (a buffer, not a parameter). */
export const POSITIONAL_BUFFER = 'pos_encoder.pe';

/** State-dict names and shapes of a CausalTransformer's parameters, in the reference's order. */
export function transformerParameterShapes(c: Pick<TransformerConfig, 'd_model' | 'num_layers' | 'dim_feedforward'>): Record<string, number[]> {
  const d = c.d_model;
  const ff = c.dim_feedforward;
  const shapes: Record<string, number[]> = {
    'velocity_embed.0.weight': [d, 1],
    'velocity_embed.0.bias': [d],
    'velocity_embed.1.weight': [d],
    'velocity_embed.1.bias': [d],
    'initial_embed.0.weight': [d, 2],
    'initial_embed.0.bias': [d],
    'initial_embed.1.weight': [d],
    'initial_embed.1.bias': [d],
  };
  for (let i = 0; i < c.num_layers; i++) {
    const p = `blocks.${i}`;
    shapes[`${p}.self_attn.in_proj_weight`] = [3 * d, d];
    shapes[`${p}.self_attn.in_proj_bias`] = [3 * d];
    shapes[`${p}.self_attn.out_proj.weight`] = [d, d];
    shapes[`${p}.self_attn.out_proj.bias`] = [d];
    shapes[`${p}.linear1.weight`] = [ff, d];
    shapes[`${p}.linear1.bias`] = [ff];
    shapes[`${p}.linear2.weight`] = [d, ff];
    shapes[`${p}.linear2.bias`] = [d];
    shapes[`${p}.norm1.weight`] = [d];
    shapes[`${p}.norm1.bias`] = [d];
    shapes[`${p}.norm2.weight`] = [d];
    shapes[`${p}.norm2.bias`] = [d];
  }
  shapes['ln_final.weight'] = [d];
  shapes['ln_final.bias'] = [d];
  shapes['output_proj.weight'] = [2, d];
  shapes['output_proj.bias'] = [2];
  return shapes;
}

/**
 * The reference's initial values, drawn in state-dict order from the seed's parameter stream:
 * every matrix xavier-uniform (its _init_weights); the attention's in_proj and out_proj biases 0
 * (nn.MultiheadAttention's own init); other Linear biases nn.Linear's default U(±1/√fan_in);
 * LayerNorm γ = 1, β = 0.
 */
export function transformerInitialWeights(config: TransformerConfig): Weights {
  const rng = stream(config.seed, 1);
  const shapes = transformerParameterShapes(config);
  const out: Weights = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (shape.length === 2) data = xavierUniform(rng, shape[0], shape[1]);
    else if (name.includes('self_attn')) data = new Float32Array(size);
    else if (/norm|embed\.1|ln_final/.test(name)) data = name.endsWith('.weight') ? new Float32Array(size).fill(1) : new Float32Array(size);
    else data = uniformSymmetric(rng, size, 1 / Math.sqrt(shapes[name.replace(/bias$/, 'weight')][1]));
    out[name] = { shape: [...shape], data };
  }
  return out;
}

/** CausalTransformer. */
export class CausalTransformer {
  readonly config: TransformerConfig;
  private readonly params: ParameterSet;
  private readonly masks: DropoutStream;
  private table: tf.Tensor2D | null = null;

  constructor(config: Partial<TransformerConfig> = {}) {
    this.config = resolveTransformerConfig(config);
    this.params = new ParameterSet('transformer', transformerInitialWeights(this.config));
    this.masks = new DropoutStream(this.config.seed);
  }

  /** Parameter names and shapes, in state-dict order. */
  parameterShapes(): Record<string, number[]> {
    return transformerParameterShapes(this.config);
  }

  /** Every variable an optimizer updates (all parameters are trainable), in state-dict order. */
  trainableVariables(): tf.Variable[] {
    return this.params.list();
  }

  /** Trainable variables keyed by state-dict name. */
  namedTrainableVariables(): Record<string, tf.Variable> {
    return this.params.named();
  }

  /** A copy of every parameter, keyed by state-dict name. */
  getWeights(): Weights {
    return this.params.getWeights();
  }

  /**
   * The non-trainable state PyTorch keeps in its state dict: `pos_encoder.pe` (1×max_seq_len×d).
   * Saving `{...getWeights(), ...buffers()}` gives a file `load_state_dict` accepts with strict=True.
   */
  buffers(): Weights {
    const { max_seq_len: rows, d_model: d } = this.config;
    return { [POSITIONAL_BUFFER]: { shape: [1, rows, d], data: positionalTable(rows, d) } };
  }

  /**
   * Replaces every parameter; all names and shapes are checked first, so a bad set changes nothing.
   * A `pos_encoder.pe` entry (as in a PyTorch state dict) is accepted if it is this model's table.
   */
  setWeights(weights: Weights): void {
    checkFixedBuffers(weights, this.buffers(), () => `the sinusoidal table for d_model = ${this.config.d_model}`);
    this.params.setWeights(weights, new Set([POSITIONAL_BUFFER]));
  }

  /** The dropout stream's position (for checkpoints; restoring it replays the same masks). */
  dropoutState(): number[] {
    return this.masks.getState();
  }

  /** Continues the dropout stream from a saved position. */
  setDropoutState(state: readonly number[]): void {
    this.masks.setState(state);
  }

  /** Output (B×T×2: sin, cos) from angular velocity av (B×T) and the initial angle (B). */
  forward(av: tf.Tensor2D, initialAngle: tf.Tensor1D, opts: ForwardOptions = {}): tf.Tensor3D {
    if (av.rank !== 2) throw new Error(`forward: av must be B×T (got shape [${av.shape.join(', ')}])`);
    const [B, T] = av.shape;
    if (initialAngle.rank !== 1 || initialAngle.shape[0] !== B) throw new Error(`forward: initialAngle must have shape [${B}] (got [${initialAngle.shape.join(', ')}])`);
    const { d_model: d, nhead, num_layers: L, dropout: p, max_seq_len: maxLen } = this.config;
    const S = T + 1;
    if (S > maxLen) throw new Error(`forward: ${T} steps need ${S} positions but max_seq_len is ${maxLen}`);
    const masks = opts.training ? this.masks : null;
    const drop = () => (masks === null ? null : masks.next(p));
    const ops = denseOps(this.config.kernel);
    const w = (name: string): tf.Variable => this.params.get(name);
    return tf.tidy(() => {
      const sincos = tf.stack([tf.sin(initialAngle), tf.cos(initialAngle)], 1);
      const first = ops.addNorm(ops.linear(sincos, w('initial_embed.0.weight'), w('initial_embed.0.bias')), null, w('initial_embed.1.weight'), w('initial_embed.1.bias'), null);
      const steps = ops.addNorm(ops.linear(tf.reshape(av, [B, T, 1]), w('velocity_embed.0.weight'), w('velocity_embed.0.bias')), null, w('velocity_embed.1.weight'), w('velocity_embed.1.bias'), null);
      let x = tf.add(tf.concat([tf.reshape(first, [B, 1, d]), steps], 1), this.positions(S));
      // Masks per layer, drawn in this order: attention probabilities, attention output, feed-forward hidden, feed-forward output.
      for (let i = 0; i < L; i++) {
        const b = `blocks.${i}`;
        const layer = {
          inW: w(`${b}.self_attn.in_proj_weight`),
          inB: w(`${b}.self_attn.in_proj_bias`),
          outW: w(`${b}.self_attn.out_proj.weight`),
          outB: w(`${b}.self_attn.out_proj.bias`),
          l1W: w(`${b}.linear1.weight`),
          l1B: w(`${b}.linear1.bias`),
          l2W: w(`${b}.linear2.weight`),
          l2B: w(`${b}.linear2.bias`),
          n1g: w(`${b}.norm1.weight`),
          n1b: w(`${b}.norm1.bias`),
          n2g: w(`${b}.norm2.weight`),
          n2b: w(`${b}.norm2.bias`),
        };
        x = ops.encoderLayer(x as tf.Tensor3D, layer, nhead, { attn: drop(), attnOut: drop(), hidden: drop(), ffOut: drop() });
      }
      const normed = ops.addNorm(tf.slice(x, [0, 1, 0], [B, T, d]), null, w('ln_final.weight'), w('ln_final.bias'), null);
      return ops.linear(normed, w('output_proj.weight'), w('output_proj.bias')) as tf.Tensor3D;
    });
  }

  /** transformer_loss: reported total/main/smooth/norm/cumsum, and `objective` (total) to differentiate. */
  loss(output: tf.Tensor3D, angle: tf.Tensor2D, av: tf.Tensor2D): TransformerLosses {
    return transformerLoss(output, angle, av);
  }

  /** The angle of each output step, atan2(sin, cos) in [0, 2π) (B×T). */
  decode(output: tf.Tensor3D): tf.Tensor2D {
    return decodeSinCos(output);
  }

  /** Frees the variables; the model is unusable afterwards. */
  dispose(): void {
    this.params.dispose();
    this.table?.dispose();
    this.table = null;
  }

  /** Rows 0…S−1 of the positional table, S×d (kept across calls; grown when S grows). */
  private positions(S: number): tf.Tensor2D {
    const d = this.config.d_model;
    if (this.table === null || this.table.shape[0] < S) {
      this.table?.dispose();
      this.table = tf.keep(tf.tensor2d(positionalTable(S, d), [S, d]));
    }
    return this.table.shape[0] === S ? this.table : (tf.slice(this.table, [0, 0], [S, d]) as tf.Tensor2D);
  }
}
