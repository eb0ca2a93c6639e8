// Causal attention of one (sequence, head) for head sizes that are multiples of 4 (ops.ts calls
// it; other sizes take its row-by-row path). The scores and the value products are small
// register-blocked matrix products over 4 query rows at a time, so every load of a key or a value
// serves four rows:
//   S_ij = q_i·k_j/√hd (j ≤ i),  p = softmax_j(S),  p′ = p·m (dropout),  out_i = Σ_j p′_ij v_j
// and backward  dp′ = dout·vᵀ,  dV = p′ᵀ·dout,  ds = p·(m·dp′ − Σ_j p·m·dp′),  dq = ds·k/√hd,
// dk = dsᵀ·q/√hd. Rows are padded to R = Sp (a multiple of 4) with zero queries and gradients.
import { add, dropLanes, hmax, hsum, laneMask, madd, mul, sub, vexp, vs, zero } from './simd';

/** Scratch of one call, in floats (see attentionBlockScratch's layout). */
export function attentionBlockScratch(S: i32, hd: i32): i32 {
  const R = (S + 3) & ~3;
  return 2 * R * hd * 4 + 4 * hd * R + 3 * R * R + R;
}

// Scratch layout (byte offsets from the base): QS (R×hd splats), GS (R×hd splats), KT, VT, dKT,
// dVT (hd×R each), P, PM, DS (R×R each), INV (R).
@inline function qsAt(base: usize): usize {
  return base;
}
@inline function gsAt(base: usize, R: i32, hd: i32): usize {
  return base + ((<usize>R * <usize>hd) << 4);
}
@inline function tileAt(base: usize, R: i32, hd: i32, k: i32): usize {
  return base + ((<usize>(2 * R * hd)) << 4) + ((<usize>(k * hd * R)) << 2);
}
@inline function matAt(base: usize, R: i32, hd: i32, k: i32): usize {
  return tileAt(base, R, hd, 4) + ((<usize>(k * R * R)) << 2);
}

/** Splats of rows (stride w floats, from col) times scale into dst: R rows of hd vectors; rows ≥ S zero. */
function splatRows(src: usize, w: i32, col: i32, S: i32, R: i32, hd: i32, scale: f32, dst: usize): void {
  for (let i = 0; i < R; i++) {
    const row = src + ((<usize>(i * w + col)) << 2);
    for (let c = 0; c < hd; c++) {
      v128.store(dst + ((<usize>(i * hd + c)) << 4), i < S ? vs(load<f32>(row + (<usize>c << 2)) * scale) : vs(0));
    }
  }
}

/** Columns col…col+hd−1 of S rows (stride w floats) transposed into dst (hd × R, zero padded). */
function transposeRows(src: usize, w: i32, col: i32, S: i32, R: i32, hd: i32, dst: usize): void {
  for (let c = 0; c < hd; c++) {
    const d = dst + ((<usize>c * <usize>R) << 2);
    for (let j = 0; j < S; j++) store<f32>(d + (<usize>j << 2), load<f32>(src + ((<usize>(j * w + col + c)) << 2)));
    for (let j = S; j < R; j++) store<f32>(d + (<usize>j << 2), 0);
  }
}

/** The inverse of transposeRows for the S real rows. */
function untransposeRows(src: usize, w: i32, col: i32, S: i32, R: i32, hd: i32, dst: usize): void {
  for (let c = 0; c < hd; c++) {
    const s = src + ((<usize>c * <usize>R) << 2);
    for (let j = 0; j < S; j++) store<f32>(dst + ((<usize>(j * w + col + c)) << 2), load<f32>(s + (<usize>j << 2)));
  }
}

/** Key vectors row block i0…i0+3 needs (keys j ≤ its last real row). */
@inline function blockVectors(i0: i32, S: i32): i32 {
  return (min(i0 + 3, S - 1) + 4) >> 2;
}

/**
 * out(r, v) = Σ_c A(r, c)·BT(c, v) for rows in blocks of 4 and, for each block, key vectors
 * v < blockVectors: A as splats (R×hd vectors), BT transposed (hd × R), out R × R.
 */
