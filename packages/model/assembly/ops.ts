// Dense ops of the baselines, forward and backward, each over one slice of rows (or sequences) per
// thread: linear layers, an activation with dropout, residual add + LayerNorm, and causal multi-head
// self-attention. Each command works on buffers the host laid out and names in the parameter block
// below (src/baselines/kernel/opsCall.ts): copied in for one call, or kept resident across a fused
// layer's steps. Weight-gradient partials are per slice; the host sums them in slice order.
import { attentionBlockBackward, attentionBlockForward } from './attention';
import { add, C_ERFC, C_HALF, C_INV_SQRT_2PI, C_MINUS_HALF, C_ONE, C_RSQRT2, columnSums, dropLanes, gemmNT, gemmTN, hmax, hsum, hsum4, kc, laneMask, madd, mul, packPanels, sub, vexp, vs, zero } from './simd';

// ---- parameter block: words at OPS; keep in sync with src/baselines/kernel/opsCall.ts -----------
const OPS: usize = 40960;
// Every op: dropout on (1/0), its key, threshold and scale 1/(1 − p).
const D_ON = 24;
const D_KEY = 25;
const D_THRESH = 26;
const D_SCALE = 27;
// Per slice (THREAD_WORDS words from THREAD_TABLE): first and end row, scratch, two partial outputs.
const THREAD_TABLE = 64;
const THREAD_WORDS = 8;
const T_R0 = 0;
const T_R1 = 1;
const T_SCRATCH = 2;
const T_PART1 = 3;
const T_PART2 = 4;

@inline function wi(i: i32): i32 {
  return load<i32>(OPS + (<usize>i << 2));
}
@inline function wu(i: i32): usize {
  return <usize>load<u32>(OPS + (<usize>i << 2));
}
@inline function wf(i: i32): f32 {
  return load<f32>(OPS + (<usize>i << 2));
}
@inline function tw(s: i32, i: i32): i32 {
  return load<i32>(OPS + (<usize>(THREAD_TABLE + s * THREAD_WORDS + i) << 2));
}
@inline function tp(s: i32, i: i32): usize {
  return <usize>load<u32>(OPS + (<usize>(THREAD_TABLE + s * THREAD_WORDS + i) << 2));
}
@inline function row(base: usize, r: i32, width: i32): usize {
  return base + ((<usize>r * <usize>width) << 2);
}

// ---- linear: Y = X·Wᵀ + b ------------------------------------------------------------------------
// M rows; X is M×Kp, Y and dY M×Np (zero padded); W is N×K row-major (unpadded), b padded to Np.
const LIN_M = 1;
const LIN_N = 2;
const LIN_K = 3;
const LIN_NP = 4;
const LIN_KP = 5;
const LIN_X = 6;
const LIN_W = 7;
const LIN_B = 8;
const LIN_Y = 9;
const LIN_DY = 10;
const LIN_DX = 11; // 0: no input gradient (the input is data)
const LIN_DXACC = 12; // 1: add the input gradient to DX instead of writing it

export function linearForward(s: i32): void {
  const N = wi(LIN_N), K = wi(LIN_K), NP = wi(LIN_NP), KP = wi(LIN_KP);
  const r0 = tw(s, T_R0), rows = tw(s, T_R1) - r0;
  const WP = tp(s, T_SCRATCH);
  packPanels(wu(LIN_W), K, 1, N, K, NP, KP, WP);
  const Y = row(wu(LIN_Y), r0, NP);
  gemmNT(rows, NP, KP, row(wu(LIN_X), r0, KP), <usize>KP << 2, WP, Y, <usize>NP << 2, false);
  const bias = wu(LIN_B);
  for (let r = 0; r < rows; r++) {
    const y = row(Y, r, NP);
    for (let j = 0; j < NP; j += 4) {
      const o = <usize>j << 2;
      v128.store(y + o, add(v128.load(y + o), v128.load(bias + o)));
    }
  }
}

