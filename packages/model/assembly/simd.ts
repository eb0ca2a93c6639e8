// SIMD building blocks of the baselines' kernels (assembly/gru.ts, assembly/ops.ts): v128
// arithmetic, exp/sigmoid/tanh, the two matrix products every pass is made of, weight packing, and the
// counter-based hash that expands a dropout key into a mask.

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

/**
 * e^x for x clamped to [−87, 88]: Cephes' expf polynomial (~1 ulp). n = round(x·log2 e) comes from
 * adding 1.5·2²³ (the sum's low mantissa bits are n), which also gives 2^n's exponent bits directly.
 */
@inline export function vexp(x: v128): v128 {
  // pmin/pmax are one instruction each (min/max carry NaN and ±0 fix-ups); NaN still passes through.
  const c = f32x4.pmax(f32x4.pmin(x, vs(88.0)), vs(-87.0));
  const t = add(mul(c, vs(1.44269504088896341)), vs(12582912.0));
  const n = sub(t, vs(12582912.0));
  let r = sub(c, mul(n, vs(0.693359375)));
  r = sub(r, mul(n, vs(-2.12194440e-4)));
  let p = madd(vs(1.3981999507e-3), vs(1.9875691500e-4), r);
  p = madd(vs(8.3334519073e-3), p, r);
  p = madd(vs(4.1665795894e-2), p, r);
  p = madd(vs(1.6666665459e-1), p, r);
  p = madd(vs(5.0000001201e-1), p, r);
  const e = add(add(mul(mul(r, r), p), r), vs(1.0));
  // bits(t) = 0x4B400000 + n, so 2^n = (bits(t) − 0x4B400000 + 127) << 23.
  return mul(e, i32x4.shl(i32x4.add(t, i32x4.splat(127 - 0x4b400000)), 23));
}
@inline export function sigmoid(x: v128): v128 {
  return f32x4.div(vs(1.0), add(vs(1.0), vexp(f32x4.neg(x))));
}
@inline export function vtanh(x: v128): v128 {
  return sub(vs(1.0), f32x4.div(vs(2.0), add(vexp(add(x, x)), vs(1.0))));
}

@inline export function zero(p: usize, floats: i32): void {
  memory.fill(p, 0, <usize>floats << 2);
}

// ---- C = A·Bᵀ -----------------------------------------------------------------------------------
// C(r, c) (+)= Σ_k A(r, k)·B(c, k). A: rows of K floats at a + r·lda (bytes). B: packed by the host in
// panels of 4 rows: panel q holds rows 4q…4q+3 as K/4 blocks of 16 floats [row 0: k…k+3][row 1]…,
// at b + q·16·K bytes. C at c + r·ldc + 4·col. K and cols are multiples of 4. Blocks of 2 rows × 4
// columns: 8 accumulators, 6 loads per 8 multiply-adds; one panel (16·K bytes) stays in L1 while
// every row pair of A passes over it.

@inline function ntStore(c: usize, v: v128, acc: bool): void {
  v128.store(c, acc ? add(v128.load(c), v) : v);
}

export function gemmNT(rows: i32, cols: i32, K: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
  const kb = <usize>K << 2;
  const panelBytes = <usize>K << 4;
  for (let q = 0; q < cols >> 2; q++) {
    const bp = b + <usize>q * panelBytes;
    const cq = c + (<usize>q << 4);
    let r = 0;
    for (; r + 2 <= rows; r += 2) {
      const a0 = a + <usize>r * lda, a1 = a0 + lda;
      let s00 = vs(0), s01 = vs(0), s02 = vs(0), s03 = vs(0);
      let s10 = vs(0), s11 = vs(0), s12 = vs(0), s13 = vs(0);
      let p = bp;
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
      const c0 = cq + <usize>r * ldc;
      ntStore(c0, hsum4(s00, s01, s02, s03), acc);
      ntStore(c0 + ldc, hsum4(s10, s11, s12, s13), acc);
    }
    if (r < rows) {
      const a0 = a + <usize>r * lda;
      let s00 = vs(0), s01 = vs(0), s02 = vs(0), s03 = vs(0);
      let p = bp;
      for (let k: usize = 0; k < kb; k += 16) {
        const x0 = v128.load(a0 + k);
        s00 = madd(s00, x0, v128.load(p));
        s01 = madd(s01, x0, v128.load(p, 16));
        s02 = madd(s02, x0, v128.load(p, 32));
        s03 = madd(s03, x0, v128.load(p, 48));
        p += 64;
      }
      ntStore(cq + <usize>r * ldc, hsum4(s00, s01, s02, s03), acc);
    }
  }
}

