// SIMD building blocks of the baselines' kernels (assembly/gru.ts, ops.ts, attention.ts): v128
// arithmetic, a constant table, exp/sigmoid/tanh, the two matrix products every pass is made of,
// weight packing, and the counter-based hash that expands a dropout key into a mask.

// ---- v128 helpers -------------------------------------------------------------------------------
@inline export function vs(x: f32): v128 {
  return f32x4.splat(x);
}
@inline export function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}
@inline export function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}
@inline export function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  // Built twice: with relaxed SIMD this is one fused multiply-add where the CPU has FMA.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
/** [Σ lanes of v0, Σ v1, Σ v2, Σ v3]: four horizontal sums in six shuffles and three adds. */
@inline export function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const u01 = add(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
  const u23 = add(v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7));
  return add(v128.shuffle<f32>(u01, u23, 0, 1, 4, 5), v128.shuffle<f32>(u01, u23, 2, 3, 6, 7));
}

// ---- constants --------------------------------------------------------------------------------
// V8 rebuilds a v128 constant at every use inside a loop (a few instructions each), and the
// transcendental functions below use a dozen; they read this table instead (one load each).
// writeConstants fills it once, before any command runs (assembly/baselines.ts's init).
const CONSTS: usize = 61440; // below the buffers (65536), after the parameter blocks
const C_EXP_MAX = 0;
const C_EXP_MIN = 1;
const C_LOG2E = 2;
const C_ROUND = 3;
const C_LN2_HI = 4;
const C_LN2_LO = 5;
const C_EXP_P = 6; // 6 polynomial coefficients
export const C_ONE = 12;
const C_EXP_BIAS = 13; // i32 lanes
const C_TWO = 14;
export const C_HALF = 15;
export const C_RSQRT2 = 16;
export const C_ERFC = 17; // 10 coefficients, highest degree first
export const C_INV_SQRT_2PI = 27;
export const C_MINUS_HALF = 28;

@inline export function kc(i: i32): v128 {
  return v128.load(CONSTS + (<usize>i << 4));
}

@inline function put(i: i32, x: f32): void {
  v128.store(CONSTS + (<usize>i << 4), f32x4.splat(x));
}

/** Fills the constant table (one call per memory, before any command). */
export function writeConstants(): void {
  put(C_EXP_MAX, 88.0);
  put(C_EXP_MIN, -87.0);
  put(C_LOG2E, 1.44269504088896341);
  put(C_ROUND, 12582912.0);
  put(C_LN2_HI, 0.693359375);
  put(C_LN2_LO, -2.12194440e-4);
  put(C_EXP_P, 1.9875691500e-4);
  put(C_EXP_P + 1, 1.3981999507e-3);
  put(C_EXP_P + 2, 8.3334519073e-3);
  put(C_EXP_P + 3, 4.1665795894e-2);
  put(C_EXP_P + 4, 1.6666665459e-1);
  put(C_EXP_P + 5, 5.0000001201e-1);
  put(C_ONE, 1.0);
  v128.store(CONSTS + (<usize>C_EXP_BIAS << 4), i32x4.splat(127 - 0x4b400000));
  put(C_TWO, 2.0);
  put(C_HALF, 0.5);
  put(C_RSQRT2, 0.70710678118654752);
  put(C_ERFC, 0.17087277);
  put(C_ERFC + 1, -0.82215223);
  put(C_ERFC + 2, 1.48851587);
  put(C_ERFC + 3, -1.13520398);
  put(C_ERFC + 4, 0.27886807);
  put(C_ERFC + 5, -0.18628806);
  put(C_ERFC + 6, 0.09678418);
  put(C_ERFC + 7, 0.37409196);
  put(C_ERFC + 8, 1.00002368);
  put(C_ERFC + 9, -1.26551223);
  put(C_INV_SQRT_2PI, 0.3989422804014327);
  put(C_MINUS_HALF, -0.5);
}