/** dX = dY·W (rows of the slice), and the slice's partial dW = dYᵀ·X and db = Σ dY. */
export function linearBackward(s: i32): void {
  const N = wi(LIN_N), K = wi(LIN_K), NP = wi(LIN_NP), KP = wi(LIN_KP);
  const r0 = tw(s, T_R0), rows = tw(s, T_R1) - r0;
  const WP = tp(s, T_SCRATCH);
  const dY = row(wu(LIN_DY), r0, NP);
  const DX = wu(LIN_DX);
  if (DX != 0) {
    packPanels(wu(LIN_W), 1, K, K, N, KP, NP, WP); // Wᵀ: element (k, n) = W[n][k]
    gemmNT(rows, KP, NP, dY, <usize>NP << 2, WP, row(DX, r0, KP), <usize>KP << 2, wi(LIN_DXACC) != 0);
  }
  // The slice's scratch holds the packed Wᵀ (Np·Kp floats), then gemmTN's work.
  gemmTN(NP, KP, rows, dY, <usize>NP << 2, row(wu(LIN_X), r0, KP), <usize>KP << 2, tp(s, T_PART1), <usize>KP << 2, false, WP + ((<usize>NP * <usize>KP) << 2));
  columnSums(dY, <usize>NP << 2, rows, NP, tp(s, T_PART2));
}

// ---- activation with dropout: y = F(x)·m ----------------------------------------------------------
// n elements (a multiple of 4) split in ranges of multiples of 4; F = relu (kind 0) or the exact gelu (1).
const ACT_KIND = 2;
const ACT_X = 3;
const ACT_Y = 4;
const ACT_DY = 5;
const ACT_DX = 6;

/** Φ(x), the standard normal CDF: Numerical Recipes' erfcc (relative error < 1.2e-7 in erfc). */
@inline function normalCdf(x: v128): v128 {
  const z = mul(f32x4.abs(x), kc(C_RSQRT2));
  const t = f32x4.div(kc(C_ONE), madd(kc(C_ONE), kc(C_HALF), z));
  let p = madd(kc(C_ERFC + 1), kc(C_ERFC), t);
  p = madd(kc(C_ERFC + 2), p, t);
  p = madd(kc(C_ERFC + 3), p, t);
  p = madd(kc(C_ERFC + 4), p, t);
  p = madd(kc(C_ERFC + 5), p, t);
  p = madd(kc(C_ERFC + 6), p, t);
  p = madd(kc(C_ERFC + 7), p, t);
  p = madd(kc(C_ERFC + 8), p, t);
  p = madd(kc(C_ERFC + 9), p, t);
  const half = mul(kc(C_HALF), mul(t, vexp(sub(p, mul(z, z)))));
  return v128.bitselect(sub(kc(C_ONE), half), half, f32x4.ge(x, vs(0.0)));
}

@inline function dropMultiplier(i: i32): v128 {
  if (wi(D_ON) == 0) return vs(1.0);
  return dropLanes(<u32>i, <u32>wi(D_KEY), <u32>wi(D_THRESH), vs(wf(D_SCALE)));
}

export function activationForward(s: i32): void {
  const gelu = wi(ACT_KIND) == 1;
  const X = wu(ACT_X), Y = wu(ACT_Y);
  for (let i = tw(s, T_R0), e = tw(s, T_R1); i < e; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(X + o);
    const y = gelu ? mul(x, normalCdf(x)) : f32x4.pmax(x, vs(0.0)); // NaN passes, as in torch.relu
    v128.store(Y + o, mul(y, dropMultiplier(i)));
  }
}

export function activationBackward(s: i32): void {
  const gelu = wi(ACT_KIND) == 1;
  const X = wu(ACT_X), DY = wu(ACT_DY), DX = wu(ACT_DX);
  for (let i = tw(s, T_R0), e = tw(s, T_R1); i < e; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(X + o);
    // gelu′(x) = Φ(x) + x·φ(x); relu′(x) = [x > 0], as torch's threshold_backward.
    const d = gelu
      ? madd(normalCdf(x), x, mul(kc(C_INV_SQRT_2PI), vexp(mul(kc(C_MINUS_HALF), mul(x, x)))))
      : v128.and(f32x4.gt(x, vs(0.0)), vs(1.0));
    v128.store(DX + o, mul(mul(v128.load(DY + o), dropMultiplier(i)), d));
  }
}

