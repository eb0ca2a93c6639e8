/** `ring-experiment new|sweep`: writes experiment folders (a config.json each; the nx plugin makes them projects). */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { envEpilogue, packageVersion, runMain, UsageError, yargsFail } from '@ring-attractor/common';
import { checkName } from '@ring-attractor/config';
import { EXPERIMENT_CLI } from './cliSpec.js';
import { checkDataset, experimentExists, loadExperiment, writeExperiment, type ExperimentFile } from './scaffold.js';
import { expandSweep, parseSweepAxis } from './sweep.js';

/** A new experiment's config when there is nothing to copy from: the reference run on the seed dataset. */
const DEFAULT_CONFIG: ExperimentFile = { dataset: 'seed' };
const { new: NEW, sweep: SWEEP } = EXPERIMENT_CLI.commands;

async function main(): Promise<void> {
  const root = process.env.RING_WORKSPACE_ROOT ?? process.cwd();
  await yargs(hideBin(process.argv))
    .scriptName(EXPERIMENT_CLI.name)
    .command(
      NEW.command,
      NEW.describe,
      (y) => y.positional('name', NEW.positionals.name).options(NEW.options),
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
      SWEEP.command,
      SWEEP.describe,
      (y) => y.positional('base', SWEEP.positionals.base).options(SWEEP.options),
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
    .epilogue(envEpilogue(EXPERIMENT_CLI.env))
    .strict()
    .fail(yargsFail)
    .help('help')
    .alias('help', 'h')
    .version(packageVersion(import.meta.url))
    .parseAsync();
}

await runMain(main);
