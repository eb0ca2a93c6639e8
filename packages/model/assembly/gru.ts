// Fused GRU stack (torch.nn.GRU semantics, see src/baselines/gruStack.ts): forward and
// backward-through-time of every layer and step, over one slice of the batch. Every instance (main
// thread and workers) shares one imported memory; the host writes sizes, buffer offsets, the inputs
// and the weights as given (src/baselines/kernel/gruLayout.ts, gruWasm.ts); then, through
// assembly/baselines.ts, the threads run gruPack (weights packed and padded), gruForward(s),
// gruBackward(s) and gruReduce (the slices' weight gradients summed). Nothing is allocated here.
//
// Per thread everything is batch-major: a step's states are Bs rows of Hp floats (H padded to a
// multiple of 4, padding kept at 0), gate pre-activations Bs rows of G = 3·Hp (r, z, n thirds). All
// products are then either C = A·Bᵀ over contiguous rows (gemmNT, the weight operand packed in
// 4-row panels) or, for weight gradients, Σ over (t, b) of outer products (gemmTN). No transposes
// are needed anywhere. The dropout mask between layers is made here from its key (assembly/simd.ts).

import { add, C_ONE, columnSums, dropLanes, gemmNT, gemmTN, kc, madd, mul, sigmoid, sub, vs, vtanh, zero } from './simd';

// ---- parameter block: i32 words at PARAMS; keep in sync with src/baselines/kernel/gruLayout.ts ----
const PARAMS: usize = 1024;
const P_B = 0;
const P_T = 1;
const P_I = 2;
const P_H = 3;
const P_L = 4;
const P_IP = 5; // I padded to 4
const P_HP = 6; // H padded to 4
const P_G = 7; // 3·Hp
const P_MASKED = 8; // 1: dropout between layers, mask from key P_KEY (see assembly/simd.ts)
const P_X = 9; // B×T×I input
const P_H0 = 10; // L×B×H initial states
const P_KEY = 11; // the dropout mask's key: element ((k−1)·B + b)·T·H + t·H + j scales layer k's input
const P_OUT = 12; // B×T×H last layer's states
const P_DOUT = 13; // B×T×H its gradient
const P_DX = 14; // B×T×I gradient of x
const P_DH0 = 15; // L×B×H gradient of h0
const P_THRESH = 16; // the mask's keep threshold
const P_SCALE = 17; // f32: 1/(1 − p)
const P_SLICES = 18; // number of slices (threads) of the call
// Per layer (LAYER_WORDS words from LAYER_TABLE): packed W_ih (G rows of Ik), packed W_ihᵀ (Ik rows
// of G), packed W_hh (G rows of Hp), packed W_hhᵀ (Hp rows of G), b_ih + b_hh of the r and z gates
// (2·Hp), b_ih and b_hh of the n gate (Hp each), Ik (the layer's padded input width); then the
// layer's parameters as given, in torch.nn.GRU's layout: W_ih (3H×I_k), W_hh (3H×H), b_ih, b_hh.
const LAYER_TABLE = 24;
const LAYER_WORDS = 12;
const L_WIH = 0;
const L_WIHT = 1;
const L_WHH = 2;
const L_WHHT = 3;
const L_BRZ = 4;
const L_BIN = 5;
const L_BHN = 6;
const L_IK = 7;
const L_RWIH = 8;
const L_RWHH = 9;
const L_RBIH = 10;
const L_RBHH = 11;
// Per thread (THREAD_WORDS words from THREAD_TABLE): b0, b1, then shared scratch: XT (T×Bs×Ip layer
// 0 input), GH (Bs×G), DGH and DGX (T×Bs×G gate gradients), DH (Bs×Hp), DY (T×Bs×Hp gradient of
// the current layer's outputs), DXT (T×Bs×Ip), WORK (weight-gradient packing); then per layer
// (TL_WORDS from 16): HS ((T+1)×Bs×Hp states), GX (T×Bs×G input products, overwritten by the gates
// r, z, n), GHN (T×Bs×Hp, W_hn h + b_hn), XM (T×Bs×Hp masked input) and MT (T×Bs×Hp mask) when
// masked, dW_ih (G×Ik), dW_hh (G×Hp), db (2G: b_ih then b_hh).
const THREAD_TABLE = 224;
const THREAD_WORDS = 144;
const T_B0 = 0;
const T_B1 = 1;
const T_XT = 2;
const T_GH = 3;
const T_DGH = 4;
const T_DGX = 5;
const T_DH = 6;
const T_DY = 7;
const T_DXT = 8;
const T_WORK = 9; // gemmTN's packing scratch (tnWorkFloats(G, Hp))
const TL_BASE = 16;
const TL_WORDS = 8;
const TL_HS = 0;
const TL_GX = 1;
const TL_GHN = 2;
const TL_XM = 3;
const TL_MT = 4;
const TL_DWIH = 5;
const TL_DWHH = 6;
const TL_DB = 7;

