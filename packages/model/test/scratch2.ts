import { tf, useWasm } from './helpers.js';
import { gruStackTfjs } from '../src/index.js';
await useWasm();
const B=2,T=3,I=1,H=4;
const x = tf.randomNormal([B,T,I]) as tf.Tensor3D;
const h0 = tf.variable(tf.randomNormal([1,B,H])) ;
const wIh = tf.variable(tf.randomNormal([3*H,I])); const wHh = tf.variable(tf.randomNormal([3*H,H]));
const bIh = tf.variable(tf.randomNormal([3*H])); const bHh = tf.variable(tf.randomNormal([3*H]));
try {
const g = tf.variableGrads(() => tf.sum(gruStackTfjs({x, h0: h0 as any, layers:[{wIh: wIh as any, wHh: wHh as any, bIh: bIh as any, bHh: bHh as any}]})) as tf.Scalar);
console.log(Object.keys(g.grads));
} catch (e) { console.log(String(e).slice(0,300)); console.log((e as Error).stack?.split('\n').slice(0,12).join('\n')); }