function rowsTimesColumns(A: usize, BT: usize, S: i32, R: i32, hd: i32, out: usize): void {
  const bStride = <usize>R << 2;
  for (let i0 = 0; i0 < R; i0 += 4) {
    const nv = blockVectors(i0, S);
    const a0 = A + ((<usize>(i0 * hd)) << 4), a1 = a0 + ((<usize>hd) << 4), a2 = a1 + ((<usize>hd) << 4), a3 = a2 + ((<usize>hd) << 4);
    for (let v = 0; v < nv; v++) {
      let s0 = vs(0), s1 = vs(0), s2 = vs(0), s3 = vs(0);
      let b = BT + (<usize>v << 4);
      for (let c = 0; c < hd; c++) {
        const o = <usize>c << 4;
        const k = v128.load(b);
        s0 = madd(s0, v128.load(a0 + o), k);
        s1 = madd(s1, v128.load(a1 + o), k);
        s2 = madd(s2, v128.load(a2 + o), k);
        s3 = madd(s3, v128.load(a3 + o), k);
        b += bStride;
      }
      const at = out + ((<usize>(i0 * R)) << 2) + (<usize>v << 4);
      v128.store(at, s0);
      v128.store(at + bStride, s1);
      v128.store(at + 2 * bStride, s2);
      v128.store(at + 3 * bStride, s3);
    }
  }
}

/**
 * Rows of the weighted sums out_i = scale_i·Σ_{j ≤ i} P(i, j)·X_j over rows X_j (stride w floats,
 * from col, hd floats), 4 rows × 8 columns at a time; scale_i from INV (or 1 if INV = 0), rows < S
 * written to dst (stride dw floats, from dcol).
 */
function rowsTimesRows(P: usize, R: i32, S: i32, hd: i32, x: usize, w: i32, col: i32, INV: usize, scale: f32, dst: usize, dw: i32, dcol: i32): void {
  const pStride = <usize>R << 2;
  for (let i0 = 0; i0 < S; i0 += 4) {
    const jmax = min(i0 + 3, S - 1);
    const p0 = P + ((<usize>(i0 * R)) << 2);
    for (let c0 = 0; c0 < hd; c0 += 8) {
      const two = c0 + 8 <= hd;
      let a00 = vs(0), a01 = vs(0), a10 = vs(0), a11 = vs(0), a20 = vs(0), a21 = vs(0), a30 = vs(0), a31 = vs(0);
      for (let j = 0; j <= jmax; j++) {
        const xr = x + ((<usize>(j * w + col + c0)) << 2);
        const v0 = v128.load(xr), v1 = two ? v128.load(xr, 16) : vs(0);
        const pj = p0 + (<usize>j << 2);
        let p = v128.load32_splat(pj);
        a00 = madd(a00, p, v0);
        a01 = madd(a01, p, v1);
        p = v128.load32_splat(pj + pStride);
        a10 = madd(a10, p, v0);
        a11 = madd(a11, p, v1);
        p = v128.load32_splat(pj + 2 * pStride);
        a20 = madd(a20, p, v0);
        a21 = madd(a21, p, v1);
        p = v128.load32_splat(pj + 3 * pStride);
        a30 = madd(a30, p, v0);
        a31 = madd(a31, p, v1);
      }
      for (let r = 0; r < 4 && i0 + r < S; r++) {
        const f = vs(INV != 0 ? load<f32>(INV + ((<usize>(i0 + r)) << 2)) * scale : scale);
        const o = dst + ((<usize>((i0 + r) * dw + dcol + c0)) << 2);
        const lo = r == 0 ? a00 : r == 1 ? a10 : r == 2 ? a20 : a30;
        const hi = r == 0 ? a01 : r == 1 ? a11 : r == 2 ? a21 : a31;
        v128.store(o, mul(lo, f));
        if (two) v128.store(o, mul(hi, f), 16);
      }
    }
  }
}

/**
 * dT(c, v) = Σ_{i ≥ 4v} A(i, c)·M(i, v) for key vectors v: A as splats (R×hd vectors), M R × R,
 * result transposed (hd × R) — the gradient of keys or values, 8 columns at a time.
 */