// ---- residual add + LayerNorm: out = LN(x + y·m)·γ + β over rows of D (stride Dp, zero padded) -----
const NRM_D = 2;
const NRM_DP = 3;
const NRM_X = 4;
const NRM_Y = 5; // 0: no residual branch
const NRM_G = 6;
const NRM_BETA = 7;
const NRM_OUT = 8;
const NRM_DOUT = 9;
const NRM_DX = 10;
const NRM_DY = 11;
const NRM_EPS = 12;

/** z = x + y·m of row r into dst (padding stays 0); returns Σ z. */
@inline function residualRow(r: i32, D: i32, DP: i32, dst: usize): f32 {
  const x = row(wu(NRM_X), r, DP);
  const Y = wu(NRM_Y);
  let acc = vs(0);
  for (let j = 0; j < DP; j += 4) {
    const o = <usize>j << 2;
    let z = v128.load(x + o);
    if (Y != 0) z = madd(z, v128.load(row(Y, r, DP) + o), dropMultiplier(r * D + j));
    // The mask of the padding lanes is arbitrary, but y there is 0.
    v128.store(dst + o, z);
    acc = add(acc, z);
  }
  return hsum(acc);
}

/** 1/√(var + eps) of the row at z with mean mu, over its D real entries. */
@inline function rstdRow(z: usize, mu: f32, D: i32, DP: i32): f32 {
  let acc = vs(0);
  const m = vs(mu);
  for (let j = 0; j < DP; j += 4) {
    const d = v128.and(sub(v128.load(z + (<usize>j << 2)), m), laneMask(D - j));
    acc = madd(acc, d, d);
  }
  return <f32>1 / sqrt<f32>(hsum(acc) / <f32>D + wf(NRM_EPS));
}

export function normForward(s: i32): void {
  const D = wi(NRM_D), DP = wi(NRM_DP);
  const G = wu(NRM_G), BETA = wu(NRM_BETA), OUT = wu(NRM_OUT);
  for (let r = tw(s, T_R0), e = tw(s, T_R1); r < e; r++) {
    const out = row(OUT, r, DP);
    const mu = residualRow(r, D, DP, out) / <f32>D;
    const rstd = vs(rstdRow(out, mu, D, DP));
    const m = vs(mu);
    for (let j = 0; j < DP; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, madd(v128.load(BETA + o), mul(sub(v128.load(out + o), m), rstd), v128.load(G + o)));
    }
  }
}

/** dx = dz, dy = dz·m with dz = rstd·(g − mean g − x̂·mean(g·x̂)), g = dout·γ; partial dγ = Σ dout·x̂, dβ = Σ dout. */
export function normBackward(s: i32): void {
  const D = wi(NRM_D), DP = wi(NRM_DP);
  const G = wu(NRM_G), DOUT = wu(NRM_DOUT), DX = wu(NRM_DX), DY = wu(NRM_DY);
  const dG = tp(s, T_PART1), dB = tp(s, T_PART2);
  zero(dG, DP);
  zero(dB, DP);
  const invD = <f32>1 / <f32>D;
  for (let r = tw(s, T_R0), e = tw(s, T_R1); r < e; r++) {
    const dx = row(DX, r, DP), dout = row(DOUT, r, DP);
    const mu = vs(residualRow(r, D, DP, dx) * invD);
    const rstd = vs(rstdRow(dx, f32x4.extract_lane(mu, 0), D, DP));
    let sg = vs(0), sgx = vs(0);
    for (let j = 0; j < DP; j += 4) {
      const o = <usize>j << 2;
      const xhat = v128.and(mul(sub(v128.load(dx + o), mu), rstd), laneMask(D - j));
      v128.store(dx + o, xhat);
      const g = mul(v128.load(dout + o), v128.load(G + o));
      sg = add(sg, g);
      sgx = madd(sgx, g, xhat);
      v128.store(dG + o, madd(v128.load(dG + o), v128.load(dout + o), xhat));
      v128.store(dB + o, add(v128.load(dB + o), v128.load(dout + o)));
    }
    const mg = vs(hsum(sg) * invD), mgx = vs(hsum(sgx) * invD);
    for (let j = 0; j < DP; j += 4) {
      const o = <usize>j << 2;
      const xhat = v128.load(dx + o);
      const g = mul(v128.load(dout + o), v128.load(G + o));
      const dz = v128.and(mul(rstd, sub(sub(g, mg), mul(xhat, mgx))), laneMask(D - j));
      v128.store(dx + o, dz);
      if (DY != 0) v128.store(row(DY, r, DP) + o, mul(dz, dropMultiplier(r * D + j)));
    }
  }
}

