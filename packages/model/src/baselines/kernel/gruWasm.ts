/**
 * The GRU engine of assembly/gru.ts: copies a call's inputs into the kernel's shared memory as
 * given (the kernel packs and pads the weights itself, and makes the dropout mask from its key),
 * runs forward/backward on every batch slice in parallel, and has the kernel sum the slices'
 * weight-gradient partials in slice order (reproducible for a thread count).
 */
import type { GruEngine, GruHostGradients, GruHostInputs } from './engine.js';
import { CMD } from './commands.js';
import { planGruLayout, writeGruParams, type GruLayout } from './gruLayout.js';
import type { WasmPool } from './pool.js';
import { baselineKernel } from './runtime.js';

/** Copies the inputs into the kernel memory and runs the packing and the forward pass. */
function runForward(pool: WasmPool, inp: GruHostInputs, threads: number): GruLayout {
  const g = planGruLayout(inp.dims, inp.dropout !== null, threads);
  pool.ensureBytes(g.bytes);
  const buf = pool.memory.buffer;
  writeGruParams(buf, g, inp.dropout);
  const f32 = new Float32Array(buf);
  f32.set(inp.x, g.X >> 2);
  f32.set(inp.h0, g.H0 >> 2);
  g.layers.forEach((l, k) => {
    f32.set(inp.wIh[k], l.RWIH >> 2);
    f32.set(inp.wHh[k], l.RWHH >> 2);
    f32.set(inp.bIh[k], l.RBIH >> 2);
    f32.set(inp.bHh[k], l.RBHH >> 2);
  });
  pool.run(CMD.gruPack, g.slices.length);
  pool.run(CMD.gruForward, g.slices.length);
  return g;
}

/** The padded rows×cols matrix at byte offset `off` (row stride `stride`) as torch rows: gate row g ↔ gate·H + j. */
function unpadGates(f32: Float32Array, off: number, H: number, HP: number, cols: number, stride: number): Float32Array {
  const out = new Float32Array(3 * H * cols);
  const at = off >> 2;
  for (let gate = 0; gate < 3; gate++) {
    for (let j = 0; j < H; j++) {
      const src = at + (gate * HP + j) * stride;
      out.set(f32.subarray(src, src + cols), (gate * H + j) * cols);
    }
  }
  return out;
}

/** Runs the backward pass for the resident forward; returns gradients in the inputs' shapes. */
function runBackward(pool: WasmPool, g: GruLayout, dOut: Float32Array): GruHostGradients {
  new Float32Array(pool.memory.buffer).set(dOut, g.DOUT >> 2);
  pool.run(CMD.gruBackward, g.slices.length);
  if (g.slices.length > 1) pool.run(CMD.gruReduce, g.slices.length);
  const f32 = new Float32Array(pool.memory.buffer);
  const { B, T, I, H, L, HP, G } = g;
  const out: GruHostGradients = {
    dx: f32.slice(g.DX >> 2, (g.DX >> 2) + B * T * I),
    dh0: f32.slice(g.DH0 >> 2, (g.DH0 >> 2) + L * B * H),
    wIh: [],
    wHh: [],
    bIh: [],
    bHh: [],
  };
  // Slice 0 holds the sums.
  const sums = g.slices[0].layers;
  for (let k = 0; k < L; k++) {
    const { DWIH, DWHH, DB } = sums[k];
    out.wIh.push(unpadGates(f32, DWIH, H, HP, k === 0 ? I : H, g.layers[k].IK));
    out.wHh.push(unpadGates(f32, DWHH, H, HP, H, HP));
    out.bIh.push(unpadGates(f32, DB, H, HP, 1, 1));
    out.bHh.push(unpadGates(f32, DB + 4 * G, H, HP, 1, 1));
  }
  return out;
}

/** The wasm GRU engine, on the process-wide baselines kernel (its memory and threads). */
export class WasmGruEngine implements GruEngine {
  readonly name = 'wasm';
  // What the kernel memory holds: the saved forward state of call `id`.
  private resident: { id: number; layout: GruLayout } | null = null;
  private pool: WasmPool | null = null;

  private getPool(): WasmPool {
    const pool = baselineKernel.get();
    // A disposed and recreated kernel holds nothing of ours.
    if (pool !== this.pool) this.resident = null;
    this.pool = pool;
    return pool;
  }

  forward(id: number, inputs: GruHostInputs, threads: number, out: Float32Array): void {
    const pool = this.getPool();
    const layout = runForward(pool, inputs, threads);
    this.resident = { id, layout };
    baselineKernel.reserve(layout.bytes);
    const { OUT, B, T, H } = layout;
    out.set(new Float32Array(pool.memory.buffer, OUT, B * T * H));
  }

  backward(id: number, dOut: Float32Array, inputs: () => GruHostInputs, threads: number): GruHostGradients {
    const pool = this.getPool();
    let layout = this.resident?.id === id ? this.resident.layout : null;
    if (layout === null) {
      layout = runForward(pool, inputs(), threads);
      this.resident = { id, layout };
      baselineKernel.reserve(layout.bytes);
    }
    return runBackward(pool, layout, dOut);
  }

  dispose(): void {
    baselineKernel.dispose();
    this.resident = null;
    this.pool = null;
  }
}
