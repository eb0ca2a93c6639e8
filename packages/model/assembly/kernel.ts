// Fused leaky ring-attractor recurrence (docs/model.md §2): forward and backward-through-time over one
// slice of the batch. Every instance (main thread and workers) shares one imported memory; the
// host writes shapes, constants and buffer offsets into the parameter block below and each thread
// calls forward(s)/backward(s) for its slice s. No allocation happens here: the host owns layout.
//
// The parameter block's word indices (P_*, T_*), its address PARAMS and the activation codes come
// from kernel-spec/layout.json through the build (assembly/generated/layout.ts), as does the
// activation pass (assembly/generated/activations.ts, from kernel-spec/activations.mjs).
import { PARAMS, P_B, P_T, P_N, P_K, P_NP, P_MP, P_ACT, P_SPARSE, P_J0, P_J1, P_ALPHA, P_W, P_WT, P_ACTIONS, P_R0, P_H, P_DH, P_DA, P_DR0,
  THREAD_TABLE, THREAD_WORDS, T_B0, T_B1, T_R, T_P, T_DR, T_DPRE, T_DW, T_DPT, T_CP, T_CR, T_CDR, T_IDX, T_FD } from './generated/layout';
import { activateWithGradRow } from './generated/activations';
import { vs, add, sub, mul, madd, hsum, flush, laneMask } from './vector';

@inline function pi(i: i32): i32 {
  return load<i32>(PARAMS + (<usize>i << 2));
}
@inline function pf(i: i32): f32 {
  return load<f32>(PARAMS + (<usize>i << 2));
}
@inline function pu(i: i32): usize {
  return <usize>load<u32>(PARAMS + (<usize>i << 2));
}
@inline function tu(s: i32, i: i32): usize {
  return pu(THREAD_TABLE + s * THREAD_WORDS + i);
}


// ---- GEMM: C[rows×cols] (+)= A·B ------------------------------------------------------------
// A(r, k) at a + 4·r + k·aks (bytes: each k holds the rows side by side, so a row block is one
// pointer with immediate offsets), B(k, col) at b + k·ldb + 4·col, C(r, col) at c + r·ldc + 4·col.
// cols must be a multiple of 4. Register blocks of R rows × 8 columns, R = 4 at most: V8 hoists
// the broadcasts, so 5 or 6 rows (or unrolling k) spill accumulators to the stack (checked with
// node --print-wasm-code). Edge kernels take the remaining rows and a last 4-column strip.

@inline function kern4x8(K: i32, a: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0);
  let c10 = vs(0), c11 = vs(0);
  let c20 = vs(0), c21 = vs(0);
  let c30 = vs(0), c31 = vs(0);
  if (acc) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
  }
  for (let k = 0; k < K; k++) {
    let b0 = v128.load(b);
    let b1 = v128.load(b, 16);
    let x = v128.load32_splat(a, 0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load32_splat(a, 4);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    x = v128.load32_splat(a, 8);
    c20 = madd(c20, x, b0);
    c21 = madd(c21, x, b1);
    x = v128.load32_splat(a, 12);
    c30 = madd(c30, x, b0);
    c31 = madd(c31, x, b1);
    a += aks;
    b += ldb;
  }
  v128.store(c + 0 * ldc, c00);
  v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10);
  v128.store(c + 1 * ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

@inline function kern2x8(K: i32, a: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0);
  let c10 = vs(0), c11 = vs(0);
  if (acc) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
  }
  for (let k = 0; k < K; k++) {
    let b0 = v128.load(b);
    let b1 = v128.load(b, 16);
    let x = v128.load32_splat(a, 0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load32_splat(a, 4);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    a += aks;
    b += ldb;
  }
  v128.store(c + 0 * ldc, c00);
  v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10);
  v128.store(c + 1 * ldc, c11, 16);
}