@inline function pi(i: i32): i32 {
  return load<i32>(PARAMS + (<usize>i << 2));
}
@inline function pu(i: i32): usize {
  return <usize>load<u32>(PARAMS + (<usize>i << 2));
}
@inline function lu(k: i32, i: i32): usize {
  return pu(LAYER_TABLE + k * LAYER_WORDS + i);
}
@inline function tu(s: i32, i: i32): usize {
  return pu(THREAD_TABLE + s * THREAD_WORDS + i);
}
@inline function tlu(s: i32, k: i32, i: i32): usize {
  return tu(s, TL_BASE + k * TL_WORDS + i);
}

/**
 * Copies `width` floats per (t, b) row between the global row-major layout [b][t][·] (global row
 * stride gw floats) and the slice's [t][b][·] layout (row stride sw floats, padding zeroed on the
 * way in). toSlice false copies the other way.
 */
function gather(global: usize, gw: i32, slice: usize, sw: i32, width: i32, b0: i32, BS: i32, T: i32, toSlice: bool): void {
  const gBytes = <usize>width << 2;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < BS; b++) {
      const g = global + ((<usize>((b0 + b) * T + t) * <usize>gw) << 2);
      const s = slice + ((<usize>(t * BS + b) * <usize>sw) << 2);
      if (toSlice) {
        memory.copy(s, g, gBytes);
        if (sw > width) zero(s + gBytes, sw - width);
      } else {
        memory.copy(g, s, gBytes);
      }
    }
  }
}

/** The layer's input rows (T×Bs, stride Ik): x for layer 0, else the layer below's outputs (masked). */
@inline function layerInput(s: i32, k: i32, BS: i32, HP: i32, masked: bool): usize {
  if (k == 0) return tu(s, T_XT);
  if (masked) return tlu(s, k, TL_XM);
  return tlu(s, k - 1, TL_HS) + ((<usize>BS * <usize>HP) << 2);
}

/** Gates of 4 units at byte offset o of one row (see gatesForward). */
@inline function gateUnits(x: usize, h: usize, hn: usize, hp: usize, hx: usize, brz: usize, bin: usize, bhn: usize, seg: usize, o: usize): void {
  const r = sigmoid(add(add(v128.load(x + o), v128.load(h + o)), v128.load(brz + o)));
  const z = sigmoid(add(add(v128.load(x + seg + o), v128.load(h + seg + o)), v128.load(brz + seg + o)));
  const ghN = add(v128.load(h + 2 * seg + o), v128.load(bhn + o));
  const n = vtanh(madd(add(v128.load(x + 2 * seg + o), v128.load(bin + o)), r, ghN));
  const hOld = v128.load(hp + o);
  v128.store(hx + o, madd(n, z, sub(hOld, n)));
  v128.store(x + o, r);
  v128.store(x + seg + o, z);
  v128.store(x + 2 * seg + o, n);
  v128.store(hn + o, ghN);
}

/** One step's gates for Bs rows, in place: GX → (r, z, n), GHN ← W_hn h + b_hn, h_{t+1} from h_t. */
function gatesForward(gx: usize, gh: usize, ghn: usize, hPrev: usize, hNext: usize, brz: usize, bin: usize, bhn: usize, BS: i32, HP: i32): void {
  const G = 3 * HP;
  const seg = <usize>HP << 2;
  for (let b = 0; b < BS; b++) {
    const x = gx + ((<usize>b * <usize>G) << 2), h = gh + ((<usize>b * <usize>G) << 2);
    const hn = ghn + ((<usize>b * <usize>HP) << 2);
    const hp = hPrev + ((<usize>b * <usize>HP) << 2), hx = hNext + ((<usize>b * <usize>HP) << 2);
    let j = 0;
    // Two independent groups per iteration: their exp/divide chains overlap instead of queueing.
    for (; j + 8 <= HP; j += 8) {
      gateUnits(x, h, hn, hp, hx, brz, bin, bhn, seg, <usize>j << 2);
      gateUnits(x, h, hn, hp, hx, brz, bin, bhn, seg, (<usize>j << 2) + 16);
    }
    if (j < HP) gateUnits(x, h, hn, hp, hx, brz, bin, bhn, seg, <usize>j << 2);
  }
}