/**
 * e^x for x clamped to [−87, 88]: Cephes' expf polynomial (~1 ulp). n = round(x·log2 e) comes from
 * adding 1.5·2²³ (the sum's low mantissa bits are n), which also gives 2^n's exponent bits directly.
 */
@inline export function vexp(x: v128): v128 {
  // pmin/pmax are one instruction each (min/max carry NaN and ±0 fix-ups); NaN still passes through.
  const c = f32x4.pmax(f32x4.pmin(x, kc(C_EXP_MAX)), kc(C_EXP_MIN));
  const t = add(mul(c, kc(C_LOG2E)), kc(C_ROUND));
  const n = sub(t, kc(C_ROUND));
  let r = sub(c, mul(n, kc(C_LN2_HI)));
  r = sub(r, mul(n, kc(C_LN2_LO)));
  let p = madd(kc(C_EXP_P + 1), kc(C_EXP_P), r);
  p = madd(kc(C_EXP_P + 2), p, r);
  p = madd(kc(C_EXP_P + 3), p, r);
  p = madd(kc(C_EXP_P + 4), p, r);
  p = madd(kc(C_EXP_P + 5), p, r);
  const e = add(add(mul(mul(r, r), p), r), kc(C_ONE));
  // bits(t) = 0x4B400000 + n, so 2^n = (bits(t) − 0x4B400000 + 127) << 23.
  return mul(e, i32x4.shl(i32x4.add(t, kc(C_EXP_BIAS)), 23));
}
@inline export function sigmoid(x: v128): v128 {
  const one = kc(C_ONE);
  return f32x4.div(one, add(one, vexp(f32x4.neg(x))));
}
@inline export function vtanh(x: v128): v128 {
  return sub(kc(C_ONE), f32x4.div(kc(C_TWO), add(vexp(add(x, x)), kc(C_ONE))));
}

@inline export function zero(p: usize, floats: i32): void {
  memory.fill(p, 0, <usize>floats << 2);
}

// ---- C = A·Bᵀ -----------------------------------------------------------------------------------
// C(r, c) (+)= Σ_k A(r, k)·B(c, k). A: rows of K floats at a + r·lda (bytes). B: packed in panels of
// 4 rows (packPanels): panel q holds rows 4q…4q+3 as K/4 blocks of 16 floats [row 0: k…k+3][row 1]…,
// at b + q·16·K bytes. C at c + r·ldc + 4·col. K and cols are multiples of 4. Blocks of 2 rows × 4
// columns: 8 accumulators, 6 loads per 8 multiply-adds, reduced by hsum4 into one vector store.
// Rows go in blocks of about 16 KB of A, which stay in L1 while every panel of B passes over them.

@inline function ntStore(c: usize, v: v128, acc: bool): void {
  v128.store(c, acc ? add(v128.load(c), v) : v);
}

@inline function ntKern2x4(kb: usize, a0: usize, a1: usize, p: usize, c0: usize, ldc: usize, acc: bool): void {
  let s00 = vs(0), s01 = vs(0), s02 = vs(0), s03 = vs(0);
  let s10 = vs(0), s11 = vs(0), s12 = vs(0), s13 = vs(0);
  for (let k: usize = 0; k < kb; k += 16) {
    const x0 = v128.load(a0 + k), x1 = v128.load(a1 + k);
    let y = v128.load(p);
    s00 = madd(s00, x0, y);
    s10 = madd(s10, x1, y);
    y = v128.load(p, 16);
    s01 = madd(s01, x0, y);
    s11 = madd(s11, x1, y);
    y = v128.load(p, 32);
    s02 = madd(s02, x0, y);
    s12 = madd(s12, x1, y);
    y = v128.load(p, 48);
    s03 = madd(s03, x0, y);
    s13 = madd(s13, x1, y);
    p += 64;
  }
  ntStore(c0, hsum4(s00, s01, s02, s03), acc);
  ntStore(c0 + ldc, hsum4(s10, s11, s12, s13), acc);
}