@inline function kern1x8(K: i32, a: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0);
  if (acc) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
  }
  for (let k = 0; k < K; k++) {
    let b0 = v128.load(b);
    let b1 = v128.load(b, 16);
    let x = v128.load32_splat(a, 0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    a += aks;
    b += ldb;
  }
  v128.store(c + 0 * ldc, c00);
  v128.store(c + 0 * ldc, c01, 16);
}

@inline function kern1x4(K: i32, a: usize, aks: usize, b: usize, ldb: usize, c: usize, acc: bool): void {
  let c0 = acc ? v128.load(c) : vs(0);
  for (let k = 0; k < K; k++) {
    c0 = madd(c0, v128.load32_splat(a), v128.load(b));
    a += aks;
    b += ldb;
  }
  v128.store(c, c0);
}

function gemm(rows: i32, cols: i32, K: i32, a: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  // Column strips outside, row blocks inside: one strip of B (K×8) stays in L1 while every row
  // block of A passes over it (row-major order re-streamed all of B from L2 per row block).
  let col = 0;
  for (; col + 8 <= cols; col += 8) {
    const bc = b + (<usize>col << 2), cc = c + (<usize>col << 2);
    let r = 0;
    for (; r + 4 <= rows; r += 4) kern4x8(K, a + (<usize>r << 2), aks, bc, ldb, cc + <usize>r * ldc, ldc, acc);
    for (; r + 2 <= rows; r += 2) kern2x8(K, a + (<usize>r << 2), aks, bc, ldb, cc + <usize>r * ldc, ldc, acc);
    for (; r < rows; r++) kern1x8(K, a + (<usize>r << 2), aks, bc, ldb, cc + <usize>r * ldc, ldc, acc);
  }
  if (col < cols) {
    for (let r = 0; r < rows; r++) {
      kern1x4(K, a + (<usize>r << 2), aks, b + (<usize>col << 2), ldb, c + <usize>r * ldc + (<usize>col << 2), acc);
    }
  }
}

/** dst (cols×rows) = srcᵀ for src rows×cols with row stride lds bytes. */
function transpose(src: usize, lds: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * lds;
    let d = dst + (<usize>r << 2);
    const ldd = <usize>rows << 2;
    for (let k = 0; k < cols; k++) {
      store<f32>(d, load<f32>(s + (<usize>k << 2)));
      d += ldd;
    }
  }
}

@inline function rowSum(p: usize, np: i32): f32 {
  // Padding lanes of state rows are kept at zero, so the padded sum is the true sum.
  let acc = vs(0);
  for (let i = 0; i < np; i += 4) acc = add(acc, v128.load(p + (<usize>i << 2)));
  return hsum(acc);
}

@inline function zero(p: usize, floats: i32): void {
  memory.fill(p, 0, <usize>floats << 2);
}

/** Writes the indices (within the slice) of the rows whose action ch at step t is nonzero to idx; returns their count. */
function nonzeroRows(actions: usize, b0: i32, BS: i32, T: i32, K: i32, t: i32, ch: i32, idx: usize): i32 {
  let cnt = 0;
  for (let b = 0; b < BS; b++) {
    if (load<f32>(actions + ((<usize>((b0 + b) * T + t) * <usize>K + <usize>ch) << 2)) != 0) {
      store<i32>(idx + (<usize>cnt << 2), b);
      cnt++;
    }
  }
  return cnt;
}

/**
 * dst = J0·Σr + J1·P_o + Σ_c a_c·P_c for one row. With sparse, channels whose action is 0 are
 * skipped (their P_c was not computed).
 */
@inline function preActivation(dst: usize, rrow: usize, prow: usize, arow: usize, NP: i32, K: i32, segP: usize, J0: f32, j1: v128, sparse: bool): void {
  const base = vs(J0 * rowSum(rrow, NP));
  for (let i = 0; i < NP; i += 4) {
    const off = <usize>i << 2;
    v128.store(dst + off, madd(base, j1, v128.load(prow + off)));
  }
  for (let c = 0; c < K; c++) {
    const a = load<f32>(arow + (<usize>c << 2));
    if (sparse && a == 0) continue;
    const av = vs(a), pc = prow + <usize>(c + 1) * segP;
    for (let i = 0; i < NP; i += 4) {
      const off = <usize>i << 2;
      v128.store(dst + off, madd(v128.load(dst + off), av, v128.load(pc + off)));
    }
  }
}

