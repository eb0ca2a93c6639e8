/** `ring-experiment new|sweep`: writes experiment folders (a config.json each; the nx plugin makes them projects). */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { packageVersion, runMain, UsageError, yargsFail } from '@ring-attractor/common';
import { checkName } from '@ring-attractor/config';
import { checkDataset, experimentExists, loadExperiment, writeExperiment, type ExperimentFile } from './scaffold.js';
import { expandSweep, parseSweepAxis } from './sweep.js';

/** A new experiment's config when there is nothing to copy from: the reference run on the seed dataset. */
const DEFAULT_CONFIG: ExperimentFile = { dataset: 'seed' };

async function main(): Promise<void> {
  const root = process.env.RING_WORKSPACE_ROOT ?? process.cwd();
  await yargs(hideBin(process.argv))
    .scriptName('ring-experiment')
    .command(
      'new <name>',
      'write pipelines/experiments/<name>/config.json',
      (y) =>
        y
          .positional('name', { type: 'string', demandOption: true })
          .option('from', { type: 'string', describe: 'copy the config of this experiment' })
          .option('dataset', { type: 'string', describe: 'train on this dataset (pipelines/datasets/<name>)' })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing experiment' }),
      async (argv) => {
        checkName('name', argv.name);
        const { $schema: _, ...config } = argv.from ? loadExperiment(root, argv.from) : structuredClone(DEFAULT_CONFIG);
        if (argv.dataset !== undefined) {
          checkDataset(root, argv.dataset);
          config.dataset = argv.dataset;
        }
        const dir = await writeExperiment(root, argv.name, config as ExperimentFile, argv.force);
        process.stdout.write(`created ${dir} (dataset ${config.dataset}); run it with: npx nx run experiment-${argv.name}:viz\n`);
      },
    )
    .command(
      'sweep <base>',
      "write one experiment per combination of --set values, all on the base experiment's dataset",
      (y) =>
        y
          .positional('base', { type: 'string', demandOption: true })
          .option('set', { type: 'string', array: true, demandOption: true, describe: 'section.key=v1,v2 (repeatable; values checked against the schema)' })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite existing experiments' }),
      async (argv) => {
        const { $schema: _, ...base } = loadExperiment(root, argv.base);
        const combos = expandSweep(argv.base, base as ExperimentFile, argv.set.map(parseSweepAxis));
        // Every name is checked before any is written, so a clash leaves the workspace untouched.
        if (!argv.force) {
          const taken = combos.find(({ name }) => experimentExists(root, name));
          if (taken) throw new UsageError(`experiment ${JSON.stringify(taken.name)}: already exists (pass --force to overwrite)`);
        }
        for (const { name, config } of combos) {
          const dir = await writeExperiment(root, name, config, argv.force);
          process.stdout.write(`created ${dir}\n`);
        }
        process.stdout.write(`${combos.length} experiments; run them all with: npx nx run pipelines:full\n`);
      },
    )
    .demandCommand(1, 'name a command: new or sweep')
    .epilogue('Environment:\n  RING_WORKSPACE_ROOT  the workspace to write into (default: the current folder)\n  RING_DEBUG           set to 1 to print stack traces of internal errors')
    .strict()
    .fail(yargsFail)
    .help('help')
    .alias('help', 'h')
    .version(packageVersion(import.meta.url))
    .parseAsync();
}

await runMain(main);
