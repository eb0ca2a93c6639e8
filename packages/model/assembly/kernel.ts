// Fused leaky ring-attractor recurrence (SPEC §2): forward and backward-through-time over one
// slice of the batch. Every instance (main thread and workers) shares one imported memory; the
// host writes shapes, constants and buffer offsets into the parameter block below and each thread
// calls forward(s)/backward(s) for its slice s. No allocation happens here: the host owns layout.
//
// Layout of the parameter block (i32/f32 words at PARAMS); keep in sync with src/kernel/layout.ts.
const PARAMS: usize = 1024;
const P_B = 0;
const P_T = 1;
const P_N = 2;
const P_K = 3;
const P_NP = 4;
const P_MP = 5;
const P_ACT = 6;
const P_J0 = 8;
const P_J1 = 9;
const P_ALPHA = 10;
const P_W = 11; // (k+1)Np × Np, row m = c·Np + i holds W_c[i, :], zero padded
const P_WT = 12; // N × (k+1)Np, its transpose
const P_ACTIONS = 13; // B×T×k
const P_R0 = 14; // B×N
const P_H = 15; // B×T×N history out
const P_DH = 16; // B×T×N history gradient in
const P_DA = 17; // B×T×k actions gradient out
const P_DR0 = 18; // B×N r0 gradient out
const THREAD_TABLE = 32; // per thread: b0, b1, R (T+1)×Bs×Np, P T×Bs×Mp, dR Bs×Np, dpre Bs×Np, dW Mp×Np
const THREAD_WORDS = 8;

const ACT_TANH = 0;
const ACT_RELU = 1;

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

// ---- small v128 helpers -------------------------------------------------------------------
@inline function vs(x: f32): v128 {
  return f32x4.splat(x);
}
@inline function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}
@inline function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}
@inline function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}
@inline function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}
/** All-ones in lanes l with l < n (n may exceed 4). */
@inline function laneMask(n: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n));
}

// exp with Cephes' expf polynomial: ~1 ulp on the clamped range.
@inline function vexp(x0: v128): v128 {
  const x = f32x4.max(f32x4.min(x0, vs(88.0)), vs(-87.0));
  const n = f32x4.nearest(mul(x, vs(1.44269504088896341)));
  let r = sub(x, mul(n, vs(0.693359375)));
  r = sub(r, mul(n, vs(-2.12194440e-4)));
  let p = vs(1.9875691500e-4);
  p = madd(vs(1.3981999507e-3), p, r);
  p = madd(vs(8.3334519073e-3), p, r);
  p = madd(vs(4.1665795894e-2), p, r);
  p = madd(vs(1.6666665459e-1), p, r);
  p = madd(vs(5.0000001201e-1), p, r);
  const y = add(add(mul(mul(r, r), p), r), vs(1.0));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return mul(y, pow2n);
}

// erfc(z) for z ≥ 0 (Numerical Recipes' erfcc, relative error < 1.2e-7): accurate in the tail,
// so gelu(x) = x·Φ(x) keeps its relative accuracy for negative x.
@inline function verfcPos(z: v128): v128 {
  const t = f32x4.div(vs(1.0), add(vs(1.0), mul(vs(0.5), z)));
  let p = vs(0.17087277);
  p = madd(vs(-0.82215223), p, t);
  p = madd(vs(1.48851587), p, t);
  p = madd(vs(-1.13520398), p, t);
  p = madd(vs(0.27886807), p, t);
  p = madd(vs(-0.18628806), p, t);
  p = madd(vs(0.09678418), p, t);
  p = madd(vs(0.37409196), p, t);
  p = madd(vs(1.00002368), p, t);
  p = madd(vs(-1.26551223), p, t);
  return mul(t, vexp(sub(p, mul(z, z))));
}

// Φ(x), the standard normal CDF = 0.5·(1 + erf(x/√2)).
@inline function vphi(x: v128): v128 {
  const half = mul(vs(0.5), verfcPos(mul(f32x4.abs(x), vs(0.70710678118654752))));
  return v128.bitselect(sub(vs(1.0), half), half, f32x4.ge(x, vs(0.0)));
}

@inline function vtanh(x: v128): v128 {
  // 1 − 2/(e^{2x} + 1): saturates cleanly at ±1 thanks to the clamp inside vexp.
  return sub(vs(1.0), f32x4.div(vs(2.0), add(vexp(add(x, x)), vs(1.0))));
}

@inline function activate(x: v128, act: i32): v128 {
  if (act == ACT_TANH) return vtanh(x);
  if (act == ACT_RELU) return f32x4.max(x, vs(0.0));
  return mul(x, vphi(x));
}

@inline function activateGrad(x: v128, act: i32): v128 {
  if (act == ACT_TANH) {
    const y = vtanh(x);
    return sub(vs(1.0), mul(y, y));
  }
  if (act == ACT_RELU) return v128.and(f32x4.gt(x, vs(0.0)), vs(1.0));
  // d/dx x·Φ(x) = Φ(x) + x·φ(x)
  const pdf = mul(vs(0.3989422804014327), vexp(mul(vs(-0.5), mul(x, x))));
  return madd(vphi(x), x, pdf);
}