@inline function ntKern1x4(kb: usize, a0: usize, p: usize, c0: usize, acc: bool): void {
  let s00 = vs(0), s01 = vs(0), s02 = vs(0), s03 = vs(0);
  for (let k: usize = 0; k < kb; k += 16) {
    const x0 = v128.load(a0 + k);
    s00 = madd(s00, x0, v128.load(p));
    s01 = madd(s01, x0, v128.load(p, 16));
    s02 = madd(s02, x0, v128.load(p, 32));
    s03 = madd(s03, x0, v128.load(p, 48));
    p += 64;
  }
  ntStore(c0, hsum4(s00, s01, s02, s03), acc);
}

export function gemmNT(rows: i32, cols: i32, K: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
  const kb = <usize>K << 2;
  const panelBytes = <usize>K << 4;
  const block = max(2, (4096 / K) & ~1);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = min(rows, r0 + block);
    for (let q = 0; q < cols >> 2; q++) {
      const bp = b + <usize>q * panelBytes;
      const cq = c + (<usize>q << 4);
      let r = r0;
      for (; r + 2 <= r1; r += 2) {
        const a0 = a + <usize>r * lda;
        ntKern2x4(kb, a0, a0 + lda, bp, cq + <usize>r * ldc, ldc, acc);
      }
      if (r < r1) ntKern1x4(kb, a + <usize>r * lda, bp, cq + <usize>r * ldc, acc);
    }
  }
}

// ---- C = Aᵀ·B over a long K (weight gradients: K runs over every row of a batch) -------------------
// C(r, col) (+)= Σ_k A(k, r)·B(k, col): A rows of lda bytes, B rows of ldb bytes, C rows of ldc
// bytes; rows a multiple of 4, cols of 4. K goes in chunks of TN_KC: each chunk of A is packed as
// 4-column blocks (TN_KC × 4 floats, contiguous) and of B as 8-column strips (TN_KC × 8), into
// `work` (TN_KC·(rows + cols + 8) floats), so the 4×8 kernel reads both sequentially; one strip of
// B stays in L1 while every block of A passes over it.

export const TN_KC = 128;

/** Floats of scratch gemmTN needs for a rows × cols product. */
export function tnWorkFloats(rows: i32, cols: i32): i32 {
  return TN_KC * (rows + cols + 8);
}

@inline function tnKern4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, acc: bool, narrow: bool): void {
  let c00 = vs(0), c01 = vs(0), c10 = vs(0), c11 = vs(0);
  let c20 = vs(0), c21 = vs(0), c30 = vs(0), c31 = vs(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap, 0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load32_splat(ap, 4);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    x = v128.load32_splat(ap, 8);
    c20 = madd(c20, x, b0);
    c21 = madd(c21, x, b1);
    x = v128.load32_splat(ap, 12);
    c30 = madd(c30, x, b0);
    c31 = madd(c31, x, b1);
    ap += 16;
    bp += 32;
  }
  ntStore(c, c00, acc);
  ntStore(c + ldc, c10, acc);
  ntStore(c + 2 * ldc, c20, acc);
  ntStore(c + 3 * ldc, c30, acc);
  if (!narrow) {
    ntStore(c + 16, c01, acc);
    ntStore(c + ldc + 16, c11, acc);
    ntStore(c + 2 * ldc + 16, c21, acc);
    ntStore(c + 3 * ldc + 16, c31, acc);
  }
}

