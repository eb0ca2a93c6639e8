/**
 * The GRU engine of assembly/gru.ts: copies a call's inputs into the kernel's shared memory
 * (weights packed and padded for it), runs forward/backward on every batch slice in parallel,
 * and sums the slices' weight-gradient partials in slice order (reproducible for a thread count).
 */
import type { GruEngine, GruHostGradients, GruHostInputs } from './engine.js';
import { gateRow, packPanels, planGruLayout, writeGruParams, type GruLayout } from './gruLayout.js';
import { CMD } from './commands.js';
import type { WasmPool } from './pool.js';
import { baselineKernel } from './runtime.js';

/** Copies the inputs into the kernel memory (weights packed) and runs the forward pass. */
function runForward(pool: WasmPool, inp: GruHostInputs, threads: number): GruLayout {
  const g = planGruLayout(inp.dims, inp.masks !== null, threads);
  pool.ensureBytes(g.bytes);
  const buf = pool.memory.buffer;
  writeGruParams(buf, g);
  const f32 = new Float32Array(buf);
  f32.set(inp.x, g.X >> 2);
  f32.set(inp.h0, g.H0 >> 2);
  if (inp.masks) f32.set(inp.masks, g.MASK >> 2);
  const { H, HP, G } = g;
  g.layers.forEach((l, k) => {
    const I = k === 0 ? g.I : H;
    const wIh = inp.wIh[k], wHh = inp.wHh[k], bIh = inp.bIh[k], bHh = inp.bHh[k];
    const ih = (row: number, i: number): number => {
      const gr = gateRow(row, H, HP);
      return gr < 0 || i >= I ? 0 : wIh[gr * I + i];
    };
    const hh = (row: number, j: number): number => {
      const gr = gateRow(row, H, HP);
      return gr < 0 || j >= H ? 0 : wHh[gr * H + j];
    };
    packPanels(f32, l.WIH >> 2, G, l.IK, ih);
    packPanels(f32, l.WIHT >> 2, l.IK, G, (i, row) => ih(row, i));
    packPanels(f32, l.WHH >> 2, G, HP, hh);
    packPanels(f32, l.WHHT >> 2, HP, G, (j, row) => hh(row, j));
    for (let j = 0; j < HP; j++) {
      const real = j < H;
      f32[(l.BRZ >> 2) + j] = real ? bIh[j] + bHh[j] : 0;
      f32[(l.BRZ >> 2) + HP + j] = real ? bIh[H + j] + bHh[H + j] : 0;
      f32[(l.BIN >> 2) + j] = real ? bIh[2 * H + j] : 0;
      f32[(l.BHN >> 2) + j] = real ? bHh[2 * H + j] : 0;
    }
  });
  pool.run(CMD.gruForward, g.slices.length);
  return g;
}

/** Runs the backward pass for the resident forward; returns gradients in the inputs' shapes. */
function runBackward(pool: WasmPool, g: GruLayout, dOut: Float32Array): GruHostGradients {
  new Float32Array(pool.memory.buffer).set(dOut, g.DOUT >> 2);
  pool.run(CMD.gruBackward, g.slices.length);
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
  for (let k = 0; k < L; k++) {
    const IK = g.layers[k].IK;
    const In = k === 0 ? I : H;
    const wIh = new Float32Array(3 * H * In);
    const wHh = new Float32Array(3 * H * H);
    const bIh = new Float32Array(3 * H);
    const bHh = new Float32Array(3 * H);
    // Partials summed in slice order, so results are reproducible for a thread count.
    for (const s of g.slices) {
      const { DWIH, DWHH, DB } = s.layers[k];
      for (let row = 0; row < G; row++) {
        const gr = gateRow(row, H, HP);
        if (gr < 0) continue;
        const ih = (DWIH >> 2) + row * IK;
        for (let i = 0; i < In; i++) wIh[gr * In + i] += f32[ih + i];
        const hh = (DWHH >> 2) + row * HP;
        for (let j = 0; j < H; j++) wHh[gr * H + j] += f32[hh + j];
        bIh[gr] += f32[(DB >> 2) + row];
        bHh[gr] += f32[(DB >> 2) + G + row];
      }
    }
    out.wIh.push(wIh);
    out.wHh.push(wHh);
    out.bIh.push(bIh);
    out.bHh.push(bHh);
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

  forward(id: number, inputs: GruHostInputs, threads: number): Float32Array {
    const pool = this.getPool();
    const layout = runForward(pool, inputs, threads);
    this.resident = { id, layout };
    baselineKernel.reserve(layout.bytes);
    const { OUT, B, T, H } = layout;
    return new Float32Array(pool.memory.buffer, OUT, B * T * H);
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
