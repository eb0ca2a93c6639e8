// The activations F and F′ of both fused kernels, declared once as straight-line vector statements
// `lhs = expr`. scripts/kernel-sources.mjs writes them out as AssemblyScript (f32x4) and as C++ (a
// template over each native ISA's vector type), repeating each statement for several independent
// vectors in lockstep so the long dependency chains overlap.
//
// Operations (lane-wise on f32 vectors): c(k) splat of the constant k (read as f64, rounded to f32);
// add sub mul div; min max (a NaN in the first operand propagates); abs; nearest (round half to
// even); madd(acc, a, b) = acc + a·b (fused where the ISA has FMA); pow2i(n) = 2^n for
// integer-valued n in [-126, 127]; ge gt (masks); select(a, b, m) = m ? a : b; and(m, a) = m ? a : 0.
// Variables: x is the input; y = F(x) and d = F′(x) are the outputs.
//
// exp uses Cephes' expf polynomial (~1 ulp on the clamped range; the clamp keeps e normal);
// Φ(x) = 0.5·(1 + erf(x/√2)) uses Numerical Recipes' erfcc (relative error < 1.2e-7), which keeps
// gelu(x) = x·Φ(x) accurate in the negative tail; gelu′(x) = Φ(x) + x·φ(x); tanh′ = 1 − tanh².

/** e = exp(q), on the variables named (q is overwritten). */
const exp = (q, n, e) => [
  `${q} = max(min(${q}, c(88.0)), c(-80.0))`,
  `${n} = nearest(mul(${q}, c(1.44269504088896341)))`,
  `${q} = sub(${q}, mul(${n}, c(0.693359375)))`,
  `${q} = sub(${q}, mul(${n}, c(-2.12194440e-4)))`,
  `${e} = madd(c(1.3981999507e-3), c(1.9875691500e-4), ${q})`,
  `${e} = madd(c(8.3334519073e-3), ${e}, ${q})`,
  `${e} = madd(c(4.1665795894e-2), ${e}, ${q})`,
  `${e} = madd(c(1.6666665459e-1), ${e}, ${q})`,
  `${e} = madd(c(5.0000001201e-1), ${e}, ${q})`,
  `${e} = add(add(mul(mul(${q}, ${q}), ${e}), ${q}), c(1.0))`,
  `${e} = mul(${e}, pow2i(${n}))`,
];
const EXP = exp('q', 'n', 'e');

/**
 * Two independent statement lists merged alternately (each keeps its order): the same operations,
 * so the same results, but each chain's long latency overlaps the other's in the instruction stream.
 */
function interleave(a, b) {
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...a.slice(i, i + 1), ...b.slice(i, i + 1));
  return out;
}

/** phi = Φ(x). */
const PHI = [
  'z = mul(abs(x), c(0.70710678118654752))',
  't = div(c(1.0), add(c(1.0), mul(c(0.5), z)))',
  'p = madd(c(-0.82215223), c(0.17087277), t)',
  'p = madd(c(1.48851587), p, t)',
  'p = madd(c(-1.13520398), p, t)',
  'p = madd(c(0.27886807), p, t)',
  'p = madd(c(-0.18628806), p, t)',
  'p = madd(c(0.09678418), p, t)',
  'p = madd(c(0.37409196), p, t)',
  'p = madd(c(1.00002368), p, t)',
  'p = madd(c(-1.26551223), p, t)',
  'q = sub(p, mul(z, z))',
  ...EXP,
  'e = mul(c(0.5), mul(t, e))',
  'phi = select(sub(c(1.0), e), e, ge(x, c(0.0)))',
];

const TANH = ['q = add(x, x)', ...EXP, 'y = sub(c(1.0), div(c(2.0), add(e, c(1.0))))'];

/**
 * F and F′ of each activation, computed together (the forward saves F′ for the backward, so the
 * shared work is done once), in ACTIVATIONS order; `lanes` is how many vectors run in lockstep.
 */
export const ACTIVATION_CODE = /** @type {const} */ ({
  tanh: { lanes: 3, statements: [...TANH, 'd = sub(c(1.0), mul(y, y))'] },
  relu: { lanes: 1, statements: ['y = max(x, c(0.0))', 'd = and(gt(x, c(0.0)), c(1.0))'] },
  gelu: {
    lanes: 3,
    // φ(x)'s exp(−x²/2) does not depend on Φ(x): its chain runs beside Φ's on its own variables.
    statements: [
      ...interleave(['u = mul(c(-0.5), mul(x, x))', ...exp('u', 'm', 'h')], PHI),
      'y = mul(x, phi)',
      'd = madd(phi, x, mul(c(0.3989422804014327), h))',
    ],
  },
});

/** Every variable a statement may use. */
export const VARIABLES = ['x', 'q', 'n', 'e', 'z', 't', 'p', 'phi', 'y', 'd', 'u', 'm', 'h'];