function columnsTimesRows(A: usize, M: usize, S: i32, R: i32, hd: i32, dT: usize): void {
  const mStride = <usize>R << 2;
  const tStride = <usize>R << 2;
  for (let v = 0; v < R >> 2; v++) {
    for (let c0 = 0; c0 < hd; c0 += 8) {
      const n = min(8, hd - c0);
      let a0 = vs(0), a1 = vs(0), a2 = vs(0), a3 = vs(0), a4 = vs(0), a5 = vs(0), a6 = vs(0), a7 = vs(0);
      let m = M + ((<usize>(4 * v * R)) << 2) + (<usize>v << 4);
      for (let i = 4 * v; i < S; i++) {
        const x = v128.load(m);
        const a = A + ((<usize>(i * hd + c0)) << 4);
        a0 = madd(a0, v128.load(a), x);
        a1 = madd(a1, v128.load(a, 16), x);
        a2 = madd(a2, v128.load(a, 32), x);
        a3 = madd(a3, v128.load(a, 48), x);
        if (n > 4) {
          a4 = madd(a4, v128.load(a, 64), x);
          a5 = madd(a5, v128.load(a, 80), x);
          a6 = madd(a6, v128.load(a, 96), x);
          a7 = madd(a7, v128.load(a, 112), x);
        }
        m += mStride;
      }
      const t = dT + ((<usize>(c0 * R)) << 2) + (<usize>v << 4);
      v128.store(t, a0);
      v128.store(t + tStride, a1);
      v128.store(t + 2 * tStride, a2);
      v128.store(t + 3 * tStride, a3);
      if (n > 4) {
        v128.store(t + 4 * tStride, a4);
        v128.store(t + 5 * tStride, a5);
        v128.store(t + 6 * tStride, a6);
        v128.store(t + 7 * tStride, a7);
      }
    }
  }
}

/**
 * Softmax of every row of P over keys j ≤ i, in place; the rest of the row, up to the block's
 * vectors, is zeroed. With normalize false the exponentials stay unnormalised and 1/Σ goes to INV.
 */
function softmaxRows(P: usize, S: i32, R: i32, normalize: bool, INV: usize): void {
  for (let i = 0; i < S; i++) {
    const row = P + ((<usize>(i * R)) << 2);
    const nv = (i + 4) >> 2;
    const keep = laneMask(i + 1 - ((nv - 1) << 2));
    const lastAt = row + (<usize>(nv - 1) << 4);
    v128.store(lastAt, v128.bitselect(v128.load(lastAt), vs(-3.0e38), keep));
    let mx = vs(-3.0e38);
    for (let v = 0; v < nv; v++) mx = f32x4.pmax(mx, v128.load(row + (<usize>v << 4)));
    const m = vs(hmax(mx));
    let sum = vs(0);
    for (let v = 0; v < nv; v++) {
      const o = <usize>v << 4;
      let e = vexp(sub(v128.load(row + o), m));
      if (v == nv - 1) e = v128.and(e, keep);
      v128.store(row + o, e);
      sum = add(sum, e);
    }
    for (let v = nv, e = blockVectors(i & ~3, S); v < e; v++) v128.store(row + (<usize>v << 4), vs(0));
    const inv = <f32>1 / hsum(sum);
    if (normalize) {
      const f = vs(inv);
      for (let v = 0; v < nv; v++) {
        const o = <usize>v << 4;
        v128.store(row + o, mul(v128.load(row + o), f));
      }
    } else {
      store<f32>(INV + (<usize>i << 2), inv);
    }
  }
}

/** The dropout masks of row i (vectors v < nv) multiplied into src, written to dst. */
@inline function maskRow(src: usize, dst: usize, nv: i32, base: u32, key: u32, threshold: u32, scale: v128): void {
  for (let v = 0; v < nv; v++) {
    const o = <usize>v << 4;
    v128.store(dst + o, mul(v128.load(src + o), dropLanes(base + (<u32>v << 2), key, threshold, scale)));
  }
}

/**
 * Forward of one (sequence, head): seq points at its S rows of qkv (3D floats each), q at column
 * qc, k at qc + D, v at qc + 2D; out at its S rows (D floats each), column qc. maskBase is the
 * dropout index of (row 0, key 0); dropping says whether the mask (key, threshold, scale) applies.
 */