/** Runs all T steps for slice s: fills R (the states) and P (the per-step products) and the history. */
export function forward(s: i32): void {
  const B = pi(P_B), T = pi(P_T), N = pi(P_N), K = pi(P_K), NP = pi(P_NP), MP = pi(P_MP), act = pi(P_ACT);
  const sparse = pi(P_SPARSE) != 0;
  const J0 = pf(P_J0), J1 = pf(P_J1), alpha = pf(P_ALPHA);
  const b0 = <i32>tu(s, T_B0), b1 = <i32>tu(s, T_B1);
  const BS = b1 - b0;
  if (BS <= 0) return;
  // The backward's scratch is free during the forward: dpre holds Rᵀ, dR the pre-activations,
  // the dPᵀ scratch a gathered Rᵀ, the compacted dP rows the gathered products.
  const R = tu(s, T_R), P = tu(s, T_P), RT = tu(s, T_DPRE), SCR = tu(s, T_DR), CRT = tu(s, T_DPT), CP = tu(s, T_CP), IDX = tu(s, T_IDX), FD = tu(s, T_FD);
  const WT = pu(P_WT), ACTIONS = pu(P_ACTIONS), R0 = pu(P_R0), H = pu(P_H);
  const rowR = <usize>NP << 2, rowP = <usize>MP << 2, segP = <usize>NP << 2;
  const stepR = <usize>BS * rowR, stepP = <usize>BS * rowP;
  const keep = vs(1 - alpha), leak = vs(alpha), j1 = vs(J1);

  zero(R, BS * NP);
  for (let b = 0; b < BS; b++) {
    memory.copy(R + <usize>b * rowR, R0 + ((<usize>(b0 + b) * <usize>N) << 2), <usize>N << 2);
  }
  for (let t = 0; t < T; t++) {
    const Rt = R + <usize>t * stepR, Rn = Rt + stepR, Pt = P + <usize>t * stepP;
    transpose(Rt, rowR, BS, N, RT);
    if (!sparse) {
      gemm(BS, MP, N, RT, <usize>BS << 2, WT, rowP, Pt, rowP, false);
    } else {
      // Wo·r for every row; Wa[c]·r only for the rows whose action c is nonzero (their P rows
      // are gathered, multiplied and scattered back; the other rows' P_c is never read).
      gemm(BS, NP, N, RT, <usize>BS << 2, WT, rowP, Pt, rowP, false);
      for (let c = 1; c <= K; c++) {
        const cnt = nonzeroRows(ACTIONS, b0, BS, T, K, t, c - 1, IDX);
        if (cnt == 0) continue;
        const wtc = WT + <usize>c * segP, ptc = Pt + <usize>c * segP;
        if (cnt == BS) {
          gemm(BS, NP, N, RT, <usize>BS << 2, wtc, rowP, ptc, rowP, false);
          continue;
        }
        // Gathered columns of RT (N × BS) form the transposed A panel (N × cnt) of those rows.
        for (let k = 0; k < N; k++) {
          const src = RT + <usize>k * (<usize>BS << 2), dst = CRT + <usize>k * (<usize>cnt << 2);
          for (let q = 0; q < cnt; q++) {
            store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>load<i32>(IDX + (<usize>q << 2)) << 2)));
          }
        }
        gemm(cnt, NP, N, CRT, <usize>cnt << 2, wtc, rowP, CP, rowR, false);
        for (let q = 0; q < cnt; q++) {
          memory.copy(ptc + <usize>load<i32>(IDX + (<usize>q << 2)) * rowP, CP + <usize>q * rowR, rowR);
        }
      }
    }
    for (let b = 0; b < BS; b++) {
      const rrow = Rt + <usize>b * rowR, nrow = Rn + <usize>b * rowR, prow = Pt + <usize>b * rowP;
      const arow = ACTIONS + ((<usize>((b0 + b) * T + t) * <usize>K) << 2);
      const hrow = H + ((<usize>((b0 + b) * T + t) * <usize>N) << 2);
      const srow = SCR + <usize>b * rowR;
      preActivation(srow, rrow, prow, arow, NP, K, segP, J0, j1, sparse);
      activateWithGradRow(srow, FD + <usize>t * stepR + <usize>b * rowR, NP, act);
      for (let i = 0; i < NP; i += 4) {
        const off = <usize>i << 2;
        let rn = flush(add(mul(keep, v128.load(rrow + off)), mul(leak, v128.load(srow + off))));
        if (i + 4 > N) {
          rn = v128.and(rn, laneMask(N - i));
          v128.store(nrow + off, rn);
          for (let l = 0; l < N - i; l++) store<f32>(hrow + off + (<usize>l << 2), load<f32>(nrow + off + (<usize>l << 2)));
        } else {
          v128.store(nrow + off, rn);
          v128.store(hrow + off, rn);
        }
      }
    }
  }
}

