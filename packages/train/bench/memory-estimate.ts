/**
 * The memory estimate (src/memoryEstimate.ts) against what runs use: each config trains 3 steps in
 * its own ring-train process, whose peak RSS (getrusage's maxRSS, printed at exit) is set beside
 * the estimate. The configs are chosen so that one term dominates each (B·T·N, B·T·k·H, k, the
 * wasm kernel, B·T·H·L, B·T·d·L, B·heads·T²·L); the estimate is meant to be within 2× of the peak.
 *
 * Usage: node --import tsx bench/memory-estimate.ts [--only NAME]
 * Lines: `memory-estimate name=… kernel=… estimate_mb=… peak_mb=… ratio=…` (ratio = peak/estimate), then
 * `memory-estimate configs=… min_ratio=… max_ratio=…`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset, resolveDatagenConfig } from '@ring-attractor/datagen';
import { nativeUnavailableReason, type KernelName } from '@ring-attractor/model';
import { resolveRunConfig, type RunConfigInput } from '../src/config.js';
import { estimateTrainingMemory } from '../src/memoryEstimate.js';

const BIN = fileURLToPath(new URL('../bin/ring-train.mjs', import.meta.url));
/** Preloaded into each run: prints its peak RSS when it exits. */
const PEAK = "data:text/javascript,process.on('exit',()=>process.stderr.write('peak_rss_bytes='+process.resourceUsage().maxRSS*1024+'\\n'))";

interface Case {
  name: string;
  data: 'T120' | 'T500';
  kernel: KernelName;
  config: RunConfigInput;
}

const quiet = { steps: 3, checkpoint_every: 1000, snapshot_every: 1000 };
const CASES: Case[] = [
  { name: 'ring-N1024', data: 'T120', kernel: 'native', config: { model: { num_neurons: 1024 }, train: quiet } },
  { name: 'ring-H512', data: 'T120', kernel: 'native', config: { model: { hidden_gain_neurons: 512 }, train: quiet } },
  { name: 'ring-k16-N512', data: 'T120', kernel: 'native', config: { model: { num_neurons: 512, action_dim: 16 }, train: quiet } },
  { name: 'ring-B512', data: 'T120', kernel: 'native', config: { train: { ...quiet, batch_size: 512 } } },
  { name: 'ring-N1024-wasm', data: 'T120', kernel: 'wasm', config: { model: { num_neurons: 1024 }, train: quiet } },
  { name: 'gru-H512', data: 'T120', kernel: 'native', config: { model: { kind: 'gru', hidden_size: 512 }, train: quiet } },
  { name: 'transformer-d256', data: 'T120', kernel: 'native', config: { model: { kind: 'transformer', d_model: 256, dim_feedforward: 1024 }, train: quiet } },
  { name: 'transformer-T500', data: 'T500', kernel: 'native', config: { model: { kind: 'transformer' }, train: { ...quiet, batch_size: 32 } } },
  { name: 'transformer-T500-tfjs', data: 'T500', kernel: 'tfjs', config: { model: { kind: 'transformer' }, train: { ...quiet, batch_size: 8 } } },
];

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const root = mkdtempSync(join(tmpdir(), 'memory-estimate-'));
try {
  const shapes = { T120: { seq_len: 120, num_samples: 2048 }, T500: { seq_len: 500, num_samples: 512 } } as const;
  const dirs: Record<string, string> = {};
  for (const [name, s] of Object.entries(shapes)) {
    dirs[name] = join(root, name);
    await generateDataset(resolveDatagenConfig({ ...s, test_samples: 16, seed: 1 }), dirs[name]);
  }
  const ratios: number[] = [];
  for (const c of CASES) {
    if (only !== undefined && c.name !== only) continue;
    // The baselines run their fused wasm ops whatever the ring's kernel; only the ring needs the addon.
    if (c.kernel === 'native' && (c.config.model?.kind ?? 'ring') === 'ring' && nativeUnavailableReason()) {
      process.stdout.write(`memory-estimate name=${c.name} skipped (native kernel: ${nativeUnavailableReason()})\n`);
      continue;
    }
    const config = resolveRunConfig(c.config);
    const shape = shapes[c.data];
    const runKernel = config.model.kind === 'ring' || c.kernel === 'tfjs' ? c.kernel : 'wasm';
    const estimate = estimateTrainingMemory(config, { seqLen: shape.seq_len, trainRows: shape.num_samples, threads: availableParallelism() }, runKernel).total;
    const file = join(root, `${c.name}.json`);
    writeFileSync(file, JSON.stringify(c.config));
    const r = spawnSync(process.execPath, ['--import', PEAK, BIN, '--data', dirs[c.data], '--out', join(root, c.name), '--config', file, '--kernel', c.kernel, '--backend', 'wasm'], {
      encoding: 'utf8',
      env: { ...process.env, CI: '1' },
    });
    const peak = Number(/peak_rss_bytes=(\d+)/.exec(r.stderr)?.[1]);
    if (r.status !== 0 || !Number.isFinite(peak)) throw new Error(`${c.name}: ring-train exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const ratio = peak / estimate;
    ratios.push(ratio);
    process.stdout.write(`memory-estimate name=${c.name} kernel=${runKernel} estimate_mb=${(estimate / 1e6).toFixed(0)} peak_mb=${(peak / 1e6).toFixed(0)} ratio=${ratio.toFixed(2)}\n`);
  }
  process.stdout.write(`memory-estimate configs=${ratios.length} min_ratio=${Math.min(...ratios).toFixed(2)} max_ratio=${Math.max(...ratios).toFixed(2)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