export function gemmTN(rows: i32, cols: i32, K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool, work: usize): void {
  const blocks = rows >> 2;
  const strips = (cols + 7) >> 3;
  const ap0 = work;
  const bp0 = work + ((<usize>TN_KC * <usize>rows) << 2);
  for (let k0 = 0; k0 < K; k0 += TN_KC) {
    const kc = min(TN_KC, K - k0);
    // Pack: A block q at ap0 + q·kc·16 (row k: 4 floats), B strip q at bp0 + q·kc·32 (row k: 8 floats).
    for (let k = 0; k < kc; k++) {
      const ar = a + <usize>(k0 + k) * lda, br = b + <usize>(k0 + k) * ldb;
      for (let q = 0; q < blocks; q++) v128.store(ap0 + ((<usize>(q * kc + k)) << 4), v128.load(ar + (<usize>q << 4)));
      for (let q = 0; q < strips; q++) {
        const dst = bp0 + ((<usize>(q * kc + k)) << 5);
        v128.store(dst, v128.load(br + (<usize>q << 5)));
        // A last strip of 4 columns is padded with zeros (the row may end there).
        v128.store(dst, (q << 3) + 8 <= cols ? v128.load(br + (<usize>q << 5), 16) : vs(0), 16);
      }
    }
    const accum = acc || k0 > 0;
    for (let q = 0; q < strips; q++) {
      const bp = bp0 + ((<usize>(q * kc)) << 5);
      const narrow = (q << 3) + 8 > cols;
      for (let r = 0; r < blocks; r++) {
        tnKern4x8(kc, ap0 + ((<usize>(r * kc)) << 4), bp, c + <usize>(r << 2) * ldc + (<usize>q << 5), ldc, accum, narrow);
      }
    }
  }
}

/** dst(k) = Σ over `rows` rows of src (row stride lds bytes), for `n` floats (a multiple of 4). */
export function columnSums(src: usize, lds: usize, rows: i32, n: i32, dst: usize): void {
  zero(dst, n);
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * lds;
    for (let i = 0; i < n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dst + off, add(v128.load(dst + off), v128.load(s + off)));
    }
  }
}

/** All-ones in lanes l with l < n (n may exceed 4). */
@inline export function laneMask(n: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n));
}

/** Σ of the four lanes. */
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Largest of the four lanes. */
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/**
 * Packs an rows×cols matrix (element (r, c) at src + 4·(r·rs + c·cs); zero for r ≥ rows or
 * c ≥ cols) into gemmNT's panels of rowsP/4 × 4 rows and colsP/4 blocks of 4 columns.
 */
export function packPanels(src: usize, rs: i32, cs: i32, rows: i32, cols: i32, rowsP: i32, colsP: i32, dst: usize): void {
  let o = dst;
  for (let q = 0; q < rowsP; q += 4) {
    for (let kb = 0; kb < colsP; kb += 4) {
      for (let ri = 0; ri < 4; ri++) {
        const r = q + ri;
        for (let ki = 0; ki < 4; ki++) {
          const c = kb + ki;
          store<f32>(o, r < rows && c < cols ? load<f32>(src + ((<usize>(r * rs + c * cs)) << 2)) : 0);
          o += 4;
        }
      }
    }
  }
}

// ---- dropout masks ------------------------------------------------------------------------------
// Element i of the mask with key k is kept when h(k, i) ≥ threshold (threshold = round(p·2³²)),
// h = murmur3's 32-bit finaliser of i·0x9E3779B9 + k. The same function runs in JavaScript
// (src/baselines/dropout.ts) for the tfjs path; keep the two identical.

/** All-ones in the lanes whose element (indices idx) is kept. */
@inline export function keepLanes(idx: v128, key: u32, threshold: u32): v128 {
  let x = i32x4.add(i32x4.mul(idx, i32x4.splat(0x9e3779b9)), i32x4.splat(key));
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x85ebca6b));
  x = v128.xor(x, i32x4.shr_u(x, 13));
  x = i32x4.mul(x, i32x4.splat(0xc2b2ae35));
  x = v128.xor(x, i32x4.shr_u(x, 16));
  return i32x4.ge_u(x, i32x4.splat(threshold));
}

/** The mask multipliers (0 or scale) of elements i, i+1, i+2, i+3. */
@inline export function dropLanes(i: u32, key: u32, threshold: u32, scale: v128): v128 {
  return v128.and(keepLanes(i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3)), key, threshold), scale);
}
