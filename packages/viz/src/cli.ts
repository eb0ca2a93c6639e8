/** `ring-viz`: renders a train-stage output folder into figures, movies and an HTML report. */
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, invalid, packageVersion, runMain } from '@ring-attractor/common';
import { parseStageCli, vizSection } from '@ring-attractor/config';
import { resolveVizConfig } from './vizConfig.js';

async function main(): Promise<void> {
  const { args, config, json } = await parseStageCli(
    {
      name: 'ring-viz',
      version: packageVersion(import.meta.url),
      usage: '$0 --run TRAIN_DIR --eval EVAL_DIR --out DIR [--config FILE] [options]\n\nRenders weight figures, movies, the evaluation\'s figures and report.html from a train-stage and an eval-stage folder.',
      sections: { viz: vizSection },
      configFile: 'sections',
      options: {
        run: { type: 'string', demandOption: true, describe: 'train-stage folder (run.json, snapshots.arrow, metrics.arrow)' },
        eval: { type: 'string', demandOption: true, describe: 'eval-stage folder of the same model (eval.json, trace.arrow, the tables)' },
        out: { type: 'string', demandOption: true, describe: 'output folder' },
        workers: { type: 'number', describe: 'frame-rendering worker threads (default: cores, at most 4)' },
      },
      env: {
        FFMPEG_PATH: 'the ffmpeg binary to use for movies (searched first)',
        RING_VIZ_NO_PACKAGED_FFMPEG: 'set to 1 to skip the npm-packaged ffmpeg binaries (use FFMPEG_PATH or PATH)',
      },
    },
    hideBin(process.argv),
  );
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
