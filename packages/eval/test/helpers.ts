/** Shared test fixtures: temp folders, tiny datasets, synthetic adapters, the CLI runner, and a float64 ring simulator. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset, resolveDatagenConfig, type DatagenConfig } from '@ring-attractor/datagen';
import type { AdapterRun, ModelAdapter } from '../src/adapter.js';

const BIN = fileURLToPath(new URL('../bin/ring-eval.mjs', import.meta.url));
const created: string[] = [];

/** A fresh temp folder, removed by {@link removeTempDirs}. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ring-eval-${label}-`));
  created.push(dir);
  return dir;
}

/** Removes every folder {@link tempDir} made in this process. */
export function removeTempDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A small dataset folder `dir/name` (few train rows: only the test split is evaluated). */
export async function tinyDataset(dir: string, name: string, over: Partial<DatagenConfig> = {}): Promise<string> {
  const out = join(dir, name);
  await generateDataset(resolveDatagenConfig({ num_samples: 4, test_samples: 12, seq_len: 40, seed: 5, ...over }), out);
  return out;
}

const TWO_PI = 2 * Math.PI;

function wrap(x: number): number {
  const y = x % TWO_PI;
  return y < 0 ? y + TWO_PI : y;
}

/**
 * A model-free integrator: decoded[t] = angle0 + gain·Σ_{s≤lagEnd} av[s] + bias·(t + 1), with
 * lagEnd = t − 1 (the dataset's own convention, so gain 1 and bias 0 make no error) or t.
 * Its errors, drifts and speeds have closed forms, so the metrics can be checked against them.
 */
export function integratorAdapter(opts: { gain?: number; bias?: number; includeCurrent?: boolean } = {}): ModelAdapter & { calls: number[] } {
  const gain = opts.gain ?? 1;
  const bias = opts.bias ?? 0;
  const calls: number[] = [];
  return {
    decoders: ['pv'],
    hasBump: false,
    calls,
    async run(av, angle0, B, T): Promise<AdapterRun> {
      calls.push(B);
      const pv = new Float64Array(B * T);
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let t = 0; t < T; t++) {
          if (opts.includeCurrent) sum += av[b * T + t];
          pv[b * T + t] = wrap(angle0[b] + gain * sum + bias * (t + 1));
          if (!opts.includeCurrent) sum += av[b * T + t];
        }
      }
      return { pv };
    },
  };
}

/** Runs ring-eval in a child process. */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `dir` (relative path → bytes as base64); empty if `dir` does not exist. */
export function folderContents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  try {
    walk(dir);
  } catch {
    return {};
  }
  return out;
}

/** erf in float64: its Maclaurin series below 3, the continued fraction of erfc above (both to ~1e-15). */
function erf(x: number): number {
  // Maclaurin series for |x| < 3, complement by continued fraction beyond: both converge to double precision.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  }
  return x < 0 ? -r : r;
}

/** F of docs/model.md §2 in float64. */
export function activation(name: 'tanh' | 'relu' | 'gelu'): (x: number) => number {
  if (name === 'tanh') return Math.tanh;
  if (name === 'relu') return (x) => Math.max(0, x);
  return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/**
 * The debug_perfect ring of docs/model.md §2 simulated in float64, independently of the model package:
 * Wo = cos Δ, Wl = cos(Δ + π/4), Wr = cos(Δ − π/4) have rank 2, so W_s·r = cos(φ_i + s)·X + sin(φ_i + s)·Y
 * with X = Σ r cos φ, Y = Σ r sin φ, and one step costs O(N). Returns the PV angle (atan2(Y, X),
 * unwrapped from angle0) and Σ|r| after each step of a constant velocity v.
 */
export function simulatePerfectRing(N: number, F: (x: number) => number, angle0: number, v: number, steps: number, alpha = 0.15): { angle: Float64Array; amplitude: Float64Array } {
  const phi = Float64Array.from({ length: N }, (_, i) => (TWO_PI * i) / N);
  const w = N / 10;
  const c = (angle0 * N) / TWO_PI;
  let r = Float64Array.from(phi, (_, i) => {
    const d = Math.abs(i - c);
    const delta = Math.min(d, N - d);
    return Math.exp(-(delta * delta) / (2 * w * w));
  });
  const norm = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
  r = r.map((x) => x / norm);
  const R = Math.max(v, 0);
  const L = Math.max(-v, 0);
  const angle = new Float64Array(steps);
  const amplitude = new Float64Array(steps);
  let prev = angle0;
  let unwrapped = angle0;
  for (let t = 0; t < steps; t++) {
    let S = 0;
    let X = 0;
    let Y = 0;
    for (let i = 0; i < N; i++) {
      S += r[i];
      X += r[i] * Math.cos(phi[i]);
      Y += r[i] * Math.sin(phi[i]);
    }
    const next = new Float64Array(N);
    let A = 0;
    let X1 = 0;
    let Y1 = 0;
    for (let i = 0; i < N; i++) {
      const rot = (s: number): number => Math.cos(phi[i] + s) * X + Math.sin(phi[i] + s) * Y;
      const pre = -0.1 * S + 0.1 * rot(0) + L * rot(Math.PI / 4) + R * rot(-Math.PI / 4);
      next[i] = (1 - alpha) * r[i] + alpha * F(pre);
      A += Math.abs(next[i]);
      X1 += next[i] * Math.cos(phi[i]);
      Y1 += next[i] * Math.sin(phi[i]);
    }
    r = next;
    const a = Math.atan2(Y1, X1);
    let d = a - prev;
    d -= TWO_PI * Math.round(d / TWO_PI);
    unwrapped += d;
    prev = a;
    angle[t] = unwrapped;
    amplitude[t] = A;
  }
  return { angle, amplitude };
}

/**
 * The steady rotation speed of the debug_perfect ring at constant velocity v (rad/step), in closed form.
 * Its drive J1·Wo·r + R·Wr·r (or L·Wl·r) is a cosine of the bump's own first harmonic, turned by
 * δ = atan2(|v|/√2, J1 + |v|/√2), so F(pre) is symmetric about ψ + δ whatever F is. With Z = X + iY,
 * one step is Z' = (1 − α)·Z + α·ρ·|Z|·e^{i(ψ+δ)}, ρ = |first harmonic of F(pre)| / |Z|. A bump turning
 * at a steady speed ω with a steady amplitude needs |(1 − α) + α·ρ·e^{iδ}| = 1, a quadratic in ρ:
 * α²ρ² + 2α(1 − α)·cos δ·ρ − (2α − α²) = 0; then ω = arg((1 − α) + α·ρ·e^{iδ}). For small v, ω ≈ α·v/(√2·J1) ≈ 1.06·v.
 */
export function perfectRingSpeed(v: number, alpha = 0.15, J1 = 0.1): number {
  const a = Math.abs(v) / Math.SQRT2;
  const delta = Math.atan2(a, J1 + a);
  const qa = alpha * alpha;
  const qb = 2 * alpha * (1 - alpha) * Math.cos(delta);
  const qc = -(2 * alpha - alpha * alpha);
  const rho = (-qb + Math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa);
  return Math.sign(v) * Math.atan2(alpha * rho * Math.sin(delta), 1 - alpha + alpha * rho * Math.cos(delta));
}
