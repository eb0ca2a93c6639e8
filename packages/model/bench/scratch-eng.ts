import { selectBackend } from '../src/index.js';
import { WasmGruEngine } from '../src/baselines/kernel/gruWasm.js';
const B = 128, T = 60, H = 128, L = 2, I = 1;
await selectBackend('wasm', () => {});
const rnd = (n: number, s: number) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * s);
const inp = { dims: { B, T, I, H, L }, x: rnd(B * T, 1), h0: rnd(L * B * H, 0.5),
  wIh: [rnd(3 * H, 0.1), rnd(3 * H * H, 0.1)], wHh: [rnd(3 * H * H, 0.1), rnd(3 * H * H, 0.1)], bIh: [rnd(3 * H, 1), rnd(3 * H, 1)], bHh: [rnd(3 * H, 1), rnd(3 * H, 1)],
  dropout: { key: 5, p: 0.1 } };
const e = new WasmGruEngine();
const threads = Number(process.argv[2] ?? 1);
const cpu = (fn: () => void): number => { const c0 = process.cpuUsage(); fn(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
const wall = (fn: () => void): number => { const t0 = performance.now(); fn(); return performance.now() - t0; };
const dOut = rnd(B * T * H, 1);
const f: number[] = [], b: number[] = [];
const m = threads === 1 ? cpu : wall;
for (let i = 0; i < 12; i++) { f.push(m(() => e.forward(i, inp, threads))); b.push(m(() => e.backward(i, dOut, () => inp, threads))); }
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(`threads=${threads} ${threads === 1 ? 'cpu' : 'wall'} ms: fwd ${med(f).toFixed(1)} bwd ${med(b).toFixed(1)}  (GFLOP/s fwd ${(2.26 / med(f) * 1e3).toFixed(1)}, bwd ${(4.53 / med(b) * 1e3).toFixed(1)})`);
e.dispose();
