/**
 * The reference's GRU baseline (GRU_Integrator): the initial angle's (sin, cos) encoded into every
 * layer's initial state, angular velocity projected to H features, an L-layer GRU, LayerNorm, a
 * two-layer output head, and the initial (sin, cos) added to every step's output. Parameters carry
 * the reference's state-dict names, so checkpoints load into the PyTorch class.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Weights } from '../init.js';
import { resolveGruConfig, type GruConfig } from './config.js';
import { DropoutStream } from './dropout.js';
import { runGruStack, type GruLayerWeights } from './gruStack.js';
import { decodeSinCos, integrationAwareLoss, type GruLosses } from './losses.js';
import { denseOps } from './ops.js';
import { ParameterSet } from './parameters.js';
import { orthogonal, standardNormal, stream, xavierUniform } from './random.js';

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Training mode: dropout active, masks drawn from the model's seeded stream. Default false (eval). */
  training?: boolean;
}

/** State-dict names and shapes of a GRU_Integrator, in the reference's order. */
export function gruParameterShapes(hidden: number, layers: number): Record<string, number[]> {
  const H = hidden;
  const shapes: Record<string, number[]> = {
    'initial_encoder.0.weight': [H, 2],
    'initial_encoder.0.bias': [H],
    'initial_encoder.1.weight': [H],
    'initial_encoder.1.bias': [H],
    'input_proj.weight': [H, 1],
    'input_proj.bias': [H],
  };
  for (let k = 0; k < layers; k++) {
    shapes[`gru.weight_ih_l${k}`] = [3 * H, H];
    shapes[`gru.weight_hh_l${k}`] = [3 * H, H];
    shapes[`gru.bias_ih_l${k}`] = [3 * H];
    shapes[`gru.bias_hh_l${k}`] = [3 * H];
  }
  shapes['layer_norm.weight'] = [H];
  shapes['layer_norm.bias'] = [H];
  shapes['output_proj.0.weight'] = [H >> 1, H];
  shapes['output_proj.0.bias'] = [H >> 1];
  shapes['output_proj.3.weight'] = [2, H >> 1];
  shapes['output_proj.3.bias'] = [2];
  return shapes;
}

/**
 * The reference's _init_weights, drawn in state-dict order from the seed's parameter stream:
 * every nn.Linear xavier-uniform with zero bias; every GRU matrix orthogonal (the whole 3H×in
 * matrix, as torch.nn.init.orthogonal_ sees it) and every GRU bias N(0, 1); LayerNorm γ = 1, β = 0.
 */
export function gruInitialWeights(config: GruConfig): Weights {
  const rng = stream(config.seed, 1);
  const out: Weights = {};
  for (const [name, shape] of Object.entries(gruParameterShapes(config.hidden_size, config.num_layers))) {
    const size = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.startsWith('gru.weight')) data = orthogonal(rng, shape[0], shape[1]);
    else if (name.startsWith('gru.bias')) data = standardNormal(rng, size);
    else if (name.endsWith('.weight') && shape.length === 2) data = xavierUniform(rng, shape[0], shape[1]);
    else if (name.endsWith('.weight')) data = new Float32Array(size).fill(1); // LayerNorm γ
    else data = new Float32Array(size); // Linear and LayerNorm biases
    out[name] = { shape: [...shape], data };
  }
  return out;
}

/** GRU_Integrator (input_size 1, output_size 2). */
export class GruIntegrator {
  readonly config: GruConfig;
  private readonly params: ParameterSet;
  private readonly masks: DropoutStream;

  constructor(config: Partial<GruConfig> = {}) {
    this.config = resolveGruConfig(config);
    this.params = new ParameterSet('gru', gruInitialWeights(this.config));
    this.masks = new DropoutStream(this.config.seed);
  }

  /** Parameter names and shapes, in state-dict order. */
  parameterShapes(): Record<string, number[]> {
    return gruParameterShapes(this.config.hidden_size, this.config.num_layers);
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

  /** The non-trainable state PyTorch keeps in its state dict: none (GRU_Integrator registers no buffer). */
  buffers(): Weights {
    return {};
  }

  /** Replaces every parameter; all names and shapes are checked first, so a bad set changes nothing. */
  setWeights(weights: Weights): void {
    this.params.setWeights(weights);
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
    const { hidden_size: H, num_layers: L, dropout: p } = this.config;
    const masks = opts.training ? this.masks : null;
    const drop = () => (masks === null ? null : masks.next(p));
    const ops = denseOps(this.config.kernel);
    const w = (name: string): tf.Variable => this.params.get(name);
    return tf.tidy(() => {
      const sincos = tf.stack([tf.sin(initialAngle), tf.cos(initialAngle)], 1);
      const encoded = ops.addNorm(ops.linear(sincos, w('initial_encoder.0.weight'), w('initial_encoder.0.bias')), null, w('initial_encoder.1.weight'), w('initial_encoder.1.bias'), null);
      const h0 = ops.activation(encoded, 'relu', drop());
      // Every layer starts from the same encoding (h0.repeat(num_layers, 1, 1)).
      const h0s = tf.stack(new Array<tf.Tensor>(L).fill(h0)) as tf.Tensor3D;
      // input_proj then layer 0's input weights is the single 3H×1 map W_ih·w_p (bias W_ih·b_p + b_ih):
      // the same function, and layer 0's input product shrinks from H to 1 input feature.
      const wIh0 = w('gru.weight_ih_l0');
      const layers: GruLayerWeights[] = Array.from({ length: L }, (_, k) => ({
        wIh: k === 0 ? (tf.matMul(wIh0, w('input_proj.weight')) as tf.Tensor2D) : (w(`gru.weight_ih_l${k}`) as tf.Tensor2D),
        wHh: w(`gru.weight_hh_l${k}`) as tf.Tensor2D,
        bIh: k === 0 ? (tf.add(tf.squeeze(tf.matMul(wIh0, tf.reshape(w('input_proj.bias'), [H, 1])), [1]), w('gru.bias_ih_l0')) as tf.Tensor1D) : (w(`gru.bias_ih_l${k}`) as tf.Tensor1D),
        bHh: w(`gru.bias_hh_l${k}`) as tf.Tensor1D,
      }));
      // Dropout between layers: one mask for all of them, (L−1)×B×T×H.
      const between = L > 1 ? drop() : null;
      const seq = runGruStack({ x: tf.reshape(av, [B, T, 1]) as tf.Tensor3D, h0: h0s, layers, dropout: between ?? undefined }, this.config.kernel);
      // layer_norm, then output_proj: Linear(H, H/2) → ReLU → Dropout → Linear(H/2, 2).
      const head = { g: w('layer_norm.weight'), b: w('layer_norm.bias'), w1: w('output_proj.0.weight'), b1: w('output_proj.0.bias'), w2: w('output_proj.3.weight'), b2: w('output_proj.3.bias') };
      const out = ops.normMlp(seq, head, drop());
      return tf.add(out, tf.reshape(sincos, [B, 1, 2])) as tf.Tensor3D;
    });
  }

  /** integration_aware_loss: reported total/main/smooth, and `objective` (main) to differentiate. */
  loss(output: tf.Tensor3D, angle: tf.Tensor2D, av: tf.Tensor2D): GruLosses {
    return integrationAwareLoss(output, angle, av);
  }

  /** The angle of each output step, atan2(sin, cos) in [0, 2π) (B×T). */
  decode(output: tf.Tensor3D): tf.Tensor2D {
    return decodeSinCos(output);
  }

  /** Frees the variables; the model is unusable afterwards. */
  dispose(): void {
    this.params.dispose();
  }
}
