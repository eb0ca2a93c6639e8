// Fused GRU stack (torch.nn.GRU semantics, see src/baselines/gruStack.ts): forward and
// backward-through-time of every layer and step, over one slice of the batch. Every instance (main
// thread and workers) shares one imported memory; the host writes sizes, buffer offsets and the
// packed weights (src/baselines/gruKernel/layout.ts) and each thread calls forward(s)/backward(s)
// for its slice s. Nothing is allocated here.
//
// Per thread everything is batch-major: a step's states are Bs rows of Hp floats (H padded to a
// multiple of 4, padding kept at 0), gate pre-activations Bs rows of G = 3·Hp (r, z, n thirds). All
// products are then either C = A·Bᵀ over contiguous rows (gemmNT; the weight operand is packed in
// 4-row panels by the host) or, for weight gradients, Σ over (t, b) of outer products (gemmNN).
// No transposes are needed anywhere.

// ---- parameter block: i32 words at PARAMS; keep in sync with src/baselines/gruKernel/layout.ts ----
const PARAMS: usize = 1024;
const P_B = 0;
const P_T = 1;
const P_I = 2;
const P_H = 3;
const P_L = 4;
const P_IP = 5; // I padded to 4
const P_HP = 6; // H padded to 4
const P_G = 7; // 3·Hp
const P_MASKED = 8; // 1: dropout masks between layers
const P_X = 9; // B×T×I input
const P_H0 = 10; // L×B×H initial states
const P_MASK = 11; // (L−1)×B×T×H multipliers of layer k ≥ 1's input
const P_OUT = 12; // B×T×H last layer's states
const P_DOUT = 13; // B×T×H its gradient
const P_DX = 14; // B×T×I gradient of x
const P_DH0 = 15; // L×B×H gradient of h0
// Per layer (LAYER_WORDS words from LAYER_TABLE): packed W_ih (G rows of Ik), packed W_ihᵀ (Ik rows
// of G), packed W_hh (G rows of Hp), packed W_hhᵀ (Hp rows of G), b_ih + b_hh of the r and z gates
// (2·Hp), b_ih and b_hh of the n gate (Hp each), Ik (the layer's padded input width).
const LAYER_TABLE = 16;
const LAYER_WORDS = 8;
const L_WIH = 0;
const L_WIHT = 1;
const L_WHH = 2;
const L_WHHT = 3;
const L_BRZ = 4;
const L_BIN = 5;
const L_BHN = 6;
const L_IK = 7;
// Per thread (THREAD_WORDS words from THREAD_TABLE): b0, b1, then shared scratch: XT (T×Bs×Ip layer
// 0 input), GH (Bs×G), DGH and DGX (T×Bs×G gate gradients), DH (Bs×Hp), DY (T×Bs×Hp gradient of
// the current layer's outputs), DXT (T×Bs×Ip); then per layer (TL_WORDS from 16): HS ((T+1)×Bs×Hp
// states), GX (T×Bs×G input products, overwritten by the gates r, z, n), GHN (T×Bs×Hp, W_hn h + b_hn),
// XM (T×Bs×Hp masked input) and MT (T×Bs×Hp masks) when masked, dW_ih (G×Ik), dW_hh (G×Hp), db (2G).
const THREAD_TABLE = 144;
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

// ---- v128 helpers -------------------------------------------------------------------------------
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
  // Built twice: with relaxed SIMD this is one fused multiply-add where the CPU has FMA.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
/** [Σ lanes of v0, Σ v1, Σ v2, Σ v3]: four horizontal sums in six shuffles and three adds. */
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const u01 = add(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
  const u23 = add(v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7));
  return add(v128.shuffle<f32>(u01, u23, 0, 1, 4, 5), v128.shuffle<f32>(u01, u23, 2, 3, 6, 7));
}