export function attentionBlockForward(seq: usize, D: i32, qc: i32, S: i32, hd: i32, out: usize, maskBase: u32, dropping: bool, key: u32, threshold: u32, dscale: v128, scratch: usize): void {
  const R = (S + 3) & ~3, W = 3 * D;
  const scale = <f32>1 / sqrt<f32>(<f32>hd);
  const QS = qsAt(scratch), KT = tileAt(scratch, R, hd, 0), P = matAt(scratch, R, hd, 0);
  const INV = matAt(scratch, R, hd, 3);
  splatRows(seq, W, qc, S, R, hd, scale, QS);
  transposeRows(seq, W, qc + D, S, R, hd, KT);
  rowsTimesColumns(QS, KT, S, R, hd, P);
  softmaxRows(P, S, R, false, INV);
  if (dropping) {
    for (let i = 0; i < S; i++) {
      const row = P + ((<usize>(i * R)) << 2);
      maskRow(row, row, (i + 4) >> 2, maskBase + <u32>(i * S), key, threshold, dscale);
    }
  }
  rowsTimesRows(P, R, S, hd, seq, W, qc + 2 * D, INV, 1, out, D, qc);
}

/** Backward of one (sequence, head) for the output gradient dout (rows of D floats, column qc), into dseq (rows of 3D). */
export function attentionBlockBackward(seq: usize, D: i32, qc: i32, S: i32, hd: i32, dout: usize, dseq: usize, maskBase: u32, dropping: bool, key: u32, threshold: u32, dscale: v128, scratch: usize): void {
  const R = (S + 3) & ~3, W = 3 * D;
  const scale = <f32>1 / sqrt<f32>(<f32>hd);
  const QS = qsAt(scratch), GS = gsAt(scratch, R, hd);
  const KT = tileAt(scratch, R, hd, 0), VT = tileAt(scratch, R, hd, 1), dKT = tileAt(scratch, R, hd, 2), dVT = tileAt(scratch, R, hd, 3);
  const P = matAt(scratch, R, hd, 0), PM = matAt(scratch, R, hd, 1), DS = matAt(scratch, R, hd, 2);
  splatRows(seq, W, qc, S, R, hd, scale, QS);
  splatRows(dout, D, qc, S, R, hd, 1, GS);
  transposeRows(seq, W, qc + D, S, R, hd, KT);
  transposeRows(seq, W, qc + 2 * D, S, R, hd, VT);
  rowsTimesColumns(QS, KT, S, R, hd, P);
  softmaxRows(P, S, R, true, 0);
  // p′ = p·m (the probabilities that weighed the values); without dropout it is p itself.
  let PMx = P;
  if (dropping) {
    PMx = PM;
    for (let i = 0; i < S; i++) {
      const nb = blockVectors(i & ~3, S);
      const row = (<usize>(i * R)) << 2;
      maskRow(P + row, PM + row, nb, maskBase + <u32>(i * S), key, threshold, dscale);
    }
    zero(PM + ((<usize>(S * R)) << 2), (R - S) * R);
  }
  // dV = p′ᵀ·dout (transposed), and dp′ = dout·vᵀ into DS.
  columnsTimesRows(GS, PMx, S, R, hd, dVT);
  rowsTimesColumns(GS, VT, S, R, hd, DS);
  // ds = p·(dp − Σ_j p·dp) with dp = dp′·m, row by row (keys j ≤ i; zero up to the block's vectors).
  for (let i = 0; i < S; i++) {
    const row = (<usize>(i * R)) << 2;
    const nv = (i + 4) >> 2, nb = blockVectors(i & ~3, S);
    if (dropping) maskRow(DS + row, DS + row, nv, maskBase + <u32>(i * S), key, threshold, dscale);
    let dot = vs(0);
    for (let v = 0; v < nv; v++) {
      const o = row + (<usize>v << 4);
      dot = madd(dot, v128.load(P + o), v128.load(DS + o));
    }
    const s = vs(hsum(dot));
    for (let v = 0; v < nv; v++) {
      const o = row + (<usize>v << 4);
      v128.store(DS + o, mul(v128.load(P + o), sub(v128.load(DS + o), s)));
    }
    for (let v = nv; v < nb; v++) v128.store(DS + row + (<usize>v << 4), vs(0));
  }
  zero(DS + ((<usize>(S * R)) << 2), (R - S) * R);
  // dk = dsᵀ·q/√hd (the splats hold q/√hd), dq = ds·k/√hd.
  columnsTimesRows(QS, DS, S, R, hd, dKT);
  rowsTimesRows(DS, R, S, hd, seq, W, qc + D, 0, scale, dseq, W, qc);
  untransposeRows(dKT, W, qc + D, S, R, hd, dseq);
  untransposeRows(dVT, W, qc + 2 * D, S, R, hd, dseq);
}
