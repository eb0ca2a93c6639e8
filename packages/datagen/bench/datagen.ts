/**
 * Datagen benchmark: seconds to generate and write 128,000×120 (median of 3, to a temp folder), and the
 * peak RSS of a separate process generating 1,000,000×120 (bounded-memory streaming).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset, resolveDatagenConfig } from '../src/index.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const root = mkdtempSync(join(tmpdir(), 'datagen-bench-'));
try {
  const config = resolveDatagenConfig({ num_samples: 128000, seq_len: 120 });
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = join(root, `run${i}`);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await generateDataset(config, dir);
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    // CPU seconds as well: on a shared machine the wall time mostly measures the neighbours.
    cpu.push((c.user + c.system) / 1e6);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`datagen 128000x120 seconds=${median(times).toFixed(3)} (runs ${times.map((t) => t.toFixed(3)).join(', ')}; cpu_seconds=${median(cpu).toFixed(3)}; load1=${loadavg()[0].toFixed(1)})`);

  const child = fileURLToPath(new URL('./peak-rss.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, join(root, 'big'), '1000000', '120'], { encoding: 'utf8' });
  const { peak_rss_mb, seconds } = JSON.parse(out.trim().split('\n').pop()!) as { peak_rss_mb: number; seconds: number };
  console.log(`datagen 1000000x120 peak_rss_mb=${peak_rss_mb.toFixed(1)} (seconds=${seconds.toFixed(2)})`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