/** Backward through time for slice s; needs the R and P left by forward(s) for the same inputs. */
export function backward(s: i32): void {
  const T = pi(P_T), N = pi(P_N), K = pi(P_K), NP = pi(P_NP), MP = pi(P_MP);
  const sparse = pi(P_SPARSE) != 0;
  const J0 = pf(P_J0), J1 = pf(P_J1), alpha = pf(P_ALPHA);
  const b0 = <i32>tu(s, T_B0), b1 = <i32>tu(s, T_B1);
  const BS = b1 - b0;
  const DW = tu(s, T_DW);
  zero(DW, MP * NP);
  if (BS <= 0) return;
  const R = tu(s, T_R), P = tu(s, T_P), DR = tu(s, T_DR), DPRE = tu(s, T_DPRE), DPT = tu(s, T_DPT);
  const CP = tu(s, T_CP), CR = tu(s, T_CR), CDR = tu(s, T_CDR), IDX = tu(s, T_IDX), FD = tu(s, T_FD);
  const W = pu(P_W), ACTIONS = pu(P_ACTIONS), DH = pu(P_DH), DA = pu(P_DA), DR0 = pu(P_DR0);
  const rowR = <usize>NP << 2, rowP = <usize>MP << 2, segP = <usize>NP << 2;
  const stepR = <usize>BS * rowR, stepP = <usize>BS * rowP;
  const keep = vs(1 - alpha), leak = vs(alpha), j1 = vs(J1);

  zero(DR, BS * NP);
  for (let t = T - 1; t >= 0; t--) {
    const Rt = R + <usize>t * stepR, Pt = P + <usize>t * stepP;
    for (let b = 0; b < BS; b++) {
      const prow = Pt + <usize>b * rowP;
      const drow = DR + <usize>b * rowR, dprow = DPRE + <usize>b * rowR;
      const arow = ACTIONS + ((<usize>((b0 + b) * T + t) * <usize>K) << 2);
      const dhrow = DH + ((<usize>((b0 + b) * T + t) * <usize>N) << 2);
      const darow = DA + ((<usize>((b0 + b) * T + t) * <usize>K) << 2);
      const fdrow = FD + <usize>t * stepR + <usize>b * rowR;
      let dsum = vs(0);
      for (let i = 0; i < NP; i += 4) {
        const off = <usize>i << 2;
        let g = v128.load(dhrow + off);
        if (i + 4 > N) g = v128.and(g, laneMask(N - i)); // the load ran into the next row
        g = add(g, v128.load(drow + off));
        const dpre = flush(mul(mul(g, leak), v128.load(fdrow + off)));
        v128.store(drow + off, mul(g, keep));
        v128.store(dprow + off, dpre);
        dsum = add(dsum, dpre);
      }
      // dactions[c] = Σ_i dpre_i · (W_c r)_i, then P is overwritten by dP in place.
      for (let c = 0; c < K; c++) {
        if (sparse && load<f32>(arow + (<usize>c << 2)) == 0) {
          store<f32>(darow + (<usize>c << 2), 0);
          continue;
        }
        const pc = prow + <usize>(c + 1) * segP;
        let acc = vs(0);
        for (let i = 0; i < NP; i += 4) acc = madd(acc, v128.load(dprow + (<usize>i << 2)), v128.load(pc + (<usize>i << 2)));
        store<f32>(darow + (<usize>c << 2), hsum(acc));
      }
      for (let i = 0; i < NP; i += 4) {
        const off = <usize>i << 2;
        const dpre = v128.load(dprow + off);
        v128.store(prow + off, mul(j1, dpre));
        for (let c = 0; c < K; c++) {
          v128.store(prow + <usize>(c + 1) * segP + off, mul(v128.load32_splat(arow + (<usize>c << 2)), dpre));
        }
      }
      // J0·Σ_j r_j feeds every unit: its gradient is J0·Σ_i dpre_i on every real lane.
      const dj0 = vs(J0 * hsum(dsum));
      for (let i = 0; i < NP; i += 4) {
        const off = <usize>i << 2;
        let v = dj0;
        if (i + 4 > N) v = v128.and(v, laneMask(N - i));
        v128.store(drow + off, add(v128.load(drow + off), v));
      }
    }
    // dW += dPᵀ·R_t and dR_t += dP·W, channel by channel (dP is Bs×Mp at Pt; row m of Wcat ↔
    // column m of dP). Channel 0 (J1·dpre) is dense.
    gemm(NP, NP, BS, Pt, rowP, Rt, rowR, DW, rowR, true);
    transpose(Pt, rowP, BS, NP, DPT);
    gemm(BS, NP, NP, DPT, <usize>BS << 2, W, rowR, DR, rowR, true);
    // An action channel's dP rows vanish wherever its action is 0 (for angular velocity, one side
    // of every step, and every still step), so only the rows with a nonzero action enter the
    // products. Exact: the skipped rows contribute exact zeros.
    for (let c = 1; c <= K; c++) {
      const cnt = nonzeroRows(ACTIONS, b0, BS, T, K, t, c - 1, IDX);
      if (cnt == 0) continue;
      for (let q = 0; q < cnt; q++) {
        const b = <usize>load<i32>(IDX + (<usize>q << 2));
        memory.copy(CP + <usize>q * rowR, Pt + b * rowP + <usize>c * segP, rowR);
        memory.copy(CR + <usize>q * rowR, Rt + b * rowR, rowR);
      }
      const wc = <usize>c * <usize>NP * rowR;
      gemm(NP, NP, cnt, CP, rowR, CR, rowR, DW + wc, rowR, true);
      transpose(CP, rowR, cnt, NP, DPT);
      gemm(cnt, NP, NP, DPT, <usize>cnt << 2, W + wc, rowR, CDR, rowR, false);
      for (let q = 0; q < cnt; q++) {
        const drow = DR + <usize>load<i32>(IDX + (<usize>q << 2)) * rowR, crow = CDR + <usize>q * rowR;
        for (let i = 0; i < NP; i += 4) {
          const off = <usize>i << 2;
          v128.store(drow + off, add(v128.load(drow + off), v128.load(crow + off)));
        }
      }
    }
  }
  for (let b = 0; b < BS; b++) {
    memory.copy(DR0 + ((<usize>(b0 + b) * <usize>N) << 2), DR + <usize>b * rowR, <usize>N << 2);
  }
}