/** Runs every layer over all T steps for slice s, keeping what the backward needs. */
export function gruForward(s: i32): void {
  const B = pi(P_B), T = pi(P_T), I = pi(P_I), H = pi(P_H), L = pi(P_L), IP = pi(P_IP), HP = pi(P_HP), G = pi(P_G);
  // (Padding lanes j ≥ H get an arbitrary mask, but the states there are 0.)
  const masked = pi(P_MASKED) != 0;
  const b0 = <i32>tu(s, T_B0), BS = <i32>tu(s, T_B1) - b0;
  if (BS <= 0) return;
  const GH = tu(s, T_GH);
  const rowsBytes = <usize>BS * <usize>HP << 2; // one step of states
  gather(pu(P_X), I, tu(s, T_XT), IP, I, b0, BS, T, true);
  for (let k = 0; k < L; k++) {
    const HS = tlu(s, k, TL_HS), GX = tlu(s, k, TL_GX), GHN = tlu(s, k, TL_GHN);
    const IK = pi(LAYER_TABLE + k * LAYER_WORDS + L_IK);
    if (k > 0 && masked) {
      // The mask (kept for the backward) and the masked input of this slice, row by row.
      const MT = tlu(s, k, TL_MT), XM = tlu(s, k, TL_XM);
      const key = <u32>pi(P_KEY), threshold = <u32>pi(P_THRESH), scale = vs(load<f32>(PARAMS + (<usize>P_SCALE << 2)));
      const prev = tlu(s, k - 1, TL_HS) + rowsBytes;
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < BS; b++) {
          const at = (<usize>(t * BS + b) * <usize>HP) << 2;
          const idx = <u32>((((k - 1) * B + b0 + b) * T + t) * H);
          for (let j = 0; j < HP; j += 4) {
            const o = at + (<usize>j << 2);
            const m = dropLanes(idx + <u32>j, key, threshold, scale);
            v128.store(MT + o, m);
            v128.store(XM + o, mul(m, v128.load(prev + o)));
          }
        }
      }
    }
    // Input products of every step at once: GX = X·W_ihᵀ over T·Bs rows.
    gemmNT(T * BS, G, IK, layerInput(s, k, BS, HP, masked), <usize>IK << 2, lu(k, L_WIH), GX, <usize>G << 2, false);
    // h_0 of this layer.
    for (let b = 0; b < BS; b++) {
      const dst = HS + ((<usize>b * <usize>HP) << 2);
      memory.copy(dst, pu(P_H0) + ((<usize>(k * B + b0 + b) * <usize>H) << 2), <usize>H << 2);
      if (HP > H) zero(dst + (<usize>H << 2), HP - H);
    }
    const WHH = lu(k, L_WHH), BRZ = lu(k, L_BRZ), BIN = lu(k, L_BIN), BHN = lu(k, L_BHN);
    for (let t = 0; t < T; t++) {
      const ht = HS + <usize>t * rowsBytes;
      gemmNT(BS, G, HP, ht, <usize>HP << 2, WHH, GH, <usize>G << 2, false);
      gatesForward(GX + ((<usize>t * <usize>BS * <usize>G) << 2), GH, GHN + <usize>t * rowsBytes, ht, ht + rowsBytes, BRZ, BIN, BHN, BS, HP);
    }
  }
  gather(pu(P_OUT), H, tlu(s, L - 1, TL_HS) + rowsBytes, HP, H, b0, BS, T, false);
}

/** One step's gate gradients for Bs rows: DGH, DGX from dh = DY + DH; DH ← dh·z (the direct path). */
function gatesBackward(dy: usize, dh: usize, gates: usize, ghn: usize, hPrev: usize, dgh: usize, dgx: usize, BS: i32, HP: i32): void {
  const G = 3 * HP;
  const seg = <usize>HP << 2;
  for (let b = 0; b < BS; b++) {
    const rowH = (<usize>b * <usize>HP) << 2, rowG = (<usize>b * <usize>G) << 2;
    for (let j = 0; j < HP; j += 4) {
      const o = <usize>j << 2;
      const one = kc(C_ONE);
      const g = add(v128.load(dy + rowH + o), v128.load(dh + rowH + o));
      const r = v128.load(gates + rowG + o), z = v128.load(gates + rowG + seg + o), n = v128.load(gates + rowG + 2 * seg + o);
      const dan = mul(mul(g, sub(one, z)), sub(one, mul(n, n)));
      const dar = mul(mul(dan, v128.load(ghn + rowH + o)), mul(r, sub(one, r)));
      const daz = mul(mul(g, sub(v128.load(hPrev + rowH + o), n)), mul(z, sub(one, z)));
      v128.store(dgh + rowG + o, dar);
      v128.store(dgh + rowG + seg + o, daz);
      v128.store(dgh + rowG + 2 * seg + o, mul(dan, r));
      v128.store(dgx + rowG + o, dar);
      v128.store(dgx + rowG + seg + o, daz);
      v128.store(dgx + rowG + 2 * seg + o, dan);
      v128.store(dh + rowH + o, mul(g, z));
    }
  }
}

