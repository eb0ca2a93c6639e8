/**
 * Named tf.Variables under PyTorch state-dict names, with the weight get/set semantics of the
 * ring model: getWeights copies every tensor out; setWeights checks every name and shape before
 * touching anything, so a bad set changes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Weights } from '../init.js';

let instances = 0;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The parameters of one model instance. */
export class ParameterSet {
  private readonly variables = new Map<string, tf.Variable>();
  private disposed = false;

  /**
   * Creates one trainable variable per entry of `initial`, in its order. tfjs keeps one global
   * registry of variable names, so each instance prefixes them (`gru3/gru.weight_hh_l0`);
   * `parameterName` from the model package strips the prefix.
   */
  constructor(kind: string, initial: Weights) {
    const prefix = `${kind}${instances++}`;
    for (const [name, w] of Object.entries(initial)) {
      const v = tf.tidy(() => tf.variable(tf.tensor(w.data, w.shape, 'float32'), true, `${prefix}/${name}`));
      this.variables.set(name, v);
    }
  }

  /** The variable of state-dict name `name`. */
  get(name: string): tf.Variable {
    this.assertLive();
    const v = this.variables.get(name);
    if (v === undefined) throw new Error(`model has no parameter ${name}`);
    return v;
  }

  /** Every variable, in state-dict order. */
  list(): tf.Variable[] {
    this.assertLive();
    return [...this.variables.values()];
  }

  /** Variables keyed by state-dict name. */
  named(): Record<string, tf.Variable> {
    this.assertLive();
    return Object.fromEntries(this.variables);
  }

  /** Name → shape of every parameter. */
  shapes(): Record<string, number[]> {
    this.assertLive();
    return Object.fromEntries([...this.variables].map(([n, v]) => [n, [...v.shape]]));
  }

  /** A float32 copy of every parameter, keyed by state-dict name. */
  getWeights(): Weights {
    this.assertLive();
    const out: Weights = {};
    for (const [name, v] of this.variables) out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
    return out;
  }

  /**
   * Replaces every parameter. All names, shapes and sizes are checked first (missing, unexpected
   * or misshapen tensors are errors naming the tensor); names in `ignore` may be present and are skipped.
   */
  setWeights(weights: Weights, ignore: ReadonlySet<string> = new Set()): void {
    this.assertLive();
    const expected = this.shapes();
    for (const [name, shape] of Object.entries(expected)) {
      const w = weights[name];
      if (w === undefined) throw new Error(`weights: missing tensor ${name} (expected shape [${shape.join(', ')}])`);
      if (!sameShape(w.shape, shape)) throw new Error(`weights: tensor ${name} has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (w.data.length !== n) throw new Error(`weights: tensor ${name} has ${w.data.length} values, expected ${n}`);
    }
    for (const name of Object.keys(weights)) {
      if (!(name in expected) && !ignore.has(name)) throw new Error(`weights: unexpected tensor ${name} for this model (expected ${Object.keys(expected).join(', ')})`);
    }
    for (const [name, v] of this.variables) {
      const w = weights[name];
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(w.data), w.shape, 'float32')));
    }
  }

  /** Frees the variables; the set is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('model used after dispose()');
  }
}
