/**
 * Memory of a long run against its snapshot count: `ring-train` (the built CLI) runs 3000 small steps
 * (N=16, B=8, T=12, checkpoints every 50) with a snapshot at every step and with one every 1000
 * steps, each in its own process, alternating, BENCH_REPEATS times (default 3). Peak memory is the
 * child's process.resourceUsage().maxRSS at exit (Linux: VmHWM), reported by bench/report-peak-rss.mjs;
 * wall seconds are the whole process (start-up, sanity check and final files included). Medians.
 *
 * Usage: node --import tsx bench/memory.ts
 * Last line: `train-memory snapshot_every=1 peak_mb=… snapshot_every=1000 peak_mb=…`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset, resolveDatagenConfig } from '@ring-attractor/datagen';

const STEPS = 3000;
const EVERY = [1, 1000] as const;
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`BENCH_REPEATS: expected a positive integer (got ${process.env.BENCH_REPEATS})`);

const BIN = fileURLToPath(new URL('../bin/ring-train.mjs', import.meta.url));
const PRELOAD = new URL('./report-peak-rss.mjs', import.meta.url).href;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Run {
  peakMb: number;
  seconds: number;
  snapshotsMb: number;
}

function trainOnce(data: string, out: string, every: number): Run {
  const args = ['--import', PRELOAD, BIN, '--data', data, '--out', out, '--steps', String(STEPS), '--batch-size', '8', '--num-neurons', '16'];
  args.push('--snapshot-every', String(every), '--checkpoint-every', '50', '--backend', 'wasm');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`ring-train exited ${r.status}: ${r.stderr}`);
  const m = /peak_rss_kb=(\d+)\n?$/.exec(r.stderr);
  if (!m) throw new Error(`no peak_rss_kb line from the child: ${r.stderr.slice(-500)}`);
  return { peakMb: Number(m[1]) / 1024, seconds, snapshotsMb: statSync(join(out, 'snapshots.arrow')).size / 2 ** 20 };
}

const root = mkdtempSync(join(tmpdir(), 'train-memory-bench-'));
try {
  const data = join(root, 'data');
  await generateDataset(resolveDatagenConfig({ num_samples: 1024, test_samples: 64, seq_len: 12, seed: 1 }), data);
  const runs = new Map<number, Run[]>(EVERY.map((e) => [e, []]));
  for (let i = 0; i < repeats; i++) {
    for (const every of EVERY) {
      const out = join(root, `run-${every}-${i}`);
      runs.get(every)!.push(trainOnce(data, out, every));
      rmSync(out, { recursive: true, force: true });
    }
  }
  const summary = (every: number) => {
    const rs = runs.get(every)!;
    return { peak: median(rs.map((r) => r.peakMb)), seconds: median(rs.map((r) => r.seconds)), file: rs[0].snapshotsMb, all: rs };
  };
  for (const every of EVERY) {
    const s = summary(every);
    const snapshots = Math.floor(STEPS / every) + (STEPS % every === 0 ? 1 : 2);
    console.log(
      `snapshot_every=${every}: ${snapshots} snapshots (snapshots.arrow ${s.file.toFixed(1)} MB), peak RSS ${s.peak.toFixed(1)} MB (maxRSS), wall ${s.seconds.toFixed(1)} s` +
        ` (runs: ${s.all.map((r) => `${r.peakMb.toFixed(1)} MB ${r.seconds.toFixed(1)} s`).join('; ')}; load1=${loadavg()[0].toFixed(1)})`,
    );
  }
  console.log(`train-memory ${EVERY.map((e) => `snapshot_every=${e} peak_mb=${summary(e).peak.toFixed(1)}`).join(' ')}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
