/**
 * `ring-compare --runs DIR… --out DIR`: one page comparing trained experiments. Each DIR is an
 * experiment's artifact folder holding its `train/` and `eval/` stage folders; it is named after the
 * folder. `pipelines:compare` passes every experiment of the workspace.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { claimOutputFolder, envEpilogue, invalid, packageVersion, runMain, yargsFail } from '@ring-attractor/common';
import { COMPARE_CLI } from './cliSpec.js';
import { runName, testErrors } from './runSummary.js';

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName(COMPARE_CLI.name)
    .usage(COMPARE_CLI.usage)
    .options(COMPARE_CLI.options)
    .epilogue(envEpilogue(COMPARE_CLI.env))
    .strict()
    .help('help')
    .alias('help', 'h')
    .version(packageVersion(import.meta.url))
    .fail(yargsFail)
    .parseAsync();

  const width = argv.width;
  if (argv.out === '') invalid('--out', 'an output folder', argv.out);
  if (width !== undefined && (!Number.isInteger(width) || width < 400 || width > 4096)) invalid('--width', 'an integer in [400, 4096]', width);
  if (argv.runs.length === 0) invalid('--runs', 'at least one train-stage folder', argv.runs);
  const refs = argv.runs.map((dir) => ({ name: runName(dir), dir }));
  claimOutputFolder(argv.out, 'ring-compare');
  // Loaded only now: bad flags fail fast, without loading the renderer.
  const { compareRuns } = await import('./compareRuns.js');
  const t0 = performance.now();
  const result = await compareRuns({ runs: refs, outDir: argv.out, width });
  if (argv.json) process.stdout.write(`${JSON.stringify({ out: argv.out, files: result.files, runs: result.runs.map((r) => ({ name: r.name, test_pv_deg: testErrors(r).pv, test_argmax_deg: testErrors(r).argmax })) })}\n`);
  process.stderr.write(
    `ring-compare: ${result.runs.length} experiment${result.runs.length === 1 ? '' : 's'} (${result.runs.map((r) => r.name).join(', ')}) → ` +
      `${argv.out}/{${result.files.join(',')}} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

await runMain(main, 'comparing experiments');