// ---- GEMM: C[rows×cols] (+)= A·B ------------------------------------------------------------
// A(r, k) at a + r·ars + k·aks (bytes), B(k, col) at b + k·ldb + 4·col, C(r, col) at c + r·ldc + 4·col.
// cols must be a multiple of 4 (rows and the 8-column blocks are padded by edge kernels).

// Register blocks of R rows × 8 columns; 6×8 keeps 12 accumulators in the 16 xmm registers.
@inline function kern6x8(K: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0);
  let c10 = vs(0), c11 = vs(0);
  let c20 = vs(0), c21 = vs(0);
  let c30 = vs(0), c31 = vs(0);
  let c40 = vs(0), c41 = vs(0);
  let c50 = vs(0), c51 = vs(0);
  if (acc) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc);
    c41 = v128.load(c + 4 * ldc, 16);
    c50 = v128.load(c + 5 * ldc);
    c51 = v128.load(c + 5 * ldc, 16);
  }
  let a0 = a;
  let a1 = a0 + ars;
  let a2 = a1 + ars;
  let a3 = a2 + ars;
  let a4 = a3 + ars;
  let a5 = a4 + ars;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load32_splat(a1);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    x = v128.load32_splat(a2);
    c20 = madd(c20, x, b0);
    c21 = madd(c21, x, b1);
    x = v128.load32_splat(a3);
    c30 = madd(c30, x, b0);
    c31 = madd(c31, x, b1);
    x = v128.load32_splat(a4);
    c40 = madd(c40, x, b0);
    c41 = madd(c41, x, b1);
    x = v128.load32_splat(a5);
    c50 = madd(c50, x, b0);
    c51 = madd(c51, x, b1);
    a0 += aks;
    a1 += aks;
    a2 += aks;
    a3 += aks;
    a4 += aks;
    a5 += aks;
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
  v128.store(c + 4 * ldc, c40);
  v128.store(c + 4 * ldc, c41, 16);
  v128.store(c + 5 * ldc, c50);
  v128.store(c + 5 * ldc, c51, 16);
}

@inline function kern4x8(K: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
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
  let a0 = a;
  let a1 = a0 + ars;
  let a2 = a1 + ars;
  let a3 = a2 + ars;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load32_splat(a1);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    x = v128.load32_splat(a2);
    c20 = madd(c20, x, b0);
    c21 = madd(c21, x, b1);
    x = v128.load32_splat(a3);
    c30 = madd(c30, x, b0);
    c31 = madd(c31, x, b1);
    a0 += aks;
    a1 += aks;
    a2 += aks;
    a3 += aks;
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

@inline function kern2x8(K: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0);
  let c10 = vs(0), c11 = vs(0);
  if (acc) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
  }
  let a0 = a;
  let a1 = a0 + ars;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load32_splat(a1);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    a0 += aks;
    a1 += aks;
    b += ldb;
  }
  v128.store(c + 0 * ldc, c00);
  v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10);
  v128.store(c + 1 * ldc, c11, 16);
}

@inline function kern1x8(K: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0);
  if (acc) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
  }
  let a0 = a;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    a0 += aks;
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

function gemmRows(R: i32, K: i32, cols: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let col = 0;
  for (; col + 8 <= cols; col += 8) {
    const bc = b + (<usize>col << 2), cc = c + (<usize>col << 2);
    if (R == 6) kern6x8(K, a, ars, aks, bc, ldb, cc, ldc, acc);
    else if (R == 4) kern4x8(K, a, ars, aks, bc, ldb, cc, ldc, acc);
    else if (R == 2) kern2x8(K, a, ars, aks, bc, ldb, cc, ldc, acc);
    else kern1x8(K, a, ars, aks, bc, ldb, cc, ldc, acc);
  }
  if (col < cols) {
    for (let rr = 0; rr < R; rr++) {
      kern1x4(K, a + <usize>rr * ars, aks, b + (<usize>col << 2), ldb, c + <usize>rr * ldc + (<usize>col << 2), acc);
    }
  }
}

