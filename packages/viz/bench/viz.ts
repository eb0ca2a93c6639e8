/**
 * Renders a synthetic seed-size run (N = 120, 101 snapshots, 1000 metric rows, T = 200) into
 * MP4 + GIF and every static figure, and prints `viz seconds=<x> frames=<n>` plus a breakdown.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRunFixture } from '../test/fixture.js';
import { DEFAULT_VIZ_CONFIG } from '../src/vizConfig.js';
import { renderRun } from '../src/vizRun.js';

const root = mkdtempSync(join(tmpdir(), 'ring-viz-bench-'));
try {
  const run = await buildRunFixture(root, { n: 120, snapshots: 101, metricRows: 1000, traceLength: 200 });
  const out = join(root, 'viz');
  const r = await renderRun({ runDir: run.trainDir, evalDir: run.evalDir, outDir: out, config: DEFAULT_VIZ_CONFIG, log: () => undefined });
  const s = r.seconds;
  const kb = (f: string): string => `${(statSync(join(out, f)).size / 1024).toFixed(0)}KiB`;
  process.stdout.write(`viz seconds=${s.total.toFixed(2)} frames=${r.frames}\n`);
  process.stdout.write(
    `  read=${s.read.toFixed(2)} figures=${s.figures.toFixed(2)} report=${s.report.toFixed(2)} movies=${s.movies.toFixed(2)}` +
      ` (${(s.movies / Math.max(1, r.frames) * 1000).toFixed(0)} ms/frame)` +
      ` sizes: mp4=${kb('weights_evolution.mp4')} gif=${kb('weights_evolution.gif')} report=${kb('report.html')}\n`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
