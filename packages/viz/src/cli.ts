/** `ring-viz`: renders a train-stage output folder into figures, movies and an HTML report. */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, invalid, runMain } from '@ring-attractor/common';
import { parseStageCli } from '@ring-attractor/config';
import { VIZ_CLI } from './cliSpec.js';

async function main(): Promise<void> {
  const { args, config, json } = await parseStageCli(VIZ_CLI, hideBin(process.argv));
  // Loaded after parsing: vizConfig checks colour schemes with vega, which --help does not need.
  const { resolveVizConfig } = await import('./vizConfig.js');
  const viz = resolveVizConfig(config.viz, (k) => `--${k.replace(/_/g, '-')}`);
  const workers = args.workers;
  if (workers !== undefined && (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 64)) invalid('--workers', 'an integer in [1, 64]', workers);
  claimOutputFolder(args.out as string, 'ring-viz');
  // For tests and for forcing a system ffmpeg: skip the npm-packaged binaries.
  const packaged = process.env.RING_VIZ_NO_PACKAGED_FFMPEG ? false : undefined;
  // Loaded only now: bad flags fail fast, without loading the renderer.
  const { renderRun } = await import('./vizRun.js');
  const out = args.out as string;
  const result = await renderRun({ runDir: args.run as string, evalDir: args.eval as string, outDir: out, config: viz, workers: workers as number | undefined, ffmpeg: { packaged } });
  const s = result.seconds;
  if (json) process.stdout.write(`${JSON.stringify({ out, files: result.files, frames: result.frames, seconds: s })}\n`);
  process.stderr.write(
    `ring-viz: wrote ${result.files.length} files to ${out} in ${s.total.toFixed(1)} s ` +
      `(figures ${s.figures.toFixed(1)} s, report ${s.report.toFixed(1)} s, movies ${s.movies.toFixed(1)} s, ${result.frames} frames)\n`,
  );
}

await runMain(main, 'rendering figures');