/** e^x for x clamped to [−87, 88]: Cephes' expf polynomial (~1 ulp), 2^n built in the exponent bits. */
@inline function vexp(x: v128): v128 {
  const c = f32x4.max(f32x4.min(x, vs(88.0)), vs(-87.0));
  const n = f32x4.nearest(mul(c, vs(1.44269504088896341)));
  let r = sub(c, mul(n, vs(0.693359375)));
  r = sub(r, mul(n, vs(-2.12194440e-4)));
  let p = madd(vs(1.3981999507e-3), vs(1.9875691500e-4), r);
  p = madd(vs(8.3334519073e-3), p, r);
  p = madd(vs(4.1665795894e-2), p, r);
  p = madd(vs(1.6666665459e-1), p, r);
  p = madd(vs(5.0000001201e-1), p, r);
  const e = add(add(mul(mul(r, r), p), r), vs(1.0));
  return mul(e, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23));
}
@inline function sigmoid(x: v128): v128 {
  return f32x4.div(vs(1.0), add(vs(1.0), vexp(f32x4.neg(x))));
}
@inline function vtanh(x: v128): v128 {
  return sub(vs(1.0), f32x4.div(vs(2.0), add(vexp(add(x, x)), vs(1.0))));
}

@inline function zero(p: usize, floats: i32): void {
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

function gemmNT(rows: i32, cols: i32, K: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize, acc: bool): void {
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

function gemmTN(rows: i32, cols: i32, K: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, acc: bool): void {
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
function columnSums(src: usize, lds: usize, rows: i32, n: i32, dst: usize): void {
  zero(dst, n);
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * lds;
    for (let i = 0; i < n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dst + off, add(v128.load(dst + off), v128.load(s + off)));
    }
  }
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

/** One step's gates for Bs rows, in place: GX → (r, z, n), GHN ← W_hn h + b_hn, h_{t+1} from h_t. */
function gatesForward(gx: usize, gh: usize, ghn: usize, hPrev: usize, hNext: usize, brz: usize, bin: usize, bhn: usize, BS: i32, HP: i32): void {
  const G = 3 * HP;
  const seg = <usize>HP << 2;
  for (let b = 0; b < BS; b++) {
    const x = gx + ((<usize>b * <usize>G) << 2), h = gh + ((<usize>b * <usize>G) << 2);
    const hn = ghn + ((<usize>b * <usize>HP) << 2);
    const hp = hPrev + ((<usize>b * <usize>HP) << 2), hx = hNext + ((<usize>b * <usize>HP) << 2);
    for (let j = 0; j < HP; j += 4) {
      const o = <usize>j << 2;
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
  }
}

/** Runs every layer over all T steps for slice s, keeping what the backward needs. */
export function forward(s: i32): void {
  const B = pi(P_B), T = pi(P_T), I = pi(P_I), H = pi(P_H), L = pi(P_L), IP = pi(P_IP), HP = pi(P_HP), G = pi(P_G);
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
      const MT = tlu(s, k, TL_MT), XM = tlu(s, k, TL_XM);
      gather(pu(P_MASK) + ((<usize>(k - 1) * <usize>B * <usize>T * <usize>H) << 2), H, MT, HP, H, b0, BS, T, true);
      const prev = tlu(s, k - 1, TL_HS) + rowsBytes;
      const n = T * BS * HP;
      for (let i = 0; i < n; i += 4) {
        const o = <usize>i << 2;
        v128.store(XM + o, mul(v128.load(MT + o), v128.load(prev + o)));
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
  const one = vs(1.0);
  for (let b = 0; b < BS; b++) {
    const rowH = (<usize>b * <usize>HP) << 2, rowG = (<usize>b * <usize>G) << 2;
    for (let j = 0; j < HP; j += 4) {
      const o = <usize>j << 2;
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
export function backward(s: i32): void {
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
    gemmTN(G, HP, T * BS, DGH, <usize>G << 2, HS, <usize>HP << 2, tlu(s, k, TL_DWHH), <usize>HP << 2, false);
    gemmTN(G, IK, T * BS, DGX, <usize>G << 2, input, <usize>IK << 2, tlu(s, k, TL_DWIH), <usize>IK << 2, false);
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