// ---- Ring readout (the training loss's per-step sums), run on the main thread only ----------------
// cs holds cos φ_i then sin φ_i as 2N f64. Sums and products are in f64, as the JS version they replace.

@inline function widen(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** For each of `rows` rows of N f32 at r: X = Σ r_i cos φ_i, Y = Σ r_i sin φ_i, A = Σ |r_i|, as f32 planes 0, 1, 2 of out (3×rows). */
export function readoutForward(r: usize, rows: i32, N: i32, cs: usize, out: usize): void {
  const sn = cs + (<usize>N << 3);
  for (let row = 0; row < rows; row++) {
    const o = r + ((<usize>row * <usize>N) << 2);
    let x0 = f64x2.splat(0), y0 = f64x2.splat(0), a0 = f64x2.splat(0);
    let x1 = f64x2.splat(0), y1 = f64x2.splat(0), a1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= N; i += 4) {
      const u = widen(o + (<usize>i << 2)), v = widen(o + (<usize>(i + 2) << 2));
      const ci = cs + (<usize>i << 3), si = sn + (<usize>i << 3);
      x0 = f64x2.add(x0, f64x2.mul(u, v128.load(ci)));
      y0 = f64x2.add(y0, f64x2.mul(u, v128.load(si)));
      a0 = f64x2.add(a0, f64x2.abs(u));
      x1 = f64x2.add(x1, f64x2.mul(v, v128.load(ci + 16)));
      y1 = f64x2.add(y1, f64x2.mul(v, v128.load(si + 16)));
      a1 = f64x2.add(a1, f64x2.abs(v));
    }
    x0 = f64x2.add(x0, x1);
    y0 = f64x2.add(y0, y1);
    a0 = f64x2.add(a0, a1);
    let x = f64x2.extract_lane(x0, 0) + f64x2.extract_lane(x0, 1);
    let y = f64x2.extract_lane(y0, 0) + f64x2.extract_lane(y0, 1);
    let a = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    for (; i < N; i++) {
      const u = <f64>load<f32>(o + (<usize>i << 2));
      x += u * load<f64>(cs + (<usize>i << 3));
      y += u * load<f64>(sn + (<usize>i << 3));
      a += Math.abs(u);
    }
    store<f32>(out + (<usize>row << 2), <f32>x);
    store<f32>(out + ((<usize>(rows + row)) << 2), <f32>y);
    store<f32>(out + ((<usize>(2 * rows + row)) << 2), <f32>a);
  }
}

