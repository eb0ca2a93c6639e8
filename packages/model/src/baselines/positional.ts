/**
 * The reference's sinusoidal positional table (PositionalEncoding's `pe` buffer), computed with
 * torch's float32 arithmetic so that it matches the buffer PyTorch builds:
 *   div_i = exp(2i · (−ln 10000 / d)),  pe[t, 2i] = sin(t · div_i),  pe[t, 2i+1] = cos(t · div_i)
 * with every product and function value rounded to float32, as torch computes them.
 */
const f = Math.fround;

/** Rows 0…rows−1 of the table for width d (even), row-major rows×d. */
export function positionalTable(rows: number, d: number): Float32Array {
  const out = new Float32Array(rows * d);
  const scale = f(-Math.log(10000) / d);
  const div = Array.from({ length: d / 2 }, (_, i) => f(Math.exp(f(2 * i * scale))));
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i < d / 2; i++) {
      const arg = f(t * div[i]);
      out[t * d + 2 * i] = f(Math.sin(arg));
      out[t * d + 2 * i + 1] = f(Math.cos(arg));
    }
  }
  return out;
}