// ---- causal multi-head self-attention ------------------------------------------------------------
// qkv is B×S×3D (q, k, v side by side, head h in columns h·hd…h·hd+hd−1 of each), out B×S×D.
// Head sizes that are multiples of 4 go to attention.ts (4 query rows at a time); the others run
// row by row here: per sequence and head, K and V are transposed into hd×Sp tiles so that every
// loop runs along the keys j in 4-lane vectors: scores, softmax, dropout and the weighted sum.
const AT_S = 2;
const AT_D = 3;
const AT_NH = 4;
const AT_HD = 5;
const AT_SP = 6;
const AT_QKV = 7;
const AT_OUT = 8;
const AT_DOUT = 9;
const AT_DQKV = 10;

/** Copies column block `col`…col+hd−1 of S rows (stride w floats) transposed into dst (hd × Sp, zero padded). */
function transposeIn(src: usize, w: i32, col: i32, S: i32, SP: i32, hd: i32, dst: usize): void {
  for (let c = 0; c < hd; c++) {
    const d = dst + ((<usize>c * <usize>SP) << 2);
    for (let j = 0; j < S; j++) store<f32>(d + (<usize>j << 2), load<f32>(src + ((<usize>(j * w + col + c)) << 2)));
    for (let j = S; j < SP; j++) store<f32>(d + (<usize>j << 2), 0);
  }
}

/** The inverse of transposeIn (only the S real columns). */
function transposeOut(src: usize, w: i32, col: i32, S: i32, SP: i32, hd: i32, dst: usize): void {
  for (let c = 0; c < hd; c++) {
    const d = src + ((<usize>c * <usize>SP) << 2);
    for (let j = 0; j < S; j++) store<f32>(dst + ((<usize>(j * w + col + c)) << 2), load<f32>(d + (<usize>j << 2)));
  }
}

/**
 * exp(s_ij − max_j s_ij) of row i of one head into E (keys j ≤ i; zero up to the end of the last
 * vector), s_ij = q_i·k_j/√hd with the scaled query as splats at QS (hd vectors) and K transposed
 * at KT (hd × Sp). Returns Σ_j of the row; the row spans nv = (i + 4) >> 2 vectors.
 */
@inline function expScores(QS: usize, KT: usize, SP: i32, hd: i32, i: i32, E: usize): f32 {
  const nv = (i + 4) >> 2;
  const kStride = <usize>SP << 2;
  for (let v = 0; v < nv; v++) {
    const o = <usize>v << 4;
    let acc = vs(0);
    let k = KT + o;
    for (let c = 0; c < hd; c++) {
      acc = madd(acc, v128.load(QS + (<usize>c << 4)), v128.load(k));
      k += kStride;
    }
    v128.store(E + o, acc);
  }
  // Keys past i are masked: excluded from the max, and exactly 0 after exp.
  const keep = laneMask(i + 1 - ((nv - 1) << 2));
  const lastAt = E + (<usize>(nv - 1) << 4);
  v128.store(lastAt, v128.bitselect(v128.load(lastAt), vs(-3.0e38), keep));
  let mx = vs(-3.0e38);
  for (let v = 0; v < nv; v++) mx = f32x4.pmax(mx, v128.load(E + (<usize>v << 4)));
  const m = vs(hmax(mx));
  let sum = vs(0);
  for (let v = 0; v < nv; v++) {
    const o = <usize>v << 4;
    let e = vexp(sub(v128.load(E + o), m));
    if (v == nv - 1) e = v128.and(e, keep);
    v128.store(E + o, e);
    sum = add(sum, e);
  }
  return hsum(sum);
}

/** Splats of the hd floats at src, times `scale`, into dst (hd vectors). */
@inline function splats(src: usize, hd: i32, scale: f32, dst: usize): void {
  for (let c = 0; c < hd; c++) v128.store(dst + (<usize>c << 4), vs(load<f32>(src + (<usize>c << 2)) * scale));
}