function gemm(rows: i32, cols: i32, K: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let r = 0;
  for (; r + 6 <= rows; r += 6) gemmRows(6, K, cols, a + <usize>r * ars, ars, aks, b, ldb, c + <usize>r * ldc, ldc, acc);
  for (; r + 4 <= rows; r += 4) gemmRows(4, K, cols, a + <usize>r * ars, ars, aks, b, ldb, c + <usize>r * ldc, ldc, acc);
  for (; r + 2 <= rows; r += 2) gemmRows(2, K, cols, a + <usize>r * ars, ars, aks, b, ldb, c + <usize>r * ldc, ldc, acc);
  for (; r < rows; r++) gemmRows(1, K, cols, a + <usize>r * ars, ars, aks, b, ldb, c + <usize>r * ldc, ldc, acc);
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

/** Runs all T steps for slice s: fills R (the states) and P (the per-step products) and the history. */
export function forward(s: i32): void {
  const B = pi(P_B), T = pi(P_T), N = pi(P_N), K = pi(P_K), NP = pi(P_NP), MP = pi(P_MP), act = pi(P_ACT);
  const J0 = pf(P_J0), J1 = pf(P_J1), alpha = pf(P_ALPHA);
  const b0 = <i32>tu(s, 0), b1 = <i32>tu(s, 1);
  const BS = b1 - b0;
  if (BS <= 0) return;
  const R = tu(s, 2), P = tu(s, 3);
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
    gemm(BS, MP, N, Rt, rowR, 4, WT, rowP, Pt, rowP, false);
    for (let b = 0; b < BS; b++) {
      const rrow = Rt + <usize>b * rowR, nrow = Rn + <usize>b * rowR, prow = Pt + <usize>b * rowP;
      const arow = ACTIONS + ((<usize>((b0 + b) * T + t) * <usize>K) << 2);
      const hrow = H + ((<usize>((b0 + b) * T + t) * <usize>N) << 2);
      const base = vs(J0 * rowSum(rrow, NP));
      for (let i = 0; i < NP; i += 4) {
        const off = <usize>i << 2;
        let pre = madd(base, j1, v128.load(prow + off));
        for (let c = 0; c < K; c++) {
          pre = madd(pre, v128.load32_splat(arow + (<usize>c << 2)), v128.load(prow + <usize>(c + 1) * segP + off));
        }
        let rn = add(mul(keep, v128.load(rrow + off)), mul(leak, activate(pre, act)));
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
  const T = pi(P_T), N = pi(P_N), K = pi(P_K), NP = pi(P_NP), MP = pi(P_MP), act = pi(P_ACT);
  const J0 = pf(P_J0), J1 = pf(P_J1), alpha = pf(P_ALPHA);
  const b0 = <i32>tu(s, 0), b1 = <i32>tu(s, 1);
  const BS = b1 - b0;
  const DW = tu(s, 6);
  zero(DW, MP * NP);
  if (BS <= 0) return;
  const R = tu(s, 2), P = tu(s, 3), DR = tu(s, 4), DPRE = tu(s, 5);
  const W = pu(P_W), ACTIONS = pu(P_ACTIONS), DH = pu(P_DH), DA = pu(P_DA), DR0 = pu(P_DR0);
  const rowR = <usize>NP << 2, rowP = <usize>MP << 2, segP = <usize>NP << 2;
  const stepR = <usize>BS * rowR, stepP = <usize>BS * rowP;
  const keep = vs(1 - alpha), leak = vs(alpha), j1 = vs(J1);

  zero(DR, BS * NP);
  for (let t = T - 1; t >= 0; t--) {
    const Rt = R + <usize>t * stepR, Pt = P + <usize>t * stepP;
    for (let b = 0; b < BS; b++) {
      const rrow = Rt + <usize>b * rowR, prow = Pt + <usize>b * rowP;
      const drow = DR + <usize>b * rowR, dprow = DPRE + <usize>b * rowR;
      const arow = ACTIONS + ((<usize>((b0 + b) * T + t) * <usize>K) << 2);
      const dhrow = DH + ((<usize>((b0 + b) * T + t) * <usize>N) << 2);
      const darow = DA + ((<usize>((b0 + b) * T + t) * <usize>K) << 2);
      const base = vs(J0 * rowSum(rrow, NP));
      let dsum = vs(0);
      for (let i = 0; i < NP; i += 4) {
        const off = <usize>i << 2;
        let pre = madd(base, j1, v128.load(prow + off));
        for (let c = 0; c < K; c++) {
          pre = madd(pre, v128.load32_splat(arow + (<usize>c << 2)), v128.load(prow + <usize>(c + 1) * segP + off));
        }
        let g = v128.load(dhrow + off);
        if (i + 4 > N) g = v128.and(g, laneMask(N - i)); // the load ran into the next row
        g = add(g, v128.load(drow + off));
        const dpre = mul(mul(g, leak), activateGrad(pre, act));
        v128.store(drow + off, mul(g, keep));
        v128.store(dprow + off, dpre);
        dsum = add(dsum, dpre);
      }
      // dactions[c] = Σ_i dpre_i · (W_c r)_i, then P is overwritten by dP in place.
      for (let c = 0; c < K; c++) {
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
    // dW += dPᵀ·R_t and dR_t += dP·W (dP is Bs×Mp at Pt, row m of Wcat ↔ column m of dP).
    gemm(MP, NP, BS, Pt, 4, rowP, Rt, rowR, DW, rowR, true);
    gemm(BS, NP, MP, Pt, rowP, 4, W, rowR, DR, rowR, true);
  }
  for (let b = 0; b < BS; b++) {
    memory.copy(DR0 + ((<usize>(b0 + b) * <usize>N) << 2), DR + <usize>b * rowR, <usize>N << 2);
  }
}
