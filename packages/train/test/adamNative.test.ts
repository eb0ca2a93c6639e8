// Adam's update in the native addon against the JavaScript loop: the same bits for p, m and v over
// values spanning denormals to 1e30, signed zeros and infinities, every flag combination, lengths
// off the vector width, and many steps; and the optimizer's own output equals the JavaScript loop's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { nativeAdamUpdate, nativeUnavailableReason } from '@ring-attractor/model';
import { Adam, adamHyper, adamUpdateJs } from '../src/optimizer.js';

await tf.setBackend('cpu');

const native = nativeAdamUpdate();
const skip = native ? false : `native addon unavailable: ${nativeUnavailableReason() ?? 'it has no adamUpdate'}`;
const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A deterministic stream in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32 values: signs and magnitudes 1e-42 … 1e30 log-uniform, with zeros, −0 and (if asked) ±∞ sprinkled in. */
function values(n: number, seed: number, specials: boolean): Float32Array {
  const r = uniform(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    const sign = r() < 0.5 ? -1 : 1;
    if (u < 0.03) out[i] = sign * 0;
    else if (specials && u < 0.04) out[i] = sign * Infinity;
    else out[i] = sign * 10 ** (-42 + 72 * r());
  }
  return out;
}

const OPTIONS = { lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

test('the native update gives the JavaScript loop\'s bits for p, m and v (all flags, odd lengths, denormals, ±0, ±∞, many steps)', { skip }, () => {
  for (const n of [1, 3, 4, 7, 1000, 4099]) {
    for (const [scale, weightDecay] of [[1, 0], [0.37, 0], [1, 1e-2], [0.8125, 0.3]]) {
      for (const step of [1, 2, 10, 1000, 1e6]) {
        const seed = n * 131 + step + Math.round(scale * 1000) + Math.round(weightDecay * 1e4);
        const p = values(n, seed, false), g = values(n, seed + 1, true);
        // Moments a run could hold: m of either sign, v ≥ 0.
        const m = values(n, seed + 2, false), v = values(n, seed + 3, false).map(Math.abs);
        const c = adamHyper({ ...OPTIONS, weightDecay }, step, scale);
        const js = [p, m, v].map((a) => Float32Array.from(a));
        const nat = [p, m, v].map((a) => Float32Array.from(a));
        adamUpdateJs(js[0], g, js[1], js[2], c, scale !== 1, weightDecay !== 0);
        native!(nat[0], g, nat[1], nat[2], c, scale !== 1, weightDecay !== 0);
        ['p', 'm', 'v'].forEach((name, i) => {
          if (n >= 1000) assert.ok(!bits(js[i]).equals(bits([p, m, v][i])), `${name} changed`);
          assert.ok(bits(nat[i]).equals(bits(js[i])), `${name}: n=${n} scale=${scale} wd=${weightDecay} step=${step}: native ≠ JavaScript`);
        });
      }
    }
  }
});

test('the comparison can fail: a constant one ulp off changes the bits', { skip }, () => {
  const p = values(64, 5, false), g = values(64, 6, false);
  const c = adamHyper({ ...OPTIONS, weightDecay: 0 }, 3, 1);
  const off = Float32Array.from(c);
  off[5] = Math.fround(off[5] * (1 + 2 ** -23));
  const a = Float32Array.from(p), b = Float32Array.from(p);
  adamUpdateJs(a, g, new Float32Array(64), new Float32Array(64), c, false, false);
  native!(b, g, new Float32Array(64), new Float32Array(64), off, false, false);
  assert.ok(!bits(a).equals(bits(b)));
});

test('the optimizer\'s updates equal the JavaScript loop run by hand, bit for bit (AdamW with clipping, 20 steps)', () => {
  const r = uniform(11);
  const shapes = [[5, 7], [13], [3, 3, 3]];
  const vars = shapes.map((s) => tf.variable(tf.tensor(Float32Array.from({ length: s.reduce((x, y) => x * y) }, () => r() - 0.5), s)));
  const opts = { ...OPTIONS, lr: 1e-2, weightDecay: 0.05 };
  const adam = new Adam(vars, opts);
  const p = vars.map((x) => Float32Array.from(x.dataSync()));
  const m = p.map((x) => new Float32Array(x.length)), v = p.map((x) => new Float32Array(x.length));
  for (let step = 1; step <= 20; step++) {
    const grads = shapes.map((s) => tf.tensor(Float32Array.from({ length: s.reduce((x, y) => x * y) }, () => 4 * (r() - 0.5)), s));
    const scale = step % 3 === 0 ? 0.5 : 1;
    adam.apply(grads, scale);
    const c = adamHyper(opts, step, scale);
    grads.forEach((g, i) => adamUpdateJs(p[i], g.dataSync() as Float32Array, m[i], v[i], c, scale !== 1, true));
    tf.dispose(grads);
  }
  vars.forEach((x, i) => assert.ok(bits(x.dataSync() as Float32Array).equals(bits(p[i])), `parameter ${i}`));
  const state = adam.getState();
  state.m.forEach((x, i) => assert.ok(bits(x).equals(bits(m[i])), `m ${i}`));
  state.v.forEach((x, i) => assert.ok(bits(x).equals(bits(v[i])), `v ${i}`));
  tf.dispose(vars);
});