/** dst_c = Σ_v P[v]·X[c][v] over nv vectors, times `scale`, for c < hd (X: hd rows of Sp floats). */
@inline function rowDots(P: usize, X: usize, SP: i32, hd: i32, nv: i32, scale: f32, dst: usize): void {
  const stride = <usize>SP << 2;
  let c = 0;
  for (; c + 4 <= hd; c += 4) {
    const x0 = X + <usize>c * stride;
    let a0 = vs(0), a1 = vs(0), a2 = vs(0), a3 = vs(0);
    for (let v = 0; v < nv; v++) {
      const o = <usize>v << 4;
      const p = v128.load(P + o);
      a0 = madd(a0, p, v128.load(x0 + o));
      a1 = madd(a1, p, v128.load(x0 + stride + o));
      a2 = madd(a2, p, v128.load(x0 + 2 * stride + o));
      a3 = madd(a3, p, v128.load(x0 + 3 * stride + o));
    }
    v128.store(dst + (<usize>c << 2), mul(hsum4(a0, a1, a2, a3), vs(scale)));
  }
  for (; c < hd; c++) {
    const x = X + <usize>c * stride;
    let a = vs(0);
    for (let v = 0; v < nv; v++) a = madd(a, v128.load(P + (<usize>v << 4)), v128.load(x + (<usize>v << 4)));
    store<f32>(dst + (<usize>c << 2), hsum(a) * scale);
  }
}

@inline function attnScratch(s: i32, hd: i32, SP: i32, k: i32): usize {
  return tp(s, T_SCRATCH) + ((<usize>k * <usize>hd * <usize>SP) << 2);
}

export function attentionForward(s: i32): void {
  const S = wi(AT_S), D = wi(AT_D), NH = wi(AT_NH), hd = wi(AT_HD), SP = wi(AT_SP);
  const QKV = wu(AT_QKV), OUT = wu(AT_OUT);
  const dropping = wi(D_ON) != 0;
  const key = <u32>wi(D_KEY), threshold = <u32>wi(D_THRESH), dscale = vs(wf(D_SCALE));
  if ((hd & 3) == 0) {
    for (let b = tw(s, T_R0), e = tw(s, T_R1); b < e; b++) {
      for (let h = 0; h < NH; h++) {
        attentionBlockForward(row(QKV, b * S, 3 * D), D, h * hd, S, hd, row(OUT, b * S, D), <u32>((b * NH + h) * S * S), dropping, key, threshold, dscale, tp(s, T_SCRATCH));
      }
    }
    return;
  }
  const scale = <f32>1 / sqrt<f32>(<f32>hd);
  const KT = attnScratch(s, hd, SP, 0), VT = attnScratch(s, hd, SP, 1);
  const E = attnScratch(s, hd, SP, 2), QS = E + (<usize>SP << 2);
  const W = 3 * D;
  for (let b = tw(s, T_R0), e = tw(s, T_R1); b < e; b++) {
    const seq = row(QKV, b * S, W);
    for (let h = 0; h < NH; h++) {
      transposeIn(seq, W, D + h * hd, S, SP, hd, KT);
      transposeIn(seq, W, 2 * D + h * hd, S, SP, hd, VT);
      for (let i = 0; i < S; i++) {
        splats(row(seq, i, W) + ((<usize>(h * hd)) << 2), hd, scale, QS);
        const sum = expScores(QS, KT, SP, hd, i, E);
        const nv = (i + 4) >> 2;
        if (dropping) {
          const maskAt = <u32>(((b * NH + h) * S + i) * S);
          for (let v = 0; v < nv; v++) {
            const o = <usize>v << 4;
            v128.store(E + o, mul(v128.load(E + o), dropLanes(maskAt + (<u32>v << 2), key, threshold, dscale)));
          }
        }
        // out_i = Σ_j p′_ij v_j with p′ = e·m/Σe: the normalisation is one scale at the end.
        rowDots(E, VT, SP, hd, nv, <f32>1 / sum, row(OUT, b * S + i, D) + ((<usize>(h * hd)) << 2));
      }
    }
  }
}