// ---- C = Aᵀ·B over a long K (weight gradients: K runs over every (t, b) row) ---------------------
// C(r, col) (+)= Σ_k A(k, r)·B(k, col): A rows of lda bytes (r contiguous), B rows of ldb bytes,
// C rows of ldc bytes; cols a multiple of 4. K is cut into chunks so that a chunk's 8-column strip
// of B stays in L1 while every 4-row block of A passes over it.

const KC = 256;

@inline function nnKern4x8(K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = vs(0), c01 = vs(0), c10 = vs(0), c11 = vs(0);
  let c20 = vs(0), c21 = vs(0), c30 = vs(0), c31 = vs(0);
  if (acc) {
    c00 = v128.load(c);
    c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc);
    c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
  }
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
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
    a += lda;
    b += ldb;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldc, c10);
  v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20);
  v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30);
  v128.store(c + 3 * ldc, c31, 16);
}

@inline function nnKern1x8(K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, acc: bool): void {
  let c0 = acc ? v128.load(c) : vs(0);
  let c1 = acc ? v128.load(c, 16) : vs(0);
  for (let k = 0; k < K; k++) {
    const x = v128.load32_splat(a);
    c0 = madd(c0, x, v128.load(b));
    c1 = madd(c1, x, v128.load(b, 16));
    a += lda;
    b += ldb;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

@inline function nnKern4x4(K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  let c0 = acc ? v128.load(c) : vs(0);
  let c1 = acc ? v128.load(c + ldc) : vs(0);
  let c2 = acc ? v128.load(c + 2 * ldc) : vs(0);
  let c3 = acc ? v128.load(c + 3 * ldc) : vs(0);
  for (let k = 0; k < K; k++) {
    const y = v128.load(b);
    c0 = madd(c0, v128.load32_splat(a, 0), y);
    c1 = madd(c1, v128.load32_splat(a, 4), y);
    c2 = madd(c2, v128.load32_splat(a, 8), y);
    c3 = madd(c3, v128.load32_splat(a, 12), y);
    a += lda;
    b += ldb;
  }
  v128.store(c, c0);
  v128.store(c + ldc, c1);
  v128.store(c + 2 * ldc, c2);
  v128.store(c + 3 * ldc, c3);
}

@inline function nnKern1x4(K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, acc: bool): void {
  let c0 = acc ? v128.load(c) : vs(0);
  for (let k = 0; k < K; k++) {
    c0 = madd(c0, v128.load32_splat(a), v128.load(b));
    a += lda;
    b += ldb;
  }
  v128.store(c, c0);
}

export function gemmTN(rows: i32, cols: i32, K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const ak = a + <usize>k0 * lda, bk = b + <usize>k0 * ldb;
    const accum = acc || k0 > 0;
    let col = 0;
    for (; col + 8 <= cols; col += 8) {
      const bc = bk + (<usize>col << 2), cc = c + (<usize>col << 2);
      let r = 0;
      for (; r + 4 <= rows; r += 4) nnKern4x8(kc, ak + (<usize>r << 2), lda, bc, ldb, cc + <usize>r * ldc, ldc, accum);
      for (; r < rows; r++) nnKern1x8(kc, ak + (<usize>r << 2), lda, bc, ldb, cc + <usize>r * ldc, accum);
    }
    if (col < cols) {
      const bc = bk + (<usize>col << 2), cc = c + (<usize>col << 2);
      let r = 0;
      for (; r + 4 <= rows; r += 4) nnKern4x4(kc, ak + (<usize>r << 2), lda, bc, ldb, cc + <usize>r * ldc, ldc, accum);
      for (; r < rows; r++) nnKern1x4(kc, ak + (<usize>r << 2), lda, bc, ldb, cc + <usize>r * ldc, accum);
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
