/**
 * `ring-compare`: one page comparing trained experiments. Runs come either from `--runs DIR…`
 * (each a train-stage folder; its name is the experiment folder, i.e. the parent of `train`) or
 * from `--workspace ROOT` (every trained experiment project of that workspace, sorted by name).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runMain, UsageError, invalid, readJsonObject, yargsFail } from '@ring-attractor/common';
import { discoverRuns, type RunRef } from './discover.js';
import { runName } from './runSummary.js';

const CONFIG_KEYS = ['runs', 'workspace', 'out', 'width'];

/** Reads --config: a JSON object with any of runs, workspace, out, width (unknown keys rejected). */
function readConfigFile(path: string): Record<string, unknown> {
  const obj = readJsonObject(path);
  for (const key of Object.keys(obj)) if (!CONFIG_KEYS.includes(key)) invalid(`compare.${key}`, `one of ${CONFIG_KEYS.join(', ')} (unknown key)`, key);
  if (obj.runs !== undefined && !(Array.isArray(obj.runs) && obj.runs.every((r) => typeof r === 'string'))) invalid('compare.runs', 'an array of folder paths', obj.runs);
  for (const key of ['workspace', 'out'] as const) if (obj[key] !== undefined && typeof obj[key] !== 'string') invalid(`compare.${key}`, 'a folder path', obj[key]);
  return obj;
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('ring-compare')
    .usage(
      '$0 (--runs DIR [DIR …] | --workspace ROOT) --out DIR\n\n' +
        'Compares trained experiments: compare.png + compare.vl.json (loss curves, test errors) and a self-contained report.html.\n' +
        '--runs: train-stage folders, named after their experiment folder (…/experiments/<name>/train → <name>).\n' +
        '--workspace: every artifacts/pipelines/experiments/<name>/train of ROOT whose pipelines/experiments/<name> is an experiment project.',
    )
    .option('runs', { type: 'string', array: true, describe: 'train-stage output folders (run.json, eval.json, metrics.arrow)' })
    .option('workspace', { type: 'string', describe: 'workspace root: compare every trained experiment project' })
    .option('out', { type: 'string', describe: 'output folder (required, here or in --config)' })
    .option('width', { type: 'number', describe: 'approximate figure width in px (default 960)' })
    .option('config', { type: 'string', describe: 'JSON with any of runs, workspace, out, width; flags override it' })
    .strict()
    .help()
    .version(false)
    .fail(yargsFail)
    .parseAsync();

  const file = argv.config ? readConfigFile(argv.config) : {};
  const runs = argv.runs ?? (file.runs as string[] | undefined);
  const workspace = argv.workspace ?? (file.workspace as string | undefined);
  const out = argv.out ?? (file.out as string | undefined);
  const width = argv.width ?? file.width;
  if (out === undefined || out === '') invalid('--out', 'an output folder', out ?? null);
  if (width !== undefined && (typeof width !== 'number' || !Number.isInteger(width) || width < 400 || width > 4096)) invalid('--width', 'an integer in [400, 4096]', width);
  if (runs !== undefined && workspace !== undefined) invalid('--runs', 'either --runs or --workspace, not both', runs);

  let refs: RunRef[];
  if (workspace !== undefined) {
    const found = discoverRuns(workspace);
    if (found.runs.length === 0) {
      const untrained = found.untrained.length > 0 ? `; untrained: ${found.untrained.join(', ')} — run nx run experiment-<name>:train` : '';
      throw new UsageError(
        `--workspace: expected at least one trained experiment (artifacts/pipelines/experiments/<name>/train of an experiment project) (got none in ${JSON.stringify(workspace)}${untrained})`,
      );
    }
    if (found.untrained.length > 0) process.stderr.write(`ring-compare: skipped untrained experiment${found.untrained.length > 1 ? 's' : ''} ${found.untrained.join(', ')}\n`);
    refs = found.runs;
  } else {
    if (!runs || runs.length === 0) invalid('--runs', 'at least one train-stage folder (or --workspace ROOT)', runs ?? []);
    refs = runs.map((dir) => ({ name: runName(dir), dir }));
  }
  // Loaded only now: bad flags fail fast, without loading the renderer.
  const { compareRuns } = await import('./compareRuns.js');
  const t0 = performance.now();
  const result = await compareRuns({ runs: refs, outDir: out, width: width as number | undefined });
  process.stderr.write(
    `ring-compare: ${result.runs.length} experiment${result.runs.length === 1 ? '' : 's'} (${result.runs.map((r) => r.name).join(', ')}) → ` +
      `${out}/{${result.files.join(',')}} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

await runMain(main);