export function attentionBackward(s: i32): void {
  const S = wi(AT_S), D = wi(AT_D), NH = wi(AT_NH), hd = wi(AT_HD), SP = wi(AT_SP);
  const QKV = wu(AT_QKV), DOUT = wu(AT_DOUT), DQKV = wu(AT_DQKV);
  const dropping = wi(D_ON) != 0;
  const key = <u32>wi(D_KEY), threshold = <u32>wi(D_THRESH), dscale = vs(wf(D_SCALE));
  if ((hd & 3) == 0) {
    for (let b = tw(s, T_R0), e = tw(s, T_R1); b < e; b++) {
      for (let h = 0; h < NH; h++) {
        attentionBlockBackward(row(QKV, b * S, 3 * D), D, h * hd, S, hd, row(DOUT, b * S, D), row(DQKV, b * S, 3 * D), <u32>((b * NH + h) * S * S), dropping, key, threshold, dscale, tp(s, T_SCRATCH));
      }
    }
    return;
  }
  const scale = <f32>1 / sqrt<f32>(<f32>hd);
  const KT = attnScratch(s, hd, SP, 0), VT = attnScratch(s, hd, SP, 1);
  const dKT = attnScratch(s, hd, SP, 2), dVT = attnScratch(s, hd, SP, 3);
  const P = attnScratch(s, hd, SP, 4), M = P + ((<usize>SP) << 2), DP = M + ((<usize>SP) << 2);
  const QS = DP + ((<usize>SP) << 2), GS = QS + ((<usize>hd) << 4);
  const W = 3 * D;
  const kStride = <usize>SP << 2;
  for (let b = tw(s, T_R0), e = tw(s, T_R1); b < e; b++) {
    const seq = row(QKV, b * S, W), dseq = row(DQKV, b * S, W);
    for (let h = 0; h < NH; h++) {
      transposeIn(seq, W, D + h * hd, S, SP, hd, KT);
      transposeIn(seq, W, 2 * D + h * hd, S, SP, hd, VT);
      zero(dKT, hd * SP);
      zero(dVT, hd * SP);
      for (let i = 0; i < S; i++) {
        const q = row(seq, i, W) + ((<usize>(h * hd)) << 2);
        splats(q, hd, scale, QS);
        const inv = vs(<f32>1 / expScores(QS, KT, SP, hd, i, P));
        const nv = (i + 4) >> 2;
        splats(row(DOUT, b * S + i, D) + ((<usize>(h * hd)) << 2), hd, 1, GS);
        const maskAt = <u32>(((b * NH + h) * S + i) * S);
        // Per key vector: p, the mask m, dp = m·Σ_c dout_c·v_jc, and dV_j += p·m·dout.
        let dot = vs(0);
        for (let v = 0; v < nv; v++) {
          const o = <usize>v << 4;
          const p = mul(v128.load(P + o), inv);
          v128.store(P + o, p);
          const m = dropping ? dropLanes(maskAt + (<u32>v << 2), key, threshold, dscale) : vs(1.0);
          const pm = mul(p, m);
          let dp = vs(0);
          let vv = VT + o, dv = dVT + o;
          for (let c = 0; c < hd; c++) {
            const g = v128.load(GS + (<usize>c << 4));
            dp = madd(dp, g, v128.load(vv));
            v128.store(dv, madd(v128.load(dv), pm, g));
            vv += kStride;
            dv += kStride;
          }
          dp = mul(dp, m);
          v128.store(DP + o, dp);
          dot = madd(dot, p, dp);
        }
        // Through the softmax: ds_j = p_j·(dp_j − Σ_k p_k·dp_k), the gradient of s_ij = q_i·k_j/√hd;
        // dK_j += ds_j·q_i/√hd (the splats QS hold q/√hd) and dq_i = Σ_j ds_j·k_j/√hd.
        const sdot = vs(hsum(dot));
        for (let v = 0; v < nv; v++) {
          const o = <usize>v << 4;
          const ds = mul(v128.load(P + o), sub(v128.load(DP + o), sdot));
          v128.store(DP + o, ds);
          let dk = dKT + o;
          for (let c = 0; c < hd; c++) {
            v128.store(dk, madd(v128.load(dk), ds, v128.load(QS + (<usize>c << 4))));
            dk += kStride;
          }
        }
        rowDots(DP, KT, SP, hd, nv, scale, row(dseq, i, W) + ((<usize>(h * hd)) << 2));
      }
      transposeOut(dKT, W, D + h * hd, S, SP, hd, dseq);
      transposeOut(dVT, W, 2 * D + h * hd, S, SP, hd, dseq);
    }
  }
}