/** Backward through time for slice s, top layer first; needs the buffers left by forward(s) on the same inputs. */
export function gruBackward(s: i32): void {
  const B = pi(P_B), T = pi(P_T), I = pi(P_I), H = pi(P_H), L = pi(P_L), IP = pi(P_IP), HP = pi(P_HP), G = pi(P_G);
  const masked = pi(P_MASKED) != 0;
  const b0 = <i32>tu(s, T_B0), BS = <i32>tu(s, T_B1) - b0;
  if (BS <= 0) {
    // An idle slice still reports zero partial weight gradients.
    for (let k = 0; k < L; k++) {
      const IK = pi(LAYER_TABLE + k * LAYER_WORDS + L_IK);
      zero(tlu(s, k, TL_DWIH), G * IK);
      zero(tlu(s, k, TL_DWHH), G * HP);
      zero(tlu(s, k, TL_DB), 2 * G);
    }
    return;
  }
  const DGH = tu(s, T_DGH), DGX = tu(s, T_DGX), DH = tu(s, T_DH), DY = tu(s, T_DY);
  const rowsBytes = <usize>BS * <usize>HP << 2;
  const gRowsBytes = <usize>BS * <usize>G << 2;
  gather(pu(P_DOUT), H, DY, HP, H, b0, BS, T, true);
  for (let k = L - 1; k >= 0; k--) {
    const HS = tlu(s, k, TL_HS), GX = tlu(s, k, TL_GX), GHN = tlu(s, k, TL_GHN);
    const IK = pi(LAYER_TABLE + k * LAYER_WORDS + L_IK);
    const WHHT = lu(k, L_WHHT);
    zero(DH, BS * HP);
    for (let t = T - 1; t >= 0; t--) {
      const dgh = DGH + <usize>t * gRowsBytes;
      gatesBackward(DY + <usize>t * rowsBytes, DH, GX + <usize>t * gRowsBytes, GHN + <usize>t * rowsBytes, HS + <usize>t * rowsBytes, dgh, DGX + <usize>t * gRowsBytes, BS, HP);
      // dh_t += W_hhᵀ·dgh (as rows: DH += DGH_t · W_hh).
      gemmNT(BS, HP, G, dgh, <usize>G << 2, WHHT, DH, <usize>HP << 2, true);
    }
    for (let b = 0; b < BS; b++) {
      memory.copy(pu(P_DH0) + ((<usize>(k * B + b0 + b) * <usize>H) << 2), DH + ((<usize>b * <usize>HP) << 2), <usize>H << 2);
    }
    // Weight gradients over every (t, b) row: dW_hh = Σ dgh ⊗ h_t, dW_ih = Σ dgx ⊗ x_t, db = Σ rows.
    const input = layerInput(s, k, BS, HP, masked);
    const work = tu(s, T_WORK);
    gemmTN(G, HP, T * BS, DGH, <usize>G << 2, HS, <usize>HP << 2, tlu(s, k, TL_DWHH), <usize>HP << 2, false, work);
    gemmTN(G, IK, T * BS, DGX, <usize>G << 2, input, <usize>IK << 2, tlu(s, k, TL_DWIH), <usize>IK << 2, false, work);
    const DB = tlu(s, k, TL_DB);
    columnSums(DGX, <usize>G << 2, T * BS, G, DB);
    columnSums(DGH, <usize>G << 2, T * BS, G, DB + (<usize>G << 2));
    // Input gradient: rows DGX · W_ih, into DY for the layer below (through its mask), or dx.
    if (k > 0) {
      gemmNT(T * BS, HP, G, DGX, <usize>G << 2, lu(k, L_WIHT), DY, <usize>HP << 2, false);
      if (masked) {
        const MT = tlu(s, k, TL_MT);
        const n = T * BS * HP;
        for (let i = 0; i < n; i += 4) {
          const o = <usize>i << 2;
          v128.store(DY + o, mul(v128.load(DY + o), v128.load(MT + o)));
        }
      }
    } else {
      const DXT = tu(s, T_DXT);
      gemmNT(T * BS, IP, G, DGX, <usize>G << 2, lu(0, L_WIHT), DXT, <usize>IP << 2, false);
      gather(pu(P_DX), I, DXT, IP, I, b0, BS, T, false);
    }
  }
}

