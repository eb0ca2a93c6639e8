/**
 * The GRU baseline's native training step alone (B = 128, T = 60, the reference's shapes, Adam 3e-4,
 * clip 1), N timed steps (env N, default 20) after 3 warm-ups. Prints the medians of the step's wall
 * time, its parts (forward + loss, backward, clip + optimiser) and its CPU time (all threads), which
 * on a shared machine varies less than the wall time:
 *   step … fwd … bwd … opt … cpu …
 * A/B of two addon builds: run it alternately with RING_NATIVE_ADDON=<build>.node (separate
 * processes, since one process loads one addon) and compare medians. Run from packages/model:
 *   node --import tsx bench/gru-step.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DATAGEN_CONFIG, generateSequences } from '@ring-attractor/datagen';
import { GRU_OPTIMIZER, GruIntegrator, selectBackend, disposeBaselineKernel } from '../src/index.js';
import { Adam, clipFactor, globalNormHost } from '../../train/src/optimizer.js';
const B = 128, T = 60;
await selectBackend('wasm', () => {});
const seqs = generateSequences({ ...DEFAULT_DATAGEN_CONFIG, seq_len: T }, B, 1);
const av = tf.tensor2d(seqs.av, [B, T]), angle = tf.tensor2d(seqs.angle, [B, T]);
const theta0 = tf.tensor1d(Array.from({ length: B }, (_, b) => seqs.angle[b * T]));
import { nativeOps } from "../src/baselines/kernel/nativeOps.js";
const tm: Record<string, number[]> = {};
for (const k of Object.keys(nativeOps) as (keyof typeof nativeOps)[]) { const f = nativeOps[k] as any; (nativeOps as any)[k] = (...a: any[]) => { const t0 = performance.now(); const r = f(...a); (tm[k] ??= []).push(performance.now() - t0); return r; }; }
const model = new GruIntegrator({ kernel: 'native', seed: 0 });
const opt = new Adam(model.trainableVariables(), { lr: GRU_OPTIMIZER.lr });
const N = Number(process.env.N ?? 20);
const all: number[][] = [];
for (let i = 0; i < N + 3; i++) {
  const c0 = process.cpuUsage(); const t0 = performance.now(); let t1 = 0;
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => { const l = model.loss(model.forward(av, theta0, { training: true }), angle, av).objective; t1 = performance.now(); return l; }, vars);
  const list = vars.map((x) => grads[x.name]);
  const t2 = performance.now();
  opt.apply(list, clipFactor(globalNormHost(list), 1));
  value.dataSync(); tf.dispose([value, ...list]);
  const t3 = performance.now();
  const c = process.cpuUsage(c0); if (i >= 3) all.push([t3 - t0, t1 - t0, t2 - t1, t3 - t2, (c.user + c.system) / 1000]);
}
const med = (j: number) => { const s = all.map((a) => a[j]).sort((a, b) => a - b); return s[s.length >> 1].toFixed(1); };
console.log(`step ${med(0)} fwd ${med(1)} bwd ${med(2)} opt ${med(3)} cpu ${med(4)}`);
model.dispose(); disposeBaselineKernel();
for (const [k, v] of Object.entries(tm)) { const s = v.slice(3 * (v.length / (N + 3))).sort((a, b) => a - b); console.log(k, (s[s.length >> 1]).toFixed(3), "ms median over", s.length); }
