/** `ring-viz`: renders a train-stage output folder into figures, movies and an HTML report. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runMain, UsageError, invalid, readJsonObject, yargsFail } from '@ring-attractor/common';
import { resolveVizConfig, parseFormats } from './vizConfig.js';

/** Reads --config: a viz section itself, or a whole experiment config (its `viz` section is used). */
function readConfigFile(path: string): Record<string, unknown> {
  const obj = readJsonObject(path);
  if ('viz' in obj && typeof obj.viz === 'object' && obj.viz !== null) return obj.viz as Record<string, unknown>;
  return obj;
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('ring-viz')
    .usage('$0 --run DIR --out DIR [options]\n\nRenders weight figures, movies, evaluation plots and report.html from a train-stage folder.')
    .option('run', { type: 'string', demandOption: true, describe: 'train-stage output folder (snapshots.arrow, metrics.arrow, eval.json, eval_trace.arrow, run.json)' })
    .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
    .option('config', { type: 'string', describe: "JSON viz config (or an experiment config with a 'viz' section); flags override it" })
    .option('fps', { type: 'number', describe: 'movie frame rate (default 10)' })
    .option('formats', { type: 'string', describe: "movies to write: mp4,gif (default), mp4, gif, or '' / none" })
    .option('width', { type: 'number', describe: 'width in px of weight figures and movie frames, even (default 960)' })
    .option('scheme', { type: 'string', describe: "continuous vega colour scheme (default 'redblue')" })
    .option('reverse-scheme', { type: 'boolean', describe: 'reverse the scheme (default true: negative blue, positive red)' })
    .option('report-snapshots', { type: 'number', describe: 'most snapshots in the report slider (default 26)' })
    .option('workers', { type: 'number', describe: 'frame-rendering worker threads (default: cores, at most 4)' })
    .strict()
    .help()
    .version(false)
    .fail(yargsFail)
    .parseAsync();

  const fromFile = argv.config ? readConfigFile(argv.config) : {};
  const flags: Record<string, unknown> = {};
  if (argv.fps !== undefined) flags.fps = argv.fps;
  if (argv.formats !== undefined) flags.formats = parseFormats(argv.formats, '--formats');
  if (argv.width !== undefined) flags.width = argv.width;
  if (argv.scheme !== undefined) flags.scheme = argv.scheme;
  if (argv.reverseScheme !== undefined) flags.reverse_scheme = argv.reverseScheme;
  if (argv.reportSnapshots !== undefined) flags.report_snapshots = argv.reportSnapshots;
  const config = resolveVizConfig({ ...fromFile, ...flags }, 'viz');
  const workers = argv.workers;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) invalid('--workers', 'an integer in [1, 64]', workers);
  // For tests and for forcing a system ffmpeg: skip the npm-packaged binaries.
  const packaged = process.env.RING_VIZ_NO_PACKAGED_FFMPEG ? false : undefined;
  // Loaded only now: bad flags fail fast, without loading the renderer.
  const { renderRun } = await import('./vizRun.js');
  const result = await renderRun({ runDir: argv.run, outDir: argv.out, config, workers, ffmpeg: { packaged } });
  const s = result.seconds;
  process.stderr.write(
    `ring-viz: wrote ${result.files.length} files to ${argv.out} in ${s.total.toFixed(1)} s ` +
      `(figures ${s.figures.toFixed(1)} s, report ${s.report.toFixed(1)} s, movies ${s.movies.toFixed(1)} s, ${result.frames} frames)\n`,
  );
}

await runMain(main);