/** torch row of padded gate row g (gate·Hp + j), or −1 in the padding. */
@inline function gateRow(g: i32, H: i32, HP: i32): i32 {
  const gate = g / HP, j = g - gate * HP;
  return j < H ? gate * H + j : -1;
}

/**
 * Packs W (rows 3H of n floats, torch's layout) for gemmNT, padded: as G rows of np (transposed false)
 * or np rows of G (transposed true), with gate row g ↔ torch row gateRow(g).
 */
function packGateMatrix(w: usize, n: i32, np: i32, H: i32, HP: i32, transposed: bool, dst: usize): void {
  const G = 3 * HP;
  const rows = transposed ? np : G, cols = transposed ? G : np;
  let o = dst;
  for (let q = 0; q < rows; q += 4) {
    for (let kb = 0; kb < cols; kb += 4) {
      for (let ri = 0; ri < 4; ri++) {
        for (let ki = 0; ki < 4; ki++) {
          const g = transposed ? kb + ki : q + ri, c = transposed ? q + ri : kb + ki;
          const gr = gateRow(g, H, HP);
          store<f32>(o, gr >= 0 && c < n ? load<f32>(w + ((<usize>(gr * n + c)) << 2)) : 0);
          o += 4;
        }
      }
    }
  }
}

/** Packs the weights and biases of every layer (job j of 5 per layer runs on thread j mod slices). */
export function gruPack(s: i32): void {
  const I = pi(P_I), H = pi(P_H), L = pi(P_L), HP = pi(P_HP), S = pi(P_SLICES);
  for (let job = s; job < 5 * L; job += S) {
    const k = job / 5, part = job - 5 * k;
    const n = k == 0 ? I : H, IK = pi(LAYER_TABLE + k * LAYER_WORDS + L_IK);
    if (part == 0) packGateMatrix(lu(k, L_RWIH), n, IK, H, HP, false, lu(k, L_WIH));
    else if (part == 1) packGateMatrix(lu(k, L_RWIH), n, IK, H, HP, true, lu(k, L_WIHT));
    else if (part == 2) packGateMatrix(lu(k, L_RWHH), H, HP, H, HP, false, lu(k, L_WHH));
    else if (part == 3) packGateMatrix(lu(k, L_RWHH), H, HP, H, HP, true, lu(k, L_WHHT));
    else {
      const bih = lu(k, L_RBIH), bhh = lu(k, L_RBHH), brz = lu(k, L_BRZ), bin = lu(k, L_BIN), bhn = lu(k, L_BHN);
      for (let j = 0; j < HP; j++) {
        const real = j < H;
        const at = <usize>j << 2;
        const r = (<usize>j) << 2, z = (<usize>(H + j)) << 2, nn = (<usize>(2 * H + j)) << 2;
        store<f32>(brz + at, real ? load<f32>(bih + r) + load<f32>(bhh + r) : 0);
        store<f32>(brz + ((<usize>(HP + j)) << 2), real ? load<f32>(bih + z) + load<f32>(bhh + z) : 0);
        store<f32>(bin + at, real ? load<f32>(bih + nn) : 0);
        store<f32>(bhn + at, real ? load<f32>(bhh + nn) : 0);
      }
    }
  }
}

/**
 * Sums every slice's weight-gradient partials into slice 0's, in slice order; thread s takes the
 * s-th share (in whole vectors) of each buffer.
 */
export function gruReduce(s: i32): void {
  const L = pi(P_L), HP = pi(P_HP), G = pi(P_G), S = pi(P_SLICES);
  for (let k = 0; k < L; k++) {
    const IK = pi(LAYER_TABLE + k * LAYER_WORDS + L_IK);
    for (let buf = 0; buf < 3; buf++) {
      const word = buf == 0 ? TL_DWIH : buf == 1 ? TL_DWHH : TL_DB;
      const vecs = (buf == 0 ? G * IK : buf == 1 ? G * HP : 2 * G) >> 2;
      const v0 = (vecs * s) / S, v1 = (vecs * (s + 1)) / S;
      const dst = tlu(0, k, word);
      for (let t = 1; t < S; t++) {
        const src = tlu(t, k, word);
        for (let v = v0; v < v1; v++) {
          const o = <usize>v << 4;
          v128.store(dst + o, add(v128.load(dst + o), v128.load(src + o)));
        }
      }
    }
  }
}