/** dr_i = dX·cos φ_i + dY·sin φ_i + dA·sign(r_i) (sign(0) = 0, as PyTorch) for every row; dy is 3×rows f32, dr rows×N f32. */
export function readoutBackward(r: usize, dy: usize, rows: i32, N: i32, cs: usize, dr: usize): void {
  const sn = cs + (<usize>N << 3);
  const zero = f64x2.splat(0), one = f64x2.splat(1);
  for (let row = 0; row < rows; row++) {
    const o = (<usize>row * <usize>N) << 2;
    const dx = <f64>load<f32>(dy + (<usize>row << 2));
    const dys = <f64>load<f32>(dy + ((<usize>(rows + row)) << 2));
    const da = <f64>load<f32>(dy + ((<usize>(2 * rows + row)) << 2));
    const vdx = f64x2.splat(dx), vdy = f64x2.splat(dys), vda = f64x2.splat(da);
    let i = 0;
    for (; i + 2 <= N; i += 2) {
      const u = widen(r + o + (<usize>i << 2));
      const sign = f64x2.sub(v128.and(f64x2.gt(u, zero), one), v128.and(f64x2.lt(u, zero), one));
      const g = f64x2.add(
        f64x2.add(f64x2.mul(vdx, v128.load(cs + (<usize>i << 3))), f64x2.mul(vdy, v128.load(sn + (<usize>i << 3)))),
        f64x2.mul(vda, sign),
      );
      v128.store64_lane(dr + o + (<usize>i << 2), f32x4.demote_f64x2_zero(g), 0);
    }
    for (; i < N; i++) {
      const u = load<f32>(r + o + (<usize>i << 2));
      const sign: f64 = u > 0 ? 1 : u < 0 ? -1 : 0;
      store<f32>(dr + o + (<usize>i << 2), <f32>(dx * load<f64>(cs + (<usize>i << 3)) + dys * load<f64>(sn + (<usize>i << 3)) + da * sign));
    }
  }
}
